/** SQS's data shapes, as the engine keeps them and the wire APIs render them. */

/** A message attribute value; binary values are kept base64-encoded. */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
  StringListValues?: string[];
  BinaryListValues?: string[];
}

/** A queue as stored. `attributes` holds the settable attributes, as strings, as AWS reports them. */
export interface QueueRecord {
  name: string;
  arn: string;
  fifo: boolean;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
  lastModifiedAt: number;
  lastPurgeAt?: number;
}

/** A message as stored. Times are epoch milliseconds of the engine's clock. */
export interface StoredMessage {
  id: string;
  queue: string;
  seq: number;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  systemAttributes: Record<string, MessageAttributeValue>;
  md5OfSystemAttributes?: string;
  senderId: string;
  sentAt: number;
  /** Not receivable before this time (delay, visibility timeout). */
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Changes with every receive; receipt handles embed it. */
  receipt?: string;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  deadLetterSourceArn?: string;
}

/** What a client sends with SendMessage (validated by the engine). */
export interface SendMessageInput {
  body: string;
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
  systemAttributes?: Record<string, MessageAttributeValue>;
  groupId?: string;
  dedupId?: string;
}

export interface SendMessageResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  MD5OfMessageSystemAttributes?: string;
  SequenceNumber?: string;
}

export interface ReceiveOptions {
  maxNumberOfMessages?: number;
  waitTimeSeconds?: number;
  visibilityTimeout?: number;
  /** System attribute names to return (`All` or names); none when empty. */
  attributeNames?: string[];
  /** Message attribute names to return (`All`, `.*`, `prefix.*` or names). */
  messageAttributeNames?: string[];
  /** Stops a long poll early (client gone, poller stopping). */
  signal?: AbortSignal;
}

/** A received message, in the API's shape. */
export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}

/** One entry's outcome in a batch call. */
export type BatchOutcome<T> =
  | { Id: string; ok: true; result: T }
  | { Id: string; ok: false; SenderFault: boolean; Code: string; Message: string };
