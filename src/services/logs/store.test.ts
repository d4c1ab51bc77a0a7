import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/integration/platform-helpers.js';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { compileFilterPattern, LogStore } from './store.js';

describe('LogStore', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const open = (retention?: number) => {
    const t = tempDir();
    const store = new SqliteStore(t.dir);
    cleanups.push(t.cleanup, () => store.close());
    return { logs: new LogStore(store, new ManualClock(1000), retention), store, dir: t.dir };
  };

  it('persists events per stream in time order and queries them by time and pattern', async () => {
    const { logs } = open();
    logs.write('/aws/lambda/f', 's1', [
      { timestamp: 10, message: 'START one' },
      { timestamp: 12, message: 'hello world' },
    ]);
    logs.write('/aws/lambda/f', 's2', [{ timestamp: 11, message: 'hello there' }]);
    const all = await logs.filter({ logGroupName: '/aws/lambda/f' });
    expect(all.events.map((e) => e.message)).toEqual(['START one', 'hello there', 'hello world']);
    const later = await logs.filter({ logGroupName: '/aws/lambda/f', startTime: 11, filterPattern: 'hello' });
    expect(later.events.map((e) => [e.logStreamName, e.message])).toEqual([
      ['s2', 'hello there'],
      ['s1', 'hello world'],
    ]);
    expect((await logs.streamEvents('/aws/lambda/f', 's1', 11)).map((e) => e.timestamp)).toEqual([12]);
  });

  it('close() persists what was written, then drops later lines instead of touching a closed store', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    let store = new SqliteStore(t.dir);
    const errors: unknown[] = [];
    const logs = new LogStore(store, new ManualClock(1000), undefined, (e) => errors.push(e));
    logs.write('g', 's', [{ timestamp: 1, message: 'before close' }]);
    await logs.close();
    await store.close();
    logs.write('g', 's', [{ timestamp: 2, message: 'after close' }]);
    await new Promise((r) => setImmediate(r));
    await logs.flush();
    expect(errors).toEqual([]);
    store = new SqliteStore(t.dir);
    cleanups.push(() => store.close());
    const reopened = new LogStore(store, new ManualClock(1000));
    expect((await reopened.streamEvents('g', 's')).map((e) => e.message)).toEqual(['before close']);
  });

  it('reports a failed background flush to its error callback', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const store = new SqliteStore(t.dir);
    const errors: unknown[] = [];
    const logs = new LogStore(store, new ManualClock(1000), undefined, (e) => errors.push(e), 20);
    await store.close();
    logs.write('g', 's', [{ timestamp: 1, message: 'lost' }]);
    // The background flush runs once the batching window (20 ms here) has passed.
    await new Promise((r) => setTimeout(r, 60));
    await new Promise((r) => setImmediate(r));
    expect(errors.map((e) => (e as Error).message)).toEqual(['The database connection is not open']);
  });

  it('drops the oldest streams once a group outgrows its retention size', async () => {
    const { logs } = open(200);
    logs.write('g', 'old', [{ timestamp: 1, message: 'x'.repeat(150) }]);
    await logs.flush();
    logs.write('g', 'new', [{ timestamp: 2, message: 'y'.repeat(150) }]);
    await logs.flush();
    expect((await logs.describeStreams('g')).map((s) => s.logStreamName)).toEqual(['new']);
    expect((await logs.group('g'))?.storedBytes).toBe(176);
  });

  it('keeps events across a reopen of the store', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const first = new SqliteStore(t.dir);
    const a = new LogStore(first, new ManualClock());
    a.write('g', 's', [{ timestamp: 5, message: 'kept' }]);
    await a.flush();
    await first.close();
    const second = new SqliteStore(t.dir);
    cleanups.push(() => second.close());
    expect(
      (await new LogStore(second, new ManualClock()).filter({ logGroupName: 'g' })).events[0].message,
    ).toBe('kept');
  });

  it('matches the filter-pattern subset', () => {
    expect(compileFilterPattern('ERROR')('an ERROR here')).toBe(true);
    expect(compileFilterPattern('ERROR timeout')('ERROR only')).toBe(false);
    expect(compileFilterPattern('"Task timed out"')('Task timed out after 1.00 seconds')).toBe(true);
    expect(compileFilterPattern('?WARN ?ERROR')('a WARN')).toBe(true);
    expect(compileFilterPattern('ERROR -expected')('ERROR expected')).toBe(false);
    expect(compileFilterPattern('')('anything')).toBe(true);
  });
});
