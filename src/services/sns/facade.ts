/**
 * What other services (S3 and EventBridge notifications, Step Functions, Lambda destinations, the
 * SQS engine's tests) use to reach SNS: `ctx.service<SnsFacade>('sns')`.
 */
import type { PublishInput, PublishResult, SnsAttribute } from './types.js';

/** A message attribute in SNS's own shape or in the SDK's (`DataType`, `StringValue`, `BinaryValue`). */
export type PublishAttribute =
  | SnsAttribute
  | { DataType: string; StringValue?: string; BinaryValue?: string | Uint8Array };

/** Publish input as other services hand it over. */
export type PublishRequest = Omit<PublishInput, 'messageAttributes'> & {
  messageAttributes?: Record<string, PublishAttribute>;
  /** SMS is not delivered by this platform: a phone number is an InvalidParameter error. */
  phoneNumber?: string;
};

/** Converts SDK-shaped attributes to SNS's `{Type, Value}` (binary values base64). */
export function toSnsAttributes(
  attrs: Record<string, PublishAttribute> | undefined,
): Record<string, SnsAttribute> | undefined {
  if (!attrs) return undefined;
  const out: Record<string, SnsAttribute> = {};
  for (const [k, a] of Object.entries(attrs)) {
    if ('Type' in a) out[k] = a;
    else {
      const bin = a.BinaryValue;
      out[k] = {
        Type: a.DataType,
        Value:
          a.StringValue ?? (typeof bin === 'string' ? bin : bin ? Buffer.from(bin).toString('base64') : ''),
      };
    }
  }
  return out;
}

export interface TopicDescription {
  arn: string;
  name: string;
  fifo: boolean;
}

export interface SnsFacade {
  /** Publishes to a topic; resolves once every matching delivery is durable. */
  publish(input: PublishRequest): Promise<PublishResult>;
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
