import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { S3Engine } from './engine.js';
import type { ObjectEvent } from './model.js';

const info = { sourceIp: '127.0.0.1', requestId: 'R', hostId: 'H' };
const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dir: string) {
  const store = new SqliteStore(dir);
  stores.push(store);
  const e = new S3Engine(store, new ManualClock(), 'us-east-1');
  await e.start();
  return e;
}

async function engine(status?: 'Enabled' | 'Suspended') {
  const dir = mkdtempSync(path.join(tmpdir(), 'selfless-s3-versions-'));
  dirs.push(dir);
  const e = await open(dir);
  await e.createBucket('bkt');
  if (status) await e.setVersioning('bkt', status);
  const events: ObjectEvent[] = [];
  e.onEvent((ev) => {
    events.push(ev);
  });
  const files = () => {
    const d = path.join(dir, 'blobs');
    const walk = (p: string): string[] =>
      readdirSync(p, { withFileTypes: true }).flatMap((f) =>
        f.isDirectory() ? walk(path.join(p, f.name)) : [path.join(p, f.name)],
      );
    try {
      return walk(d);
    } catch {
      return [];
    }
  };
  return { e, dir, events, files };
}

function put(e: S3Engine, key: string, text: string, big = false) {
  const body = big ? Buffer.alloc(64 * 1024, text) : Buffer.from(text);
  return e.putObject('bkt', key, Readable.from([body]), { contentLength: body.length }, info);
}

