/**
 * The SQS engine: queues and messages with AWS's semantics (visibility timeouts, long polling,
 * delays, FIFO group ordering and deduplication, redrive to a dead-letter queue, retention, purge).
 * Every change is written to the Store before the call returns, so an acknowledged message
 * survives a restart; an in-memory index (rebuilt from the Store on start) serves reads.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ACCOUNT_ID, arn as buildArn } from '../../platform/aws-account.js';
import type { Clock, TimerHandle } from '../../platform/clock.js';
import type { Store, Write } from '../../platform/store/port.js';
import { invalidParameter, missingParameter, noSuchQueue, sqsError } from './errors.js';
import { md5OfBody, md5OfMessageAttributes } from './md5.js';
import type {
  BatchOutcome,
  MessageAttributeValue,
  QueueRecord,
  ReceivedMessage,
  ReceiveOptions,
  SendMessageInput,
  SendMessageResult,
  StoredMessage,
} from './types.js';

const QUEUES = 'sqs.queues';
const MESSAGES = 'sqs.messages';
const DEDUP = 'sqs.dedup';

/** The most bytes a message (body plus attributes) may have. */
export const MAX_MESSAGE_BYTES = 262_144;
const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const PURGE_INTERVAL_MS = 60 * 1000;
/** The sender id SQS reports for messages sent by the local account. */
export const SENDER_ID = 'AIDAIT2UOQQY3AUEKVGXU';

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTR_NAME = /^(?!aws\.|amazon\.)(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/i;
// Characters SQS accepts in a body or attribute value.
const INVALID_CHARS = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\uD800-\uDBFF\uDC00-\uDFFF]/;

const SETTABLE: Record<string, (v: string, fifo: boolean) => boolean> = {
  DelaySeconds: (v) => intIn(v, 0, 900),
  MaximumMessageSize: (v) => intIn(v, 1024, MAX_MESSAGE_BYTES),
  MessageRetentionPeriod: (v) => intIn(v, 60, 1_209_600),
  ReceiveMessageWaitTimeSeconds: (v) => intIn(v, 0, 20),
  VisibilityTimeout: (v) => intIn(v, 0, 43_200),
  Policy: (v) => v === '' || isJsonObject(v),
  RedrivePolicy: () => true,
  RedriveAllowPolicy: (v) => v === '' || isJsonObject(v),
  KmsMasterKeyId: () => true,
  KmsDataKeyReusePeriodSeconds: (v) => intIn(v, 60, 86_400),
  SqsManagedSseEnabled: (v) => v === 'true' || v === 'false',
  FifoQueue: (v) => v === 'true' || v === 'false',
  ContentBasedDeduplication: (v, fifo) => fifo && (v === 'true' || v === 'false'),
  DeduplicationScope: (v, fifo) => fifo && (v === 'messageGroup' || v === 'queue'),
  FifoThroughputLimit: (v, fifo) => fifo && (v === 'perQueue' || v === 'perMessageGroupId'),
};
const READ_ONLY = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
];
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

function intIn(v: string, min: number, max: number): boolean {
  if (!/^-?\d+$/.test(v)) return false;
  const n = Number(v);
  return n >= min && n <= max;
}

function isJsonObject(v: string): boolean {
  try {
    const o = JSON.parse(v);
    return typeof o === 'object' && o !== null && !Array.isArray(o);
  } catch {
    return false;
  }
}

/** A queue's public identity. */
export interface QueueInfo {
  name: string;
  arn: string;
  fifo: boolean;
}

interface LiveQueue {
  record: QueueRecord;
  messages: Map<string, StoredMessage>;
  dedup: Map<string, { messageId: string; sequenceNumber?: string; expiresAt: number }>;
  waiters: Set<() => void>;
}

interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** Parses the queue name out of a queue URL, an ARN or a bare name. */
export function queueNameOf(ref: string): string {
  if (ref.startsWith('arn:')) return ref.split(':').slice(5).join(':');
  if (/^https?:\/\//i.test(ref)) {
    try {
      const parts = new URL(ref).pathname.split('/').filter(Boolean);
      return decodeURIComponent(parts[parts.length - 1] ?? '');
    } catch {
      return ref;
    }
  }
  return ref;
}

