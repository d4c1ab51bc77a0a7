import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/integration/platform-helpers.js';
import { ManualClock } from './clock.js';
import { backoffMs, QueueWorker } from './queue-worker.js';
import type { DurableQueue, QueueItem } from './store/port.js';
import { SqliteStore } from './store/sqlite.js';

/** Lets pending promise continuations and immediates run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('QueueWorker', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const open = () => {
    const t = tempDir();
    const store = new SqliteStore(t.dir);
    cleanups.push(t.cleanup, () => store.close());
    return { queue: store.queue<string>('work'), clock: new ManualClock(10_000) };
  };
  const worker = (
    queue: DurableQueue<string>,
    clock: ManualClock,
    handle: (item: QueueItem<string>) => Promise<void>,
    over: { concurrency?: number; leaseMs?: number; errors?: unknown[] } = {},
  ) => {
    const w = new QueueWorker({
      queue,
      clock,
      concurrency: over.concurrency ?? 4,
      leaseMs: over.leaseMs ?? 1000,
      handle,
      onError: (e) => over.errors?.push(e),
    });
    cleanups.push(() => w.stop());
    return w;
  };

  it('handles every item, never more at once than its concurrency', async () => {
    const { queue, clock } = open();
    const done: string[] = [];
    let running = 0;
    let peak = 0;
    const w = worker(
      queue,
      clock,
      async (it) => {
        running++;
        peak = Math.max(peak, running);
        await settle();
        running--;
        done.push(it.item);
        await queue.ack(it.id);
      },
      { concurrency: 2 },
    );
    for (const x of ['a', 'b', 'c', 'd', 'e']) await queue.enqueue(x, { availableAt: clock.now() });
    w.start();
    for (let i = 0; i < 20 && done.length < 5; i++) await w.idle().then(settle);
    expect(done.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(peak).toBe(2);
    expect(await queue.size()).toBe(0);
  });

  it('comes back for a retried item when the clock reaches its back-off, not before', async () => {
    const { queue, clock } = open();
    const seen: Array<[string, number, number]> = [];
    const w = worker(queue, clock, async (it) => {
      seen.push([it.item, it.attempts, clock.now()]);
      if (it.attempts === 0) await queue.retry(it.id, clock.now() + backoffMs(it.attempts, 60_000, 5000));
      else await queue.ack(it.id);
    });
    w.start();
    await queue.enqueue('job', { availableAt: clock.now() });
    w.kick();
    await w.idle();
    await settle();
    expect(seen).toEqual([['job', 0, 10_000]]);
    await clock.advance(4999);
    await w.idle();
    expect(seen).toHaveLength(1);
    await clock.advance(1);
    await w.idle();
    await settle();
    expect(seen).toEqual([
      ['job', 0, 10_000],
      ['job', 1, 15_000],
    ]);
    expect(await queue.size()).toBe(0);
  });

  it('redelivers an item whose handler never finished once its lease runs out', async () => {
    const { queue, clock } = open();
    const errors: unknown[] = [];
    // The first worker's handler hangs, as when the process dies mid-item.
    const first = worker(queue, clock, () => new Promise<void>(() => {}), { leaseMs: 3000, errors });
    await queue.enqueue('job', { availableAt: clock.now() });
    first.start();
    await settle();
    expect(first.running).toBe(1);
    first.stop();

    const handled: number[] = [];
    const second = worker(queue, clock, async (it) => {
      handled.push(it.attempts);
      await queue.ack(it.id);
    });
    second.start();
    await second.idle();
    await settle();
    expect(handled).toEqual([]);
    await clock.advance(3000);
    await second.idle();
    await settle();
    expect(handled).toEqual([1]);
    expect(errors).toEqual([]);
  });

  it('reports a rejecting handler and retries the item after its lease', async () => {
    const { queue, clock } = open();
    const errors: unknown[] = [];
    const attempts: number[] = [];
    const w = worker(
      queue,
      clock,
      async (it) => {
        attempts.push(it.attempts);
        if (it.attempts === 0) throw new Error('handler bug');
        await queue.ack(it.id);
      },
      { leaseMs: 2000, errors },
    );
    await queue.enqueue('job', { availableAt: clock.now() });
    w.start();
    await w.idle();
    await settle();
    expect((errors as Error[]).map((e) => e.message)).toEqual(['handler bug']);
    await clock.advance(2000);
    await w.idle();
    await settle();
    expect(attempts).toEqual([0, 1]);
  });

  it('claims nothing once stopped, and leaves the items in the queue', async () => {
    const { queue, clock } = open();
    const handled: string[] = [];
    const w = worker(queue, clock, async (it) => {
      handled.push(it.item);
      await queue.retry(it.id, clock.now() + 1000);
    });
    await queue.enqueue('job', { availableAt: clock.now() });
    w.start();
    await w.idle();
    await settle();
    w.stop();
    await clock.advance(5000);
    await settle();
    expect(handled).toEqual(['job']);
    expect(await queue.size()).toBe(1);
  });

  it('settles once every due item is handled, leaving back-offs for later', async () => {
    const { queue, clock } = open();
    const handled: string[] = [];
    const w = worker(
      queue,
      clock,
      async (it) => {
        await settle();
        handled.push(it.item);
        if (it.item === 'flaky') await queue.retry(it.id, clock.now() + 1000);
        else await queue.ack(it.id);
      },
      { concurrency: 2 },
    );
    w.start();
    // Enqueued without a kick: settled() itself has the worker claim them.
    for (const x of ['a', 'b', 'flaky', 'c']) await queue.enqueue(x, { availableAt: clock.now() });
    await w.settled();
    expect(handled.sort()).toEqual(['a', 'b', 'c', 'flaky']);
    expect(w.running).toBe(0);
    expect(await queue.size()).toBe(1);
    expect(await queue.nextAvailableAt()).toBe(clock.now() + 1000);
  });

  it('settles at once when stopped, whatever is left in the queue', async () => {
    const { queue, clock } = open();
    const w = worker(queue, clock, async (it) => {
      await queue.ack(it.id);
    });
    await queue.enqueue('job', { availableAt: clock.now() });
    await w.settled();
    expect(await queue.size()).toBe(1);
  });
});

describe('backoffMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a, 5000))).toEqual([1000, 2000, 4000, 5000]);
    expect(backoffMs(2000, 300_000)).toBe(300_000);
    expect(backoffMs(1, 60_000, 250)).toBe(500);
  });
});