async function read(e: S3Engine, key: string, versionId?: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of e.openObject(await e.head('bkt', key, versionId))) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('S3 versioning (engine)', () => {
  it('keeps every version readable by id and the newest current', async () => {
    const { e } = await engine('Enabled');
    const v1 = await put(e, 'k', 'one');
    const v2 = await put(e, 'k', 'two');
    expect(v1.versionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(v2.versionId).not.toBe(v1.versionId);
    expect(await read(e, 'k')).toBe('two');
    expect(await read(e, 'k', v1.versionId)).toBe('one');
    expect((await e.list('bkt')).contents.map((o) => o.key)).toEqual(['k']);
  });

  it('a delete without version id adds a marker: NoSuchKey with x-amz-delete-marker, 405 by id', async () => {
    const { e, events } = await engine('Enabled');
    const v1 = await put(e, 'k', 'one');
    const del = await e.deleteObject('bkt', 'k', info);
    expect(del).toMatchObject({ deleteMarker: true, versionId: expect.stringMatching(/^.{32}$/) });
    await expect(e.head('bkt', 'k')).rejects.toMatchObject({
      code: 'NoSuchKey',
      details: {
        status: 404,
        headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': del?.versionId },
      },
    });
    await expect(e.head('bkt', 'k', del?.versionId)).rejects.toMatchObject({
      code: 'MethodNotAllowed',
      details: { status: 405 },
    });
    expect(await read(e, 'k', v1.versionId)).toBe('one');
    expect((await e.list('bkt')).contents).toEqual([]);
    expect(events.map((ev) => [ev.eventName, ev.versionId])).toEqual([
      ['ObjectCreated:Put', v1.versionId],
      ['ObjectRemoved:DeleteMarkerCreated', del?.versionId],
    ]);
    // Removing the marker brings the version back.
    expect(await e.deleteObject('bkt', 'k', info, { versionId: del?.versionId })).toEqual({
      deleteMarker: true,
      versionId: del?.versionId,
    });
    expect(await read(e, 'k')).toBe('one');
  });

  it('deleting the current version by id makes the previous one current and frees its blob', async () => {
    const { e, files } = await engine('Enabled');
    const v1 = await put(e, 'k', 'a', true);
    const v2 = await put(e, 'k', 'b', true);
    expect(files()).toHaveLength(2);
    await e.deleteObject('bkt', 'k', info, { versionId: v2.versionId });
    expect((await read(e, 'k')).slice(0, 1)).toBe('a');
    expect(files()).toHaveLength(1);
    await expect(e.head('bkt', 'k', v2.versionId)).rejects.toMatchObject({ code: 'NoSuchVersion' });
    await e.deleteObject('bkt', 'k', info, { versionId: v1.versionId });
    expect(files()).toEqual([]);
    await expect(e.head('bkt', 'k', 'not-a-version')).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('lists versions and markers newest first per key, with IsLatest, prefixes and paging', async () => {
    const { e } = await engine('Enabled');
    const a1 = await put(e, 'a', '1');
    const a2 = await put(e, 'a', '2');
    const marker = await e.deleteObject('bkt', 'a', info);
    const b1 = await put(e, 'b', '1');
    await put(e, 'dir/x', '1');
    await put(e, 'dir/y', '1');
    const all = await e.listVersions('bkt');
    expect(all.versions.map((v) => [v.key, v.versionId, v.isLatest, v.deleteMarker === true])).toEqual([
      ['a', marker?.versionId, true, true],
      ['a', a2.versionId, false, false],
      ['a', a1.versionId, false, false],
      ['b', b1.versionId, true, false],
      ['dir/x', expect.any(String), true, false],
      ['dir/y', expect.any(String), true, false],
    ]);
    const rolled = await e.listVersions('bkt', { delimiter: '/' });
    expect(rolled.versions.map((v) => v.key)).toEqual(['a', 'a', 'a', 'b']);
    expect(rolled.commonPrefixes).toEqual(['dir/']);
    const seen: Array<[string, string | undefined, boolean]> = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await e.listVersions('bkt', { maxKeys: 2, keyMarker, versionIdMarker });
      seen.push(
        ...page.versions.map((v): [string, string | undefined, boolean] => [v.key, v.versionId, v.isLatest]),
      );
      if (!page.isTruncated) break;
      keyMarker = page.nextKeyMarker;
      versionIdMarker = page.nextVersionIdMarker;
    }
    expect(seen).toEqual(all.versions.map((v) => [v.key, v.versionId, v.isLatest]));
    expect((await e.listVersions('bkt', { prefix: 'dir/' })).versions.map((v) => v.key)).toEqual([
      'dir/x',
      'dir/y',
    ]);
  });

  it('suspended buckets write and delete the null version, keeping older ones', async () => {
    const { e } = await engine('Enabled');
    const v1 = await put(e, 'k', 'one');
    await e.setVersioning('bkt', 'Suspended');
    const n1 = await put(e, 'k', 'null-1');
    expect(n1.versionId).toBe('null');
    await put(e, 'k', 'null-2');
    expect((await e.listVersions('bkt')).versions.map((v) => v.versionId)).toEqual(['null', v1.versionId]);
    const del = await e.deleteObject('bkt', 'k', info);
    expect(del).toEqual({ deleteMarker: true, versionId: 'null' });
    const after = await e.listVersions('bkt');
    expect(after.versions.map((v) => [v.versionId, v.deleteMarker === true])).toEqual([
      ['null', true],
      [v1.versionId, false],
    ]);
    expect(await read(e, 'k', v1.versionId)).toBe('one');
  });

  it('copies and completed multipart uploads add versions; a copy can read an older version', async () => {
    const { e, events } = await engine('Enabled');
    const v1 = await put(e, 'src', 'first');
    await put(e, 'src', 'second');
    const copy = await e.copyObject(
      { bucket: 'bkt', key: 'src', versionId: v1.versionId },
      { bucket: 'bkt', key: 'dst' },
      {},
      info,
    );
    expect(copy.versionId).toMatch(/^.{32}$/);
    expect(copy.versionId).not.toBe(v1.versionId);
    expect(await read(e, 'dst')).toBe('first');
    const upload = await e.createUpload('bkt', 'dst', {});
    const part = await e.uploadPart('bkt', 'dst', upload.uploadId, 1, Readable.from([Buffer.from('mp')]), {
      contentLength: 2,
    });
    const done = await e.completeUpload(
      'bkt',
      'dst',
      upload.uploadId,
      [{ partNumber: 1, etag: part.etag }],
      info,
    );
    expect(await read(e, 'dst')).toBe('mp');
    expect(await read(e, 'dst', copy.versionId)).toBe('first');
    expect((await e.listVersions('bkt', { prefix: 'dst' })).versions.map((v) => v.versionId)).toEqual([
      done.versionId,
      copy.versionId,
    ]);
    expect(events.slice(-2).map((ev) => [ev.eventName, ev.versionId])).toEqual([
      ['ObjectCreated:Copy', copy.versionId],
      ['ObjectCreated:CompleteMultipartUpload', done.versionId],
    ]);
  });

  it('objects from before versioning become the null version, kept when new versions arrive', async () => {
    const { e } = await engine();
    await put(e, 'k', 'old');
    await e.setVersioning('bkt', 'Enabled');
    expect((await e.head('bkt', 'k')).versionId).toBe('null');
    const v = await put(e, 'k', 'new');
    expect(await read(e, 'k', 'null')).toBe('old');
    expect((await e.listVersions('bkt')).versions.map((o) => [o.versionId ?? 'null', o.isLatest])).toEqual([
      [v.versionId, true],
      ['null', false],
    ]);
  });

  it('unversioned buckets keep overwriting in place, without version ids', async () => {
    const { e } = await engine();
    const o = await put(e, 'k', 'one');
    expect(o.versionId).toBeUndefined();
    expect(await e.deleteObject('bkt', 'k', info)).toEqual({ deleteMarker: false });
    expect((await e.listVersions('bkt')).versions).toEqual([]);
  });

  it('refuses to delete a bucket while versions or markers remain, and survives a restart', async () => {
    const { e, dir, files } = await engine('Enabled');
    const v1 = await put(e, 'k', 'x', true);
    const marker = await e.deleteObject('bkt', 'k', info);
    await expect(e.deleteBucket('bkt')).rejects.toMatchObject({ code: 'BucketNotEmpty' });
    await stores[0].close();
    const again = await open(dir);
    expect((await again.bucket('bkt')).versioning).toBe('Enabled');
    expect((await again.listVersions('bkt')).versions.map((v) => v.versionId)).toEqual([
      marker?.versionId,
      v1.versionId,
    ]);
    expect((await read(again, 'k', v1.versionId)).slice(0, 1)).toBe('x');
    await again.deleteObject('bkt', 'k', info, { versionId: v1.versionId });
    await expect(again.deleteBucket('bkt')).rejects.toMatchObject({ code: 'BucketNotEmpty' });
    await again.deleteObject('bkt', 'k', info, { versionId: marker?.versionId });
    await again.deleteBucket('bkt');
    expect(files()).toEqual([]);
  });

  it('a forced bucket removal drops every version and blob', async () => {
    const { e, files } = await engine('Enabled');
    await put(e, 'k', 'a', true);
    await put(e, 'k', 'b', true);
    await e.deleteObject('bkt', 'k', info);
    await e.deleteBucket('bkt', { force: true });
    expect(files()).toEqual([]);
  });
});
