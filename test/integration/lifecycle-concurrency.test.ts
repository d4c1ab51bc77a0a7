/**
 * Concurrency and metrics through the real CLI, the Lambda API and the control API:
 * provisionedConcurrency keeps N initialised environments (replaced when one is killed) so the
 * first N concurrent invocations see no cold start; reservedConcurrency caps and 0 disables with
 * AWS's 429; `selfless metrics` and GET /_selfless/metrics report invocations, throttles, cold
 * starts, peak concurrency and a bill that matches the REPORT lines by hand.
 */
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  LogType,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsResponse } from '../../src/services/lambda/lifecycle.js';
import { json, type Lab, startLab, until } from './lifecycle-support.js';

let lab: Lab;
let dir: string;
const startedAt = Date.now();

interface Manager {
  environments(name: string): Array<{ id: string; pid?: number; state: string }>;
}
const envs = (name: string) =>
  (lab.platform.service<{ environments: Manager }>('lambda').environments as Manager)
    .environments(name)
    .filter((e) => e.state !== 'dead');

const concurrency = async () =>
  (await (await fetch(`${lab.platform.url}/_selfless/concurrency`)).json()) as MetricsResponse['concurrency'];

beforeAll(async () => {
  lab = await startLab();
  dir = lab.service('conc', {
    'serverless.yml': [
      'service: conc',
      'provider:',
      '  name: aws',
      '  runtime: nodejs20.x',
      '  region: eu-west-1',
      'functions:',
      '  warm:',
      '    handler: h.slow',
      '    memorySize: 1024',
      '    provisionedConcurrency: 2',
      '  off:',
      '    handler: h.slow',
      '    reservedConcurrency: 0',
      '  capped:',
      '    handler: h.slow',
      '    reservedConcurrency: 1',
      '',
    ].join('\n'),
    'h.js': [
      'exports.slow = async (e) => {',
      '  await new Promise((r) => setTimeout(r, e.ms ?? 300));',
      '  return { pid: process.pid, init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE };',
      '};',
      '',
    ].join('\n'),
  });
  const r = await lab.cli(dir, ['deploy']);
  if (r.code !== 0) throw new Error(r.stderr);
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

describe('provisioned concurrency', () => {
  it('keeps N initialised environments: the first N concurrent invocations are warm', async () => {
    await until(
      async () =>
        (await concurrency()).provisioned.find((p) => p.functionName === 'conc-dev-warm')?.status === 'READY',
    );
    expect(envs('conc-dev-warm')).toHaveLength(2);
    const results = await Promise.all(
      [1, 2].map(() =>
        lab.lambda.send(new InvokeCommand({ FunctionName: 'conc-dev-warm', LogType: LogType.Tail })),
      ),
    );
    const pids = new Set<number>();
    for (const r of results) {
      const body = json(r.Payload) as { pid: number; init: string };
      expect(body.init).toBe('provisioned-concurrency');
      pids.add(body.pid);
      const log = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
      expect(log).toMatch(/REPORT RequestId: \S+\tDuration: /);
      expect(log).not.toContain('Init Duration');
    }
    expect(pids.size).toBe(2);
  });

  it('replaces an environment that was killed', async () => {
    const before = envs('conc-dev-warm');
    const victim = before[0]?.pid as number;
    process.kill(victim, 'SIGKILL');
    await until(() => {
      const now = envs('conc-dev-warm');
      return now.length === 2 && !now.some((e) => e.pid === victim) ? now : undefined;
    });
    const r = await lab.lambda.send(
      new InvokeCommand({ FunctionName: 'conc-dev-warm', LogType: LogType.Tail, Payload: '{"ms":1}' }),
    );
    expect(Buffer.from(r.LogResult ?? '', 'base64').toString('utf8')).not.toContain('Init Duration');
    expect((json(r.Payload) as { pid: number }).pid).not.toBe(victim);
  });
});

describe('changing provisioned concurrency', () => {
  it('stops the environments no longer wanted', async () => {
    const yml = (await import('node:fs')).readFileSync(`${dir}/serverless.yml`, 'utf8');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      `${dir}/serverless.yml`,
      yml.replace('provisionedConcurrency: 2', 'provisionedConcurrency: 1'),
    );
    expect((await lab.cli(dir, ['deploy'])).code).toBe(0);
    await until(() => envs('conc-dev-warm').length === 1);
    expect((await concurrency()).provisioned).toEqual([
      expect.objectContaining({ functionName: 'conc-dev-warm', requested: 1, available: 1, status: 'READY' }),
    ]);
    writeFileSync(`${dir}/serverless.yml`, yml);
    expect((await lab.cli(dir, ['deploy'])).code).toBe(0);
    await until(() => envs('conc-dev-warm').length === 2);
  });
});

describe('reserved concurrency', () => {
  it('0 disables the function with AWS error', async () => {
    const e = (await lab.lambda
      .send(new InvokeCommand({ FunctionName: 'conc-dev-off' }))
      .catch((x) => x)) as {
      name: string;
      message: string;
      Reason: string;
      $metadata: { httpStatusCode: number };
    };
    expect(e.name).toBe('TooManyRequestsException');
    expect(e.$metadata.httpStatusCode).toBe(429);
    expect(e.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(e.message).toBe('Rate Exceeded.');
  });

  it('shows in GetFunctionConcurrency and GetAccountSettings', async () => {
    const capped = await lab.lambda.send(
      new GetFunctionConcurrencyCommand({ FunctionName: 'conc-dev-capped' }),
    );
    expect(capped.ReservedConcurrentExecutions).toBe(1);
    const warm = await lab.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc-dev-warm' }));
    expect(warm.ReservedConcurrentExecutions).toBeUndefined();
    const account = await lab.lambda.send(new GetAccountSettingsCommand({}));
    expect(account.AccountLimit?.ConcurrentExecutions).toBe(1000);
    expect(account.AccountLimit?.UnreservedConcurrentExecutions).toBe(999);
    expect(account.AccountUsage?.FunctionCount).toBe(3);
  });

  it('caps concurrent executions; the excess is throttled', async () => {
    const outcomes = await Promise.all(
      [1, 2, 3].map(() =>
        lab.lambda
          .send(new InvokeCommand({ FunctionName: 'conc-dev-capped', Payload: '{"ms":600}' }))
          .then(() => 'ok')
          .catch((e: Error) => e.name),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThanOrEqual(1);
    expect(outcomes.filter((o) => o === 'TooManyRequestsException').length).toBeGreaterThanOrEqual(1);
  });
});

describe('metrics', () => {
  it('reports the figures and a bill equal to the REPORT lines computed by hand', async () => {
    const end = Date.now() + 1000;
    const res = await fetch(
      `${lab.platform.url}/_selfless/metrics?service=conc&stage=dev&function=warm&start=0&end=${end}`,
    );
    expect(res.status).toBe(200);
    const m = (await res.json()) as MetricsResponse;
    expect(m.invocations).toBe(3);
    expect(m.coldStarts).toBe(0);
    expect(m.maxConcurrentExecutions).toBe(2);
    expect(m.duration.p99).toBeGreaterThanOrEqual(m.duration.p50);
    expect(m.concurrency.provisioned).toEqual([
      expect.objectContaining({ functionName: 'conc-dev-warm', requested: 2, status: 'READY' }),
    ]);

    // By hand: sum the Billed Duration of the function's REPORT lines, times 1 GB, at the table's prices.
    const logs = (await (
      await fetch(
        `${lab.platform.url}/_selfless/logs?group=${encodeURIComponent('/aws/lambda/conc-dev-warm')}`,
      )
    ).json()) as { events: Array<{ message: string }> };
    const billed = logs.events
      .map((e) => /^REPORT .*\tBilled Duration: (\d+) ms/.exec(e.message))
      .filter((x) => x !== null)
      .map((x) => Number(x[1]));
    expect(billed).toHaveLength(3);
    const gbSeconds = billed.reduce((a, b) => a + b, 0) / 1000;
    expect(m.cost.gbSeconds).toBeCloseTo(gbSeconds, 9);
    // All three ran on provisioned environments: duration at the provisioned rate, plus 1 GB
    // environments kept provisioned from the first deploy until now (2 most of the time).
    expect(m.cost.computeCost).toBeCloseTo(gbSeconds * 0.0000097222, 12);
    expect(m.cost.provisionedGbSeconds).toBeGreaterThan(0);
    expect(m.cost.provisionedGbSeconds).toBeLessThanOrEqual((2 * (end - startedAt)) / 1000);
    expect(m.cost.provisionedCost).toBeCloseTo(m.cost.provisionedGbSeconds * 0.0000041667, 12);
    expect(m.cost.total).toBeCloseTo(m.cost.computeCost + m.cost.provisionedCost + 3 * 0.0000002, 12);

    const all = (await (
      await fetch(`${lab.platform.url}/_selfless/metrics?service=conc&stage=dev&start=0`)
    ).json()) as MetricsResponse;
    expect(all.throttles).toBeGreaterThanOrEqual(1);
    expect(all.functions.find((f) => f.functionName === 'conc-dev-capped')?.throttles).toBeGreaterThanOrEqual(
      1,
    );
    expect(all.accountMaxConcurrentExecutions).toBeGreaterThanOrEqual(2);
    expect(all.functions.find((f) => f.functionName === 'conc-dev-off')).toMatchObject({
      invocations: 0,
      throttles: 1,
    });
  });

  it('prints them through the CLI as Serverless does, with the bill', async () => {
    const out = await lab.cli(dir, ['metrics', '-f', 'warm', '--startTime', '1h']);
    expect(out.code).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toBe('warm');
    expect(lines[1]).toMatch(
      /^[A-Z][a-z]+ \d{1,2}, \d{4} \d{1,2}:\d{2} [AP]M - [A-Z][a-z]+ \d{1,2}, \d{4} \d{1,2}:\d{2} [AP]M$/,
    );
    expect(out.stdout).toContain('invocations: 3\nthrottles: 0\nerrors: 0\nduration (avg.): ');
    expect(out.stdout).toContain('cold starts: 0');
    expect(out.stdout).toContain('max concurrent executions: 2');
    expect(out.stdout).toMatch(/requests: 3 × \$0\.20 per 1M = \$0\.0000006/);
    expect(out.stdout).toMatch(/provisioned concurrency: [\d.]+ GB-s = \$0\.\d+/);
    expect(out.stdout).toMatch(/total: \$0\.\d+/);
    const bad = await lab.cli(dir, ['metrics', '-f', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`Function "nope" doesn't exist in this Service`);
  });
});
