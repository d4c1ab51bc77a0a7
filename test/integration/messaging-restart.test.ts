/**
 * Nothing acknowledged is lost: `selfless server` (a child process) is SIGKILLed in the middle of
 * streams of SQS sends and SNS publishes, then restarted on the same data dir. Every acknowledged
 * message is processed at least once; a FIFO queue keeps its group order and deduplicates the
 * client's retry of a send whose acknowledgement was lost.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, fnSpec, serviceSpec, tempDir, zipFiles } from './platform-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LIMITS = JSON.stringify({ asyncRetryDelaysMs: [300, 600], asyncLeaseMarginMs: 500 });
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Server {
  proc: ChildProcess;
  url: string;
}

/** Starts `selfless server --port <port>` and resolves once it listens. */
function startServer(dataDir: string, port = 0): Promise<Server> {
  const proc = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/selfless.js'), 'server', '--port', String(port), '--data-dir', dataDir],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SELFLESS_LIMITS: LIMITS },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
    proc.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${err}`));
    });
  });
}

async function stop(s: Server | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill(signal);
  await exited;
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let data: ReturnType<typeof tempDir>;
let out: string;
let server: Server | undefined;
const lines = (name: string) =>
  existsSync(path.join(out, name))
    ? readFileSync(path.join(out, name), 'utf8').split('\n').filter(Boolean)
    : [];

beforeAll(async () => {
  data = tempDir();
  out = path.join(data.dir, 'out');
  mkdirSync(out);
  server = await startServer(path.join(data.dir, 'platform'));
  const zip = await zipFiles({
    'handler.js': `
const fs = require('fs');
exports.sqs = async (event) => { for (const r of event.Records) fs.appendFileSync(process.env.OUT + '/sqs.log', r.body + '\\n'); };
exports.sns = async (event) => { for (const r of event.Records) fs.appendFileSync(process.env.OUT + '/sns.log', r.Sns.Message + '\\n'); };
`,
  });
  const environment = { OUT: out };
  const spec = serviceSpec(
    'dur',
    'dev',
    [
      fnSpec('dur', 'dev', 'reader', zip, {
        handler: 'handler.sqs',
        environment,
        events: [{ sqs: { arn: { 'Fn::GetAtt': ['Stream', 'Arn'] } } }],
      }),
      fnSpec('dur', 'dev', 'listener', zip, {
        handler: 'handler.sns',
        environment,
        events: [{ sns: 'durable-topic' }],
      }),
    ],
    {
      resources: [
        {
          logicalId: 'Stream',
          type: 'AWS::SQS::Queue',
          properties: { QueueName: 'stream', VisibilityTimeout: 2 },
        },
        {
          logicalId: 'Ordered',
          type: 'AWS::SQS::Queue',
          properties: { QueueName: 'ordered.fifo', FifoQueue: true },
        },
      ],
    },
  );
  const res = await deploy(server.url, spec, [zip]);
  expect(res.status, await res.text()).toBe(200);
}, 60_000);

afterAll(async () => {
  await stop(server);
  data?.cleanup();
});

describe('a server killed mid-stream', () => {
  it('processes every acknowledged SQS message and SNS publish after a restart; FIFO keeps order without duplicates', async () => {
    const url = server!.url;
    const sqs = new SQSClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const sns = new SNSClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const queue = `${url}/000000000000/stream`;
    const fifo = `${url}/000000000000/ordered.fifo`;
    const acked = { sqs: [] as string[], sns: [] as string[], fifo: [] as string[] };
    let lostFifo: string | undefined;
    const streams = [
      (async () => {
        for (let i = 0; i < 400; i++)
          try {
            await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: `m${i}` }));
            acked.sqs.push(`m${i}`);
          } catch {
            return;
          }
      })(),
      (async () => {
        for (let i = 0; i < 400; i++)
          try {
            await sns.send(
              new PublishCommand({
                TopicArn: 'arn:aws:sns:us-east-1:000000000000:durable-topic',
                Message: `p${i}`,
              }),
            );
            acked.sns.push(`p${i}`);
          } catch {
            return;
          }
      })(),
      (async () => {
        for (let i = 0; i < 400; i++)
          try {
            await sqs.send(
              new SendMessageCommand({
                QueueUrl: fifo,
                MessageBody: `f${i}`,
                MessageGroupId: 'g',
                MessageDeduplicationId: `f${i}`,
              }),
            );
            acked.fifo.push(`f${i}`);
          } catch {
            lostFifo = `f${i}`;
            return;
          }
      })(),
    ];
    await until(
      'a stream in flight',
      () => acked.sqs.length >= 40 && acked.sns.length >= 40 && acked.fifo.length >= 40,
    );
    await stop(server, 'SIGKILL');
    await Promise.all(streams);
    sqs.destroy();
    sns.destroy();
    expect(acked.sqs.length).toBeLessThan(400);

    server = await startServer(path.join(data.dir, 'platform'));
    const sqs2 = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials });
    const fifo2 = `${server.url}/000000000000/ordered.fifo`;
    // The client retries the send whose acknowledgement it never got: deduplicated if it had landed.
    if (lostFifo) {
      await sqs2.send(
        new SendMessageCommand({
          QueueUrl: fifo2,
          MessageBody: lostFifo,
          MessageGroupId: 'g',
          MessageDeduplicationId: lostFifo,
        }),
      );
      acked.fifo.push(lostFifo);
    }
    await until('every acknowledged SQS message processed', () => {
      const seen = new Set(lines('sqs.log'));
      return acked.sqs.every((m) => seen.has(m));
    });
    await until('every acknowledged SNS publish processed', () => {
      const seen = new Set(lines('sns.log'));
      return acked.sns.every((m) => seen.has(m));
    });
    const received: string[] = [];
    for (;;) {
      const r = await sqs2.send(
        new ReceiveMessageCommand({ QueueUrl: fifo2, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      if (!r.Messages?.length) break;
      received.push(...r.Messages.map((m) => m.Body!));
      for (const m of r.Messages)
        await sqs2.send(new DeleteMessageCommand({ QueueUrl: fifo2, ReceiptHandle: m.ReceiptHandle }));
    }
    // In order, no duplicates, and nothing acknowledged missing (an unacknowledged send may have landed).
    expect(new Set(received).size).toBe(received.length);
    const index = received.map((b) => Number(b.slice(1)));
    expect(index).toEqual([...index].sort((a, b) => a - b));
    for (const m of acked.fifo) expect(received).toContain(m);
    sqs2.destroy();
  }, 120_000);
});
