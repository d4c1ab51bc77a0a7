/**
 * Where asynchronous invocations end up: the invocation record Lambda sends to an on-success or
 * on-failure destination, the original event it sends to a dead-letter queue, and the durable
 * delivery of both. A finished event's deliveries are in the Store before the event leaves the
 * async queue, so a crash in between redelivers rather than loses them; the worker sends each
 * through the platform's own SQS, SNS, EventBridge and Lambda engines and retries (on the Clock)
 * until the target takes it or the delivery is too old.
 */
import type { Clock } from '../../platform/clock.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';
import { backoffMs, QueueWorker } from '../../platform/queue-worker.js';
import type { Logger } from '../../platform/service.js';
import type { DurableQueue, Store } from '../../platform/store/port.js';
import type { EventsFacade } from '../events/plugin.js';
import type { SnsFacade } from '../sns/facade.js';
import type { SqsFacade } from '../sqs/facade.js';
import { destinationKind } from './event-invoke.js';
import type { LambdaFacade } from './facade.js';

/** Why an invocation record was sent (its `requestContext.condition`). */
export type DestinationCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** The last answer of the function to an event, as the record reports it. */
export interface RecordedResponse {
  statusCode: number;
  executedVersion: string;
  functionError?: string;
  /** Base64 of the response payload. */
  payload: string;
}

export interface InvocationRecordInput {
  /** Epoch ms (the record's `timestamp`). */
  at: number;
  requestId: string;
  /** The qualified ARN of the invoked function (`…:function:name:$LATEST`). */
  functionArn: string;
  condition: DestinationCondition;
  approximateInvokeCount: number;
  /** Base64 of the event. */
  requestPayload: string;
  /** Absent when the function never ran (an event too old before its first attempt). */
  response?: RecordedResponse;
}

