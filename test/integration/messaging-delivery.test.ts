/**
 * SNS and SQS delivering to real functions on a platform on a free port, deployed from a spec with
 * CloudFormation resources: publish → the handler sees AWS's SNS event; SNS → SQS with and without
 * raw delivery; filter policies; SQS → Lambda with partial batch failures and DLQ redrive; FIFO
 * order; Ref/GetAtt in function environments and Outputs; deploy errors for missing queues.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ListSubscriptionsCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import {
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { deploy, fnSpec, serviceSpec, tempDir, zipFiles } from './platform-helpers.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const sample = (name: string) =>
  JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/aws-events', name), 'utf8'));

let platform: Platform;
let sns: SNSClient;
let sqs: SQSClient;
let lambda: LambdaClient;
let out: string;
let cleanup: () => void;
let deployed: Record<string, unknown>;

const HANDLERS = `
const fs = require('fs');
const path = require('path');
const out = (name) => path.join(process.env.OUT, name);
exports.sns = async (event) => {
  for (const r of event.Records) fs.writeFileSync(out('sns-' + r.Sns.Message + '.json'), JSON.stringify(event));
};
exports.work = async (event) => {
  const batchItemFailures = [];
  for (const r of event.Records) {
    fs.appendFileSync(out('work.log'), r.body + ' ' + r.attributes.ApproximateReceiveCount + '\\n');
    if (r.body.startsWith('bad')) batchItemFailures.push({ itemIdentifier: r.messageId });
  }
  fs.writeFileSync(out('work-event.json'), JSON.stringify(event));
  return { batchItemFailures };
};
exports.fifo = async (event) => {
  for (const r of event.Records) fs.appendFileSync(out('fifo-' + r.attributes.MessageGroupId + '.log'), r.body + '\\n');
};
exports.env = async () => ({ queueUrl: process.env.QUEUE_URL, topicArn: process.env.TOPIC_ARN, dlqArn: process.env.DLQ_ARN });
`;

async function until<T>(what: string, fn: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const read = (name: string) =>
  existsSync(path.join(out, name)) ? readFileSync(path.join(out, name), 'utf8') : undefined;
const lines = (name: string) => (read(name) ?? '').split('\n').filter(Boolean);

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  out = path.join(t.dir, 'out');
  mkdirSync(out);
  platform = await startPlatform({ port: 0, dataDir: path.join(t.dir, 'data'), log: quiet });
  sns = new SNSClient({ endpoint: platform.url, region: 'us-east-1', credentials });
  sqs = new SQSClient({ endpoint: platform.url, region: 'us-east-1', credentials });
  lambda = new LambdaClient({ endpoint: platform.url, region: 'us-east-1', credentials });
  const zip = await zipFiles({ 'handler.js': HANDLERS });
  const environment = { OUT: out };
  const spec = serviceSpec(
    'msg',
    'dev',
    [
      fnSpec('msg', 'dev', 'onSns', zip, {
        handler: 'handler.sns',
        environment,
        events: [{ sns: 'my-topic' }],
      }),
      fnSpec('msg', 'dev', 'onFiltered', zip, {
        handler: 'handler.sns',
        environment,
        events: [{ sns: { topicName: 'filtered', filterPolicy: { color: ['red', { prefix: 'bl' }] } } }],
      }),
      fnSpec('msg', 'dev', 'onWork', zip, {
        handler: 'handler.work',
        environment,
        events: [
          {
            sqs: { arn: { 'Fn::GetAtt': ['Work', 'Arn'] }, functionResponseType: 'ReportBatchItemFailures' },
          },
        ],
      }),
      fnSpec('msg', 'dev', 'onFifo', zip, {
        handler: 'handler.fifo',
        environment,
        events: [{ sqs: { arn: { 'Fn::GetAtt': ['Ordered', 'Arn'] }, batchSize: 3 } }],
      }),
      fnSpec('msg', 'dev', 'env', zip, {
        handler: 'handler.env',
        extra: {
          environmentIntrinsics: {
            QUEUE_URL: { Ref: 'Work' },
            TOPIC_ARN: { Ref: 'Fanout' },
            DLQ_ARN: { 'Fn::GetAtt': ['Dlq', 'Arn'] },
          },
        },
      }),
    ],
    {
      resources: [
        { logicalId: 'Dlq', type: 'AWS::SQS::Queue', properties: { QueueName: 'work-dlq' } },
        {
          logicalId: 'Work',
          type: 'AWS::SQS::Queue',
          properties: {
            QueueName: 'work',
            VisibilityTimeout: 1,
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 2 },
          },
        },
        {
          logicalId: 'Ordered',
          type: 'AWS::SQS::Queue',
          properties: { QueueName: 'ordered.fifo', FifoQueue: true, ContentBasedDeduplication: true },
        },
        { logicalId: 'Inbox', type: 'AWS::SQS::Queue', properties: {} },
        { logicalId: 'RawInbox', type: 'AWS::SQS::Queue', properties: { QueueName: 'raw-inbox' } },
        {
          logicalId: 'Fanout',
          type: 'AWS::SNS::Topic',
          properties: { TopicName: { 'Fn::Sub': '${AWS::StackName}-fanout' } },
        },
        {
          logicalId: 'InboxSubscription',
          type: 'AWS::SNS::Subscription',
          properties: {
            TopicArn: { Ref: 'Fanout' },
            Protocol: 'sqs',
            Endpoint: { 'Fn::GetAtt': ['Inbox', 'Arn'] },
          },
        },
        {
          logicalId: 'RawSubscription',
          type: 'AWS::SNS::Subscription',
          properties: {
            TopicArn: { Ref: 'Fanout' },
            Protocol: 'sqs',
            Endpoint: { 'Fn::GetAtt': ['RawInbox', 'Arn'] },
            RawMessageDelivery: 'true',
          },
        },
        {
          logicalId: 'Policy',
          type: 'AWS::SQS::QueuePolicy',
          properties: { Queues: [{ Ref: 'Inbox' }], PolicyDocument: { Statement: [] } },
        },
      ],
      outputs: { FanoutArn: { Value: { Ref: 'Fanout' } }, InboxUrl: { Value: { Ref: 'Inbox' } } },
    },
  );
  const res = await deploy(platform.url, spec, [zip]);
  deployed = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(deployed)).toBe(200);
}, 90_000);

afterAll(async () => {
  for (const c of [sns, sqs, lambda]) c?.destroy();
  await platform?.stop();
  cleanup?.();
});

const TOPIC = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;
const QUEUE = (name: string) => `${platform.url}/000000000000/${name}`;

describe('SNS → Lambda', () => {
  it('delivers AWS’s SNS event to the handler of an `sns: my-topic` event', async () => {
    await sns.send(
      new PublishCommand({
        TopicArn: TOPIC('my-topic'),
        Message: 'hello-world',
        Subject: 'greeting',
        MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
      }),
    );
    const event = JSON.parse(await until('the sns event', () => read('sns-hello-world.json')));
    const expected = sample('sns.json');
    expect(Object.keys(event.Records[0]).sort()).toEqual(Object.keys(expected.Records[0]).sort());
    expect(Object.keys(event.Records[0].Sns).sort()).toEqual(Object.keys(expected.Records[0].Sns).sort());
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: expect.stringMatching(
        /^arn:aws:sns:us-east-1:000000000000:my-topic:[0-9a-f-]{36}$/,
      ),
      Sns: {
        Type: 'Notification',
        TopicArn: TOPIC('my-topic'),
        Subject: 'greeting',
        Message: 'hello-world',
        MessageAttributes: { a: { Type: 'String', Value: 'b' } },
      },
    });
    expect(event.Records[0].Sns.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('applies the event’s filter policy', async () => {
    await sns.send(
      new PublishCommand({
        TopicArn: TOPIC('filtered'),
        Message: 'green',
        MessageAttributes: { color: { DataType: 'String', StringValue: 'green' } },
      }),
    );
    await sns.send(new PublishCommand({ TopicArn: TOPIC('filtered'), Message: 'none' }));
    await sns.send(
      new PublishBatchCommand({
        TopicArn: TOPIC('filtered'),
        PublishBatchRequestEntries: [
          {
            Id: '1',
            Message: 'red',
            MessageAttributes: { color: { DataType: 'String', StringValue: 'red' } },
          },
          {
            Id: '2',
            Message: 'blue',
            MessageAttributes: { color: { DataType: 'String', StringValue: 'blue' } },
          },
        ],
      }),
    );
    await until('red and blue', () => read('sns-red.json') && read('sns-blue.json'));
    expect(read('sns-green.json')).toBeUndefined();
    expect(read('sns-none.json')).toBeUndefined();
  });
});

describe('SNS → SQS (CloudFormation subscriptions)', () => {
  it('wraps the message in the SNS envelope, or passes it raw', async () => {
    const topic = (deployed.outputs as Record<string, string>).FanoutArn;
    expect(topic).toBe(TOPIC('msg-dev-fanout'));
    const inbox = (deployed.outputs as Record<string, string>).InboxUrl;
    expect(inbox).toMatch(new RegExp(`^${platform.url}/000000000000/msg-dev-Inbox-[A-Z0-9]+$`));
    await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Message: '{"n":1}',
        MessageAttributes: { k: { DataType: 'Number', StringValue: '7' } },
      }),
    );
    const wrapped = await sqs.send(new ReceiveMessageCommand({ QueueUrl: inbox, WaitTimeSeconds: 5 }));
    const envelope = JSON.parse(wrapped.Messages![0].Body!);
    const expected = JSON.parse(sample('sqs-with-sns-envelope-body.json').Records[0].body);
    expect(Object.keys(envelope).filter((k) => k !== 'MessageAttributes')).toEqual(Object.keys(expected));
    expect(envelope).toMatchObject({
      Type: 'Notification',
      TopicArn: topic,
      Message: '{"n":1}',
      MessageAttributes: { k: { Type: 'Number', Value: '7' } },
    });
    const raw = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: QUEUE('raw-inbox'),
        WaitTimeSeconds: 5,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(raw.Messages![0].Body).toBe('{"n":1}');
    expect(raw.Messages![0].MessageAttributes).toEqual({ k: { DataType: 'Number', StringValue: '7' } });
  });
});

describe('SQS → Lambda', () => {
  it('deletes what succeeded, redelivers reported failures and redrives them to the DLQ', async () => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: QUEUE('work'),
        Entries: [
          { Id: 'g1', MessageBody: 'good-1' },
          { Id: 'b1', MessageBody: 'bad-1' },
          { Id: 'g2', MessageBody: 'good-2' },
        ],
      }),
    );
    const dead = await until(
      'bad-1 in the DLQ',
      () => lines('work.log').filter((l) => l.startsWith('bad-1')).length >= 2 && true,
    ).then(async () => {
      for (let i = 0; i < 20; i++) {
        const r = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: QUEUE('work-dlq'),
            WaitTimeSeconds: 2,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (r.Messages?.length) return r.Messages[0];
      }
      return undefined;
    });
    expect(dead?.Body).toBe('bad-1');
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:us-east-1:000000000000:work');
    const log = lines('work.log');
    expect(log.filter((l) => l.startsWith('good-1'))).toEqual(['good-1 1']);
    expect(log.filter((l) => l.startsWith('good-2'))).toEqual(['good-2 1']);
    expect(log.filter((l) => l.startsWith('bad-1'))).toEqual(['bad-1 1', 'bad-1 2']);
    const event = JSON.parse(read('work-event.json')!);
    const expected = sample('sqs.json').Records[0];
    expect(Object.keys(event.Records[0]).sort()).toEqual(Object.keys(expected).sort());
    expect(event.Records[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
      awsRegion: 'us-east-1',
    });
  }, 30_000);

  it('keeps FIFO group order', async () => {
    for (let i = 0; i < 6; i++)
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: QUEUE('ordered.fifo'),
          MessageBody: `a${i}`,
          MessageGroupId: 'A',
        }),
      );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: QUEUE('ordered.fifo'),
        Entries: [0, 1, 2, 3].map((i) => ({ Id: `b${i}`, MessageBody: `b${i}`, MessageGroupId: 'B' })),
      }),
    );
    await until('both groups', () => lines('fifo-A.log').length === 6 && lines('fifo-B.log').length === 4);
    expect(lines('fifo-A.log')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(lines('fifo-B.log')).toEqual(['b0', 'b1', 'b2', 'b3']);
  });
});

describe('CloudFormation references in functions and deploy errors', () => {
  it('resolves Ref and Fn::GetAtt in the function environment', async () => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'msg-dev-env' }));
    expect(JSON.parse(Buffer.from(r.Payload!).toString())).toEqual({
      queueUrl: QUEUE('work'),
      topicArn: TOPIC('msg-dev-fanout'),
      dlqArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq',
    });
  });

  it('refuses an sqs event whose queue does not exist, naming the function and event', async () => {
    const zip = await zipFiles({ 'handler.js': HANDLERS });
    const spec = serviceSpec('broken', 'dev', [
      fnSpec('broken', 'dev', 'reader', zip, {
        handler: 'handler.work',
        events: [{ sqs: 'arn:aws:sqs:us-east-1:000000000000:missing' }],
      }),
    ]);
    const res = await deploy(platform.url, spec, [zip]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    const text = await res.text();
    expect(text).toContain('reader');
    expect(text).toContain('functions.reader.events[0].sqs');
    expect(readdirSync(out).length).toBeGreaterThan(0);
  });
});

describe('remove', () => {
  it('stops the mappings and deletes the topics, queues and subscriptions it created', async () => {
    const info = await fetch(`${platform.url}/_selfless/services/msg/dev`);
    expect(((await info.json()) as { outputs: Record<string, string> }).outputs.FanoutArn).toBe(
      TOPIC('msg-dev-fanout'),
    );
    const res = await fetch(`${platform.url}/_selfless/services/msg/dev`, { method: 'DELETE' });
    expect(res.status, await res.clone().text()).toBe(200);
    const queues = (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    for (const q of ['work', 'work-dlq', 'ordered.fifo', 'raw-inbox']) expect(queues).not.toContain(QUEUE(q));
    const topics = ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn);
    for (const t of ['my-topic', 'filtered', 'msg-dev-fanout']) expect(topics).not.toContain(TOPIC(t));
    expect((await sns.send(new ListSubscriptionsCommand({}))).Subscriptions ?? []).toEqual([]);
  });
});
