/**
 * What other services (SNS, S3 and EventBridge notifications, Step Functions, Lambda destinations)
 * use to reach SQS: `ctx.service<SqsFacade>('sqs')`.
 */
import type { QueueInfo } from './engine.js';
import type { ReceivedMessage, ReceiveOptions, SendMessageInput, SendMessageResult } from './types.js';

/** A queue's identity plus its URL on the platform. */
export interface QueueDescription extends QueueInfo {
  url: string;
}

export interface SqsFacade {
  /** Sends a message to a queue named by ARN, URL or name; resolves once it is durable. */
  sendMessage(queue: string, input: SendMessageInput): Promise<SendMessageResult>;
  /** Looks a queue up by ARN, URL or name. */
  getQueue(queue: string): QueueDescription | undefined;
  /** Creates a queue (idempotent for equal attributes). */
  createQueue(
    name: string,
    attributes?: Record<string, string>,
    tags?: Record<string, string>,
  ): Promise<QueueDescription>;
  deleteQueue(queue: string): Promise<void>;
  receiveMessage(queue: string, opts?: ReceiveOptions): Promise<ReceivedMessage[]>;
  deleteMessage(queue: string, receiptHandle: string): Promise<void>;
  /** Queue attributes (`All` by default). */
  getQueueAttributes(queue: string, names?: string[]): Record<string, string>;
}
