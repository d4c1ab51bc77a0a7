/**
 * Environment lifecycle around the invocations: the one-shot `invoke local` helper, the platform
 * concurrency limit, idle stop (on a ManualClock), retiring older revisions without failing what
 * runs on them, provisioned environments, log flooding and aws-sdk v2 redirection.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { invokeOnce } from '../../src/services/lambda/runtime/local.js';
import { ProcessEnvironmentManager } from '../../src/services/lambda/runtime/manager.js';
import { isRuntimeNativelyAvailable } from '../../src/services/lambda/runtime/runtimes.js';
import type { InvokeOutcome, RuntimeFunction } from '../../src/services/lambda/runtime/types.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/functions');
const ENDPOINT = 'http://127.0.0.1:4566';
let seq = 0;
function nodeFn(handler: string, over: Partial<RuntimeFunction> = {}): RuntimeFunction {
  const functionName = over.functionName ?? `life-${++seq}`;
  return {
    functionName,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    version: '$LATEST',
    runtime: 'nodejs20.x',
    handler,
    memorySize: 256,
    timeout: 10,
    environment: {},
    codeDir: resolve(FIXTURES, 'node-basic'),
    layerDirs: [],
    logGroup: `/aws/lambda/${functionName}`,
    region: 'us-east-1',
    architecture: 'x86_64',
    revision: 'r1',
    ...over,
  };
}
const json = (o: InvokeOutcome) => JSON.parse(o.payload.toString('utf8'));
const req = (f: RuntimeFunction, payload: unknown = {}) => ({
  payload: Buffer.from(JSON.stringify(payload)),
  invokedFunctionArn: f.functionArn,
});
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Polls a condition a bounded number of times (process exit is asynchronous). */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 250; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('invokeOnce (invoke local)', () => {
  it('starts one environment, streams its log lines, returns the outcome and stops it', async () => {
    const lines: string[] = [];
    const f = nodeFn('index.pid');
    const out = await invokeOnce(f, req(f), { onLog: (l) => lines.push(l), endpointUrl: ENDPOINT });
    expect(out.functionError).toBeUndefined();
    expect(lines[0]).toBe(`START RequestId: ${out.requestId} Version: $LATEST`);
    expect(lines.at(-1)).toMatch(/^REPORT RequestId: .*\tInit Duration: [\d.]+ ms\t$/);
    expect(await eventually(() => !alive(json(out).pid))).toBe(true);
  });

  it('runs python the same way', async () => {
    const f = nodeFn('handler.hello', { runtime: 'python3.12', codeDir: resolve(FIXTURES, 'python-basic') });
    const out = await invokeOnce(f, req(f, { a: 1 }));
    expect(json(out)).toEqual({ statusCode: 200, body: '{"message": "hello", "input": {"a": 1}}' });
    expect(out.logTail).toContain('hello from python {"a": 1}');
  });

  it('serialises Decimal results as numbers, as the python runtime does', async () => {
    const f = nodeFn('handler.decimal_value', {
      runtime: 'python3.12',
      codeDir: resolve(FIXTURES, 'python-basic'),
    });
    expect(json(await invokeOnce(f, req(f)))).toEqual({ n: 1.5 });
  });

  it('refuses runtimes this machine cannot run and payloads over 6 MB', async () => {
    const f = nodeFn('index.pid', { runtime: 'ruby3.3' });
    await expect(invokeOnce(f, req(f))).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE' });
    const g = nodeFn('index.pid');
    await expect(
      invokeOnce(g, { payload: Buffer.alloc(6 * 1024 * 1024 + 1), invokedFunctionArn: g.functionArn }),
    ).rejects.toMatchObject({ code: 'REQUEST_TOO_LARGE' });
  });

  it('tells which runtimes run on a matching interpreter', () => {
    expect(isRuntimeNativelyAvailable(`nodejs${process.versions.node.split('.')[0]}.x`)).toBe(true);
    expect(isRuntimeNativelyAvailable('nodejs16.x')).toBe(false);
    expect(isRuntimeNativelyAvailable('provided.al2023')).toBe(true);
    expect(isRuntimeNativelyAvailable('ruby3.3')).toBe(false);
  });
});

