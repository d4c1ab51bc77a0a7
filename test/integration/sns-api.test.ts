/**
 * The SNS API through the real @aws-sdk/client-sns, boto3 and raw awsQuery requests against a
 * platform on a free port: topics, subscriptions (with an HTTP endpoint that confirms), attributes,
 * Publish and PublishBatch, and AWS's error shapes.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { tempDir } from './platform-helpers.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let platform: Platform;
let sns: SNSClient;
let sqs: SQSClient;
let hook: Server;
let hookUrl: string;
const hookBodies: Array<{ headers: Record<string, unknown>; body: string }> = [];
let cleanup: () => void;

async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  platform = await startPlatform({
    port: 0,
    dataDir: t.dir,
    log: { info() {}, warn() {}, error() {}, debug() {} },
  });
  sns = new SNSClient({ endpoint: platform.url, region: 'us-east-1', credentials });
  sqs = new SQSClient({ endpoint: platform.url, region: 'us-east-1', credentials });
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      hookBodies.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
}, 60_000);

afterAll(async () => {
  sns?.destroy();
  sqs?.destroy();
  await new Promise((r) => hook?.close(r));
  await platform?.stop();
  cleanup?.();
});

describe('SNS topics', () => {
  it('creates, lists, describes, sets attributes on and deletes topics', async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({
        Name: 'news',
        Attributes: { DisplayName: 'News' },
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:news');
    expect((await sns.send(new CreateTopicCommand({ Name: 'news' }))).TopicArn).toBe(TopicArn);
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toContainEqual({ TopicArn });
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DisplayName', AttributeValue: 'Daily news' }),
    );
    const attrs = (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes;
    expect(attrs).toMatchObject({
      TopicArn,
      DisplayName: 'Daily news',
      Owner: '000000000000',
      SubscriptionsConfirmed: '0',
    });
    expect(JSON.parse(attrs!.Policy!).Statement[0].Resource).toBe(TopicArn);
    expect((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags).toEqual([
      { Key: 'team', Value: 'a' },
    ]);
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    const gone = await failure(sns.send(new GetTopicAttributesCommand({ TopicArn })));
    expect(gone.name).toBe('NotFoundException');
    expect(gone.message).toBe('Topic does not exist');
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it('creates FIFO topics that deduplicate', async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({
        Name: 'orders.fifo',
        Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    const a = await sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageGroupId: 'g' }));
    const b = await sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageGroupId: 'g' }));
    expect(b.MessageId).toBe(a.MessageId);
    expect(a.SequenceNumber).toMatch(/^\d+$/);
    const noGroup = await failure(sns.send(new PublishCommand({ TopicArn, Message: 'x' })));
    expect(noGroup.name).toBe('InvalidParameterException');
  });

  it('fans a FIFO topic out to a FIFO queue in group order, deduplicated', async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: 'events.fifo', Attributes: { FifoTopic: 'true' } }),
    );
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'events-q.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:events-q.fifo',
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    for (const i of [1, 2, 3, 2])
      await sns.send(
        new PublishCommand({
          TopicArn,
          Message: `e${i}`,
          MessageGroupId: 'g',
          MessageDeduplicationId: `d${i}`,
        }),
      );
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    expect(r.Messages?.map((m) => m.Body)).toEqual(['e1', 'e2', 'e3']);
    expect(r.Messages?.[0].Attributes).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: 'd1' });
  });
});

describe('SNS subscriptions', () => {
  it('confirms an HTTP endpoint through its SubscribeURL and delivers signed notifications', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'hooks' }));
    const sub = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hookUrl }));
    expect(sub.SubscriptionArn).toBe('pending confirmation');
    const confirmation = await until('the confirmation', () =>
      hookBodies.find((b) => b.headers['x-amz-sns-message-type'] === 'SubscriptionConfirmation'),
    );
    const msg = JSON.parse(confirmation.body);
    expect(msg).toMatchObject({ Type: 'SubscriptionConfirmation', TopicArn, Token: expect.any(String) });
    // Visiting the SubscribeURL confirms, as it does on AWS.
    const visit = await fetch(msg.SubscribeURL);
    expect(visit.status).toBe(200);
    expect(await visit.text()).toContain(
      '<ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:us-east-1:000000000000:hooks:',
    );
    const again = await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: msg.Token }));
    expect(again.SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:hooks:[0-9a-f-]{36}$/);

    await sns.send(new PublishCommand({ TopicArn, Message: 'to the hook', Subject: 'hi' }));
    const note = await until('the notification', () =>
      hookBodies.find((b) => b.headers['x-amz-sns-message-type'] === 'Notification'),
    );
    expect(note.headers['x-amz-sns-subscription-arn']).toBe(again.SubscriptionArn);
    const body = JSON.parse(note.body);
    expect(body).toMatchObject({
      Type: 'Notification',
      Message: 'to the hook',
      Subject: 'hi',
      SignatureVersion: '1',
    });
    expect(Buffer.from(body.Signature, 'base64').length).toBe(256);
    // UnsubscribeURL works too.
    expect((await fetch(body.UnsubscribeURL)).status).toBe(200);
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions).toEqual([]);
  });

  it('subscribes queues with attributes, lists, updates and unsubscribes', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'fan' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'fan-q' }));
    const queueArn = 'arn:aws:sqs:us-east-1:000000000000:fan-q';
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        Attributes: { RawMessageDelivery: 'true', FilterPolicy: '{"k":["v"]}' },
      }),
    );
    const listed = (await sns.send(new ListSubscriptionsCommand({}))).Subscriptions;
    expect(listed).toContainEqual({
      SubscriptionArn,
      Owner: '000000000000',
      Protocol: 'sqs',
      Endpoint: queueArn,
      TopicArn,
    });
    const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes;
    expect(attrs).toMatchObject({
      RawMessageDelivery: 'true',
      FilterPolicy: '{"k":["v"]}',
      FilterPolicyScope: 'MessageAttributes',
      PendingConfirmation: 'false',
    });
    await sns.send(new PublishCommand({ TopicArn, Message: 'filtered out' }));
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicyScope',
        AttributeValue: 'MessageBody',
      }),
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: '{"k":[{"prefix":"v"}]}',
      }),
    );
    await sns.send(new PublishCommand({ TopicArn, Message: '{"k":"value"}' }));
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: `${platform.url}/000000000000/fan-q`,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
      }),
    );
    expect(r.Messages?.map((m) => m.Body)).toEqual(['{"k":"value"}']);
    await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions).toEqual([]);
  });
});

describe('SNS errors', () => {
  it('answers bad input with AWS status codes, codes and messages', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'strict' }));
    const long = await failure(sns.send(new PublishCommand({ TopicArn, Message: 'x'.repeat(262_145) })));
    expect(long.name).toBe('InvalidParameterException');
    expect(long.message).toBe('Invalid parameter: Message too long');
    const badName = await failure(sns.send(new CreateTopicCommand({ Name: 'no spaces' })));
    expect(badName.message).toBe('Invalid parameter: Topic Name');
    const badArn = await failure(sns.send(new PublishCommand({ TopicArn: 'not-an-arn', Message: 'x' })));
    expect(badArn.name).toBe('InvalidParameterException');
    const missing = await failure(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Message: 'x' })),
    );
    expect(missing.name).toBe('NotFoundException');
    const filter = await failure(
      sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q',
          Attributes: { FilterPolicy: '{"a":"b"}' },
        }),
      ),
    );
    expect(filter.name).toBe('InvalidParameterException');
    const attr = await failure(
      sns.send(
        new PublishCommand({
          TopicArn,
          Message: 'x',
          MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } },
        }),
      ),
    );
    expect(attr.name).toBe('InvalidParameterValueException');
    const batch = await failure(
      sns.send(
        new PublishBatchCommand({
          TopicArn,
          PublishBatchRequestEntries: [
            { Id: 'a', Message: '1' },
            { Id: 'a', Message: '2' },
          ],
        }),
      ),
    );
    expect(batch.name).toBe('BatchEntryIdsNotDistinctException');
    const ok = await sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: '1' },
          { Id: 'b', Message: '' },
        ],
      }),
    );
    expect(ok.Successful?.map((s) => s.Id)).toEqual(['a']);
    expect(ok.Failed).toEqual([
      { Id: 'b', Code: 'InvalidParameter', Message: 'Invalid parameter: Empty message', SenderFault: true },
    ]);

    const raw = await fetch(platform.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: 'Action=Explode&Version=2010-03-31',
    });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toContain('<Code>InvalidAction</Code>');
    // Still serving.
    expect((await sns.send(new ListTopicsCommand({}))).Topics?.length).toBeGreaterThan(0);
  });
});

describe('SNS through boto3', () => {
  it.runIf(existsSync('/usr/bin/python3'))('publishes from Python unchanged', async () => {
    const script = [
      'import boto3, json',
      `c = boto3.client("sns", endpoint_url="${platform.url}", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")`,
      't = c.create_topic(Name="py-topic")["TopicArn"]',
      'r = c.publish(TopicArn=t, Message="from python", MessageAttributes={"a": {"DataType": "String", "StringValue": "b"}})',
      'print(json.dumps({"topic": t, "id": r["MessageId"]}))',
    ].join('\n');
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', script], {
      env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
    });
    const r = JSON.parse(stdout);
    expect(r.topic).toBe('arn:aws:sns:us-east-1:000000000000:py-topic');
    expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
