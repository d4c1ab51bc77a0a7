import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite.js';

const dirs: string[] = [];
function freshStore(dir = mkdtempSync(join(tmpdir(), 'selfless-store-'))) {
  dirs.push(dir);
  return { store: new SqliteStore(dir), dir };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('keeps documents across reopen', async () => {
    const { store, dir } = freshStore();
    await store.table<{ n: number }>('things').put('a', { n: 1 });
    await store.close();
    const again = new SqliteStore(dir);
    expect(await again.table('things').get('a')).toEqual({ n: 1 });
    await again.close();
  });

  it('cached tables hand out frozen values and see every write made through the store', async () => {
    const { store } = freshStore();
    const t = store.table<{ n: number; deep: { m: number } }>('config', { cached: true });
    expect(await t.get('a')).toBeUndefined();
    await store.batch([{ table: 'config', key: 'a', value: { n: 1, deep: { m: 1 } } }]);
    const a = await t.get('a');
    expect(a).toEqual({ n: 1, deep: { m: 1 } });
    expect(Object.isFrozen(a) && Object.isFrozen(a?.deep)).toBe(true);
    expect(() => {
      (a as { n: number }).n = 2;
    }).toThrow(TypeError);
    await t.put('a', { n: 2, deep: { m: 2 } });
    expect((await t.get('a'))?.n).toBe(2);
    // The same namespace opened without the option is the same table: its writes count too.
    await store.table('config').put('a', { n: 3, deep: { m: 3 } });
    expect((await t.get('a'))?.n).toBe(3);
    await store.batch([{ table: 'config', key: 'a' }]);
    expect(await t.get('a')).toBeUndefined();
    await store.close();
  });

  it('lists by prefix in key order and paginates with after', async () => {
    const { store } = freshStore();
    const t = store.table<number>('t');
    for (const k of ['b/2', 'a/1', 'b/1', 'c/1']) await t.put(k, 0);
    expect((await t.list({ prefix: 'b/' })).map((e) => e.key)).toEqual(['b/1', 'b/2']);
    expect((await t.list({ after: 'b/1' })).map((e) => e.key)).toEqual(['b/2', 'c/1']);
    await t.put('b/\u{1F600}', 0);
    await t.put('b/\uffff', 0);
    expect((await t.list({ prefix: 'b/' })).map((e) => e.key)).toEqual([
      'b/1',
      'b/2',
      'b/\uffff',
      'b/\u{1F600}',
    ]);
    await store.close();
  });

  it('applies a batch atomically', async () => {
    const { store } = freshStore();
    await store.table('t').put('gone', 1);
    await store.batch([
      { table: 't', key: 'x', value: { y: 1 } },
      { table: 't', key: 'gone' },
    ]);
    expect(await store.table('t').get('x')).toEqual({ y: 1 });
    expect(await store.table('t').get('gone')).toBeUndefined();
    await expect(store.batch([{ table: 't', key: 'z', value: 1n as unknown }])).rejects.toThrow();
    expect(await store.table('t').get('z')).toBeUndefined();
    await store.close();
  });

  it('redelivers a claimed queue item once its lease expires (at-least-once)', async () => {
    const { store, dir } = freshStore();
    const q = store.queue<string>('work');
    await q.enqueue('job');
    const [first] = await q.claim(1000, 500, 10);
    expect(first.item).toBe('job');
    expect(await q.claim(1200, 500, 10)).toEqual([]);
    await store.close();
    const reopened = new SqliteStore(dir);
    const [again] = await reopened.queue<string>('work').claim(1600, 500, 10);
    expect(again).toMatchObject({ item: 'job', attempts: 1 });
    await reopened.queue('work').ack(again.id);
    expect(await reopened.queue('work').size()).toBe(0);
    await reopened.close();
  });

  it('writes blobs atomically and streams ranges', async () => {
    const { store } = freshStore();
    await store.blobs.put('code/abc.zip', Buffer.from('hello world'));
    expect((await store.blobs.get('code/abc.zip'))?.toString()).toBe('hello world');
    const chunks: Buffer[] = [];
    for await (const c of store.blobs.stream('code/abc.zip', { start: 6, end: 10 }) as AsyncIterable<Buffer>)
      chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe('world');
    expect(() => store.blobs.path('../escape')).toThrow(/Invalid blob key/);
    await store.close();
  });
});