describe('manager lifecycle', () => {
  let manager: ProcessEnvironmentManager;
  beforeAll(() => {
    manager = new ProcessEnvironmentManager({
      endpointUrl: ENDPOINT,
      prestart: 0,
      concurrencyLimit: 2,
      logBudget: { bytesPerWindow: 256 * 1024, windowMs: 1000, maxLineBytes: 256 * 1024 },
    });
  });
  afterAll(async () => {
    await manager.shutdown();
  });

  it('throttles beyond the platform concurrency limit with ConcurrentInvocationLimitExceeded', async () => {
    const f = nodeFn('index.sleep');
    const results = await Promise.allSettled([1, 2, 3].map(() => manager.invoke(f, req(f, { ms: 500 }))));
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      details: { reason: 'ConcurrentInvocationLimitExceeded' },
    });
  });

  it('retires an older revision without failing its in-flight invocation', async () => {
    const v1 = nodeFn('index.sleep');
    const idle = json(await manager.invoke(v1, req(v1, { ms: 1 }))).pid;
    const inFlight = manager.invoke(v1, req(v1, { ms: 700 }));
    const v2 = { ...v1, revision: 'r2' };
    await manager.retire(v1.functionName, 'r2');
    const fresh = json(await manager.invoke(v2, req(v2, { ms: 1 }))).pid;
    const busyPid = json(await inFlight).pid;
    expect(fresh).not.toBe(busyPid);
    expect(await eventually(() => !alive(busyPid))).toBe(true);
    expect(alive(idle) && idle !== busyPid).toBe(false);
    expect(manager.environments(v1.functionName)).toHaveLength(1);
  });

  it('stops the environments of a replaced $LATEST revision when the new one is first invoked', async () => {
    const v1 = nodeFn('index.pid');
    const old = json(await manager.invoke(v1, req(v1))).pid;
    const v2 = { ...v1, revision: 'r2' };
    const fresh = json(await manager.invoke(v2, req(v2))).pid;
    expect(fresh).not.toBe(old);
    expect(await eventually(() => !alive(old))).toBe(true);
  });

  it('notices an idle environment killed from outside and starts a fresh one', async () => {
    const f = nodeFn('index.pid');
    const first = json(await manager.invoke(f, req(f))).pid;
    process.kill(first, 'SIGKILL');
    expect(await eventually(() => manager.environments(f.functionName).length === 0)).toBe(true);
    const second = await manager.invoke(f, req(f));
    expect(json(second).pid).not.toBe(first);
    expect(second.initDurationMs).toBeGreaterThan(0);
  });

  it('reports a missing code directory as Runtime.InvalidWorkingDir', async () => {
    const f = nodeFn('index.pid', { codeDir: resolve(FIXTURES, 'does-not-exist') });
    const out = await manager.invoke(f, req(f));
    expect(out.errorType).toBe('Runtime.InvalidWorkingDir');
    expect(json(out).errorMessage).toBe(
      `RequestId: ${out.requestId} Error: chdir ${f.codeDir}: no such file or directory`,
    );
  });

  it('keeps a flooding function from stalling the platform: excess lines are dropped and counted', async () => {
    const flood = nodeFn('index.flood');
    const other = nodeFn('index.pid');
    const [flooded, quick] = await Promise.all([
      manager.invoke(flood, req(flood, { lines: 3000 })),
      manager.invoke(other, req(other)),
    ]);
    expect(json(flooded)).toBe('flooded');
    expect(quick.functionError).toBeUndefined();
    expect(flooded.logTail).toMatch(
      /\[selfless\] \d+ log lines dropped: the function wrote more than 262144 bytes/,
    );
  });

  it('configures aws-sdk v2 (which ignores AWS_ENDPOINT_URL) when the function can load it', async () => {
    const f = nodeFn('index.handler', { codeDir: resolve(FIXTURES, 'node-sdk-v2') });
    const out = await manager.invoke(f, req(f));
    expect(json(out)).toEqual({ applied: [{ endpoint: ENDPOINT, s3ForcePathStyle: true }] });
  });

  it('provisions initialised environments marked as provisioned-concurrency', async () => {
    const f = nodeFn('index.context');
    await manager.provision(f, 1);
    expect(manager.environments(f.functionName)).toHaveLength(1);
    const out = await manager.invoke(f, req(f));
    expect(json(out).env.AWS_LAMBDA_INITIALIZATION_TYPE).toBe('provisioned-concurrency');
    expect(manager.environments(f.functionName)).toHaveLength(1);
  });
});

describe('a platform that dies without shutting down', () => {
  it.each([
    ['SIGKILL to the platform', false, 'index.pid', 'S'],
    ['Ctrl-C (SIGINT) to its whole process group', true, 'index.pid', 'S'],
    // A child process keeps the runtime from freezing itself: the platform stops the group (T).
    ['SIGKILL to the platform, environment stopped by signal', false, 'index.backgroundChild', 'T'],
    ['Ctrl-C to the group, environment stopped by signal', true, 'index.backgroundChild', 'T'],
  ])('takes its frozen environments with it: %s', async (_, wholeGroup, handler, frozenState) => {
    const driver = resolve(FIXTURES, '_drivers/platform-then-sigkill.mjs');
    const platform = spawn(process.execPath, [driver, handler], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const envPid = await new Promise<number>((done, fail) => {
      platform.stdout.once('data', (d) => done(Number(String(d).trim())));
      platform.once('exit', (code) => fail(new Error(`driver exited with ${code}`)));
    });
    // Frozen while idle: blocked reading its next event (S), or stopped (T) in /proc.
    expect(
      await eventually(() => readFileSync(`/proc/${envPid}/stat`, 'utf8').split(' ')[2] === frozenState),
    ).toBe(true);
    if (wholeGroup) process.kill(-(platform.pid as number), 'SIGINT');
    else platform.kill('SIGKILL');
    expect(await eventually(() => !alive(envPid))).toBe(true);
    expect(await eventually(() => platform.exitCode !== null || platform.signalCode !== null)).toBe(true);
  });
});

describe('idle environments', () => {
  it('stop after the idle time of the manager clock', async () => {
    const clock = new ManualClock();
    const manager = new ProcessEnvironmentManager({
      endpointUrl: ENDPOINT,
      clock,
      prestart: 0,
      idleTimeoutMs: 60_000,
    });
    try {
      const f = nodeFn('index.pid');
      const pid = json(await manager.invoke(f, req(f))).pid;
      expect(json(await manager.invoke(f, req(f))).pid).toBe(pid);
      // The idle time starts when the runtime asks for its next event.
      expect(await eventually(() => manager.environments(f.functionName)[0]?.state === 'idle')).toBe(true);
      await clock.advance(59_000);
      expect(manager.environments(f.functionName)).toHaveLength(1);
      await clock.advance(1_001);
      expect(await eventually(() => manager.environments(f.functionName).length === 0)).toBe(true);
      expect(await eventually(() => !alive(pid))).toBe(true);
    } finally {
      await manager.shutdown();
    }
  });
});
