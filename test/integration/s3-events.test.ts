/**
 * S3 notifications as AWS delivers them, end to end: serverless.yml `s3` events wired at deploy,
 * uploads through @aws-sdk/client-s3, real function processes that read and write objects through
 * the SDK inside the function (a two-step pipeline through S3), and S3 → SQS notifications.
 */
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import {
  deploy,
  fnSpec,
  receiveMessages,
  serviceSpec,
  startTestPlatform,
  TEST_CREDENTIALS,
  zipFiles,
} from './platform-helpers.js';

let platform: Platform;
let s3: S3Client;
let sqs: SQSClient;
let stopPlatform: (() => Promise<void>) | undefined;
let seenUrl: string;
const creds = { region: 'us-east-1', credentials: TEST_CREDENTIALS };
const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

// biome-ignore lint/suspicious/noExplicitAny: assertions dig freely into event records.
type Rec = Record<string, any>;
type Seen = { fn: string; event: { Records: Rec[] } };

/** Receives (and deletes) up to `n` messages, long-polling (1 s) at most `rounds` times. */
const receive = (url: string, n: number, rounds = 20): Promise<unknown[]> =>
  receiveMessages(sqs, url, n, { rounds, waitSeconds: 1 });

const RECORDER = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event, context) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.SEEN_URL, MessageBody: JSON.stringify({ fn: context.functionName, event }) }));
};`;

/** Step one of the pipeline: reads the uploaded CSV and writes it as JSON into the results bucket. */
const CONVERT = `
const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({ forcePathStyle: true });
exports.handler = async (event) => {
  for (const r of event.Records) {
    const key = decodeURIComponent(r.s3.object.key.replace(/\\+/g, ' '));
    const obj = await s3.send(new GetObjectCommand({ Bucket: r.s3.bucket.name, Key: key }));
    const rows = (await obj.Body.transformToString()).trim().split('\\n').map((l) => l.split(','));
    await s3.send(new PutObjectCommand({ Bucket: 'results', Key: key.replace(/\\.csv$/, '.json'), Body: JSON.stringify(rows), ContentType: 'application/json' }));
  }
};`;

beforeAll(async () => {
  ({ platform, stop: stopPlatform } = await startTestPlatform({ limits: { idleMs: 60_000 } }));
  s3 = new S3Client({ endpoint: platform.url, forcePathStyle: true, ...creds });
  sqs = new SQSClient({ endpoint: platform.url, ...creds });
  seenUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'seen' }))).QueueUrl!;
  const recorder = await zipFiles({ 'handler.js': RECORDER });
  const convert = await zipFiles({ 'handler.js': CONVERT });
  const env = { SEEN_URL: seenUrl };
  const spec = serviceSpec('pipe', 'dev', [
    fnSpec('pipe', 'dev', 'convert', convert, {
      events: [{ s3: { bucket: 'incoming', event: 's3:ObjectCreated:*', rules: [{ suffix: '.csv' }] } }],
    }),
    fnSpec('pipe', 'dev', 'report', recorder, { environment: env, events: [{ s3: 'results' }] }),
    fnSpec('pipe', 'dev', 'removed', recorder, {
      environment: env,
      events: [{ s3: { bucket: 'incoming', event: 's3:ObjectRemoved:*' } }],
    }),
  ]);
  const res = await deploy(platform.url, spec, [recorder, convert]);
  expect(res.status, await res.clone().text()).toBe(200);
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  await stopPlatform?.();
});

describe('serverless.yml s3 events', () => {
  it('creates the buckets and their notification configuration at deploy', async () => {
    const conf = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'incoming' }));
    expect(conf.LambdaFunctionConfigurations?.map((c) => [c.LambdaFunctionArn, c.Events])).toEqual([
      ['arn:aws:lambda:us-east-1:000000000000:function:pipe-dev-convert', ['s3:ObjectCreated:*']],
      ['arn:aws:lambda:us-east-1:000000000000:function:pipe-dev-removed', ['s3:ObjectRemoved:*']],
    ]);
    expect(conf.LambdaFunctionConfigurations?.[0].Filter?.Key?.FilterRules).toEqual([
      { Name: 'Suffix', Value: '.csv' },
    ]);
  });

  it('runs a two-function pipeline through S3 with AWS event records', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'incoming', Key: 'notes.txt', Body: 'not a csv' }));
    await s3.send(new PutObjectCommand({ Bucket: 'incoming', Key: 'in/my data=1.csv', Body: 'a,1\nb,2\n' }));
    const [seen] = (await receive(seenUrl, 1)) as Seen[];
    expect(seen.fn).toBe('pipe-dev-report');
    const rec = seen.event.Records[0];
    const body = JSON.stringify([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(rec).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.any(String) },
      requestParameters: { sourceIPAddress: expect.any(String) },
      responseElements: {
        'x-amz-request-id': expect.stringMatching(/^[0-9A-F]{16}$/),
        'x-amz-id-2': expect.any(String),
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'pipe-dev-report-s3-1',
        bucket: {
          name: 'results',
          ownerIdentity: { principalId: expect.any(String) },
          arn: 'arn:aws:s3:::results',
        },
        object: {
          key: 'in/my+data%3D1.json',
          size: body.length,
          eTag: md5(body),
          sequencer: expect.stringMatching(/^[0-9A-F]+$/),
        },
      },
    });
    expect(rec.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const out = await s3.send(new GetObjectCommand({ Bucket: 'results', Key: 'in/my data=1.json' }));
    expect(await out.Body?.transformToString()).toBe(body);
    // notes.txt did not match the .csv suffix rule, so nothing else reached the report step.
    expect(await receive(seenUrl, 1, 1)).toEqual([]);
  });

  it('reports deletes, copies, form uploads and completed multipart uploads with their event names', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'incoming', Key: 'gone.bin', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'incoming', Key: 'gone.bin' }));
    const [removed] = (await receive(seenUrl, 1)) as Seen[];
    expect(removed.fn).toBe('pipe-dev-removed');
    expect(removed.event.Records[0].eventName).toBe('ObjectRemoved:Delete');
    expect(removed.event.Records[0].s3.object).toEqual({ key: 'gone.bin', sequencer: expect.any(String) });

    await s3.send(
      new CopyObjectCommand({
        Bucket: 'results',
        Key: 'copied.json',
        CopySource: 'results/in/my%20data%3D1.json',
      }),
    );
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'results', Key: 'mp.bin' }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket: 'results', Key: 'mp.bin', UploadId, PartNumber: 1, Body: 'only part' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'results',
        Key: 'mp.bin',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const posted = new FormData();
    posted.append('key', 'posted.txt');
    posted.append('file', new Blob(['via form']), 'posted.txt');
    expect((await fetch(`${platform.url}/results`, { method: 'POST', body: posted })).status).toBe(204);
    const seen = (await receive(seenUrl, 3)) as Seen[];
    const byKey = Object.fromEntries(seen.map((s) => [s.event.Records[0].s3.object.key, s.event.Records[0]]));
    expect(byKey['posted.txt'].eventName).toBe('ObjectCreated:Post');
    expect(byKey['copied.json'].eventName).toBe('ObjectCreated:Copy');
    expect(byKey['mp.bin'].eventName).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(byKey['mp.bin'].s3.object.eTag).toBe(`${md5(Buffer.from(md5('only part'), 'hex'))}-1`);
  });

  it('sends notifications to SQS, starting with the s3:TestEvent', async () => {
    const q = (await sqs.send(new CreateQueueCommand({ QueueName: 'uploads' }))).QueueUrl!;
    await s3.send(new CreateBucketCommand({ Bucket: 'to-queue' }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'to-queue',
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'q',
              QueueArn: 'arn:aws:sqs:us-east-1:000000000000:uploads',
              Events: ['s3:ObjectCreated:Put'],
            },
          ],
        },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'to-queue', Key: 'a b.txt', Body: 'hi' }));
    const [test, rec] = (await receive(q, 2)) as Rec[];
    expect(test).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'to-queue' });
    expect(rec.Records[0]).toMatchObject({
      eventName: 'ObjectCreated:Put',
      s3: { configurationId: 'q', object: { key: 'a+b.txt', size: 2 } },
    });
  });

  it('refuses a Lambda destination that does not exist, as S3 does', async () => {
    await expect(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'to-queue',
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [
              {
                LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:nope',
                Events: ['s3:ObjectCreated:*'],
              },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidArgument',
      message: 'Unable to validate the following destination configurations',
    });
  });

  it('attaches to an existing bucket (existing: true) and detaches on remove, keeping the bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'pre-made' }));
    const zip = await zipFiles({ 'handler.js': RECORDER });
    const spec = serviceSpec('ex', 'dev', [
      fnSpec('ex', 'dev', 'f', zip, {
        environment: { SEEN_URL: seenUrl },
        events: [{ s3: { bucket: 'pre-made', existing: true, rules: [{ prefix: 'up/' }] } }],
      }),
    ]);
    const res = await deploy(platform.url, spec, [zip]);
    expect(res.status, await res.clone().text()).toBe(200);
    const conf = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'pre-made' }));
    expect(conf.LambdaFunctionConfigurations?.map((c) => c.LambdaFunctionArn)).toEqual([
      'arn:aws:lambda:us-east-1:000000000000:function:ex-dev-f',
    ]);
    await s3.send(new PutObjectCommand({ Bucket: 'pre-made', Key: 'up/x', Body: 'x' }));
    const [seen] = (await receive(seenUrl, 1)) as Seen[];
    expect(seen).toMatchObject({
      fn: 'ex-dev-f',
      event: { Records: [{ s3: { bucket: { name: 'pre-made' }, object: { key: 'up/x' } } }] },
    });
    expect((await fetch(`${platform.url}/_selfless/services/ex/dev`, { method: 'DELETE' })).status).toBe(200);
    const after = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'pre-made' }));
    expect(after.LambdaFunctionConfigurations).toBeUndefined();

    const missing = await deploy(
      platform.url,
      serviceSpec('ex2', 'dev', [
        fnSpec('ex2', 'dev', 'f', zip, { events: [{ s3: { bucket: 'not-there', existing: true } }] }),
      ]),
      [zip],
    );
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain(
      'bucket not-there does not exist (existing: true)',
    );
  });

  it('rejects an invalid s3 event at deploy, naming the function and event', async () => {
    const zip = await zipFiles({ 'handler.js': RECORDER });
    const res = await deploy(
      platform.url,
      serviceSpec('bad', 'dev', [
        fnSpec('bad', 'dev', 'f', zip, {
          events: [{ s3: { bucket: 'bad-events', event: 's3:ObjectMade:*' } }],
        }),
      ]),
      [zip],
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('functions.f.events[0].s3');
    expect(body.error.message).toContain('s3:ObjectMade:*');
  });
});