/** The SQS engine; one per platform. */
export class SqsEngine {
  private readonly queues = new Map<string, LiveQueue>();
  private lastSeq = 0;
  private loaded = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly region: string,
  ) {}

  /** Loads queues, messages and dedup entries from the Store (idempotent). */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    for (const { value } of await this.store.table<QueueRecord>(QUEUES).list()) {
      this.queues.set(value.name, {
        record: value,
        messages: new Map(),
        dedup: new Map(),
        waiters: new Set(),
      });
    }
    const all = (await this.store.table<StoredMessage>(MESSAGES).list()).map((e) => e.value);
    all.sort((a, b) => a.seq - b.seq);
    for (const m of all) {
      const q = this.queues.get(m.queue);
      if (!q) continue;
      q.messages.set(m.id, m);
      this.lastSeq = Math.max(this.lastSeq, m.seq);
    }
    const now = this.clock.now();
    for (const { key, value } of await this.store
      .table<{ messageId: string; sequenceNumber?: string; expiresAt: number }>(DEDUP)
      .list()) {
      const slash = key.indexOf('/');
      const q = this.queues.get(key.slice(0, slash));
      if (q && value.expiresAt > now) q.dedup.set(key.slice(slash + 1), value);
    }
  }

  /** The ARN of a queue name in this region. */
  arnOf(name: string): string {
    return buildArn('sqs', this.region, name);
  }

  /** The queue URL of a name for a host (`127.0.0.1:4566`). */
  static urlOf(base: string, name: string): string {
    return `${base.replace(/\/$/, '')}/${ACCOUNT_ID}/${name}`;
  }

  /** Looks a queue up by name, ARN or URL. */
  find(ref: string): QueueInfo | undefined {
    const q = this.queues.get(queueNameOf(ref));
    return q ? { name: q.record.name, arn: q.record.arn, fifo: q.record.fifo } : undefined;
  }

  private live(ref: string): LiveQueue {
    const q = this.queues.get(queueNameOf(ref));
    if (!q) throw noSuchQueue();
    return q;
  }

  /** Creates a queue (idempotent for equal attributes); returns its identity. */
  async createQueue(
    name: string,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ): Promise<QueueInfo> {
    if (!name) throw missingParameter('QueueName');
    const fifo = attributes.FifoQueue === 'true';
    if (fifo && !FIFO_NAME.test(name))
      throw sqsError(
        'InvalidParameterValue',
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    if (!fifo && !NAME.test(name))
      throw sqsError(
        'InvalidParameterValue',
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    this.validateAttributes(attributes, fifo, true);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [k, v] of Object.entries(attributes)) {
        const current =
          existing.record.attributes[k] ?? (k === 'FifoQueue' ? String(existing.record.fifo) : undefined);
        if (current !== undefined && current !== v)
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${k}`,
          );
      }
      return { name, arn: existing.record.arn, fifo: existing.record.fifo };
    }
    const now = this.clock.now();
    const defaults: Record<string, string> = {
      VisibilityTimeout: '30',
      MaximumMessageSize: String(MAX_MESSAGE_BYTES),
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'true',
    };
    if (fifo)
      Object.assign(defaults, {
        FifoQueue: 'true',
        ContentBasedDeduplication: 'false',
        DeduplicationScope: 'queue',
        FifoThroughputLimit: 'perQueue',
      });
    const attrs = { ...defaults, ...attributes };
    if (!fifo) delete attrs.FifoQueue;
    if (attrs.KmsMasterKeyId) attrs.SqsManagedSseEnabled = 'false';
    const record: QueueRecord = {
      name,
      arn: this.arnOf(name),
      fifo,
      attributes: attrs,
      tags: { ...tags },
      createdAt: now,
      lastModifiedAt: now,
    };
    await this.store.table<QueueRecord>(QUEUES).put(name, record);
    this.queues.set(name, { record, messages: new Map(), dedup: new Map(), waiters: new Set() });
    return { name, arn: record.arn, fifo };
  }

  private validateAttributes(attributes: Record<string, string>, fifo: boolean, creating: boolean): void {
    for (const [k, v] of Object.entries(attributes)) {
      const check = SETTABLE[k];
      if (!check || (!creating && k === 'FifoQueue'))
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${k}.`);
      if (!check(String(v), fifo))
        throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${k}.`);
      if (k === 'RedrivePolicy' && v !== '') this.parseRedrive(v, fifo);
    }
  }

  private parseRedrive(v: string, fifo: boolean): RedrivePolicy {
    let p: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    try {
      p = JSON.parse(v);
    } catch {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${v} for parameter RedrivePolicy is invalid. Reason: Invalid JSON.`,
      );
    }
    const max = Number(p.maxReceiveCount);
    if (typeof p.deadLetterTargetArn !== 'string' || !Number.isInteger(max) || max < 1 || max > 1000)
      throw sqsError(
        'InvalidParameterValue',
        `Value ${v} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: ${typeof p.deadLetterTargetArn !== 'string' ? 'deadLetterTargetArn' : 'maxReceiveCount'}.`,
      );
    const dlq = this.queues.get(queueNameOf(p.deadLetterTargetArn));
    if (!dlq)
      throw sqsError(
        'InvalidParameterValue',
        `Value ${v} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
      );
    if (dlq.record.fifo !== fifo)
      throw sqsError(
        'InvalidParameterValue',
        `Value ${v} for parameter RedrivePolicy is invalid. Reason: Dead-letter target must be same type of queue as the source.`,
      );
    return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: max };
  }

  /** Deletes a queue and its messages. */
  async deleteQueue(ref: string): Promise<void> {
    const q = this.live(ref);
    const writes: Write[] = [{ table: QUEUES, key: q.record.name }];
    for (const id of q.messages.keys()) writes.push({ table: MESSAGES, key: `${q.record.name}/${id}` });
    for (const k of q.dedup.keys()) writes.push({ table: DEDUP, key: `${q.record.name}/${k}` });
    await this.store.batch(writes);
    this.queues.delete(q.record.name);
    for (const w of q.waiters) w();
  }

  /** Queue names, optionally under a prefix, in name order. */
  listQueues(prefix = ''): QueueInfo[] {
    return [...this.queues.values()]
      .filter((q) => q.record.name.startsWith(prefix))
      .sort((a, b) => (a.record.name < b.record.name ? -1 : 1))
      .map((q) => ({ name: q.record.name, arn: q.record.arn, fifo: q.record.fifo }));
  }

  /** The tags of a queue. */
  tags(ref: string): Record<string, string> {
    return { ...this.live(ref).record.tags };
  }

  /** Adds or removes tags. */
  async tag(ref: string, add: Record<string, string>, remove: string[] = []): Promise<void> {
    const q = this.live(ref);
    Object.assign(q.record.tags, add);
    for (const k of remove) delete q.record.tags[k];
    await this.store.table<QueueRecord>(QUEUES).put(q.record.name, q.record);
  }

  /** Queue attributes by name (`All` for every one). */
  getAttributes(ref: string, names: string[] = ['All']): Record<string, string> {
    const q = this.live(ref);
    const now = this.clock.now();
    let visible = 0;
    let inflight = 0;
    let delayed = 0;
    for (const m of q.messages.values()) {
      if (m.visibleAt <= now) visible++;
      else if (m.receiveCount > 0) inflight++;
      else delayed++;
    }
    const all: Record<string, string> = {
      QueueArn: q.record.arn,
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inflight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(q.record.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.record.lastModifiedAt / 1000)),
      ...q.record.attributes,
    };
    if (names.length === 0) return {};
    if (names.includes('All')) return all;
    const out: Record<string, string> = {};
    for (const n of names) {
      if (!(n in SETTABLE) && !READ_ONLY.includes(n))
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
      if (all[n] !== undefined) out[n] = all[n];
    }
    return out;
  }

  /** Sets queue attributes (FifoQueue cannot change). */
  async setAttributes(ref: string, attributes: Record<string, string>): Promise<void> {
    const q = this.live(ref);
    this.validateAttributes(attributes, q.record.fifo, false);
    for (const [k, v] of Object.entries(attributes)) {
      if (v === '' && (k === 'RedrivePolicy' || k === 'Policy' || k === 'RedriveAllowPolicy'))
        delete q.record.attributes[k];
      else q.record.attributes[k] = v;
    }
    q.record.lastModifiedAt = this.clock.now();
    await this.store.table<QueueRecord>(QUEUES).put(q.record.name, q.record);
    for (const w of q.waiters) w();
  }

  private nextSeq(): number {
    this.lastSeq = Math.max(this.lastSeq + 1, this.clock.now() * 1000);
    return this.lastSeq;
  }

  /** Validates a send and builds the stored message (not yet written). */
  private prepare(q: LiveQueue, input: SendMessageInput): { message: StoredMessage; dedupKey?: string } {
    if (input.body === undefined || input.body === null || input.body === '')
      throw missingParameter('MessageBody');
    if (INVALID_CHARS.test(input.body))
      throw sqsError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    const messageAttributes = validateMessageAttributes(input.messageAttributes ?? {});
    const limit = Number(q.record.attributes.MaximumMessageSize ?? MAX_MESSAGE_BYTES);
    const size = Buffer.byteLength(input.body, 'utf8') + attributesSize(messageAttributes);
    if (size > limit)
      throw sqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    const now = this.clock.now();
    let delay = Number(q.record.attributes.DelaySeconds ?? 0);
    if (input.delaySeconds !== undefined) {
      if (q.record.fifo)
        throw invalidParameter(
          'DelaySeconds',
          input.delaySeconds,
          'The request include parameter that is not valid for this queue type.',
        );
      if (!Number.isInteger(input.delaySeconds) || input.delaySeconds < 0 || input.delaySeconds > 900)
        throw invalidParameter('DelaySeconds', input.delaySeconds, 'DelaySeconds must be >= 0 and <= 900.');
      delay = input.delaySeconds;
    }
    const message: StoredMessage = {
      id: randomUUID(),
      queue: q.record.name,
      seq: 0,
      body: input.body,
      md5OfBody: md5OfBody(input.body),
      messageAttributes,
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
      systemAttributes: input.systemAttributes ?? {},
      md5OfSystemAttributes: md5OfMessageAttributes(input.systemAttributes ?? {}),
      senderId: SENDER_ID,
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    if (input.groupId !== undefined) message.groupId = input.groupId;
    if (!q.record.fifo) {
      if (input.dedupId !== undefined)
        throw invalidParameter(
          'MessageDeduplicationId',
          input.dedupId,
          'The request include parameter that is not valid for this queue type',
        );
      return { message };
    }
    if (!input.groupId) throw missingParameter('MessageGroupId');
    if (!/^[\x21-\x7e]{1,128}$/.test(input.groupId))
      throw invalidParameter(
        'MessageGroupId',
        input.groupId,
        'MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
      );
    let dedupId = input.dedupId;
    if (dedupId === undefined) {
      if (q.record.attributes.ContentBasedDeduplication !== 'true')
        throw sqsError(
          'InvalidParameterValue',
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      dedupId = contentDedupId(input.body);
    } else if (!/^[\x21-\x7e]{1,128}$/.test(dedupId))
      throw invalidParameter(
        'MessageDeduplicationId',
        dedupId,
        'MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
      );
    message.dedupId = dedupId;
    const dedupKey =
      q.record.attributes.DeduplicationScope === 'messageGroup'
        ? `${input.groupId}\u0000${dedupId}`
        : dedupId;
    return { message, dedupKey };
  }

  /** Sends one message; resolves once it is durable. */
  async sendMessage(ref: string, input: SendMessageInput): Promise<SendMessageResult> {
    const q = this.live(ref);
    const { message, dedupKey } = this.prepare(q, input);
    return this.duplicates(q, [{ message, dedupKey }])[0] ?? (await this.flush(q, message, dedupKey));
  }

  // Duplicate FIFO sends return the first message's identity without storing anything.
  private duplicates(
    q: LiveQueue,
    items: Array<{ message: StoredMessage; dedupKey?: string }>,
  ): Array<SendMessageResult | undefined> {
    const now = this.clock.now();
    return items.map(({ message, dedupKey }) => {
      if (dedupKey === undefined) return undefined;
      const seen = q.dedup.get(dedupKey);
      if (!seen || seen.expiresAt <= now) return undefined;
      return resultOf({ ...message, id: seen.messageId, sequenceNumber: seen.sequenceNumber });
    });
  }

  private async flush(q: LiveQueue, message: StoredMessage, dedupKey?: string): Promise<SendMessageResult> {
    const [r] = await this.flushMany(q, [{ message, dedupKey }]);
    return r;
  }

  private async flushMany(
    q: LiveQueue,
    items: Array<{ message: StoredMessage; dedupKey?: string }>,
  ): Promise<SendMessageResult[]> {
    const writes: Write[] = [];
    const now = this.clock.now();
    for (const { message, dedupKey } of items) {
      message.seq = this.nextSeq();
      if (q.record.fifo) message.sequenceNumber = String(10n ** 19n + BigInt(message.seq));
      writes.push({ table: MESSAGES, key: `${q.record.name}/${message.id}`, value: message });
      if (dedupKey !== undefined) {
        const entry = {
          messageId: message.id,
          sequenceNumber: message.sequenceNumber,
          expiresAt: now + DEDUP_WINDOW_MS,
        };
        writes.push({ table: DEDUP, key: `${q.record.name}/${dedupKey}`, value: entry });
      }
    }
    await this.store.batch(writes);
    for (const { message, dedupKey } of items) {
      q.messages.set(message.id, message);
      if (dedupKey !== undefined)
        q.dedup.set(dedupKey, {
          messageId: message.id,
          sequenceNumber: message.sequenceNumber,
          expiresAt: now + DEDUP_WINDOW_MS,
        });
    }
    this.wake(q);
    return items.map(({ message }) => resultOf(message));
  }

  /** Sends up to 10 messages; each entry succeeds or fails on its own. */
  async sendMessageBatch(
    ref: string,
    entries: Array<SendMessageInput & { Id: string }>,
  ): Promise<Array<BatchOutcome<SendMessageResult>>> {
    const q = this.live(ref);
    validateBatch(entries.map((e) => e.Id));
    const total = entries.reduce(
      (n, e) => n + Buffer.byteLength(e.body ?? '', 'utf8') + attributesSize(e.messageAttributes ?? {}),
      0,
    );
    const limit = Number(q.record.attributes.MaximumMessageSize ?? MAX_MESSAGE_BYTES);
    if (total > limit)
      throw sqsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${limit} bytes. You have sent ${total} bytes.`,
      );
    const outcomes: Array<BatchOutcome<SendMessageResult>> = [];
    const fresh: Array<{ index: number; message: StoredMessage; dedupKey?: string }> = [];
    const batchKeys = new Map<string, number>();
    for (const e of entries) {
      try {
        const prepared = this.prepare(q, e);
        const dup = this.duplicates(q, [prepared])[0];
        const inBatch = prepared.dedupKey !== undefined ? batchKeys.get(prepared.dedupKey) : undefined;
        if (dup) outcomes.push({ Id: e.Id, ok: true, result: dup });
        else if (inBatch !== undefined) {
          const first = fresh.find((f) => f.index === inBatch)!;
          outcomes.push({
            Id: e.Id,
            ok: true,
            result: resultOf({ ...prepared.message, id: first.message.id }),
          });
        } else {
          if (prepared.dedupKey !== undefined) batchKeys.set(prepared.dedupKey, outcomes.length);
          fresh.push({ index: outcomes.length, ...prepared });
          outcomes.push({ Id: e.Id, ok: true, result: undefined as unknown as SendMessageResult });
        }
      } catch (err) {
        outcomes.push(batchFailure(e.Id, err));
      }
    }
    const results = await this.flushMany(q, fresh);
    fresh.forEach((f, i) => {
      outcomes[f.index] = { Id: outcomes[f.index].Id, ok: true, result: results[i] };
    });
    // In-batch duplicates report the sequence number the first copy got.
    for (const o of outcomes)
      if (o.ok && o.result.SequenceNumber === undefined && q.record.fifo) {
        const first = fresh.find((f) => f.message.id === o.result.MessageId);
        if (first) o.result.SequenceNumber = first.message.sequenceNumber;
      }
    return outcomes;
  }

  private wake(q: LiveQueue): void {
    for (const w of [...q.waiters]) w();
  }

  /** Receives messages, long-polling up to WaitTimeSeconds (or the queue's default) when none are ready. */
  async receiveMessage(ref: string, opts: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    let q = this.live(ref);
    const max = opts.maxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10)
      throw invalidParameter('MaxNumberOfMessages', max, 'Must be between 1 and 10, if provided.');
    const wait = opts.waitTimeSeconds ?? Number(q.record.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
    if (!Number.isInteger(wait) || wait < 0 || wait > 20)
      throw invalidParameter('WaitTimeSeconds', wait, 'Must be >= 0 and <= 20, if provided.');
    if (
      opts.visibilityTimeout !== undefined &&
      !(
        Number.isInteger(opts.visibilityTimeout) &&
        opts.visibilityTimeout >= 0 &&
        opts.visibilityTimeout <= 43_200
      )
    )
      throw invalidParameter(
        'VisibilityTimeout',
        opts.visibilityTimeout,
        'Must be >= 0 and <= 43200, if provided.',
      );
    const deadline = this.clock.now() + wait * 1000;
    for (;;) {
      if (opts.signal?.aborted) return [];
      const { taken, nextAt } = await this.take(q, max, opts.visibilityTimeout);
      if (taken.length > 0) return taken.map((m) => render(m, opts));
      const now = this.clock.now();
      if (now >= deadline || opts.signal?.aborted) return [];
      await this.waitFor(q, Math.min(deadline, nextAt ?? deadline) - now, opts.signal);
      const again = this.queues.get(q.record.name);
      if (!again) return [];
      q = again;
    }
  }

  private waitFor(q: LiveQueue, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = () => {
        q.waiters.delete(done);
        timer?.cancel();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      q.waiters.add(done);
      signal?.addEventListener('abort', done);
      timer = this.clock.setTimer(done, Math.max(0, ms));
    });
  }

  // Picks ready messages (FIFO: in group order, skipping blocked groups), moves poison messages to
  // the dead-letter queue, drops expired ones, and makes the picked ones invisible.
  private async take(
    q: LiveQueue,
    max: number,
    visibilityTimeout?: number,
  ): Promise<{ taken: StoredMessage[]; nextAt?: number }> {
    const now = this.clock.now();
    const vt = visibilityTimeout ?? Number(q.record.attributes.VisibilityTimeout ?? 30);
    const retentionMs = Number(q.record.attributes.MessageRetentionPeriod ?? 345_600) * 1000;
    const redrive = q.record.attributes.RedrivePolicy
      ? safeRedrive(q.record.attributes.RedrivePolicy)
      : undefined;
    const dlq = redrive ? this.queues.get(queueNameOf(redrive.deadLetterTargetArn)) : undefined;
    const blocked = new Set<string>();
    const taken: StoredMessage[] = [];
    const expired: StoredMessage[] = [];
    const poison: StoredMessage[] = [];
    let nextAt: number | undefined;
    for (const m of q.messages.values()) {
      if (m.sentAt + retentionMs <= now) {
        expired.push(m);
        continue;
      }
      if (q.record.fifo && blocked.has(m.groupId!)) continue;
      if (m.visibleAt > now) {
        nextAt = nextAt === undefined ? m.visibleAt : Math.min(nextAt, m.visibleAt);
        if (q.record.fifo) blocked.add(m.groupId!);
        continue;
      }
      if (redrive && dlq && m.receiveCount >= redrive.maxReceiveCount) {
        poison.push(m);
        continue;
      }
      if (taken.length < max) taken.push(m);
      else if (!q.record.fifo) break;
    }
    const writes: Write[] = [];
    for (const m of expired) {
      writes.push({ table: MESSAGES, key: `${q.record.name}/${m.id}` });
      q.messages.delete(m.id);
    }
    for (const m of poison) {
      writes.push({ table: MESSAGES, key: `${q.record.name}/${m.id}` });
      q.messages.delete(m.id);
      const moved: StoredMessage = {
        ...m,
        queue: dlq!.record.name,
        seq: this.nextSeq(),
        visibleAt: now,
        receipt: undefined,
        deadLetterSourceArn: q.record.arn,
      };
      writes.push({ table: MESSAGES, key: `${moved.queue}/${moved.id}`, value: moved });
      dlq!.messages.set(moved.id, moved);
    }
    for (const m of taken) {
      m.receiveCount++;
      m.firstReceiveAt ??= now;
      m.visibleAt = now + vt * 1000;
      m.receipt = randomBytes(9).toString('base64url');
      writes.push({ table: MESSAGES, key: `${q.record.name}/${m.id}`, value: m });
    }
    if (writes.length > 0) await this.store.batch(writes);
    if (poison.length > 0) this.wake(dlq!);
    return { taken, nextAt };
  }

  /** Deletes a received message by its receipt handle (a message already gone is not an error). */
  async deleteMessage(ref: string, receiptHandle: string): Promise<void> {
    const q = this.live(ref);
    const h = parseReceipt(receiptHandle, q.record.name);
    const m = q.messages.get(h.id);
    if (!m) return;
    // A FIFO receipt is void once the message was received again.
    if (q.record.fifo && m.receipt !== h.receipt) return;
    await this.store.table(MESSAGES).delete(`${q.record.name}/${m.id}`);
    q.messages.delete(m.id);
    if (q.record.fifo) this.wake(q);
  }

  /** Deletes up to 10 messages; each entry succeeds or fails on its own. */
  async deleteMessageBatch(
    ref: string,
    entries: Array<{ Id: string; ReceiptHandle: string }>,
  ): Promise<Array<BatchOutcome<undefined>>> {
    const q = this.live(ref);
    validateBatch(entries.map((e) => e.Id));
    return this.deleteMany(q, entries);
  }

  /** Deletes received messages by receipt handle in one write (pollers' acknowledgements). */
  async deleteMessages(ref: string, receiptHandles: string[]): Promise<void> {
    const q = this.live(ref);
    await this.deleteMany(
      q,
      receiptHandles.map((h, i) => ({ Id: String(i), ReceiptHandle: h })),
    );
  }

  private async deleteMany(
    q: LiveQueue,
    entries: Array<{ Id: string; ReceiptHandle: string }>,
  ): Promise<Array<BatchOutcome<undefined>>> {
    const out: Array<BatchOutcome<undefined>> = [];
    const gone: StoredMessage[] = [];
    for (const e of entries) {
      try {
        const h = parseReceipt(e.ReceiptHandle, q.record.name);
        const m = q.messages.get(h.id);
        if (m && !(q.record.fifo && m.receipt !== h.receipt) && !gone.includes(m)) gone.push(m);
        out.push({ Id: e.Id, ok: true, result: undefined });
      } catch (err) {
        out.push(batchFailure(e.Id, err));
      }
    }
    if (gone.length > 0) {
      await this.store.batch(gone.map((m) => ({ table: MESSAGES, key: `${q.record.name}/${m.id}` })));
      for (const m of gone) q.messages.delete(m.id);
      if (q.record.fifo) this.wake(q);
    }
    return out;
  }

  /** Changes how long a received message stays invisible, counted from now. */
  async changeMessageVisibility(ref: string, receiptHandle: string, timeout: number): Promise<void> {
    const q = this.live(ref);
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > 43_200)
      throw invalidParameter('VisibilityTimeout', timeout, 'Must be between 0 and 43200, if provided.');
    const h = parseReceipt(receiptHandle, q.record.name);
    const m = q.messages.get(h.id);
    const now = this.clock.now();
    if (!m || m.receiveCount === 0 || m.visibleAt <= now || m.receipt !== h.receipt)
      throw sqsError(
        'MessageNotInflight',
        'Message does not exist or is not available for visibility timeout change.',
      );
    m.visibleAt = now + timeout * 1000;
    await this.store.table(MESSAGES).put(`${q.record.name}/${m.id}`, m);
    if (timeout === 0) this.wake(q);
  }

  /** Changes visibility for up to 10 messages; each entry succeeds or fails on its own. */
  async changeMessageVisibilityBatch(
    ref: string,
    entries: Array<{ Id: string; ReceiptHandle: string; VisibilityTimeout: number }>,
  ): Promise<Array<BatchOutcome<undefined>>> {
    this.live(ref);
    validateBatch(entries.map((e) => e.Id));
    const out: Array<BatchOutcome<undefined>> = [];
    for (const e of entries) {
      try {
        await this.changeMessageVisibility(ref, e.ReceiptHandle, e.VisibilityTimeout);
        out.push({ Id: e.Id, ok: true, result: undefined });
      } catch (err) {
        out.push(batchFailure(e.Id, err));
      }
    }
    return out;
  }

  /** Deletes every message in a queue (at most once per 60 seconds). */
  async purgeQueue(ref: string): Promise<void> {
    const q = this.live(ref);
    const now = this.clock.now();
    if (q.record.lastPurgeAt !== undefined && now - q.record.lastPurgeAt < PURGE_INTERVAL_MS)
      throw sqsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${q.record.name} is allowed every 60 seconds.`,
      );
    q.record.lastPurgeAt = now;
    const writes: Write[] = [{ table: QUEUES, key: q.record.name, value: q.record }];
    for (const id of q.messages.keys()) writes.push({ table: MESSAGES, key: `${q.record.name}/${id}` });
    await this.store.batch(writes);
    q.messages.clear();
  }

  /** Wakes every long poll so it can notice a shutdown signal. */
  wakeAll(): void {
    for (const q of this.queues.values()) this.wake(q);
  }
}

/** Content-based deduplication ids are the SHA-256 of the body. */
function contentDedupId(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

function safeRedrive(v: string): RedrivePolicy | undefined {
  try {
    const p = JSON.parse(v) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    const max = Number(p.maxReceiveCount);
    return typeof p.deadLetterTargetArn === 'string' && max >= 1
      ? { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: max }
      : undefined;
  } catch {
    return undefined;
  }
}

function resultOf(m: StoredMessage): SendMessageResult {
  const r: SendMessageResult = { MessageId: m.id, MD5OfMessageBody: m.md5OfBody };
  if (m.md5OfMessageAttributes) r.MD5OfMessageAttributes = m.md5OfMessageAttributes;
  if (m.md5OfSystemAttributes) r.MD5OfMessageSystemAttributes = m.md5OfSystemAttributes;
  if (m.sequenceNumber) r.SequenceNumber = m.sequenceNumber;
  return r;
}

function validateBatch(ids: string[]): void {
  if (ids.length === 0)
    throw sqsError(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    );
  if (ids.length > 10)
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${ids.length}.`,
    );
  const seen = new Set<string>();
  for (const id of ids) {
    if (!BATCH_ID.test(id ?? ''))
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
}

