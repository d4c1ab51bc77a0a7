/**
 * The platform as `selfless server` runs it (a child process on a free port), stopped and started
 * again on the same data dir: deployments, versions and logs persist; accepted Event invocations
 * are retried on function errors and survive a kill mid-flight (redelivered after their lease).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess, stopServerProcess } from './cli-support.js';
import { deploy, fnSpec, serviceSpec, tempDir, zipFiles } from './platform-helpers.js';

const LIMITS = JSON.stringify({ asyncRetryDelaysMs: [300, 600], asyncLeaseMarginMs: 500 });

const startServer = (dataDir: string) => startServerProcess(dataDir, { SELFLESS_LIMITS: LIMITS });
const stopServer = stopServerProcess;

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];

async function until<T>(what: string, fn: () => T | Promise<T>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const client = (url: string) =>
  new LambdaClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

let data: ReturnType<typeof tempDir>;
let marks: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  data = tempDir();
  marks = path.join(data.dir, 'marks');
  server = await startServer(path.join(data.dir, 'platform'));
  // Each attempt appends "<requestId> start" then, unless told to fail, sleeps and appends "<requestId> done".
  const code = await zipFiles({
    'handler.js': `
const fs = require('fs');
exports.handler = async (event, context) => {
  fs.appendFileSync(process.env.MARKS + '/' + event.file, context.awsRequestId + ' start\\n');
  console.log('attempt for', event.file);
  if (event.fail) throw new Error('failing on purpose');
  await new Promise((r) => setTimeout(r, event.sleepMs || 0));
  fs.appendFileSync(process.env.MARKS + '/' + event.file, context.awsRequestId + ' done\\n');
  return { ok: true, file: event.file };
};`,
  });
  mkdirSync(marks, { recursive: true });
  const env = { MARKS: marks };
  const spec = serviceSpec('dur', 'dev', [
    fnSpec('dur', 'dev', 'work', code, { environment: env, timeout: 3 }),
    fnSpec('dur', 'dev', 'once', code, { environment: env, extra: { maximumRetryAttempts: 0 } }),
  ]);
  const r = await deploy(server.url, spec, [code]);
  expect(r.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await stopServer(server);
  data?.cleanup();
});

describe('a restarted server', () => {
  it('still has its functions, versions and logs', async () => {
    const before = client(server!.url);
    const r = await before.send(
      new InvokeCommand({ FunctionName: 'dur-dev-work', Payload: JSON.stringify({ file: 'sync' }) }),
    );
    expect(JSON.parse(Buffer.from(r.Payload!).toString())).toEqual({ ok: true, file: 'sync' });
    before.destroy();

    await stopServer(server);
    server = await startServer(path.join(data.dir, 'platform'));
    const after = client(server.url);
    const again = await after.send(
      new InvokeCommand({
        FunctionName: 'dur-dev-work',
        Qualifier: '1',
        Payload: JSON.stringify({ file: 'sync' }),
      }),
    );
    expect(again.ExecutedVersion).toBe('1');
    expect(JSON.parse(Buffer.from(again.Payload!).toString()).ok).toBe(true);
    after.destroy();

    const logs = new CloudWatchLogsClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const events = await until('both invocations in the logs', async () => {
      const res = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: '/aws/lambda/dur-dev-work',
          filterPattern: '"attempt for"',
        }),
      );
      return (res.events?.length ?? 0) >= 2 ? res.events : undefined;
    });
    expect(events?.map((e) => e.message)).toEqual([
      expect.stringContaining('attempt for sync'),
      expect.stringContaining('attempt for sync'),
    ]);
    logs.destroy();
  });
});

describe('Event invocations', () => {
  it('are retried twice on a function error, then dropped', async () => {
    const c = client(server!.url);
    const r = await c.send(
      new InvokeCommand({
        FunctionName: 'dur-dev-work',
        InvocationType: 'Event',
        Payload: JSON.stringify({ file: 'retry', fail: true }),
      }),
    );
    expect(r.StatusCode).toBe(202);
    await until('three attempts', () => lines(path.join(marks, 'retry')).length === 3);
    // One request id throughout, as Lambda keeps it across retries.
    expect(new Set(lines(path.join(marks, 'retry')).map((l) => l.split(' ')[0])).size).toBe(1);
    await new Promise((res) => setTimeout(res, 1500));
    expect(lines(path.join(marks, 'retry')).length).toBe(3);
    c.destroy();
  });

  it('honour maximumRetryAttempts: 0', async () => {
    const c = client(server!.url);
    await c.send(
      new InvokeCommand({
        FunctionName: 'dur-dev-once',
        InvocationType: 'Event',
        Payload: JSON.stringify({ file: 'once', fail: true }),
      }),
    );
    await until('one attempt', () => lines(path.join(marks, 'once')).length === 1);
    await new Promise((res) => setTimeout(res, 1200));
    expect(lines(path.join(marks, 'once')).length).toBe(1);
    c.destroy();
  });

  it('are not lost when the server is killed mid-flight', async () => {
    const c = client(server!.url);
    await c.send(
      new InvokeCommand({
        FunctionName: 'dur-dev-work',
        InvocationType: 'Event',
        Payload: JSON.stringify({ file: 'crash', sleepMs: 2000 }),
      }),
    );
    c.destroy();
    await until('the first attempt to start', () => lines(path.join(marks, 'crash')).length >= 1);
    await stopServer(server, 'SIGKILL');
    server = await startServer(path.join(data.dir, 'platform'));
    // Redelivered once the lease (timeout 3 s + margin) runs out, and then it completes.
    await until('a redelivered attempt to finish', () => {
      const l = lines(path.join(marks, 'crash'));
      return l.filter((x) => x.endsWith('start')).length >= 2 && l.some((x) => x.endsWith('done'));
    });
  }, 60_000);
});
