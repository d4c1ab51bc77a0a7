#!/usr/bin/env node
/**
 * S3 benchmark (run after `npm run build`), all in one run on one platform:
 *  1. PutObject → handler start latency (p50/p99) of an S3-triggered function, beside the bare
 *     cost of an asynchronous Lambda Invoke → handler start of the same warm function.
 *  2. PUT and GET throughput of 1 MB objects through @aws-sdk/client-s3, beside a plain Node
 *     fs write/read of the same data to the same disk.
 * The handler stamps its start (performance.timeOrigin + now, comparable across processes) and
 * reports it through SQS, so reporting costs are not counted.
 * Usage: node bench/s3.mjs [--events N] [--objects N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { arg, benchSpec, deploy, fromDist, pct, putArtifact, quiet, zip } from './lib/common.mjs';

const { startPlatform } = await fromDist('platform/platform.js');

const EVENTS = arg('events', 200);
const OBJECTS = arg('objects', 200);
const now = () => performance.timeOrigin + performance.now();
const fmt = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const HANDLER = `
const { performance } = require('node:perf_hooks');
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const start = performance.timeOrigin + performance.now();
  const tag = event.Records ? decodeURIComponent(event.Records[0].s3.object.key) : event.tag;
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.STAMP_URL, MessageBody: JSON.stringify({ tag, start }) }));
};`;

const dataDir = mkdtempSync(path.join(tmpdir(), 'selfless-bench-s3-'));
const fsDir = mkdtempSync(path.join(tmpdir(), 'selfless-bench-fs-'));
const platform = await startPlatform({ port: 0, dataDir, log: quiet, limits: { idleMs: 600_000 } });
const creds = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const s3 = new S3Client({ endpoint: platform.url, forcePathStyle: true, ...creds });
const sqs = new SQSClient({ endpoint: platform.url, ...creds });
const lambda = new LambdaClient({ endpoint: platform.url, ...creds });

try {
  const stampUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'stamps' }))).QueueUrl;
  const code = await zip({ 'handler.js': HANDLER });
  const codeSha256 = await putArtifact(platform.url, code);
  const fn = {
    key: 'probe',
    name: 'bench-dev-probe',
    runtime: 'nodejs20.x',
    handler: 'handler.handler',
    memorySize: 256,
    timeout: 10,
    environment: { STAMP_URL: stampUrl },
    architecture: 'x86_64',
    logGroup: '/aws/lambda/bench-dev-probe',
    codeSha256,
    codeSize: code.length,
    layers: [],
    events: [{ s3: 'bench-in' }],
  };
  await deploy(platform.url, benchSpec([fn]));

  /** Waits for the stamp of `tag` (messages arrive in order since calls are sequential). */
  const stamps = new Map();
  async function stampOf(tag) {
    while (!stamps.has(tag)) {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stampUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
      );
      const msgs = r.Messages ?? [];
      for (const m of msgs) {
        const { tag: t, start } = JSON.parse(m.Body);
        stamps.set(t, start);
      }
      if (msgs.length)
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: stampUrl,
            Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
    }
    return stamps.get(tag);
  }

  // Warm the function with both paths before measuring.
  for (let i = 0; i < 5; i++) {
    await s3.send(new PutObjectCommand({ Bucket: 'bench-in', Key: `warm-${i}`, Body: 'x' }));
    await stampOf(`warm-${i}`);
    await lambda.send(
      new InvokeCommand({
        FunctionName: 'bench-dev-probe',
        InvocationType: 'Event',
        Payload: JSON.stringify({ tag: `warm-i-${i}` }),
      }),
    );
    await stampOf(`warm-i-${i}`);
  }

  // 1. Latency, interleaved so both paths see the same machine conditions.
  const viaS3 = [];
  const viaInvoke = [];
  for (let i = 0; i < EVENTS; i++) {
    let t0 = now();
    await s3.send(new PutObjectCommand({ Bucket: 'bench-in', Key: `e-${i}`, Body: 'payload' }));
    viaS3.push((await stampOf(`e-${i}`)) - t0);
    t0 = now();
    await lambda.send(
      new InvokeCommand({
        FunctionName: 'bench-dev-probe',
        InvocationType: 'Event',
        Payload: JSON.stringify({ tag: `i-${i}` }),
      }),
    );
    viaInvoke.push((await stampOf(`i-${i}`)) - t0);
  }

  // 2. Throughput of 1 MB objects (the trigger-free bucket keeps function work out of it).
  await fetch(`${platform.url}/bench-data`, {
    method: 'PUT',
    headers: {
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
    },
  });
  const mb = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mb.length; i += 4) mb.writeUInt32LE((i * 2654435761) >>> 0, i);
  let t = now();
  for (let i = 0; i < OBJECTS; i++)
    await s3.send(new PutObjectCommand({ Bucket: 'bench-data', Key: `o-${i}`, Body: mb }));
  const s3Put = OBJECTS / ((now() - t) / 1000);
  t = now();
  for (let i = 0; i < OBJECTS; i++) {
    const o = await s3.send(new GetObjectCommand({ Bucket: 'bench-data', Key: `o-${i}` }));
    await o.Body.transformToByteArray();
  }
  const s3Get = OBJECTS / ((now() - t) / 1000);
  // The same through plain HTTP (no SDK checksums or signing), to separate client from server cost.
  const auth = {
    authorization:
      'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
  };
  t = now();
  for (let i = 0; i < OBJECTS; i++) {
    const r = await fetch(`${platform.url}/bench-data/h-${i}`, { method: 'PUT', body: mb, headers: auth });
    await r.arrayBuffer();
  }
  const httpPut = OBJECTS / ((now() - t) / 1000);
  t = now();
  for (let i = 0; i < OBJECTS; i++)
    await (await fetch(`${platform.url}/bench-data/h-${i}`, { headers: auth })).arrayBuffer();
  const httpGet = OBJECTS / ((now() - t) / 1000);
  t = now();
  for (let i = 0; i < OBJECTS; i++) await writeFile(path.join(fsDir, `o-${i}`), mb);
  const fsPut = OBJECTS / ((now() - t) / 1000);
  t = now();
  for (let i = 0; i < OBJECTS; i++) await readFile(path.join(fsDir, `o-${i}`));
  const fsGet = OBJECTS / ((now() - t) / 1000);

  console.log(`S3 benchmark (${EVENTS} events, ${OBJECTS} × 1 MB objects, node ${process.version})`);
  console.log('');
  console.log('Trigger latency to handler start (ms)      p50      p99     mean');
  const row = (label, xs) =>
    console.log(
      `  ${label.padEnd(40)} ${fmt(pct(xs, 50)).padStart(7)}  ${fmt(pct(xs, 99)).padStart(7)}  ${fmt(xs.reduce((a, b) => a + b, 0) / xs.length).padStart(7)}`,
    );
  row('PutObject → S3 notification → handler', viaS3);
  row('Invoke (Event) → handler (bare cost)', viaInvoke);
  console.log('');
  console.log('1 MB objects (MB/s, sequential)             PUT      GET');
  console.log(
    `  ${'S3 API (@aws-sdk/client-s3)'.padEnd(40)} ${fmt(s3Put).padStart(7)}  ${fmt(s3Get).padStart(7)}`,
  );
  console.log(
    `  ${'plain HTTP PUT / GET (fetch, no SDK)'.padEnd(40)} ${fmt(httpPut).padStart(7)}  ${fmt(httpGet).padStart(7)}`,
  );
  console.log(
    `  ${'node:fs writeFile / readFile (baseline)'.padEnd(40)} ${fmt(fsPut).padStart(7)}  ${fmt(fsGet).padStart(7)}`,
  );
} finally {
  s3.destroy();
  sqs.destroy();
  lambda.destroy();
  await platform.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(fsDir, { recursive: true, force: true });
}
