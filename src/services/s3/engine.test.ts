import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { S3Engine } from './engine.js';

const info = { sourceIp: '127.0.0.1', requestId: 'R', hostId: 'H' };
const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function engine() {
  const dir = mkdtempSync(path.join(tmpdir(), 'selfless-s3-engine-'));
  dirs.push(dir);
  const store = new SqliteStore(dir);
  stores.push(store);
  const e = new S3Engine(store, new ManualClock(), 'us-east-1');
  await e.start();
  await e.createBucket('bkt');
  /** Files under the blob folder (including temp files), to prove nothing is left behind. */
  const files = () => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((f) =>
        f.isDirectory() ? walk(path.join(d, f.name)) : [path.join(d, f.name)],
      );
    return walk(path.join(dir, 'blobs'));
  };
  return { e, store, files };
}

/** A body that sends `bytes` and then fails, like a client that disconnects mid-upload. */
function brokenBody(bytes: number): Readable {
  const s = new PassThrough();
  s.write(Buffer.alloc(bytes, 1));
  setImmediate(() => s.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
  return s;
}

describe('atomic object writes', () => {
  it('leaves no object and no file behind when the upload breaks off', async () => {
    const { e, files } = await engine();
    await e.putObject('bkt', 'k', Readable.from([Buffer.from('old')]), { contentLength: 3 }, info);
    const before = files();
    await expect(
      e.putObject('bkt', 'k', brokenBody(200_000), { contentLength: 1_000_000 }, info),
    ).rejects.toMatchObject({
      code: 'IncompleteBody',
    });
    // The previous version is untouched and still readable.
    const o = await e.head('bkt', 'k');
    expect(o.size).toBe(3);
    expect(files()).toEqual(before);
  });

  it('answers a full disk with a clean InternalError and keeps nothing', async () => {
    const { e, store, files } = await engine();
    const put = store.blobs.put.bind(store.blobs);
    store.blobs.put = async (_key, data) => {
      // Consume part of the stream, then fail the way a full disk does.
      for await (const _ of data as AsyncIterable<Buffer>) break;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    await expect(
      e.putObject(
        'bkt',
        'big',
        Readable.from([Buffer.alloc(100_000), Buffer.alloc(100_000)]),
        { contentLength: 200_000 },
        info,
      ),
    ).rejects.toMatchObject({ code: 'InternalError', message: expect.stringContaining('out of disk space') });
    store.blobs.put = put;
    await expect(e.head('bkt', 'big')).rejects.toMatchObject({ code: 'NoSuchKey' });
    expect(files()).toEqual([]);
  });

  it('keeps small objects inline and large ones in blobs, replacing and deleting them cleanly', async () => {
    const { e, files } = await engine();
    await e.putObject('bkt', 'small', Readable.from([Buffer.from('tiny')]), { contentLength: 4 }, info);
    expect(files()).toEqual([]);
    await e.putObject(
      'bkt',
      'large',
      Readable.from([Buffer.alloc(100_000, 2)]),
      { contentLength: 100_000 },
      info,
    );
    expect(files()).toHaveLength(1);
    await e.putObject(
      'bkt',
      'large',
      Readable.from([Buffer.alloc(50_000, 3)]),
      { contentLength: 50_000 },
      info,
    );
    expect(files()).toHaveLength(1);
    const chunks: Buffer[] = [];
    for await (const c of e.openObject(await e.head('bkt', 'large'), { start: 0, end: 1 }))
      chunks.push(c as Buffer);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([3, 3]));
    await e.deleteObject('bkt', 'large', info);
    await e.deleteObject('bkt', 'small', info);
    expect(files()).toEqual([]);
  });

  it('reports events in order with increasing sequencers', async () => {
    const { e } = await engine();
    const seen: Array<{ name: string; seq: string }> = [];
    e.onEvent((ev) => {
      seen.push({ name: ev.eventName, seq: ev.sequencer });
    });
    await e.putObject('bkt', 'a', Readable.from([Buffer.from('1')]), { contentLength: 1 }, info);
    await e.putObject('bkt', 'a', Readable.from([Buffer.from('2')]), { contentLength: 1 }, info);
    await e.deleteObject('bkt', 'a', info);
    expect(seen.map((s) => s.name)).toEqual([
      'ObjectCreated:Put',
      'ObjectCreated:Put',
      'ObjectRemoved:Delete',
    ]);
    expect([...seen.map((s) => s.seq)].sort()).toEqual(seen.map((s) => s.seq));
    expect(new Set(seen.map((s) => s.seq)).size).toBe(3);
  });
});
