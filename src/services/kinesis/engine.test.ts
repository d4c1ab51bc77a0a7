import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { KinesisEngine } from './engine.js';

let dir: string;
let store: SqliteStore;
let clock: ManualClock;
let engine: KinesisEngine;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kinesis-engine-'));
  store = new SqliteStore(dir);
  clock = new ManualClock(Date.UTC(2026, 2, 1));
  engine = new KinesisEngine(store, clock, 'us-east-1');
  await engine.load();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const SHARD = 'shardId-000000000000';
const put = (...items: string[]) =>
  engine.putRecords(
    's',
    items.map((i) => ({ data: Buffer.from(i), partitionKey: 'k' })),
  );
const read = async (after = '') =>
  (await engine.read('s', SHARD, after, 100)).map((r) => Buffer.from(r.data, 'base64').toString());

describe('retention', () => {
  it('stops serving records older than 24 hours and trims them from the store', async () => {
    await engine.createStream('s', 1);
    await put('old');
    await clock.advance(23 * 3_600_000);
    await put('newer');
    await clock.advance(2 * 3_600_000);
    expect(await read()).toEqual(['newer']);
    const it = await engine.shardIterator('s', SHARD, 'TRIM_HORIZON');
    expect((await engine.getRecords(it)).records.map((r) => r.partitionKey)).toEqual(['k']);
    await engine.trim('s');
    expect((await store.table('kinesis.records').list()).length).toBe(1);
  });
});

describe('concurrent puts', () => {
  it('number records in the order they commit, so a reader never skips one', async () => {
    await engine.createStream('s', 1);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => put(`r${i}`)));
    const seqs = results.map(([r]) => r.sequenceNumber);
    expect([...seqs].sort()).toEqual(seqs);
    expect(await read()).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
  });
});

describe('a stream deleted and created again', () => {
  it('starts empty, and iterators of the old stream no longer read', async () => {
    await engine.createStream('s', 1);
    await put('before');
    const old = await engine.shardIterator('s', SHARD, 'TRIM_HORIZON');
    await engine.deleteStream('s');
    await clock.advance(1000);
    await engine.createStream('s', 1);
    expect(await read()).toEqual([]);
    await expect(engine.getRecords(old)).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
  });
});