/** Total bytes message attributes count toward the size limit: names, types and values. */
function attributesSize(attrs: Record<string, MessageAttributeValue>): number {
  let n = 0;
  for (const [name, a] of Object.entries(attrs)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    if (a.StringValue !== undefined) n += Buffer.byteLength(a.StringValue);
    if (a.BinaryValue !== undefined) n += Buffer.from(a.BinaryValue, 'base64').length;
  }
  return n;
}

/** Validates message attributes as SQS does; returns them normalized. */
export function validateMessageAttributes(
  attrs: Record<string, MessageAttributeValue>,
): Record<string, MessageAttributeValue> {
  const names = Object.keys(attrs);
  if (names.length > 10)
    throw sqsError(
      'InvalidParameterValue',
      `Number of message attributes [${names.length}] exceeds the allowed maximum [10].`,
    );
  const out: Record<string, MessageAttributeValue> = {};
  for (const name of names) {
    const a = attrs[name];
    if (!ATTR_NAME.test(name))
      throw sqsError('InvalidParameterValue', `Message attribute name '${name}' is invalid.`);
    if (!a || typeof a.DataType !== 'string' || a.DataType === '')
      throw sqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' must contain a non-empty message attribute type.`,
      );
    const base = a.DataType.split('.')[0];
    if (base !== 'String' && base !== 'Number' && base !== 'Binary')
      throw sqsError(
        'InvalidParameterValue',
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    if (base === 'Binary') {
      if (a.BinaryValue === undefined || a.BinaryValue === '')
        throw sqsError(
          'InvalidParameterValue',
          `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`,
        );
      out[name] = { DataType: a.DataType, BinaryValue: a.BinaryValue };
    } else {
      if (a.StringValue === undefined || a.StringValue === '')
        throw sqsError(
          'InvalidParameterValue',
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`,
        );
      if (base === 'Number' && !/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(a.StringValue.trim()))
        throw sqsError(
          'InvalidParameterValue',
          `Can't cast the value of message (user) attribute '${name}' to a number.`,
        );
      if (INVALID_CHARS.test(a.StringValue))
        throw sqsError(
          'InvalidMessageContents',
          `Invalid characters found in the value of message attribute '${name}'.`,
        );
      out[name] = { DataType: a.DataType, StringValue: a.StringValue };
    }
  }
  return out;
}

