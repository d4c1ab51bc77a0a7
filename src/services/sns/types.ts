/** SNS's data shapes, as the engine keeps them. */
import type { SnsAttribute } from './filter.js';

export type { SnsAttribute } from './filter.js';

export interface TopicRecord {
  name: string;
  arn: string;
  fifo: boolean;
  /** Settable attributes as AWS reports them (DisplayName, Policy, ContentBasedDeduplication, ...). */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
}

export type SubscriptionProtocol =
  | 'lambda'
  | 'sqs'
  | 'http'
  | 'https'
  | 'email'
  | 'email-json'
  | 'sms'
  | 'application'
  | 'firehose';

export interface SubscriptionRecord {
  arn: string;
  topicArn: string;
  protocol: SubscriptionProtocol;
  endpoint: string;
  /** RawMessageDelivery, FilterPolicy, FilterPolicyScope, RedrivePolicy, DeliveryPolicy, ... */
  attributes: Record<string, string>;
  pending: boolean;
  /** Confirmation token for http/https subscriptions. */
  token?: string;
  /** `service:stage` when a deployment created it (so remove can undo it). */
  owner?: string;
}

/** What Publish accepts. */
export interface PublishInput {
  topicArn?: string;
  targetArn?: string;
  message: string;
  subject?: string;
  messageStructure?: string;
  messageAttributes?: Record<string, SnsAttribute>;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

export interface PublishResult {
  MessageId: string;
  SequenceNumber?: string;
}

/** A published message, as delivered to every subscription. */
export interface SnsMessage {
  messageId: string;
  topicArn: string;
  /** The message text, or the JSON structure when messageStructure is json. */
  message: string;
  structured?: Record<string, string>;
  subject?: string;
  attributes: Record<string, SnsAttribute>;
  timestamp: number;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
}

/** One pending delivery (retried durably until it succeeds or runs out of attempts). */
export interface DeliveryItem {
  kind: 'notification' | 'confirmation';
  subscriptionArn: string;
  message: SnsMessage;
}