/** A payload as the record carries it: parsed JSON when it is JSON, else the text. */
function asJson(base64: string): unknown {
  const text = Buffer.from(base64, 'base64').toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Lambda's invocation record (version 1.0), with its members in AWS's order. */
export function invocationRecord(i: InvocationRecordInput): Record<string, unknown> {
  const record: Record<string, unknown> = {
    version: '1.0',
    timestamp: new Date(i.at).toISOString(),
    requestContext: {
      requestId: i.requestId,
      functionArn: i.functionArn,
      condition: i.condition,
      approximateInvokeCount: i.approximateInvokeCount,
    },
    requestPayload: asJson(i.requestPayload),
  };
  if (i.response) {
    record.responseContext = {
      statusCode: i.response.statusCode,
      executedVersion: i.response.executedVersion,
      ...(i.response.functionError ? { functionError: i.response.functionError } : {}),
    };
    record.responsePayload = asJson(i.response.payload);
  }
  return record;
}

/** What a dead-letter message says about the failure (its message attributes). */
export interface DeadLetterInfo {
  requestId: string;
  /** The HTTP status of the last invoke (200 for a function error). */
  errorCode: number;
  /** The first 1 KB of the error message. */
  errorMessage: string;
}

/**
 * The dead-letter attributes of a failed event: from its last response, or `never` (what kept it
 * from running) when the function never answered.
 */
export function deadLetterInfo(
  requestId: string,
  response: RecordedResponse | undefined,
  never: Omit<DeadLetterInfo, 'requestId'>,
): DeadLetterInfo {
  if (!response) return { requestId, ...never, errorMessage: truncateUtf8(never.errorMessage, 1024) };
  const body = asJson(response.payload);
  const m = body && typeof body === 'object' ? (body as { errorMessage?: unknown }).errorMessage : undefined;
  const message = typeof m === 'string' ? m : typeof body === 'string' ? body : JSON.stringify(body);
  return { requestId, errorCode: response.statusCode, errorMessage: truncateUtf8(message, 1024) };
}

function truncateUtf8(s: string, max: number): string {
  const b = Buffer.from(s);
  if (b.length <= max) return s;
  // Drop a character cut in half at the end.
  return b
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/** One message on its way to a destination or dead-letter queue. */
export interface Delivery {
  /** The destination ARN. */
  target: string;
  /** The invocation record (JSON) or, for a dead-letter queue, the event itself. */
  body: string;
  /** Set for dead-letter messages: their RequestID, ErrorCode and ErrorMessage attributes. */
  deadLetter?: DeadLetterInfo;
  /** Destinations: whether the invocation succeeded (EventBridge's detail-type). */
  success?: boolean;
  /** The qualified function ARN (EventBridge's resources, log lines). */
  functionArn: string;
  /** Epoch ms when it was queued. */
  queuedAt: number;
  /** Failed attempts so far. */
  failures: number;
}

/** The services a delivery reaches, looked up when it is sent (they start after Lambda). */
export interface DeliveryTargets {
  lambda: Pick<LambdaFacade, 'invoke'>;
  sqs(): Pick<SqsFacade, 'sendMessage'>;
  sns(): Pick<SnsFacade, 'publish'>;
  events(): Pick<EventsFacade, 'engine'>;
}

/** Sends one delivery to its target once; throws when the target refuses it. */
export async function sendDelivery(t: DeliveryTargets, d: Delivery): Promise<void> {
  const kind = destinationKind(d.target);
  const dl = d.deadLetter;
  switch (kind) {
    case 'lambda':
      await t.lambda.invoke({ functionName: d.target, payload: d.body, invocationType: 'Event' });
      return;
    case 'sqs':
      await t.sqs().sendMessage(d.target, {
        body: d.body,
        ...(dl
          ? {
              messageAttributes: {
                RequestID: { DataType: 'String', StringValue: dl.requestId },
                ErrorCode: { DataType: 'Number', StringValue: String(dl.errorCode) },
                ErrorMessage: { DataType: 'String', StringValue: dl.errorMessage },
              },
            }
          : {}),
      });
      return;
    case 'sns':
      await t.sns().publish({
        topicArn: d.target,
        message: d.body,
        ...(dl
          ? {
              messageAttributes: {
                RequestID: { Type: 'String', Value: dl.requestId },
                ErrorCode: { Type: 'Number', Value: String(dl.errorCode) },
                ErrorMessage: { Type: 'String', Value: dl.errorMessage },
              },
            }
          : {}),
      });
      return;
    case 'events': {
      const r = await t.events().engine.putEvents([
        {
          Source: 'lambda',
          DetailType: `Lambda Function Invocation Result - ${d.success ? 'Success' : 'Failure'}`,
          Detail: d.body,
          EventBusName: d.target,
          Resources: [d.target, d.functionArn],
        },
      ]);
      const failed = r.Entries.find((e) => 'ErrorCode' in e);
      if (failed && 'ErrorCode' in failed)
        throw new SelflessError(failed.ErrorCode, failed.ErrorMessage, { details: { service: 'events' } });
      return;
    }
    default:
      throw new SelflessError(
        'INVALID_DESTINATION',
        `${d.target} is not a destination Lambda can deliver to`,
      );
  }
}

/** Errors a retry cannot fix: the delivery is dropped (AWS counts a DestinationDeliveryFailures). */
function permanent(e: unknown): boolean {
  return (
    isSelflessError(e) &&
    [
      'INVALID_DESTINATION',
      'InvalidParameterValue',
      'InvalidParameter',
      'MissingParameter',
      'INVALID_PARAMETER',
      'REQUEST_TOO_LARGE',
      'ValidationException',
      'InvalidArgument',
      'MalformedDetail',
    ].includes(e.code)
  );
}

/** Deliveries are retried for as long as Lambda keeps an event (6 h), backing off up to 5 min. */
const MAX_AGE_MS = 6 * 3_600_000;
const MAX_BACKOFF_MS = 300_000;
const LEASE_MS = 60_000;
const CONCURRENCY = 8;

/** The durable queue of destination and dead-letter deliveries, and the worker that sends them. */
export class DestinationDeliveries {
  private readonly queue: DurableQueue<Delivery>;
  private readonly worker: QueueWorker<Delivery>;
  /** Called after each attempt (tests and logs). */
  onResult:
    | ((d: Delivery, outcome: 'delivered' | 'retrying' | 'dropped', error?: unknown) => void)
    | undefined;

  constructor(
    store: Store,
    private readonly targets: DeliveryTargets,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.queue = store.queue<Delivery>('lambda.destinations');
    this.worker = new QueueWorker({
      queue: this.queue,
      clock,
      concurrency: CONCURRENCY,
      leaseMs: LEASE_MS,
      handle: (c) => this.attempt(c.id, c.item),
      onError: (e, c) =>
        this.log.error(
          `${c ? `destination delivery ${c.id}` : 'destination deliveries'}: ${(e as Error).message}`,
        ),
    });
  }

  /**
   * Stores deliveries durably (resolves once they are in the Store). Ids are derived from the
   * event, so queuing the same outcome again (a redelivered event) adds nothing twice.
   */
  async enqueue(items: Array<{ id: string; delivery: Delivery }>): Promise<void> {
    for (const { id, delivery } of items)
      await this.queue.enqueue(delivery, { id, availableAt: this.clock.now() });
    if (items.length) this.worker.kick();
  }

  start(): void {
    this.worker.start();
  }

  stop(): void {
    this.worker.stop();
  }

  /** Resolves once nothing due now is waiting or being sent (tests). */
  settled(): Promise<void> {
    return this.worker.settled();
  }

  /** Deliveries waiting or in flight. */
  size(): Promise<number> {
    return this.queue.size();
  }

  private async attempt(id: string, d: Delivery): Promise<void> {
    try {
      await sendDelivery(this.targets, d);
    } catch (e) {
      const message = (e as Error).message;
      const failures = d.failures + 1;
      if (permanent(e) || this.clock.now() - d.queuedAt >= MAX_AGE_MS) {
        this.log.warn(`Dropped the ${label(d)} of ${d.functionArn} to ${d.target}: ${message}`);
        await this.queue.ack(id);
        this.onResult?.(d, 'dropped', e);
        return;
      }
      this.log.warn(
        `Could not deliver the ${label(d)} of ${d.functionArn} to ${d.target} (will retry): ${message}`,
      );
      await this.queue.retry(id, this.clock.now() + backoffMs(failures - 1, MAX_BACKOFF_MS), {
        ...d,
        failures,
      });
      this.onResult?.(d, 'retrying', e);
      return;
    }
    await this.queue.ack(id);
    this.onResult?.(d, 'delivered');
  }
}

function label(d: Delivery): string {
  return d.deadLetter ? 'dead-letter message' : `${d.success ? 'on-success' : 'on-failure'} record`;
}
