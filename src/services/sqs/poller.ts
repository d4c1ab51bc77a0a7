/**
 * SQS event source mappings: pollers that long-poll a queue, invoke a function synchronously with
 * AWS's SQS event, delete what succeeded and leave the rest to reappear after the visibility
 * timeout (the queue's redrive policy then moves poison messages to its dead-letter queue).
 */

import type { Clock } from '../../platform/clock.js';
import { isSelflessError } from '../../platform/errors.js';
import type { Logger } from '../../platform/service.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { matchPattern } from '../lambda/filter-criteria.js';
import type { SqsEngine } from './engine.js';
import type { ReceivedMessage } from './types.js';

/** One mapping, as stored and as serverless.yml's `sqs` event describes it. */
export interface SqsMapping {
  uuid: string;
  /** `service:stage` of the deployment that wired it. */
  owner: string;
  /** Function key in serverless.yml (for messages). */
  functionKey: string;
  /** Deployed function name. */
  functionName: string;
  queueArn: string;
  batchSize: number;
  /** Seconds. */
  maximumBatchingWindow: number;
  reportBatchItemFailures: boolean;
  maximumConcurrency?: number;
  enabled: boolean;
  filterPatterns?: unknown[];
}

/** How many batches a mapping processes at once when maximumConcurrency is not set. */
const DEFAULT_POLLERS = 5;

/** An SQS record as Lambda delivers it. */
export function sqsRecord(m: ReceivedMessage, queueArn: string, region: string): Record<string, unknown> {
  const a = m.Attributes ?? {};
  const attributes: Record<string, string> = {};
  for (const k of [
    'ApproximateReceiveCount',
    'SentTimestamp',
    'SequenceNumber',
    'MessageGroupId',
    'SenderId',
    'MessageDeduplicationId',
    'ApproximateFirstReceiveTimestamp',
    'AWSTraceHeader',
    'DeadLetterQueueSourceArn',
  ])
    if (a[k] !== undefined) attributes[k] = a[k];
  const messageAttributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) {
    const out: Record<string, unknown> = {};
    if (v.StringValue !== undefined) out.stringValue = v.StringValue;
    if (v.BinaryValue !== undefined) out.binaryValue = v.BinaryValue;
    out.stringListValues = v.StringListValues ?? [];
    out.binaryListValues = v.BinaryListValues ?? [];
    out.dataType = v.DataType;
    messageAttributes[k] = out;
  }
  const record: Record<string, unknown> = {
    messageId: m.MessageId,
    receiptHandle: m.ReceiptHandle,
    body: m.Body,
    attributes,
    messageAttributes,
    md5OfBody: m.MD5OfBody,
  };
  if (m.MD5OfMessageAttributes) record.md5OfMessageAttributes = m.MD5OfMessageAttributes;
  Object.assign(record, { eventSource: 'aws:sqs', eventSourceARN: queueArn, awsRegion: region });
  return record;
}

/** Message ids a partial batch response reports as failed; undefined means the whole batch failed. */
export function failedItems(
  payload: Buffer,
  batch: ReceivedMessage[],
  fifo: boolean,
): Set<string> | undefined {
  const text = payload.toString('utf8').trim();
  if (text === '' || text === 'null') return new Set();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Set();
  }
  if (body === null || typeof body !== 'object') return new Set();
  const list = (body as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return undefined;
  const ids = new Set(batch.map((m) => m.MessageId));
  const failed = new Set<string>();
  for (const f of list) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) return undefined;
    failed.add(id);
  }
  if (fifo && failed.size > 0) {
    // FIFO: everything from the first failure on is retried, to keep the group's order.
    const first = batch.findIndex((m) => failed.has(m.MessageId));
    for (const m of batch.slice(first)) failed.add(m.MessageId);
  }
  return failed;
}

/** Whether a record passes a mapping's filter patterns (no patterns pass everything). */
function passes(patterns: unknown[] | undefined, record: Record<string, unknown>): boolean {
  if (!patterns || patterns.length === 0) return true;
  let body: unknown = record.body;
  try {
    body = JSON.parse(String(record.body));
  } catch {
    // plain-text bodies are matched as strings
  }
  const subject = { ...record, body };
  return patterns.some((p) => matchPattern(typeof p === 'string' ? safeJson(p) : p, subject));
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}

