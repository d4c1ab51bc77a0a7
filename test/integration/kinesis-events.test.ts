/**
 * Kinesis `stream` events end to end: a serverless.yml service with an AWS::Kinesis::Stream
 * resource, SQS queues and a real Node.js function, deployed with the real CLI; records put with
 * @aws-sdk/client-kinesis (over h2c); the function's effect (one SQS message per invocation) read
 * back with @aws-sdk/client-sqs. A batch holding a poison record is retried and bisected until only
 * that record fails; its on-failure record lands in the onFailure queue; checkpoints survive a
 * platform restart (nothing is delivered twice, nothing is skipped).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListTagsForStreamCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { ROOT } from './lifecycle-support.js';
import { TEST_CREDENTIALS, tempDir } from './platform-helpers.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

const SERVERLESS_YML = `
service: kin
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
functions:
  consumer:
    handler: consumer.handler
    environment:
      OUT_URL:
        Ref: OutQueue
    events:
      - stream:
          type: kinesis
          arn:
            Fn::GetAtt: [EventsStream, Arn]
          batchSize: 4
          startingPosition: TRIM_HORIZON
          maximumRetryAttempts: 2
          bisectBatchOnFunctionError: true
          destinations:
            onFailure:
              type: sqs
              arn:
                Fn::GetAtt: [FailuresQueue, Arn]
  partial:
    handler: consumer.partial
    environment:
      OUT_URL:
        Ref: PartialOutQueue
    events:
      - stream:
          type: kinesis
          arn:
            Fn::GetAtt: [PartialStream, Arn]
          batchSize: 10
          maximumRetryAttempts: 1
          functionResponseType: ReportBatchItemFailures
          destinations:
            onFailure:
              type: sns
              arn:
                Ref: FailuresTopic
resources:
  Resources:
    PartialStream:
      Type: AWS::Kinesis::Stream
      Properties:
        Name: kin-partial
        ShardCount: 1
    PartialOutQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: kin-partial-out
    FailuresTopic:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: kin-failures
    TopicFailuresQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: kin-topic-failures
    TopicFailuresSubscription:
      Type: AWS::SNS::Subscription
      Properties:
        TopicArn:
          Ref: FailuresTopic
        Protocol: sqs
        Endpoint:
          Fn::GetAtt: [TopicFailuresQueue, Arn]
        RawMessageDelivery: true
    EventsStream:
      Type: AWS::Kinesis::Stream
      Properties:
        Name: kin-events
        ShardCount: 1
        RetentionPeriodHours: 48
        Tags:
          - Key: team
            Value: streams
    OutQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: kin-out
    FailuresQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: kin-failures
`;

/** Reports every batch it sees to a queue, then fails the batch when it holds a poison record. */
const CONSUMER = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const items = event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());
  const poison = items.some((i) => i.startsWith('poison'));
  await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.OUT_URL,
    MessageBody: JSON.stringify({ items, ok: !poison, first: event.Records[0] }),
  }));
  if (poison) throw new Error('poison in batch');
};
/** Reports its batch, and answers the records starting with "bad" as failed items. */
exports.partial = async (event) => {
  const items = event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());
  await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.OUT_URL,
    MessageBody: JSON.stringify({ items, ok: true, first: event.Records[0] }),
  }));
  return {
    batchItemFailures: event.Records.filter((_, i) => items[i].startsWith('bad')).map((r) => ({
      itemIdentifier: r.kinesis.sequenceNumber,
    })),
  };
};
`;

interface Report {
  items: string[];
  ok: boolean;
  first: Record<string, unknown>;
}

let platform: Platform;
let kinesis: KinesisClient;
let sqs: SQSClient;
let data: { dir: string; cleanup: () => void };
let work: { dir: string; cleanup: () => void };
const urls: Record<string, string> = {};

function clients(url: string): void {
  kinesis = new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  sqs = new SQSClient({ endpoint: url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
}

async function cli(dir: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/selfless.js'), ...args], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SELFLESS_ENDPOINT: platform.url,
        NO_COLOR: '1',
        SELFLESS_NO_STDIN: '1',
      },
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

/** Receives (and deletes) messages until `done` says the collection is complete. */
async function collect<T>(queue: string, done: (got: T[]) => boolean, rounds = 60): Promise<T[]> {
  const got: T[] = [];
  for (let i = 0; i < rounds && !done(got); i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: urls[queue], MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of r.Messages ?? []) {
      got.push(JSON.parse(m.Body ?? 'null') as T);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: urls[queue], ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return got;
}

async function put(items: string[], stream = 'kin-events'): Promise<string[]> {
  const r = await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: items.map((i) => ({ PartitionKey: 'one-key', Data: Buffer.from(i) })),
    }),
  );
  return (r.Records ?? []).map((x) => x.SequenceNumber!);
}

const okItems = (reports: Report[]) => reports.filter((r) => r.ok).flatMap((r) => r.items);

beforeAll(async () => {
  data = tempDir();
  work = tempDir();
  platform = await startPlatform({ port: 0, dataDir: data.dir, log: quiet });
  clients(platform.url);
  const dir = path.join(work.dir, 'kin');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'serverless.yml'), SERVERLESS_YML);
  writeFileSync(path.join(dir, 'consumer.js'), CONSUMER);
  const r = await cli(dir, ['deploy']);
  if (r.code !== 0) throw new Error(r.stderr);
  for (const q of ['kin-out', 'kin-failures', 'kin-partial-out', 'kin-topic-failures'])
    urls[q] = (await sqs.send(new GetQueueUrlCommand({ QueueName: q }))).QueueUrl!;
}, 120_000);

afterAll(async () => {
  kinesis?.destroy();
  sqs?.destroy();
  await platform?.stop();
  data?.cleanup();
  work?.cleanup();
});

describe('kinesis stream events', () => {
  let poisonSeq = '';

  it('creates the AWS::Kinesis::Stream resource with its shards, retention and tags', async () => {
    const s = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'kin-events' })))
      .StreamDescriptionSummary!;
    expect(s.StreamARN).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/kin-events');
    expect(s.OpenShardCount).toBe(1);
    expect(s.RetentionPeriodHours).toBe(48);
    const tags = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'kin-events' }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'streams' }]);
  });

  it("delivers batches in AWS's event shape, and bisects a failing batch until only the poison record fails", async () => {
    const seqs = await put(['a', 'b', 'poison-c', 'd']);
    poisonSeq = seqs[2];
    const reports = await collect<Report>('kin-out', (got) => okItems(got).includes('d'));
    // [a b poison d] fails, is split: [a b] succeeds, [poison d] fails, is split: [poison] fails
    // until its retries are exhausted, [d] succeeds. Nothing runs twice once it succeeded.
    expect(okItems(reports)).toEqual(['a', 'b', 'd']);
    const failing = reports.filter((r) => !r.ok).map((r) => r.items.join(','));
    expect(failing).toEqual(['a,b,poison-c,d', 'poison-c,d', 'poison-c']);
    const first = reports.find((r) => r.ok && r.items[0] === 'a')!.first;
    expect(first).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'one-key',
        sequenceNumber: seqs[0],
        data: Buffer.from('a').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${seqs[0]}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: expect.stringMatching(/^arn:aws:iam::000000000000:role\//),
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/kin-events',
    });
  });

  it('sends the on-failure record of the poison record to the onFailure queue', async () => {
    const [record] = await collect<Record<string, unknown>>('kin-failures', (got) => got.length > 0);
    expect(record).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:kin-dev-consumer',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: poisonSeq,
        endSequenceNumber: poisonSeq,
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 1,
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/kin-events',
      },
    });
  });

  it('with ReportBatchItemFailures, checkpoints before the first failed item and retries from it; gives up on the rest via SNS', async () => {
    const seqs = await put(['p', 'q', 'bad-r', 's'], 'kin-partial');
    const reports = await collect<Report>('kin-partial-out', (got) => got.length >= 2);
    // maximumRetryAttempts 1: the first invocation, then one retry from bad-r, then give up.
    expect(reports.map((r) => r.items.join(','))).toEqual(['p,q,bad-r,s', 'bad-r,s']);
    const [record] = await collect<Record<string, unknown>>('kin-topic-failures', (got) => got.length > 0);
    expect(record.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 2,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:kin-dev-partial',
    });
    expect(record.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: seqs[2],
      endSequenceNumber: seqs[3],
      batchSize: 2,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/kin-partial',
    });
    // p and q were checkpointed: a later record is read after them, not with them.
    await put(['t'], 'kin-partial');
    const next = await collect<Report>('kin-partial-out', (got) => got.length > 0);
    expect(next.map((r) => r.items)).toEqual([['t']]);
  });

  it('keeps its checkpoint across a platform restart: new records only, none replayed', async () => {
    const port = platform.port;
    kinesis.destroy();
    sqs.destroy();
    await platform.stop();
    platform = await startPlatform({ port, dataDir: data.dir, log: quiet });
    clients(platform.url);
    await put(['e', 'f']);
    const reports = await collect<Report>('kin-out', (got) => okItems(got).includes('f'));
    expect(reports.flatMap((r) => r.items)).toEqual(['e', 'f']);
  });

  it('remove stops the mappings and deletes the streams', async () => {
    const r = await cli(path.join(work.dir, 'kin'), ['remove']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const gone = await kinesis
      .send(new DescribeStreamSummaryCommand({ StreamName: 'kin-events' }))
      .catch((e) => e);
    expect(gone.name).toBe('ResourceNotFoundException');
  });
});
