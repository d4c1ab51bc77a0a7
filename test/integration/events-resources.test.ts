/**
 * CloudFormation resources owned by the s3 and events plugins, deployed from `resources.Resources`
 * with intrinsics between them: AWS::Events::EventBus, AWS::Events::Rule with an SQS target,
 * AWS::S3::Bucket with a NotificationConfiguration to SQS, AWS::S3::BucketPolicy; and their removal.
 */
import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { deploy, serviceSpec, tempDir } from './platform-helpers.js';

let platform: Platform;
let cleanup: () => void;
let eb: EventBridgeClient;
let s3: S3Client;
let sqs: SQSClient;
const creds = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

async function receive(url: string, n: number): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 20 && out.length < n; i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of r.Messages ?? []) {
      out.push(JSON.parse(m.Body ?? 'null'));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return out;
}

const spec = serviceSpec('res', 'dev', [], {
  resources: [
    { logicalId: 'Inbox', type: 'AWS::SQS::Queue', properties: { QueueName: 'res-inbox' } },
    { logicalId: 'AppBus', type: 'AWS::Events::EventBus', properties: { Name: 'app-bus' } },
    {
      logicalId: 'AppRule',
      type: 'AWS::Events::Rule',
      properties: {
        EventBusName: { Ref: 'AppBus' },
        EventPattern: { source: ['app'], detail: { level: [{ 'anything-but': 'debug' }] } },
        Targets: [{ Id: 'inbox', Arn: { 'Fn::GetAtt': ['Inbox', 'Arn'] }, InputPath: '$.detail' }],
      },
    },
    {
      logicalId: 'Uploads',
      type: 'AWS::S3::Bucket',
      properties: {
        BucketName: 'res-uploads',
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Queue: { 'Fn::GetAtt': ['Inbox', 'Arn'] },
              Filter: { S3Key: { Rules: [{ Name: 'suffix', Value: '.txt' }] } },
            },
          ],
        },
      },
    },
    {
      logicalId: 'UploadsPolicy',
      type: 'AWS::S3::BucketPolicy',
      properties: { Bucket: { Ref: 'Uploads' }, PolicyDocument: { Statement: [] } },
    },
  ],
});

beforeAll(async () => {
  const t = tempDir('selfless-events-res-');
  cleanup = t.cleanup;
  platform = await startPlatform({
    port: 0,
    dataDir: t.dir,
    log: { info() {}, warn() {}, error() {}, debug() {} },
  });
  eb = new EventBridgeClient({ endpoint: platform.url, ...creds });
  s3 = new S3Client({ endpoint: platform.url, forcePathStyle: true, ...creds });
  sqs = new SQSClient({ endpoint: platform.url, ...creds });
  const res = await deploy(platform.url, spec, []);
  expect(res.status, await res.clone().text()).toBe(200);
}, 60_000);

afterAll(async () => {
  eb?.destroy();
  s3?.destroy();
  sqs?.destroy();
  await platform?.stop();
  cleanup?.();
});

describe('resources owned by s3 and events', () => {
  it('routes events from a template rule on a template bus to a template queue', async () => {
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'res-inbox' }))).QueueUrl!;
    const rule = await eb.send(new DescribeRuleCommand({ Name: 'res-dev-AppRule', EventBusName: 'app-bus' }));
    expect(rule.EventPattern && JSON.parse(rule.EventPattern)).toEqual({
      source: ['app'],
      detail: { level: [{ 'anything-but': 'debug' }] },
    });
    await eb.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'app-bus', Source: 'app', DetailType: 'log', Detail: '{"level":"debug","n":1}' },
          { EventBusName: 'app-bus', Source: 'app', DetailType: 'log', Detail: '{"level":"error","n":2}' },
        ],
      }),
    );
    // The test event S3 sent when the bucket's configuration was applied comes first.
    const [test, detail] = await receive(url, 2);
    expect(test).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'res-uploads' });
    expect(detail).toEqual({ level: 'error', n: 2 });
  });

  it('notifies the queue about matching uploads to the template bucket', async () => {
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'res-inbox' }))).QueueUrl!;
    await s3.send(new PutObjectCommand({ Bucket: 'res-uploads', Key: 'skip.bin', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'res-uploads', Key: 'note.txt', Body: 'hello' }));
    const [msg] = await receive(url, 1);
    expect(msg).toMatchObject({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'res-uploads' }, object: { key: 'note.txt', size: 5 } },
        },
      ],
    });
  });

  it('removes the rule and bus with the service, and keeps a bucket that still holds objects', async () => {
    const res = await fetch(`${platform.url}/_selfless/services/res/dev`, { method: 'DELETE' });
    expect(res.status, await res.clone().text()).toBe(200);
    await expect(eb.send(new DescribeEventBusCommand({ Name: 'app-bus' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect((await s3.send(new HeadBucketCommand({ Bucket: 'res-uploads' }))).$metadata.httpStatusCode).toBe(
      200,
    );
  });
});
