#!/usr/bin/env node
/**
 * Messaging benchmark (run after `npm run build`), all in one run on one platform:
 *  1. SQS → Lambda: messages per second end to end (sent in batches of 10 by 4 concurrent senders,
 *     consumed by an event source mapping with batch size 10 into a node handler, until the queue
 *     is drained), and the drain rate of a pre-filled queue (mapping deployed after the fill),
 *     beside the bare cost of the same work as direct RequestResponse invokes of the same function
 *     with 10-record events (5 concurrent callers, as the mapping's 5 pollers).
 *  2. SNS Publish → handler start latency p50/p99, beside an asynchronous Lambda Invoke → handler
 *     start of the same warm function. The handler stamps its start (performance.timeOrigin + now,
 *     comparable across processes) into a file named by the message.
 * Usage: node bench/messaging.mjs [--messages N] [--events N]
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  arg,
  benchSpec,
  deploy,
  fromDist,
  pct,
  putArtifact,
  quiet,
  sha256,
  sleep,
  zip,
} from './lib/common.mjs';

const { startPlatform } = await fromDist('platform/platform.js');

const MESSAGES = arg('messages', 5000);
const EVENTS = arg('events', 200);
const now = () => performance.timeOrigin + performance.now();
const fmt = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const work = mkdtempSync(path.join(tmpdir(), 'selfless-bench-msg-'));
const stamps = path.join(work, 'stamps');
mkdirSync(stamps);
const platform = await startPlatform({ port: 0, dataDir: path.join(work, 'data'), log: quiet });
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const sqs = new SQSClient({ endpoint: platform.url, region: 'us-east-1', credentials });
const sns = new SNSClient({ endpoint: platform.url, region: 'us-east-1', credentials });
const lambda = new LambdaClient({ endpoint: platform.url, region: 'us-east-1', credentials });

try {
  const code = await zip({
    'index.js': `
const fs = require('fs');
const { performance } = require('perf_hooks');
exports.consume = async () => ({});
exports.stamp = async (event) => {
  const t = performance.timeOrigin + performance.now();
  const id = event.Records ? event.Records[0].Sns.Message : event.id;
  fs.writeFileSync(process.env.STAMPS + '/' + id, String(t));
};`,
  });
  const fn = (key, handler, events = []) => ({
    key,
    name: `bench-dev-${key}`,
    runtime: 'nodejs20.x',
    handler,
    memorySize: 1024,
    timeout: 30,
    environment: { STAMPS: stamps },
    architecture: 'x86_64',
    logGroup: `/aws/lambda/bench-dev-${key}`,
    codeSha256: sha256(code),
    codeSize: code.length,
    layers: [],
    events,
  });
  const spec = benchSpec(
    [
      fn('consumer', 'index.consume', [{ sqs: { arn: { 'Fn::GetAtt': ['Stream', 'Arn'] }, batchSize: 10 } }]),
      fn('stamper', 'index.stamp', [{ sns: 'bench-topic' }]),
    ],
    {
      resources: [
        { logicalId: 'Stream', type: 'AWS::SQS::Queue', properties: { QueueName: 'bench-stream' } },
      ],
    },
  );
  await putArtifact(platform.url, code);
  await deploy(platform.url, spec);
  const QueueUrl = `${platform.url}/000000000000/bench-stream`;

  // --- 1. SQS → Lambda throughput ---
  const record = (i) => ({
    messageId: `m-${i}`,
    receiptHandle: 'x',
    body: `message ${i}`,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: 'x',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench-stream',
    awsRegion: 'us-east-1',
  });
  const batchEvent = JSON.stringify({ Records: Array.from({ length: 10 }, (_, i) => record(i)) });
  // Warm both paths.
  for (let i = 0; i < 50; i++)
    await lambda.send(new InvokeCommand({ FunctionName: 'bench-dev-consumer', Payload: batchEvent }));

  const drained = async () => {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })))
      .Attributes;
    return (
      a.ApproximateNumberOfMessages === '0' &&
      a.ApproximateNumberOfMessagesNotVisible === '0' &&
      a.ApproximateNumberOfMessagesDelayed === '0'
    );
  };
  let sent = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (sent < MESSAGES) {
        const start = sent;
        sent += 10;
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl,
            Entries: Array.from({ length: 10 }, (_, i) => ({
              Id: `e${i}`,
              MessageBody: `message ${start + i}`,
            })),
          }),
        );
      }
    }),
  );
  const tSent = now();
  while (!(await drained())) await sleep(5);
  const tDone = now();
  const endToEnd = MESSAGES / ((tDone - t0) / 1000);
  const sendOnly = MESSAGES / ((tSent - t0) / 1000);

  // Drain rate alone: fill the queue with the mapping removed, then deploy it again and time the drain.
  const withoutMapping = {
    ...spec,
    functions: spec.functions.map((f) => (f.key === 'consumer' ? { ...f, events: [] } : f)),
  };
  await deploy(platform.url, withoutMapping);
  for (let i = 0; i < MESSAGES; i += 10)
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: Array.from({ length: 10 }, (_, j) => ({ Id: `e${j}`, MessageBody: `fill ${i + j}` })),
      }),
    );
  const d0 = now();
  await deploy(platform.url, spec);
  while (!(await drained())) await sleep(5);
  const drainRate = MESSAGES / ((now() - d0) / 1000);

  let calls = 0;
  const total = MESSAGES / 10;
  const b0 = now();
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      while (calls < total) {
        calls++;
        await lambda.send(new InvokeCommand({ FunctionName: 'bench-dev-consumer', Payload: batchEvent }));
      }
    }),
  );
  const bare = (total * 10) / ((now() - b0) / 1000);

  // --- 2. SNS Publish → handler start latency ---
  const waitStamp = async (id) => {
    const file = path.join(stamps, id);
    for (;;) {
      if (existsSync(file)) {
        const text = readFileSync(file, 'utf8');
        if (text) return Number(text);
      }
      await sleep(1);
    }
  };
  const measure = async (label, send) => {
    const samples = [];
    for (let i = 0; i < EVENTS + 20; i++) {
      const id = `${label}-${i}`;
      const t = now();
      await send(id);
      const started = await waitStamp(id);
      if (i >= 20) samples.push(started - t);
    }
    return samples;
  };
  const snsLatency = await measure('sns', (id) =>
    sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:bench-topic', Message: id })),
  );
  const asyncLatency = await measure('invoke', (id) =>
    lambda.send(
      new InvokeCommand({
        FunctionName: 'bench-dev-stamper',
        InvocationType: 'Event',
        Payload: JSON.stringify({ id }),
      }),
    ),
  );

  console.log(`SQS → Lambda, ${MESSAGES} messages, batch size 10, node handler:`);
  console.log(
    `  end to end (send + poll + invoke + delete): ${fmt(endToEnd, 0)} msg/s   (sending alone: ${fmt(sendOnly, 0)} msg/s)`,
  );
  console.log(`  drain of a full queue (poll + invoke + delete):  ${fmt(drainRate, 0)} msg/s`);
  console.log(`  bare Lambda invokes of 10-record events, 5 concurrent: ${fmt(bare, 0)} msg/s`);
  console.log(`SNS Publish → handler start, ${EVENTS} sequential publishes:`);
  console.log(
    `  SNS:                  p50 ${fmt(pct(snsLatency, 50), 2)} ms   p99 ${fmt(pct(snsLatency, 99), 2)} ms`,
  );
  console.log(
    `  bare async Invoke:    p50 ${fmt(pct(asyncLatency, 50), 2)} ms   p99 ${fmt(pct(asyncLatency, 99), 2)} ms`,
  );
} finally {
  for (const c of [sqs, sns, lambda]) c.destroy();
  await platform.stop();
  rmSync(work, { recursive: true, force: true });
}