/** Runs one mapping's pollers until stopped. */
export class SqsPoller {
  private readonly abort = new AbortController();
  private running: Array<Promise<void>> = [];

  constructor(
    readonly mapping: SqsMapping,
    private readonly engine: SqsEngine,
    private readonly lambda: () => LambdaFacade,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Starts the pollers (no-op when the mapping is disabled). */
  start(): void {
    if (!this.mapping.enabled) return;
    const n = Math.max(1, Math.min(this.mapping.maximumConcurrency ?? DEFAULT_POLLERS, DEFAULT_POLLERS));
    for (let i = 0; i < n; i++) this.running.push(this.loop());
  }

  /** Stops polling; resolves when in-flight batches finished. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.engine.wakeAll();
    await Promise.allSettled(this.running);
    this.running = [];
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const batch = await this.collect(signal);
        if (batch.length > 0) await this.process(batch);
      } catch (e) {
        if (signal.aborted) return;
        if (isSelflessError(e) && e.code === 'QueueDoesNotExist') {
          this.log.warn(
            `The queue ${this.mapping.queueArn} of ${this.mapping.functionName}'s sqs event is gone; polling stopped.`,
          );
          return;
        }
        this.log.warn(`SQS poller for ${this.mapping.functionName}: ${(e as Error).message}`);
        await this.clock.sleep(1000);
      }
    }
  }

  // Receives up to batchSize messages, waiting up to the batching window to fill the batch.
  private async collect(signal: AbortSignal): Promise<ReceivedMessage[]> {
    const { queueArn, batchSize, maximumBatchingWindow } = this.mapping;
    const opts = { attributeNames: ['All'], messageAttributeNames: ['All'], signal };
    const first = await this.engine.receiveMessage(queueArn, {
      ...opts,
      maxNumberOfMessages: Math.min(10, batchSize),
      waitTimeSeconds: 20,
    });
    if (first.length === 0 || maximumBatchingWindow <= 0 || first.length >= batchSize) return first;
    const batch = [...first];
    const deadline = this.clock.now() + maximumBatchingWindow * 1000;
    while (batch.length < batchSize && !signal.aborted) {
      const left = deadline - this.clock.now();
      if (left <= 0) break;
      const more = await this.engine.receiveMessage(queueArn, {
        ...opts,
        maxNumberOfMessages: Math.min(10, batchSize - batch.length),
        waitTimeSeconds: Math.min(20, Math.max(1, Math.ceil(left / 1000))),
      });
      batch.push(...more);
    }
    return batch;
  }

  private async process(batch: ReceivedMessage[]): Promise<void> {
    const { queueArn, functionName } = this.mapping;
    const fifo = queueArn.endsWith('.fifo');
    const records = batch.map((m) => sqsRecord(m, queueArn, this.engine.region));
    const kept: ReceivedMessage[] = [];
    const keptRecords: Array<Record<string, unknown>> = [];
    records.forEach((r, i) => {
      if (passes(this.mapping.filterPatterns, r)) {
        kept.push(batch[i]);
        keptRecords.push(r);
      }
    });
    // Messages that match no filter pattern are deleted without invoking, as Lambda does.
    const dropped = batch.filter((m) => !kept.includes(m));
    if (dropped.length > 0)
      await this.engine.deleteMessages(
        queueArn,
        dropped.map((m) => m.ReceiptHandle),
      );
    if (kept.length === 0) return;
    let failed: Set<string> | undefined;
    try {
      const result = await this.lambda().invoke({
        functionName,
        payload: JSON.stringify({ Records: keptRecords }),
        invocationType: 'RequestResponse',
      });
      if (result.functionError) failed = undefined;
      else if (this.mapping.reportBatchItemFailures) failed = failedItems(result.payload, kept, fifo);
      else failed = new Set();
    } catch (e) {
      this.log.warn(`SQS poller could not invoke ${functionName}: ${(e as Error).message}`);
      failed = undefined;
    }
    if (failed === undefined) return;
    for (const m of kept)
      if (!failed.has(m.MessageId)) await this.engine.deleteMessage(queueArn, m.ReceiptHandle);
  }
}
