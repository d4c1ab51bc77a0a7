import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/integration/platform-helpers.js';
import { ManualClock } from '../../platform/clock.js';
import type { Logger } from '../../platform/service.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { type Delivery, DeliveryWorker, type SqsSender } from './delivery.js';

const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:targets';
const FIFO = 'arn:aws:sqs:us-east-1:000000000000:targets.fifo';

describe('DeliveryWorker', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A worker whose SQS target refuses the first `failFirst` sends; it records every send and log line. */
  const setup = (failFirst = 0) => {
    const t = tempDir();
    const store = new SqliteStore(t.dir);
    cleanups.push(t.cleanup, () => store.close());
    const clock = new ManualClock(1_000_000);
    const sent: Array<{ queue: string; body: string; groupId?: string; dedupId?: string; at: number }> = [];
    const tried: Array<{ body: string; dedupId?: string }> = [];
    const sqs: SqsSender = {
      async sendMessage(queue, input) {
        tried.push(input);
        if (tried.length <= failFirst) throw new Error('queue unavailable');
        sent.push({ queue, ...input, at: clock.now() });
        return {};
      },
    };
    const logs: Array<[keyof Logger, string]> = [];
    const log: Logger = {
      info: (m) => logs.push(['info', m]),
      warn: (m) => logs.push(['warn', m]),
      error: (m) => logs.push(['error', m]),
      debug: (m) => logs.push(['debug', m]),
    };
    const queue = store.queue<Delivery>('deliveries');
    const ctx = { service: <T>(name: string) => (name === 'sqs' ? sqs : undefined) as T };
    const worker = new DeliveryWorker(queue, ctx, clock, log);
    cleanups.push(() => worker.stop());
    worker.start();
    const delivery = (over: Partial<Delivery> = {}): Delivery => ({
      arn: QUEUE,
      payload: '{"n":1}',
      origin: 'rule r1',
      acceptedAt: clock.now(),
      ...over,
    });
    return { store, queue, clock, worker, sent, tried, logs, delivery };
  };

  it('delivers every queued event and empties the queue', async () => {
    const { queue, worker, sent, delivery } = setup();
    await worker.enqueue(['a', 'b', 'c'].map((p) => ({ delivery: delivery({ payload: p }) })));
    await worker.settled();
    expect(sent.map((s) => s.body).sort()).toEqual(['a', 'b', 'c']);
    expect(await queue.size()).toBe(0);
  });

  it('enqueues an event with a given id once', async () => {
    const { worker, sent, delivery, clock } = setup();
    worker.stop();
    const d = delivery();
    await worker.enqueue([
      { id: 'sched@1', delivery: d },
      { id: 'sched@1', delivery: d },
    ]);
    worker.start();
    await worker.settled();
    expect(sent).toEqual([{ queue: QUEUE, body: d.payload, at: clock.now() }]);
  });

  it('retries a refused delivery with exponential back-off, logging each retry', async () => {
    const { worker, sent, logs, delivery, clock, queue } = setup(3);
    const start = clock.now();
    await worker.enqueue([{ delivery: delivery() }]);
    await worker.settled();
    expect(sent).toEqual([]);
    await clock.advance(999);
    await worker.settled();
    expect(sent).toEqual([]);
    await clock.advance(1);
    await worker.settled();
    await clock.advance(2000);
    await worker.settled();
    expect(sent).toEqual([]);
    await clock.advance(4000);
    await worker.settled();
    expect(sent.map((s) => s.at - start)).toEqual([7000]);
    expect(await queue.size()).toBe(0);
    expect(logs).toEqual(
      [1000, 2000, 4000].map((ms) => [
        'debug',
        `delivery from rule r1 to ${QUEUE} failed (queue unavailable); retrying in ${ms} ms`,
      ]),
    );
  });

  it('drops an event after its maximum attempts, with a warning', async () => {
    const { worker, sent, logs, delivery, clock, queue } = setup(100);
    await worker.enqueue([{ delivery: delivery({ maxAttempts: 2 }) }]);
    await worker.settled();
    await clock.advance(1000);
    await worker.settled();
    expect(sent).toEqual([]);
    expect(await queue.size()).toBe(0);
    expect(logs.at(-1)).toEqual([
      'warn',
      `dropped an event from rule r1 to ${QUEUE} after 2 attempts: queue unavailable`,
    ]);
  });

  it('drops an event once it is older than its maximum age', async () => {
    const { worker, logs, delivery, clock, queue } = setup(100);
    await worker.enqueue([{ delivery: delivery({ maxAgeMs: 2500 }) }]);
    await worker.settled();
    await clock.advance(1000);
    await worker.settled();
    expect(await queue.size()).toBe(1);
    await clock.advance(2000);
    await worker.settled();
    expect(await queue.size()).toBe(0);
    expect(logs.at(-1)).toEqual([
      'warn',
      `dropped an event from rule r1 to ${QUEUE} after 3 attempts: queue unavailable`,
    ]);
  });

  it('gives FIFO targets a group and one deduplication id per event, the same on every retry', async () => {
    const { worker, sent, tried, delivery, clock } = setup(1);
    await worker.enqueue([
      { delivery: delivery({ arn: FIFO, messageGroupId: 'g1' }) },
      { delivery: delivery({ arn: FIFO, payload: 'other' }) },
    ]);
    await worker.settled();
    await clock.advance(1000);
    await worker.settled();
    expect(sent.map((s) => s.groupId).sort()).toEqual(['default', 'g1']);
    const ids = sent.map((s) => s.dedupId);
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(2);
    // The refused first attempt and its retry carry the same id, so SQS keeps one copy.
    expect(tried).toHaveLength(3);
    expect(tried.filter((t) => t.body === tried[0]?.body).map((t) => t.dedupId)).toEqual([
      tried[0]?.dedupId,
      tried[0]?.dedupId,
    ]);
  });

  it('resumes the events a previous run left in the queue', async () => {
    const { store, worker, delivery, clock } = setup();
    worker.stop();
    await worker.enqueue([{ delivery: delivery({ payload: 'left over' }) }]);
    const sent: string[] = [];
    const ctx = {
      service: <T>() =>
        ({
          async sendMessage(_q: string, input: { body: string }) {
            sent.push(input.body);
          },
        }) as T,
    };
    const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {} };
    const next = new DeliveryWorker(store.queue<Delivery>('deliveries'), ctx, clock, quiet);
    cleanups.push(() => next.stop());
    next.start();
    await next.settled();
    expect(sent).toEqual(['left over']);
  });
});
