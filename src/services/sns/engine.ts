/**
 * The SNS engine: topics (standard and FIFO), subscriptions (lambda, sqs, http/https with
 * confirmation), filter policies, raw delivery, Publish and PublishBatch. A publish is
 * acknowledged only after every matching delivery was handed to a durable owner: Lambda's async
 * queue, an SQS queue, or this engine's own delivery queue in the Store (HTTP endpoints and
 * retries), so an acknowledged message is never lost.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { arn as buildArn } from '../../platform/aws-account.js';
import type { Clock } from '../../platform/clock.js';
import { backoffMs, QueueWorker } from '../../platform/queue-worker.js';
import type { Logger } from '../../platform/service.js';
import type { DurableQueue, Store, Table } from '../../platform/store/port.js';
import type { MessageAttributeValue } from '../sqs/types.js';
import {
  confirmationEnvelope,
  type LinkBase,
  lambdaEvent,
  messageFor,
  notificationEnvelope,
} from './envelope.js';
import { snsError } from './errors.js';
import {
  FilterPolicyError,
  type FilterScope,
  parseFilterPolicy,
  passesFilter,
  type SnsAttribute,
} from './filter.js';
import type {
  DeliveryItem,
  PublishInput,
  PublishResult,
  SnsMessage,
  SubscriptionProtocol,
  SubscriptionRecord,
  TopicRecord,
} from './types.js';

const TOPICS = 'sns.topics';
const SUBSCRIPTIONS = 'sns.subscriptions';
const DEDUP = 'sns.dedup';
const META = 'sns.meta';
/** The most bytes a message (text plus attributes) may have. */
export const MAX_MESSAGE_BYTES = 262_144;
const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const LEASE_MS = 60_000;
const TOPIC_ARN = /^arn:aws:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}(\.fifo)?)$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;
const PROTOCOLS = new Set([
  'lambda',
  'sqs',
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'application',
  'firehose',
]);
const SUB_ATTRIBUTES = new Set([
  'RawMessageDelivery',
  'FilterPolicy',
  'FilterPolicyScope',
  'RedrivePolicy',
  'DeliveryPolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);
const TOPIC_ATTRIBUTES = new Set([
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'ContentBasedDeduplication',
  'FifoTopic',
  'ArchivePolicy',
  'DataProtectionPolicy',
  'FifoThroughputScope',
  'HTTPSuccessFeedbackRoleArn',
  'HTTPFailureFeedbackRoleArn',
  'HTTPSuccessFeedbackSampleRate',
  'LambdaSuccessFeedbackRoleArn',
  'LambdaFailureFeedbackRoleArn',
  'LambdaSuccessFeedbackSampleRate',
  'SQSSuccessFeedbackRoleArn',
  'SQSFailureFeedbackRoleArn',
  'SQSSuccessFeedbackSampleRate',
]);

/** Where deliveries go: the plugin binds these to Lambda, SQS and HTTP. Each throws on failure. */
export interface SnsTargets {
  /** Invokes a function asynchronously (invocation type Event) with a payload. */
  lambda(functionArn: string, payload: string): Promise<void>;
  /** Sends a message to a queue by ARN. */
  sqs(
    queueArn: string,
    message: {
      body: string;
      attributes: Record<string, MessageAttributeValue>;
      groupId?: string;
      dedupId?: string;
    },
  ): Promise<void>;
  /** POSTs a body to an HTTP(S) endpoint; a non-2xx status is a failure. */
  http(url: string, headers: Record<string, string>, body: string): Promise<void>;
}

/** The most delivery attempts per protocol before the subscription's dead-letter queue (or a drop). */
const MAX_ATTEMPTS: Record<string, number> = { http: 4, https: 4, lambda: 50, sqs: 50 };

/** The SNS engine; one per platform. */
export class SnsEngine {
  private readonly topics = new Map<string, TopicRecord>();
  private readonly subs = new Map<string, SubscriptionRecord>();
  private readonly dedup = new Map<
    string,
    { messageId: string; sequenceNumber?: string; expiresAt: number }
  >();
  private readonly topicTable: Table<TopicRecord>;
  private readonly subTable: Table<SubscriptionRecord>;
  private readonly deliveries: DurableQueue<DeliveryItem>;
  private secret = '';
  private readonly worker: QueueWorker<DeliveryItem>;
  private lastSeq = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly region: string,
    private readonly targets: SnsTargets,
    private readonly endpoint: () => string,
    private readonly log?: Logger,
  ) {
    this.topicTable = store.table(TOPICS);
    this.subTable = store.table(SUBSCRIPTIONS);
    this.deliveries = store.queue('sns.deliveries');
    this.worker = new QueueWorker({
      queue: this.deliveries,
      clock,
      concurrency: 25,
      leaseMs: LEASE_MS,
      handle: (c) => this.work(c.id, c.item, c.attempts),
      onError: (e) => this.log?.error(`SNS delivery worker: ${(e as Error).message}`),
    });
  }

  /** Loads state from the Store and resumes pending deliveries. */
  async start(): Promise<void> {
    for (const { value } of await this.topicTable.list()) this.topics.set(value.arn, value);
    for (const { value } of await this.subTable.list()) this.subs.set(value.arn, value);
    const now = this.clock.now();
    for (const { key, value } of await this.store
      .table<{ messageId: string; sequenceNumber?: string; expiresAt: number }>(DEDUP)
      .list())
      if (value.expiresAt > now) this.dedup.set(key, value);
    const meta = this.store.table<{ secret: string }>(META);
    const m = await meta.get('signing');
    this.secret = m?.secret ?? randomBytes(32).toString('hex');
    if (!m) await meta.put('signing', { secret: this.secret });
    this.worker.start();
  }

  /** Stops the delivery worker (pending deliveries stay in the Store). */
  stop(): void {
    this.worker.stop();
  }

  private links(): LinkBase {
    return { endpoint: this.endpoint(), secret: this.secret };
  }

  // ---- topics ----

  /** The ARN of a topic name in this region. */
  topicArnOf(name: string): string {
    return buildArn('sns', this.region, name);
  }

  /** Looks a topic up by ARN (or name). */
  findTopic(ref: string): TopicRecord | undefined {
    // One region per platform: an ARN naming another region still means this platform's topic.
    return this.topics.get(this.topicArnOf(ref.startsWith('arn:') ? (ref.split(':')[5] ?? '') : ref));
  }

  private topic(arn: string | undefined, param = 'TopicArn'): TopicRecord {
    if (!arn) throw snsError('InvalidParameter', `Invalid parameter: ${param}`);
    if (!TOPIC_ARN.test(arn)) throw snsError('InvalidParameter', `Invalid parameter: ${param}`);
    const t = this.findTopic(arn);
    if (!t) throw snsError('NotFound', 'Topic does not exist');
    return t;
  }

  /** Creates a topic (idempotent); FIFO topics need the `.fifo` suffix and FifoTopic=true. */
  async createTopic(
    name: string,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ): Promise<TopicRecord> {
    const fifo = attributes.FifoTopic === 'true';
    if (!name || !(fifo ? FIFO_TOPIC_NAME : TOPIC_NAME).test(name))
      throw snsError(
        'InvalidParameter',
        fifo && name && !name.endsWith('.fifo')
          ? 'Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.'
          : 'Invalid parameter: Topic Name',
      );
    if (!fifo && name.endsWith('.fifo')) throw snsError('InvalidParameter', 'Invalid parameter: Topic Name');
    for (const [k, v] of Object.entries(attributes)) this.checkTopicAttribute(k, v, fifo);
    const arn = this.topicArnOf(name);
    const existing = this.topics.get(arn);
    if (existing) {
      for (const [k, v] of Object.entries(attributes))
        if (k !== 'FifoTopic' && existing.attributes[k] !== undefined && existing.attributes[k] !== v)
          throw snsError(
            'InvalidParameter',
            'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
          );
      return existing;
    }
    const record: TopicRecord = {
      name,
      arn,
      fifo,
      attributes: {
        ...(fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}),
        ...attributes,
      },
      tags: { ...tags },
      createdAt: this.clock.now(),
    };
    if (!fifo) delete record.attributes.FifoTopic;
    await this.topicTable.put(arn, record);
    this.topics.set(arn, record);
    return record;
  }

  private checkTopicAttribute(name: string, value: string, fifo: boolean): void {
    if (!TOPIC_ATTRIBUTES.has(name)) throw snsError('InvalidParameter', `Invalid parameter: AttributeName`);
    if (name === 'ContentBasedDeduplication' && (!fifo || (value !== 'true' && value !== 'false')))
      throw snsError(
        'InvalidParameter',
        'Invalid parameter: Attributes Reason: ContentBasedDeduplication is only available for FIFO topics',
      );
    if ((name === 'Policy' || name === 'DeliveryPolicy') && value !== '') {
      try {
        JSON.parse(value);
      } catch {
        throw snsError(
          'InvalidParameter',
          `Invalid parameter: Attributes Reason: ${name}: failed to parse JSON`,
        );
      }
    }
  }

  /** Deletes a topic and its subscriptions (deleting a missing topic succeeds, as on AWS). */
  async deleteTopic(arn: string): Promise<void> {
    if (!TOPIC_ARN.test(arn ?? '')) throw snsError('InvalidParameter', 'Invalid parameter: TopicArn');
    const topic = this.findTopic(arn);
    if (!topic) return;
    arn = topic.arn;
    const writes = [{ table: TOPICS, key: arn }];
    for (const s of this.subs.values())
      if (s.topicArn === arn) {
        writes.push({ table: SUBSCRIPTIONS, key: s.arn });
        this.subs.delete(s.arn);
      }
    await this.store.batch(writes);
    this.topics.delete(arn);
  }

  /** All topics, in ARN order. */
  listTopics(): TopicRecord[] {
    return [...this.topics.values()].sort((a, b) => (a.arn < b.arn ? -1 : 1));
  }

  /** A topic's attributes as GetTopicAttributes reports them. */
  topicAttributes(arn: string): Record<string, string> {
    const t = this.topic(arn);
    let confirmed = 0;
    let pending = 0;
    for (const s of this.subs.values()) if (s.topicArn === arn) s.pending ? pending++ : confirmed++;
    return {
      Policy: JSON.stringify(defaultPolicy(t.arn)),
      Owner: t.arn.split(':')[4],
      SubscriptionsPending: String(pending),
      TopicArn: t.arn,
      EffectiveDeliveryPolicy: JSON.stringify(DEFAULT_DELIVERY_POLICY),
      SubscriptionsConfirmed: String(confirmed),
      DisplayName: '',
      SubscriptionsDeleted: '0',
      ...t.attributes,
    };
  }

  /** Sets one topic attribute. */
  async setTopicAttribute(arn: string, name: string, value: string): Promise<void> {
    const t = this.topic(arn);
    if (name === 'FifoTopic') throw snsError('InvalidParameter', 'Invalid parameter: AttributeName');
    this.checkTopicAttribute(name, value, t.fifo);
    t.attributes[name] = value;
    await this.topicTable.put(arn, t);
  }

  /** Replaces a topic's settable attributes (CloudFormation update) without touching subscriptions. */
  async updateTopic(
    arn: string,
    attributes: Record<string, string>,
    tags: Record<string, string>,
  ): Promise<void> {
    const t = this.topic(arn);
    for (const [k, v] of Object.entries(attributes)) this.checkTopicAttribute(k, v, t.fifo);
    t.attributes = {
      ...(t.fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}),
      ...attributes,
    };
    t.tags = { ...tags };
    await this.topicTable.put(arn, t);
  }

  /** The tags of a topic. */
  topicTags(arn: string): Record<string, string> {
    return { ...this.topic(arn, 'ResourceArn').tags };
  }

  /** Adds or removes topic tags. */
  async tagTopic(arn: string, add: Record<string, string>, remove: string[] = []): Promise<void> {
    const t = this.topic(arn, 'ResourceArn');
    Object.assign(t.tags, add);
    for (const k of remove) delete t.tags[k];
    await this.topicTable.put(arn, t);
  }

  // ---- subscriptions ----

  /**
   * Subscribes an endpoint. Lambda and SQS subscriptions are confirmed at once; HTTP(S) ones stay
   * pending until the endpoint confirms with the token it is sent. Returns the subscription ARN,
   * or `pending confirmation` unless returnArn is set.
   */
  async subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes: Record<string, string> = {},
    opts: { returnArn?: boolean; owner?: string } = {},
  ): Promise<string> {
    const t = this.topic(topicArn);
    topicArn = t.arn;
    if (!protocol) throw snsError('InvalidParameter', 'Invalid parameter: Protocol');
    if (!PROTOCOLS.has(protocol))
      throw snsError(
        'InvalidParameter',
        `Invalid parameter: Amazon SNS does not support this protocol string: ${protocol}`,
      );
    this.checkEndpoint(protocol, endpoint);
    if (t.fifo && protocol !== 'sqs')
      throw snsError('InvalidParameter', `Invalid parameter: Invalid protocol type: ${protocol}`);
    for (const [k, v] of Object.entries(attributes)) this.checkSubscriptionAttribute(k, v, attributes);
    for (const s of this.subs.values())
      if (s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint) {
        const same = Object.entries(attributes).every(
          ([k, v]) => (s.attributes[k] ?? defaultSubAttribute(k)) === v,
        );
        if (!same)
          throw snsError(
            'InvalidParameter',
            'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
          );
        return s.pending && !opts.returnArn ? 'pending confirmation' : s.arn;
      }
    const needsConfirmation =
      protocol === 'http' || protocol === 'https' || protocol.startsWith('email') || protocol === 'sms';
    const sub: SubscriptionRecord = {
      arn: `${topicArn}:${randomUUID()}`,
      topicArn,
      protocol: protocol as SubscriptionProtocol,
      endpoint,
      attributes: { ...attributes },
      pending: needsConfirmation,
      owner: opts.owner,
    };
    if (needsConfirmation) sub.token = randomBytes(64).toString('hex');
    await this.subTable.put(sub.arn, sub);
    this.subs.set(sub.arn, sub);
    if (protocol === 'http' || protocol === 'https') {
      await this.deliveries.enqueue(
        { kind: 'confirmation', subscriptionArn: sub.arn, message: this.blankMessage(topicArn) },
        { availableAt: this.clock.now() },
      );
      this.kick();
    }
    return sub.pending && !opts.returnArn ? 'pending confirmation' : sub.arn;
  }

  private blankMessage(topicArn: string): SnsMessage {
    return { messageId: randomUUID(), topicArn, message: '', attributes: {}, timestamp: this.clock.now() };
  }

  private checkEndpoint(protocol: string, endpoint: string): void {
    const ok =
      protocol === 'lambda'
        ? /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/.test(endpoint ?? '')
        : protocol === 'sqs'
          ? /^arn:aws:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(endpoint ?? '')
          : protocol === 'http'
            ? /^http:\/\/\S+$/i.test(endpoint ?? '')
            : protocol === 'https'
              ? /^https:\/\/\S+$/i.test(endpoint ?? '')
              : Boolean(endpoint);
    if (!ok) {
      const what =
        protocol === 'lambda' ? 'Lambda endpoint ARN' : protocol === 'sqs' ? 'SQS endpoint ARN' : 'Endpoint';
      throw snsError('InvalidParameter', `Invalid parameter: ${what}`);
    }
  }

  private checkSubscriptionAttribute(name: string, value: string, all: Record<string, string>): void {
    if (!SUB_ATTRIBUTES.has(name))
      throw snsError('InvalidParameter', 'Invalid parameter: Attributes Reason: Unknown attribute');
    if (name === 'RawMessageDelivery' && !['true', 'false'].includes(String(value).toLowerCase()))
      throw snsError(
        'InvalidParameter',
        'Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [' +
          value +
          ']. Must be true or false.',
      );
    if (name === 'FilterPolicyScope' && value !== 'MessageAttributes' && value !== 'MessageBody')
      throw snsError(
        'InvalidParameter',
        `Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`,
      );
    if (name === 'FilterPolicy' && value !== '') {
      try {
        parseFilterPolicy(value, (all.FilterPolicyScope as FilterScope) ?? 'MessageAttributes');
      } catch (e) {
        throw snsError(
          'InvalidParameter',
          `Invalid parameter: ${e instanceof FilterPolicyError ? e.message : 'FilterPolicy'}`,
        );
      }
    }
    if (name === 'RedrivePolicy' && value !== '') {
      let target: unknown;
      try {
        target = JSON.parse(value).deadLetterTargetArn;
      } catch {
        throw snsError('InvalidParameter', 'Invalid parameter: RedrivePolicy: failed to parse JSON.');
      }
      if (typeof target !== 'string' || !target.startsWith('arn:aws:sqs:'))
        throw snsError(
          'InvalidParameter',
          'Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn',
        );
    }
  }

  /** Confirms a pending HTTP(S) subscription with its token; returns its ARN. */
  async confirmSubscription(topicArn: string, token: string): Promise<string> {
    const t = this.topic(topicArn);
    if (!token) throw snsError('InvalidParameter', 'Invalid parameter: Token');
    for (const s of this.subs.values())
      if (s.topicArn === t.arn && s.token === token) {
        if (s.pending) {
          s.pending = false;
          await this.subTable.put(s.arn, s);
        }
        return s.arn;
      }
    throw snsError('InvalidParameter', 'Invalid token');
  }

  /** Removes a subscription (a missing one is not an error, as on AWS). */
  async unsubscribe(arn: string): Promise<void> {
    if (!arn || !/^arn:aws:sns:[a-z0-9-]+:\d{12}:[^:]+:[0-9a-f-]{36}$/.test(arn))
      throw snsError(
        'InvalidParameter',
        'Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1',
      );
    if (!this.subs.has(arn)) return;
    await this.subTable.delete(arn);
    this.subs.delete(arn);
  }

  /** Subscriptions, optionally of one topic (whose existence is checked). */
  listSubscriptions(topicArn?: string): SubscriptionRecord[] {
    const arn = topicArn === undefined ? undefined : this.topic(topicArn).arn;
    return [...this.subs.values()]
      .filter((s) => arn === undefined || s.topicArn === arn)
      .sort((a, b) => (a.arn < b.arn ? -1 : 1));
  }

  /** Looks a subscription up by ARN. */
  findSubscription(arn: string): SubscriptionRecord | undefined {
    return this.subs.get(arn);
  }

  /** A subscription's attributes as GetSubscriptionAttributes reports them. */
  subscriptionAttributes(arn: string): Record<string, string> {
    const s = this.subs.get(arn);
    if (!s) throw snsError('NotFound', 'Subscription does not exist');
    const out: Record<string, string> = {
      Owner: s.topicArn.split(':')[4],
      RawMessageDelivery: 'false',
      TopicArn: s.topicArn,
      Endpoint: s.endpoint,
      Protocol: s.protocol,
      PendingConfirmation: String(s.pending),
      ConfirmationWasAuthenticated: String(!s.pending),
      SubscriptionArn: s.arn,
      ...s.attributes,
    };
    if (s.attributes.FilterPolicy && !s.attributes.FilterPolicyScope)
      out.FilterPolicyScope = 'MessageAttributes';
    return out;
  }

  /** Sets one subscription attribute. */
  async setSubscriptionAttribute(arn: string, name: string, value: string): Promise<void> {
    const s = this.subs.get(arn);
    if (!s) throw snsError('NotFound', 'Subscription does not exist');
    this.checkSubscriptionAttribute(name, value, { ...s.attributes, [name]: value });
    if (value === '' && name !== 'RawMessageDelivery') delete s.attributes[name];
    else s.attributes[name] = value;
    await this.subTable.put(arn, s);
  }

  /** Subscriptions a deployment created (`service:stage`). */
  subscriptionsOwnedBy(owner: string): SubscriptionRecord[] {
    return [...this.subs.values()].filter((s) => s.owner === owner);
  }

  // ---- publishing ----

  private validateAttributes(attrs: Record<string, SnsAttribute>): void {
    const names = Object.keys(attrs);
    if (names.length > 10)
      throw snsError(
        'InvalidParameter',
        `Invalid parameter: MessageAttributes Reason: Number of message attributes [${names.length}] exceeds the allowed maximum [10].`,
      );
    for (const [name, a] of Object.entries(attrs)) {
      if (
        !/^[A-Za-z0-9_.-]{1,256}$/.test(name) ||
        name.startsWith('.') ||
        name.endsWith('.') ||
        name.includes('..') ||
        /^(aws|amazon)\./i.test(name)
      )
        throw snsError('ParameterValueInvalid', `The message attribute name '${name}' is invalid.`);
      const base = (a.Type ?? '').split('.')[0];
      if (!a.Type || !['String', 'Number', 'Binary'].includes(base))
        throw snsError(
          'ParameterValueInvalid',
          `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
        );
      if (a.Value === undefined || a.Value === '')
        throw snsError(
          'ParameterValueInvalid',
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${a.Type}'.`,
        );
      if (base === 'Number' && !/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(a.Value))
        throw snsError(
          'ParameterValueInvalid',
          `Could not cast message attribute '${name}' value to number.`,
        );
      if (a.Type === 'String.Array') {
        let ok = false;
        try {
          ok = Array.isArray(JSON.parse(a.Value));
        } catch {
          ok = false;
        }
        if (!ok)
          throw snsError(
            'ParameterValueInvalid',
            `The message attribute '${name}' with type 'String.Array' has an invalid value.`,
          );
      }
    }
  }

  private nextSequenceNumber(): string {
    this.lastSeq = Math.max(this.lastSeq + 1, this.clock.now() * 1000);
    return String(10n ** 19n + BigInt(this.lastSeq));
  }

  /** Validates a publish and builds the message (nothing is delivered yet). */
  private prepare(input: PublishInput): {
    topic: TopicRecord;
    msg: SnsMessage;
    dedupKey?: string;
    duplicate?: PublishResult;
  } {
    const arn = input.topicArn ?? input.targetArn;
    if (!arn)
      throw snsError(
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    const topic = this.topic(arn, input.topicArn ? 'TopicArn' : 'TargetArn');
    if (input.message === undefined || input.message === null || input.message === '')
      throw snsError('InvalidParameter', 'Invalid parameter: Empty message');
    if (
      input.subject !== undefined &&
      (input.subject === '' || input.subject.length > 100 || /[\r\n]/.test(input.subject))
    )
      throw snsError('InvalidParameter', 'Invalid parameter: Subject');
    const attributes = input.messageAttributes ?? {};
    this.validateAttributes(attributes);
    let attrBytes = 0;
    for (const [k, a] of Object.entries(attributes))
      attrBytes += Buffer.byteLength(k) + Buffer.byteLength(a.Type) + Buffer.byteLength(a.Value);
    if (Buffer.byteLength(input.message, 'utf8') + attrBytes > MAX_MESSAGE_BYTES)
      throw snsError('InvalidParameter', 'Invalid parameter: Message too long');
    let structured: Record<string, string> | undefined;
    if (input.messageStructure !== undefined) {
      if (input.messageStructure !== 'json')
        throw snsError('InvalidParameter', 'Invalid parameter: MessageStructure');
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.message);
      } catch {
        throw snsError(
          'InvalidParameter',
          'Invalid parameter: Message Structure - JSON message body failed to parse',
        );
      }
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        typeof (parsed as Record<string, unknown>).default !== 'string'
      )
        throw snsError(
          'InvalidParameter',
          'Invalid parameter: Message Structure - No default entry in JSON message body',
        );
      structured = parsed as Record<string, string>;
    }
    const msg: SnsMessage = {
      messageId: randomUUID(),
      topicArn: topic.arn,
      message: input.message,
      structured,
      subject: input.subject,
      attributes,
      timestamp: this.clock.now(),
    };
    if (!topic.fifo) {
      if (input.messageDeduplicationId !== undefined)
        throw snsError(
          'InvalidParameter',
          'Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
        );
      if (input.messageGroupId !== undefined) msg.groupId = input.messageGroupId;
      return { topic, msg };
    }
    if (!input.messageGroupId)
      throw snsError(
        'InvalidParameter',
        'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
      );
    let dedupId = input.messageDeduplicationId;
    if (!dedupId) {
      if (topic.attributes.ContentBasedDeduplication !== 'true')
        throw snsError(
          'InvalidParameter',
          'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      dedupId = createHash('sha256').update(input.message).digest('hex');
    }
    msg.groupId = input.messageGroupId;
    msg.dedupId = dedupId;
    const dedupKey = `${topic.arn}/${dedupId}`;
    const seen = this.dedup.get(dedupKey);
    if (seen && seen.expiresAt > this.clock.now())
      return {
        topic,
        msg,
        dedupKey,
        duplicate: { MessageId: seen.messageId, SequenceNumber: seen.sequenceNumber },
      };
    msg.sequenceNumber = this.nextSequenceNumber();
    return { topic, msg, dedupKey };
  }

  /** Publishes a message to a topic; resolves once every matching delivery is durable. */
  async publish(input: PublishInput): Promise<PublishResult> {
    const prepared = this.prepare(input);
    if (prepared.duplicate) return prepared.duplicate;
    return this.dispatch(prepared.topic, prepared.msg, prepared.dedupKey);
  }

  private async dispatch(topic: TopicRecord, msg: SnsMessage, dedupKey?: string): Promise<PublishResult> {
    if (dedupKey !== undefined) {
      const entry = {
        messageId: msg.messageId,
        sequenceNumber: msg.sequenceNumber,
        expiresAt: this.clock.now() + DEDUP_WINDOW_MS,
      };
      await this.store.table(DEDUP).put(dedupKey, entry);
      this.dedup.set(dedupKey, entry);
    }
    for (const sub of this.subs.values()) {
      if (sub.topicArn !== topic.arn || sub.pending) continue;
      if (!this.matches(sub, msg)) continue;
      if (sub.protocol === 'lambda' || sub.protocol === 'sqs') {
        try {
          await this.deliver(sub, msg);
          continue;
        } catch (e) {
          this.log?.warn(`SNS delivery to ${sub.endpoint} failed, will retry: ${(e as Error).message}`);
        }
      }
      if (['lambda', 'sqs', 'http', 'https'].includes(sub.protocol)) {
        await this.deliveries.enqueue(
          { kind: 'notification', subscriptionArn: sub.arn, message: msg },
          { availableAt: this.clock.now() },
        );
        this.kick();
      }
    }
    const result: PublishResult = { MessageId: msg.messageId };
    if (msg.sequenceNumber) result.SequenceNumber = msg.sequenceNumber;
    return result;
  }

  private matches(sub: SubscriptionRecord, msg: SnsMessage): boolean {
    const text = sub.attributes.FilterPolicy;
    if (!text) return true;
    const scope = (sub.attributes.FilterPolicyScope as FilterScope) ?? 'MessageAttributes';
    try {
      return passesFilter(
        parseFilterPolicy(text, scope),
        scope,
        messageFor(msg, sub.protocol),
        msg.attributes,
      );
    } catch {
      return false;
    }
  }

  /** Publishes up to 10 messages; each entry succeeds or fails on its own. */
  async publishBatch(
    topicArn: string,
    entries: Array<PublishInput & { Id: string }>,
  ): Promise<
    Array<
      | { Id: string; ok: true; result: PublishResult }
      | { Id: string; ok: false; Code: string; Message: string; SenderFault: boolean }
    >
  > {
    this.topic(topicArn);
    if (entries.length === 0)
      throw snsError('EmptyBatchRequest', "The batch request doesn't contain any entries");
    if (entries.length > 10)
      throw snsError(
        'TooManyEntriesInBatchRequest',
        'The batch request contains more entries than permissible.',
      );
    const ids = new Set<string>();
    for (const e of entries) {
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(e.Id ?? ''))
        throw snsError(
          'InvalidBatchEntryId',
          "The Id of a batch entry in a batch request doesn't abide by the specification.",
        );
      if (ids.has(e.Id))
        throw snsError(
          'BatchEntryIdsNotDistinct',
          'Two or more batch entries in the request have the same Id.',
        );
      ids.add(e.Id);
    }
    const total = entries.reduce((n, e) => n + Buffer.byteLength(e.message ?? ''), 0);
    if (total > MAX_MESSAGE_BYTES)
      throw snsError(
        'BatchRequestTooLong',
        'The length of all the messages put together is more than the limit.',
      );
    const out: Awaited<ReturnType<SnsEngine['publishBatch']>> = [];
    for (const e of entries) {
      try {
        out.push({ Id: e.Id, ok: true, result: await this.publish({ ...e, topicArn }) });
      } catch (err) {
        const se = err as { code?: string; message: string };
        out.push({
          Id: e.Id,
          ok: false,
          Code: se.code ?? 'InternalError',
          Message: se.message,
          SenderFault: true,
        });
      }
    }
    return out;
  }

  // ---- delivery ----

  private async deliver(sub: SubscriptionRecord, msg: SnsMessage): Promise<void> {
    const links = this.links();
    const raw = String(sub.attributes.RawMessageDelivery).toLowerCase() === 'true';
    switch (sub.protocol) {
      case 'lambda':
        await this.targets.lambda(sub.endpoint, JSON.stringify(lambdaEvent(links, sub, msg)));
        return;
      case 'sqs': {
        const body = raw ? messageFor(msg, 'sqs') : notificationEnvelope(links, sub, msg, 'sqs');
        const attributes: Record<string, MessageAttributeValue> = {};
        if (raw)
          for (const [k, a] of Object.entries(msg.attributes))
            attributes[k] =
              a.Type === 'Binary'
                ? { DataType: 'Binary', BinaryValue: a.Value }
                : { DataType: a.Type, StringValue: a.Value };
        await this.targets.sqs(sub.endpoint, {
          body,
          attributes,
          groupId: msg.groupId && sub.endpoint.endsWith('.fifo') ? msg.groupId : undefined,
          dedupId: msg.dedupId && sub.endpoint.endsWith('.fifo') ? msg.dedupId : undefined,
        });
        return;
      }
      case 'http':
      case 'https': {
        const headers: Record<string, string> = {
          'content-type': 'text/plain; charset=UTF-8',
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': msg.messageId,
          'x-amz-sns-topic-arn': msg.topicArn,
          'x-amz-sns-subscription-arn': sub.arn,
          'user-agent': 'Amazon Simple Notification Service Agent',
        };
        if (raw) headers['x-amz-sns-rawdelivery'] = 'true';
        await this.targets.http(
          sub.endpoint,
          headers,
          raw ? messageFor(msg, sub.protocol) : notificationEnvelope(links, sub, msg, sub.protocol),
        );
        return;
      }
      default:
        return;
    }
  }

  private async deliverConfirmation(sub: SubscriptionRecord, msg: SnsMessage): Promise<void> {
    const headers = {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
      'x-amz-sns-message-id': msg.messageId,
      'x-amz-sns-topic-arn': sub.topicArn,
      'user-agent': 'Amazon Simple Notification Service Agent',
    };
    await this.targets.http(
      sub.endpoint,
      headers,
      confirmationEnvelope(this.links(), sub, msg.messageId, msg.timestamp),
    );
  }

  /** Runs the delivery worker now (new work arrived). */
  private kick(): void {
    this.worker.kick();
  }

  private async work(id: string, item: DeliveryItem, attempts: number): Promise<void> {
    const sub = this.subs.get(item.subscriptionArn);
    if (!sub) {
      await this.deliveries.ack(id);
      return;
    }
    try {
      if (item.kind === 'confirmation') await this.deliverConfirmation(sub, item.message);
      else await this.deliver(sub, item.message);
      await this.deliveries.ack(id);
    } catch (e) {
      const max = MAX_ATTEMPTS[sub.protocol] ?? 4;
      if (attempts + 1 < max) {
        // 1 s, 2 s, 4 s ... capped at 20 minutes.
        const delay = backoffMs(attempts, 20 * 60 * 1000);
        await this.deliveries.retry(id, this.clock.now() + delay);
        return;
      }
      await this.deliveries.ack(id);
      if (item.kind === 'notification') await this.redrive(sub, item.message, e as Error);
    }
  }

  private async redrive(sub: SubscriptionRecord, msg: SnsMessage, cause: Error): Promise<void> {
    let dlq: string | undefined;
    try {
      dlq = sub.attributes.RedrivePolicy
        ? JSON.parse(sub.attributes.RedrivePolicy).deadLetterTargetArn
        : undefined;
    } catch {
      dlq = undefined;
    }
    if (!dlq) {
      this.log?.warn(`SNS gave up delivering ${msg.messageId} to ${sub.endpoint}: ${cause.message}`);
      return;
    }
    try {
      await this.targets.sqs(dlq, {
        body: notificationEnvelope(this.links(), sub, msg, sub.protocol),
        attributes: {},
      });
    } catch (e) {
      this.log?.error(
        `SNS could not move ${msg.messageId} to its dead-letter queue ${dlq}: ${(e as Error).message}`,
      );
    }
  }
}

function defaultSubAttribute(name: string): string | undefined {
  return name === 'RawMessageDelivery' ? 'false' : undefined;
}

const DEFAULT_DELIVERY_POLICY = {
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: 'linear',
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
  },
};

function defaultPolicy(topicArn: string): object {
  const account = topicArn.split(':')[4];
  return {
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': account } },
      },
    ],
  };
}
