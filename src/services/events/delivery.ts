/**
 * Durable delivery to targets (Lambda functions invoked asynchronously, SQS queues, SNS topics), as
 * EventBridge, S3 notifications and schedules do it: an accepted event is queued in the Store before
 * the caller is answered, delivered by a worker, retried with backoff when the target fails, and
 * dropped (with a log line) once it is older than its maximum age or out of attempts.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import { backoffMs, QueueWorker } from '../../platform/queue-worker.js';
import type { Logger, PlatformContext } from '../../platform/service.js';
import type { DurableQueue } from '../../platform/store/port.js';
import type { LambdaFacade } from '../lambda/facade.js';

/** One payload on its way to one target. */
export interface Delivery {
  /** Target ARN: `arn:aws:lambda:…:function:name`, `arn:aws:sqs:…:queue`, `arn:aws:sns:…:topic`. */
  arn: string;
  payload: string;
  /** Who sent it, for log lines (`rule my-rule`, `bucket photos`). */
  origin: string;
  /** ms since the epoch when the event was accepted. */
  acceptedAt: number;
  /** Give up after this age (EventBridge's default is 24 h). */
  maxAgeMs?: number;
  /** Give up after this many failed attempts (EventBridge's default is 185). */
  maxAttempts?: number;
  /** SQS FIFO targets: the message group. */
  messageGroupId?: string;
  /** SNS targets: the subject. */
  subject?: string;
}

/** The SQS facade as delivery uses it. */
export interface SqsSender {
  sendMessage(queue: string, input: { body: string; groupId?: string; dedupId?: string }): Promise<unknown>;
}

/** The SNS facade as delivery uses it. */
export interface SnsPublisher {
  publish(input: { topicArn: string; message: string; subject?: string }): Promise<unknown>;
}

const DAY = 86_400_000;

/** Sends one payload to its target once; throws when the target refuses it. */
export async function deliverOnce(ctx: Pick<PlatformContext, 'service'>, d: Delivery): Promise<void> {
  const service = d.arn.split(':')[2];
  if (service === 'lambda') {
    await ctx
      .service<LambdaFacade>('lambda')
      .invoke({ functionName: d.arn, payload: d.payload, invocationType: 'Event' });
    return;
  }
  if (service === 'sqs') {
    const name = d.arn.split(':').slice(5).join(':');
    await ctx.service<SqsSender>('sqs').sendMessage(d.arn, {
      body: d.payload,
      // FIFO queues need a group and (without content-based deduplication) a deduplication id; one per
      // accepted event keeps retries of the same delivery from being enqueued twice.
      ...(name.endsWith('.fifo')
        ? {
            groupId: d.messageGroupId ?? 'default',
            dedupId: createHash('sha256')
              .update(`${d.origin}|${d.acceptedAt}|${d.payload}`)
              .digest('hex')
              .slice(0, 64),
          }
        : {}),
    });
    return;
  }
  if (service === 'sns') {
    await ctx
      .service<SnsPublisher>('sns')
      .publish({ topicArn: d.arn, message: d.payload, subject: d.subject });
    return;
  }
  throw new SelflessError('UNSUPPORTED_TARGET', `Targets of type ${service} are not supported: ${d.arn}`);
}

/** Deliveries handled at the same time, and how long a claim hides one (an attempt in flight). */
const CONCURRENCY = 16;
const LEASE_MS = 60_000;
/** Retries back off exponentially from 1 s up to 5 min, as EventBridge spaces them. */
const MAX_BACKOFF_MS = 300_000;

/** A durable queue of deliveries plus the worker that drains it. */
export class DeliveryWorker {
  private readonly worker: QueueWorker<Delivery>;

  constructor(
    private readonly queue: DurableQueue<Delivery>,
    private readonly ctx: Pick<PlatformContext, 'service'>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.worker = new QueueWorker({
      queue,
      clock,
      concurrency: CONCURRENCY,
      leaseMs: LEASE_MS,
      handle: (c) => this.attempt(c.id, c.item, c.attempts),
      // The item comes back after its lease.
      onError: (e) => this.log.error(`delivery worker: ${(e as Error).message}`),
    });
  }

  /** Starts draining, including what a previous run left in the queue. */
  start(): void {
    this.worker.start();
  }

  /** Stops claiming; attempts in flight finish, undelivered events stay queued for the next start. */
  stop(): void {
    this.worker.stop();
  }

  /** Queues deliveries durably (an `id` makes the enqueue idempotent) and wakes the worker. */
  async enqueue(items: Array<{ delivery: Delivery; id?: string }>): Promise<void> {
    for (const { delivery, id } of items) await this.queue.enqueue(delivery, { id, availableAt: 0 });
    if (items.length) this.worker.kick();
  }

  /** Resolves once no attempt runs and the queue has nothing available now (tests, benchmarks). */
  settled(): Promise<void> {
    return this.worker.settled();
  }

  private async attempt(id: string, d: Delivery, attempts: number): Promise<void> {
    try {
      await deliverOnce(this.ctx, d);
      await this.queue.ack(id);
    } catch (e) {
      const failures = attempts + 1;
      const age = this.clock.now() - d.acceptedAt;
      const maxAge = d.maxAgeMs ?? DAY;
      const maxAttempts = d.maxAttempts ?? 185;
      if (failures >= maxAttempts || age >= maxAge) {
        this.log.warn(
          `dropped an event from ${d.origin} to ${d.arn} after ${failures} attempts: ${(e as Error).message}`,
        );
        await this.queue.ack(id);
        return;
      }
      const delay = backoffMs(attempts, MAX_BACKOFF_MS);
      this.log.debug(
        `delivery from ${d.origin} to ${d.arn} failed (${(e as Error).message}); retrying in ${delay} ms`,
      );
      await this.queue.retry(id, this.clock.now() + delay);
    }
  }
}
