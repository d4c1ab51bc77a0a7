/**
 * What other services (S3 and EventBridge notifications, Step Functions, Lambda destinations, the
 * SQS engine's tests) use to reach SNS: `ctx.service<SnsFacade>('sns')`.
 */
import type { PublishInput, PublishResult } from './types.js';

export interface TopicDescription {
  arn: string;
  name: string;
  fifo: boolean;
}

export interface SnsFacade {
  /** Publishes to a topic; resolves once every matching delivery is durable. */
  publish(input: PublishInput): Promise<PublishResult>;
  /** Looks a topic up by ARN or name. */
  findTopic(ref: string): TopicDescription | undefined;
  createTopic(name: string, attributes?: Record<string, string>): Promise<TopicDescription>;
  deleteTopic(arn: string): Promise<void>;
  /** Subscribes an endpoint; returns the subscription ARN (HTTP ones start pending). */
  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes?: Record<string, string>,
  ): Promise<string>;
  unsubscribe(subscriptionArn: string): Promise<void>;
}