function parseReceipt(handle: string, queue: string): { id: string; receipt: string } {
  const bad = () =>
    sqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
  if (!handle) throw missingParameter('ReceiptHandle');
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(handle, 'base64').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parts) || parts.length !== 3 || parts.some((p) => typeof p !== 'string')) throw bad();
  if (parts[0] !== queue) throw bad();
  return { id: parts[1] as string, receipt: parts[2] as string };
}

function receiptOf(m: StoredMessage): string {
  return Buffer.from(JSON.stringify([m.queue, m.id, m.receipt ?? ''])).toString('base64');
}

function wants(names: string[] | undefined, name: string): boolean {
  if (!names || names.length === 0) return false;
  return names.some(
    (n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))),
  );
}

/** A stored message in ReceiveMessage's shape, with the attributes the caller asked for. */
function render(m: StoredMessage, opts: ReceiveOptions): ReceivedMessage {
  const out: ReceivedMessage = {
    MessageId: m.id,
    ReceiptHandle: receiptOf(m),
    MD5OfBody: m.md5OfBody,
    Body: m.body,
  };
  const system = systemAttributesOf(m);
  const attrs: Record<string, string> = {};
  for (const n of SYSTEM_ATTRIBUTES)
    if (system[n] !== undefined && (opts.attributeNames ?? []).some((a) => a === 'All' || a === n))
      attrs[n] = system[n];
  if (Object.keys(attrs).length > 0) out.Attributes = attrs;
  const messageAttributes: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(m.messageAttributes))
    if (wants(opts.messageAttributeNames, k)) messageAttributes[k] = v;
  if (Object.keys(messageAttributes).length > 0) {
    out.MessageAttributes = messageAttributes;
    out.MD5OfMessageAttributes = md5OfMessageAttributes(messageAttributes);
  }
  return out;
}

