/**
 * The shapes SNS delivers: the Lambda event (`Records[0].Sns`, with `SigningCertUrl` and
 * `UnsubscribeUrl`) and the JSON envelope for SQS and HTTP(S) (`SigningCertURL`, `UnsubscribeURL`,
 * pretty-printed as SNS prints it), plus the SubscriptionConfirmation message.
 */
import { createHmac } from 'node:crypto';
import type { SnsMessage, SubscriptionRecord } from './types.js';

/** Where the platform serves SNS links (the platform URL). */
export interface LinkBase {
  endpoint: string;
  /** Per-platform secret the signature is derived from. */
  secret: string;
}

/** The message text a protocol receives (MessageStructure json picks the protocol's key or default). */
export function messageFor(msg: SnsMessage, protocol: string): string {
  if (!msg.structured) return msg.message;
  return msg.structured[protocol] ?? msg.structured.default ?? msg.message;
}

function unsubscribeUrl(base: LinkBase, sub: SubscriptionRecord): string {
  return `${base.endpoint}/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`;
}

function signingCertUrl(base: LinkBase): string {
  return `${base.endpoint}/SimpleNotificationService-selfless.pem`;
}

/**
 * A SignatureVersion 1 style signature: 256 bytes, base64, over SNS's canonical string. It is
 * derived from a local secret, so it has AWS's shape but cannot be verified against AWS's certificate.
 */
export function signature(base: LinkBase, fields: Array<[string, string | undefined]>): string {
  const canonical = fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}\n${v}\n`)
    .join('');
  const parts: Buffer[] = [];
  for (let i = 0; i < 4; i++)
    parts.push(createHmac('sha512', `${base.secret}:${i}`).update(canonical).digest());
  return Buffer.concat(parts).toString('base64');
}

function attributesOf(msg: SnsMessage): Record<string, { Type: string; Value: string }> {
  const out: Record<string, { Type: string; Value: string }> = {};
  for (const [k, a] of Object.entries(msg.attributes)) out[k] = { Type: a.Type, Value: a.Value };
  return out;
}

/** The event a Lambda subscription receives: one record per invocation. */
export function lambdaEvent(base: LinkBase, sub: SubscriptionRecord, msg: SnsMessage): object {
  const message = messageFor(msg, 'lambda');
  const timestamp = new Date(msg.timestamp).toISOString();
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: sub.arn,
        Sns: {
          Type: 'Notification',
          MessageId: msg.messageId,
          TopicArn: msg.topicArn,
          Subject: msg.subject ?? null,
          Message: message,
          Timestamp: timestamp,
          SignatureVersion: '1',
          Signature: signature(base, [
            ['Message', message],
            ['MessageId', msg.messageId],
            ['Subject', msg.subject],
            ['Timestamp', timestamp],
            ['TopicArn', msg.topicArn],
            ['Type', 'Notification'],
          ]),
          SigningCertUrl: signingCertUrl(base),
          UnsubscribeUrl: unsubscribeUrl(base, sub),
          MessageAttributes: attributesOf(msg),
        },
      },
    ],
  };
}

/** Serializes like SNS: one `"Key" : value` per line, two-space indent. */
function snsJson(fields: Array<[string, unknown]>): string {
  const lines = fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `  ${JSON.stringify(k)} : ${render(v)}`);
  return `{\n${lines.join(',\n')}\n}`;
}

function render(v: unknown): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{ }';
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The JSON notification body SQS and HTTP(S) subscriptions receive (without raw delivery). */
export function notificationEnvelope(
  base: LinkBase,
  sub: SubscriptionRecord,
  msg: SnsMessage,
  protocol: string,
): string {
  const message = messageFor(msg, protocol);
  const timestamp = new Date(msg.timestamp).toISOString();
  const attrs = attributesOf(msg);
  return snsJson([
    ['Type', 'Notification'],
    ['MessageId', msg.messageId],
    ['SequenceNumber', msg.sequenceNumber],
    ['TopicArn', msg.topicArn],
    ['Subject', msg.subject ?? null],
    ['Message', message],
    ['Timestamp', timestamp],
    ['SignatureVersion', '1'],
    [
      'Signature',
      signature(base, [
        ['Message', message],
        ['MessageId', msg.messageId],
        ['Subject', msg.subject],
        ['Timestamp', timestamp],
        ['TopicArn', msg.topicArn],
        ['Type', 'Notification'],
      ]),
    ],
    ['SigningCertURL', signingCertUrl(base)],
    ['UnsubscribeURL', unsubscribeUrl(base, sub)],
    ['MessageAttributes', Object.keys(attrs).length > 0 ? attrs : undefined],
  ]);
}

/** The SubscriptionConfirmation an HTTP(S) endpoint receives when it subscribes. */
export function confirmationEnvelope(
  base: LinkBase,
  sub: SubscriptionRecord,
  messageId: string,
  at: number,
): string {
  const timestamp = new Date(at).toISOString();
  const message = `You have chosen to subscribe to the topic ${sub.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`;
  const subscribeUrl = `${base.endpoint}/?Action=ConfirmSubscription&TopicArn=${sub.topicArn}&Token=${sub.token}`;
  return snsJson([
    ['Type', 'SubscriptionConfirmation'],
    ['MessageId', messageId],
    ['Token', sub.token],
    ['TopicArn', sub.topicArn],
    ['Message', message],
    ['SubscribeURL', subscribeUrl],
    ['Timestamp', timestamp],
    ['SignatureVersion', '1'],
    [
      'Signature',
      signature(base, [
        ['Message', message],
        ['MessageId', messageId],
        ['SubscribeURL', subscribeUrl],
        ['Timestamp', timestamp],
        ['Token', sub.token],
        ['TopicArn', sub.topicArn],
        ['Type', 'SubscriptionConfirmation'],
      ]),
    ],
    ['SigningCertURL', signingCertUrl(base)],
  ]);
}
