import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { SnsEngine, type SnsTargets } from './engine.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/aws-events/${name}`, import.meta.url), 'utf8'));

let dir: string;
let store: SqliteStore;
let clock: ManualClock;
let sns: SnsEngine;
let sent: Array<{ to: string; kind: string; payload: unknown }>;
let failHttp: number;

const targets: SnsTargets = {
  lambda: async (fn, payload) => {
    sent.push({ to: fn, kind: 'lambda', payload: JSON.parse(payload) });
  },
  sqs: async (q, m) => {
    sent.push({ to: q, kind: 'sqs', payload: m });
  },
  http: async (url, headers, body) => {
    if (failHttp-- > 0) throw new Error('HTTP 500');
    sent.push({ to: url, kind: 'http', payload: { headers, body } });
  },
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sns-engine-'));
  store = new SqliteStore(dir);
  clock = new ManualClock();
  sent = [];
  failHttp = 0;
  sns = new SnsEngine(store, clock, 'us-east-1', targets, () => 'http://127.0.0.1:4566');
  await sns.start();
});
afterEach(async () => {
  sns.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Advances the manual clock in small steps, letting the delivery worker's promises run between them. */
async function run(ms: number, step = 250) {
  for (let t = 0; t < ms; t += step) {
    await new Promise((r) => setTimeout(r, 2));
    await clock.advance(step);
  }
  await new Promise((r) => setTimeout(r, 2));
}

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:svc-dev-fn';
const Q = 'arn:aws:sqs:us-east-1:000000000000:q';

describe('SNS engine', () => {
  it('delivers to Lambda an event with the same keys as AWS sample', async () => {
    const t = await sns.createTopic('my-topic');
    const sub = await sns.subscribe(t.arn, 'lambda', FN);
    await sns.publish({
      topicArn: t.arn,
      message: 'Hello',
      messageAttributes: { Test: { Type: 'String', Value: 'x' } },
    });
    const event = sent[0].payload as { Records: Array<Record<string, unknown>> };
    const sample = fixture('sns.json');
    expect(Object.keys(event.Records[0]).sort()).toEqual(Object.keys(sample.Records[0]).sort());
    const snsPart = event.Records[0].Sns as Record<string, unknown>;
    expect(Object.keys(snsPart).sort()).toEqual(Object.keys(sample.Records[0].Sns).sort());
    expect(snsPart).toMatchObject({
      Type: 'Notification',
      TopicArn: t.arn,
      Message: 'Hello',
      Subject: null,
      SignatureVersion: '1',
      MessageAttributes: { Test: { Type: 'String', Value: 'x' } },
      UnsubscribeUrl: `http://127.0.0.1:4566/?Action=Unsubscribe&SubscriptionArn=${sub}`,
    });
    expect(event.Records[0].EventSubscriptionArn).toBe(sub);
    expect(snsPart.Timestamp).toBe('2026-01-01T00:00:00.000Z');
  });

  it('wraps messages for SQS in the JSON envelope unless raw delivery is on', async () => {
    const t = await sns.createTopic('t');
    await sns.subscribe(t.arn, 'sqs', Q);
    await sns.subscribe(t.arn, 'sqs', `${Q}-raw`, { RawMessageDelivery: 'true' });
    await sns.publish({
      topicArn: t.arn,
      message: 'm',
      subject: 's',
      messageAttributes: { a: { Type: 'Number', Value: '1' } },
    });
    const env = sent.find((s) => s.to === Q)!.payload as { body: string };
    const parsed = JSON.parse(env.body);
    const sample = JSON.parse(fixture('sqs-with-sns-envelope-body.json').Records[0].body);
    expect(Object.keys(parsed).filter((k) => k !== 'MessageAttributes')).toEqual(Object.keys(sample));
    expect(parsed).toMatchObject({
      Type: 'Notification',
      Message: 'm',
      Subject: 's',
      MessageAttributes: { a: { Type: 'Number', Value: '1' } },
    });
    expect(env.body).toMatch(/^\{\n {2}"Type" : "Notification",\n/);
    const raw = sent.find((s) => s.to === `${Q}-raw`)!.payload;
    expect(raw).toEqual({ body: 'm', attributes: { a: { DataType: 'Number', StringValue: '1' } } });
  });

  it('drops messages the filter policy rejects', async () => {
    const t = await sns.createTopic('t');
    await sns.subscribe(t.arn, 'lambda', FN, { FilterPolicy: '{"color":["red"]}' });
    await sns.publish({ topicArn: t.arn, message: 'no attrs' });
    await sns.publish({
      topicArn: t.arn,
      message: 'red',
      messageAttributes: { color: { Type: 'String', Value: 'red' } },
    });
    expect(
      sent.map((s) => (s.payload as { Records: Array<{ Sns: { Message: string } }> }).Records[0].Sns.Message),
    ).toEqual(['red']);
  });

  it('confirms HTTP subscriptions and retries failed deliveries durably', async () => {
    const t = await sns.createTopic('t');
    expect(await sns.subscribe(t.arn, 'http', 'http://127.0.0.1:9/hook')).toBe('pending confirmation');
    await run(10, 10);
    const confirmation = sent[0].payload as { body: string; headers: Record<string, string> };
    expect(confirmation.headers['x-amz-sns-message-type']).toBe('SubscriptionConfirmation');
    const { Token } = JSON.parse(confirmation.body);
    const arn = await sns.confirmSubscription(t.arn, Token);
    failHttp = 2;
    await sns.publish({ topicArn: t.arn, message: 'hi' });
    await run(10, 10);
    expect(sent.length).toBe(1);
    await run(5_000);
    const delivered = sent[1].payload as { body: string; headers: Record<string, string> };
    expect(delivered.headers['x-amz-sns-subscription-arn']).toBe(arn);
    expect(JSON.parse(delivered.body).Message).toBe('hi');
  });

  it('deduplicates FIFO publishes and numbers them', async () => {
    const t = await sns.createTopic('t.fifo', { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
    const a = await sns.publish({ topicArn: t.arn, message: 'x', messageGroupId: 'g' });
    const b = await sns.publish({ topicArn: t.arn, message: 'x', messageGroupId: 'g' });
    expect(b).toEqual(a);
    expect(a.SequenceNumber).toMatch(/^\d{20}$/);
    await expect(sns.publish({ topicArn: t.arn, message: 'y' })).rejects.toMatchObject({
      code: 'InvalidParameter',
    });
  });

  it('rejects bad input in SNS words', async () => {
    await expect(
      sns.publish({ topicArn: 'arn:aws:sns:us-east-1:000000000000:nope', message: 'x' }),
    ).rejects.toMatchObject({
      code: 'NotFound',
      message: 'Topic does not exist',
    });
    await expect(sns.publish({ topicArn: 'bad', message: 'x' })).rejects.toMatchObject({
      code: 'InvalidParameter',
    });
    const t = await sns.createTopic('t');
    await expect(sns.publish({ topicArn: t.arn, message: 'x'.repeat(262_145) })).rejects.toMatchObject({
      message: 'Invalid parameter: Message too long',
    });
    await expect(sns.createTopic('bad name!')).rejects.toMatchObject({
      message: 'Invalid parameter: Topic Name',
    });
    await expect(sns.subscribe(t.arn, 'lambda', 'nope')).rejects.toMatchObject({ code: 'InvalidParameter' });
  });

  it('keeps topics and subscriptions across a restart', async () => {
    const t = await sns.createTopic('t');
    await sns.subscribe(t.arn, 'lambda', FN);
    sns.stop();
    sns = new SnsEngine(store, clock, 'us-east-1', targets, () => 'http://127.0.0.1:4566');
    await sns.start();
    await sns.publish({ topicArn: t.arn, message: 'after' });
    expect(sent.length).toBe(1);
  });
});
