/**
 * A background worker over a DurableQueue: it claims due items (never more than its free slots),
 * hands each to a handler that acks or retries it, and keeps one Clock timer armed for the next
 * item to become available (a retry's back-off, a lease running out after a crash). Services that
 * deliver durably accepted work later (Lambda Event invocations, SNS deliveries) build on it, so
 * the claim/refill/timer logic lives in one place.
 */
import type { Clock, TimerHandle } from './clock.js';
import type { DurableQueue, QueueItem } from './store/port.js';

export interface QueueWorkerOptions<T> {
  queue: DurableQueue<T>;
  clock: Clock;
  /** Items handled at the same time. */
  concurrency: number;
  /**
   * How long a claim hides an item. A handler may hold it longer with `queue.retry(id, until)`;
   * an item whose handler never finishes (the process died) comes back after it.
   */
  leaseMs: number;
  /** Handles one claimed item and acks or retries it. */
  handle(item: QueueItem<T>): Promise<void>;
  /** A handler rejected (the item comes back after its lease) or the worker itself failed. */
  onError(e: unknown, item?: QueueItem<T>): void;
}

/** Exponential back-off: `baseMs * 2^attempt`, capped at `maxMs`. */
export function backoffMs(attempt: number, maxMs: number, baseMs = 1000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}

/** Claims and handles a DurableQueue's due items in the background; see the module comment. */
export class QueueWorker<T> {
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private inFlight = 0;
  private stopped = true;
  private pumping = false;
  private again = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly o: QueueWorkerOptions<T>) {}

  /** Starts working, including items left in the queue from before a restart. */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops claiming; running handlers finish, unclaimed items stay in the queue. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** Looks for due items now (call after enqueueing). */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  /** Handlers running now. */
  get running(): number {
    return this.inFlight;
  }

  /** Resolves once no handler runs and the worker is not claiming (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.inFlight > 0 || this.pumping) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /**
   * Resolves once no handler runs and nothing in the queue is due now: everything accepted so far
   * was handled, or waits for a later retry (tests, `settled()` facades). A stopped worker resolves
   * at once, as it will handle nothing more.
   */
  async settled(): Promise<void> {
    for (;;) {
      await this.idle();
      if (this.stopped) return;
      const next = await this.o.queue.nextAvailableAt();
      if (next === undefined || next > this.o.clock.now()) return;
      // Due items with no round to claim them (say, enqueued without a kick): claim them now.
      this.kick();
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        const free = this.o.concurrency - this.inFlight;
        if (free <= 0 || this.stopped) break;
        const claimed = await this.o.queue.claim(this.o.clock.now(), this.o.leaseMs, free);
        for (const item of claimed) this.run(item);
        // A full claim may have left more due items behind.
        // (When saturated, no timer is needed: a finishing handler kicks the worker.)
        if (claimed.length === free) this.again = true;
        else await this.arm();
        // A kick during the claim or while arming (an enqueue) is served by another round.
      } while (this.again && !this.stopped);
    } catch (e) {
      this.o.onError(e);
    } finally {
      this.pumping = false;
      this.notifyIdle();
    }
  }

  private run(item: QueueItem<T>): void {
    this.inFlight++;
    void this.o
      .handle(item)
      .catch((e) => this.o.onError(e, item))
      .finally(() => {
        this.inFlight--;
        this.kick();
        this.notifyIdle();
      });
  }

  /** Arms the timer for the earliest available item, unless an earlier one is already armed. */
  private async arm(): Promise<void> {
    if (this.stopped) return;
    const next = await this.o.queue.nextAvailableAt();
    if (next === undefined || this.stopped) return;
    if (this.timer && this.timerAt <= next) return;
    this.timer?.cancel();
    this.timerAt = next;
    this.timer = this.o.clock.setTimer(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.kick();
      },
      Math.max(0, next - this.o.clock.now()),
    );
  }

  private notifyIdle(): void {
    if (this.inFlight === 0 && !this.pumping) for (const w of this.idleWaiters.splice(0)) w();
  }
}
