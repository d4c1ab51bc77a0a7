/**
 * Asynchronous (Event) invocations. An accepted event is in the durable queue before the caller
 * gets 202. A dispatcher claims events under a lease (the function's timeout plus a margin), so an
 * attempt cut short by a crash or restart is redelivered once the lease runs out. Function errors
 * are retried up to maximumRetryAttempts (default 2) after the configured delays; throttles and
 * platform errors are retried with back-off without using up the budget; events older than
 * maximumEventAge are dropped. Both settings come from the EventInvokeConfig of the qualifier the
 * caller used. An event's end (success, retries exhausted, too old) queues its invocation record
 * for the on-success / on-failure destination and a failed event for the dead-letter queue, in
 * the Store before the event leaves this queue (destinations.ts). All timing reads the Clock.
 */
import type { Clock } from '../../platform/clock.js';
import { isSelflessError } from '../../platform/errors.js';
import type { PlatformLimits } from '../../platform/limits.js';
import { backoffMs, QueueWorker } from '../../platform/queue-worker.js';
import type { Logger } from '../../platform/service.js';
import type { DurableQueue, Store } from '../../platform/store/port.js';
import {
  type DeadLetterInfo,
  type Delivery,
  type DestinationCondition,
  type DestinationDeliveries,
  deadLetterInfo,
  invocationRecord,
  type RecordedResponse,
} from './destinations.js';
import type { AsyncEnqueuer, LambdaEngine, ResolvedFunction } from './engine.js';
import type { EventInvokeConfig } from './event-invoke.js';

export interface AsyncEvent {
  /** Function name and the qualifier the caller used. */
  functionName: string;
  qualifier?: string;
  /** Base64 payload. */
  payload: string;
  requestId: string;
  /** Epoch ms when the event was accepted. */
  acceptedAt: number;
  /** Function errors so far (retries used). */
  failures: number;
  /** Throttles and platform errors so far (do not use up retries). */
  throttles: number;
  /** The function's answer to the last attempt that ran (for an on-failure record once too old). */
  last?: RecordedResponse;
}

/** What happened to an event, for logs and tests. */
export interface AsyncResult {
  event: AsyncEvent;
  outcome: 'succeeded' | 'retrying' | 'failed' | 'expired' | 'throttled' | 'deleted';
  errorType?: string;
}

const DEFAULT_MAX_AGE_S = 6 * 3600;
const MAX_THROTTLE_BACKOFF_MS = 300_000;

/** The durable queue and dispatcher of Event invocations. */
export class AsyncInvoker implements AsyncEnqueuer {
  private readonly queue: DurableQueue<AsyncEvent>;
  private readonly worker: QueueWorker<AsyncEvent>;
  /** Called after each attempt; tests and logs listen here. */
  onResult: ((r: AsyncResult) => void) | undefined;

  constructor(
    store: Store,
    private readonly engine: LambdaEngine,
    private readonly clock: Clock,
    private readonly limits: PlatformLimits,
    private readonly log: Logger,
    /** Where finished events' records and dead letters go. */
    private readonly deliveries: Pick<DestinationDeliveries, 'enqueue'>,
  ) {
    this.queue = store.queue<AsyncEvent>('lambda.async');
    this.worker = new QueueWorker({
      queue: this.queue,
      clock,
      concurrency: limits.asyncConcurrency,
      // A fresh claim only covers resolving the function; attempt() extends it to the timeout.
      leaseMs: limits.asyncLeaseMarginMs,
      handle: (c) => this.attempt(c.id, c.item),
      onError: (e, c) =>
        this.log.error(`${c ? `async invocation ${c.id}` : 'async dispatcher'}: ${(e as Error).message}`),
    });
  }

  /** Accepts an event durably (resolves once it is in the Store) and wakes the dispatcher. */
  async enqueue(resolved: ResolvedFunction, payload: Buffer, requestId: string): Promise<void> {
    const event: AsyncEvent = {
      functionName: resolved.fn.name,
      qualifier: resolved.qualifier,
      payload: payload.toString('base64'),
      requestId,
      acceptedAt: this.clock.now(),
      failures: 0,
      throttles: 0,
    };
    await this.queue.enqueue(event, { id: requestId, availableAt: this.clock.now() });
    this.worker.kick();
  }

  /** Starts dispatching (including events left over from before a restart). */
  start(): void {
    this.worker.start();
  }

  /** Stops claiming new events; running attempts finish (or are redelivered after a restart). */
  stop(): void {
    this.worker.stop();
  }

  /** Events waiting or in flight. */
  size(): Promise<number> {
    return this.queue.size();
  }

  /** Resolves when no attempt is running (tests). */
  idle(): Promise<void> {
    return this.worker.idle();
  }