/** The system attributes of a message as strings, as ReceiveMessage and Lambda events show them. */
export function systemAttributesOf(m: StoredMessage): Record<string, string> {
  const a: Record<string, string> = {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: String(m.sentAt),
    SenderId: m.senderId,
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
  };
  if (m.sequenceNumber) a.SequenceNumber = m.sequenceNumber;
  if (m.groupId) a.MessageGroupId = m.groupId;
  if (m.dedupId) a.MessageDeduplicationId = m.dedupId;
  if (m.systemAttributes.AWSTraceHeader?.StringValue)
    a.AWSTraceHeader = m.systemAttributes.AWSTraceHeader.StringValue;
  if (m.deadLetterSourceArn) a.DeadLetterQueueSourceArn = m.deadLetterSourceArn;
  return a;
}

/** Decodes a receipt handle to the stored message (for pollers that need the full record). */
export function receiptMessageId(handle: string): string | undefined {
  try {
    const parts = JSON.parse(Buffer.from(handle, 'base64').toString('utf8')) as string[];
    return parts[1];
  } catch {
    return undefined;
  }
}

/** A failed entry of a batch call, with the entry's own error code and message. */
function batchFailure<T>(id: string, err: unknown): BatchOutcome<T> {
  const se = err as { code?: string; message: string };
  return { Id: id, ok: false, SenderFault: true, Code: se.code ?? 'InternalError', Message: se.message };
}