  private async attempt(id: string, event: AsyncEvent): Promise<void> {
    const report = (outcome: AsyncResult['outcome'], errorType?: string) =>
      this.onResult?.({ event, outcome, errorType });
    let resolved: ResolvedFunction;
    try {
      resolved = await this.engine.resolve(event.functionName, event.qualifier);
    } catch (e) {
      if (isSelflessError(e) && e.code === 'RESOURCE_NOT_FOUND') {
        // The function was removed since the event was accepted: nothing left to run it.
        await this.queue.ack(id);
        report('deleted');
        return;
      }
      throw e;
    }
    const settings = await this.engine.eventInvokeConfig(resolved.fn.name, resolved.qualifier ?? '$LATEST');
    const maxAge = (settings?.maximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_S) * 1000;
    if (this.clock.now() - event.acceptedAt > maxAge) {
      this.log.warn(
        `Dropped event ${event.requestId} of ${event.functionName}: older than ${maxAge / 1000}s`,
      );
      await this.finish(id, event, resolved, settings, 'EventAgeExceeded', event.last, event.failures);
      report('expired');
      return;
    }
    // Hold the event for as long as this attempt can run; after that it is redelivered.
    await this.queue.retry(
      id,
      this.clock.now() + resolved.config.timeout * 1000 + this.limits.asyncLeaseMarginMs,
    );
    let outcome: Awaited<ReturnType<LambdaEngine['run']>>;
    try {
      outcome = await this.engine.run(resolved, Buffer.from(event.payload, 'base64'), {
        requestId: event.requestId,
      });
    } catch (e) {
      // Throttled or the platform failed to run it: back off without using up the retry budget.
      const next = { ...event, throttles: event.throttles + 1 };
      const backoff = backoffMs(next.throttles, MAX_THROTTLE_BACKOFF_MS);
      await this.queue.retry(id, this.clock.now() + backoff, next);
      report('throttled', isSelflessError(e) ? e.code : (e as Error).name);
      return;
    }
    const response: RecordedResponse = {
      statusCode: 200,
      executedVersion: outcome.executedVersion ?? resolved.executedVersion,
      ...(outcome.functionError ? { functionError: outcome.functionError } : {}),
      payload: outcome.payload.toString('base64'),
    };
    if (!outcome.functionError) {
      await this.finish(id, event, resolved, settings, 'Success', response, event.failures + 1);
      report('succeeded');
      return;
    }
    const maxRetries = settings?.maximumRetryAttempts ?? 2;
    if (event.failures < maxRetries) {
      const delays = this.limits.asyncRetryDelaysMs;
      const delay = delays[Math.min(event.failures, delays.length - 1)] ?? 60_000;
      await this.queue.retry(id, this.clock.now() + delay, {
        ...event,
        failures: event.failures + 1,
        last: response,
      });
      report('retrying', outcome.errorType);
      return;
    }
    this.log.warn(
      `Event ${event.requestId} of ${event.functionName} failed after ${event.failures + 1} attempts (${outcome.errorType ?? 'error'})`,
    );
    await this.finish(id, event, resolved, settings, 'RetriesExhausted', response, event.failures + 1);
    report('failed', outcome.errorType);
  }

  /**
   * Queues what an event's end sends (its record to the destination of that outcome, a failed
   * event to the dead-letter queue), then removes the event: a crash in between redelivers the
   * event, never loses its record.
   */
  private async finish(
    id: string,
    event: AsyncEvent,
    resolved: ResolvedFunction,
    settings: EventInvokeConfig | undefined,
    condition: DestinationCondition,
    response: RecordedResponse | undefined,
    invokeCount: number,
  ): Promise<void> {
    const now = this.clock.now();
    const success = condition === 'Success';
    const functionArn = this.engine.functionArn(resolved.fn.name, resolved.qualifier ?? '$LATEST');
    const base = { functionArn, queuedAt: now, failures: 0 };
    const items: Array<{ id: string; delivery: Delivery }> = [];
    const target = success ? settings?.onSuccess : settings?.onFailure;
    if (target) {
      const record = invocationRecord({
        at: now,
        requestId: event.requestId,
        functionArn,
        condition,
        approximateInvokeCount: invokeCount,
        requestPayload: event.payload,
        response,
      });
      items.push({
        id: `${event.requestId}|${success ? 'on-success' : 'on-failure'}`,
        delivery: { ...base, target, body: JSON.stringify(record), success },
      });
    }
    const dlq = resolved.fn.deadLetterArn;
    if (!success && dlq) {
      const info: DeadLetterInfo = deadLetterInfo(
        event.requestId,
        response,
        event.throttles > 0
          ? { errorCode: 429, errorMessage: 'Rate Exceeded.' }
          : { errorCode: 500, errorMessage: 'Event age exceeded.' },
      );
      items.push({
        id: `${event.requestId}|dead-letter`,
        delivery: {
          ...base,
          target: dlq,
          body: Buffer.from(event.payload, 'base64').toString('utf8'),
          deadLetter: info,
        },
      });
    }
    await this.deliveries.enqueue(items);
    await this.queue.ack(id);
  }
}
