/**
 * The platform composition over a scripted EnvironmentManager (the real one is covered by the
 * integration tests): routing, the control API's deploy transaction, qualifiers, persistence and
 * the async queue's retries, all through real HTTP on a free port with a ManualClock.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deploy,
  fnSpec,
  json,
  serviceSpec,
  tempDir,
  upload,
  zipFiles,
} from '../../test/integration/platform-helpers.js';
import type { LambdaEngine } from '../services/lambda/engine.js';
import { lambdaPlugin } from '../services/lambda/plugin.js';
import type { EnvironmentManager, InvokeOutcome, RuntimeFunction } from '../services/lambda/runtime/types.js';
import { logsPlugin } from '../services/logs/plugin.js';
import type { LogStore } from '../services/logs/store.js';
import { ManualClock } from './clock.js';
import { SelflessError } from './errors.js';
import { type Platform, startPlatform } from './platform.js';

/** Runs "functions" whose code is `result.json`: `{"fail": true}` fails, otherwise echoes the event. */
class ScriptedEnvironments implements EnvironmentManager {
  calls: Array<{ fn: RuntimeFunction; payload: string; arn: string }> = [];
  retired: Array<{ name: string; keep?: string }> = [];
  /** Invocations to refuse with a throttle before running any. */
  throttles = 0;
  throttled = 0;
  async invoke(
    fn: RuntimeFunction,
    req: { payload: Buffer; invokedFunctionArn: string; requestId?: string },
  ): Promise<InvokeOutcome> {
    if (this.throttles > 0) {
      this.throttles--;
      this.throttled++;
      throw new SelflessError('TOO_MANY_REQUESTS', 'Rate Exceeded.');
    }
    this.calls.push({ fn, payload: req.payload.toString(), arn: req.invokedFunctionArn });
    const script = JSON.parse(readFileSync(path.join(fn.codeDir, 'result.json'), 'utf8'));
    const base = {
      requestId: req.requestId ?? 'r',
      logTail: `START RequestId: r Version: ${fn.version}\nhello\n`,
      executedVersion: fn.version,
      durationMs: 1,
      billedDurationMs: 1,
      maxMemoryUsedMb: 10,
    };
    if (script.fail)
      return {
        ...base,
        payload: Buffer.from('{"errorType":"Error","errorMessage":"boom"}'),
        functionError: 'Unhandled',
        errorType: 'Error',
      };
    return {
      ...base,
      payload: Buffer.from(JSON.stringify({ tag: script.tag, event: JSON.parse(req.payload.toString()) })),
    };
  }
  async retire(name: string, keep?: string) {
    this.retired.push({ name, keep });
  }
  stats() {
    return [];
  }
  async shutdown() {}
}

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

describe('platform', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(dataDir: string, envs = new ScriptedEnvironments(), clock = new ManualClock()) {
    const p = await startPlatform({
      port: 0,
      dataDir,
      clock,
      log: quiet,
      plugins: [logsPlugin(), lambdaPlugin(() => envs)],
      limits: { asyncRetryDelaysMs: [60_000, 120_000] },
    });
    cleanups.push(() => p.stop());
    return { p, envs, clock };
  }

  const invoke = (p: Platform, name: string, body = '{}', headers: Record<string, string> = {}, query = '') =>
    fetch(`${p.url}/2015-03-31/functions/${encodeURIComponent(name)}/invocations${query}`, {
      method: 'POST',
      body,
      headers,
    });

  it('answers health and gives unknown routes an AWS-shaped error', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { p } = await start(t.dir);
    const health = await json(fetch(`${p.url}/_selfless/health`));
    expect(health).toMatchObject({ status: 'ok', services: ['logs', 'lambda'] });
    const r = await fetch(`${p.url}/nowhere`, { method: 'POST', body: 'x' });
    expect(r.status).toBe(400);
    expect(r.headers.get('x-amzn-errortype')).toBe('UnrecognizedClientException');
    const signed = await fetch(`${p.url}/`, {
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=x',
      },
    });
    expect((await json(signed)).message).toMatch(/service kinesis/);
    expect((await fetch(`${p.url}/_selfless/health`)).status).toBe(200);
  });

  it('applies a deployment, resolves qualifiers, and refuses an invalid one without changing anything', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { p, envs } = await start(t.dir);
    const v1 = await zipFiles({ 'result.json': '{"tag":"v1"}' });
    const spec1 = serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'hello', v1)]);
    const res = await deploy(p.url, spec1, [v1]);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      changed: true,
      functions: [{ key: 'hello', status: 'created', version: '1' }],
    });

    let r = await invoke(p, 'svc-dev-hello', '{"a":1}');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-amz-executed-version')).toBe('$LATEST');
    expect(await json(r)).toEqual({ tag: 'v1', event: { a: 1 } });

    const v2 = await zipFiles({ 'result.json': '{"tag":"v2"}' });
    const spec2 = serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'hello', v2)]);
    expect((await json(deploy(p.url, spec2, [v2]))).functions[0]).toMatchObject({
      status: 'updated',
      version: '2',
    });
    expect(envs.retired.at(-1)?.name).toBe('svc-dev-hello');

    r = await invoke(p, 'svc-dev-hello:1');
    expect((await json(r)).tag).toBe('v1');
    expect(r.headers.get('x-amz-executed-version')).toBe('1');
    r = await invoke(
      p,
      'arn:aws:lambda:us-east-1:000000000000:function:svc-dev-hello',
      '{}',
      {},
      '?Qualifier=2',
    );
    expect((await json(r)).tag).toBe('v2');
    expect(envs.calls.at(-1)?.arn).toBe('arn:aws:lambda:us-east-1:000000000000:function:svc-dev-hello:2');

    // A half-uploaded artifact: the hash does not match, nothing is stored.
    const v3 = await zipFiles({ 'result.json': '{"tag":"v3"}' });
    const bad = await fetch(`${p.url}/_selfless/artifacts/${fnSpec('s', 'd', 'k', v3).codeSha256}`, {
      method: 'PUT',
      body: v3.subarray(0, 10),
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBe('ARTIFACT_HASH_MISMATCH');
    const spec3 = serviceSpec('svc', 'dev', [
      fnSpec('svc', 'dev', 'hello', v3),
      fnSpec('svc', 'dev', 'other', v3),
    ]);
    const refused = await fetch(`${p.url}/_selfless/deployments`, {
      method: 'POST',
      body: JSON.stringify(spec3),
    });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.code).toBe('ARTIFACT_MISSING');
    // An artifact that is not a zip: refused too.
    const notZip = Buffer.from('definitely not a zip');
    expect((await upload(p.url, notZip)).status).toBe(200);
    const spec4 = serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'hello', notZip)]);
    const refused2 = await fetch(`${p.url}/_selfless/deployments`, {
      method: 'POST',
      body: JSON.stringify(spec4),
    });
    expect((await json(refused2)).error.code).toBe('INVALID_ARTIFACT');
    expect((await json(invoke(p, 'svc-dev-hello'))).tag).toBe('v2');
    expect((await invoke(p, 'svc-dev-other')).status).toBe(404);
    const info = await json(fetch(`${p.url}/_selfless/services/svc/dev`));
    expect(info.functions.map((f: { key: string }) => f.key)).toEqual(['hello']);
  });

  it('warns about runtimes the machine lacks and unsupported resources; publishes no version without versionFunctions', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { p } = await start(t.dir);
    const code = await zipFiles({ 'result.json': '{"tag":"x"}' });
    const spec = serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'old', code, { runtime: 'nodejs16.x' })], {
      resources: [{ logicalId: 'Thing', type: 'AWS::Nothing::Here', properties: {} }],
      sections: { provider: { versionFunctions: false } },
    });
    const res = await json(deploy(p.url, spec, [code]));
    expect(res.warnings).toEqual(
      expect.arrayContaining([
        `Function old uses nodejs16.x; it runs on the installed node ${process.versions.node}.`,
        expect.stringContaining('AWS::Nothing::Here'),
      ]),
    );
    expect(res.functions[0].version).toBeUndefined();
    expect((await invoke(p, 'svc-dev-old:1')).status).toBe(404);
    const published = await fetch(`${p.url}/2015-03-31/functions/svc-dev-old/versions`, {
      method: 'POST',
      body: '{}',
    });
    expect(published.status).toBe(201);
    expect((await json(published)).Version).toBe('1');
    expect((await invoke(p, 'svc-dev-old:1')).status).toBe(200);
  });

  it('refuses to start on a corrupt or unusable data dir, saying what to do', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    writeFileSync(path.join(t.dir, 'selfless.db'), 'this is not a database, just some text '.repeat(200));
    const err = await startPlatform({ port: 0, dataDir: t.dir, log: quiet, plugins: [] }).catch((e) => e);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(err.message).toContain(t.dir);
    expect(err.hint).toMatch(/corrupt selfless\.db/);
    const file = path.join(t.dir, 'a-file');
    writeFileSync(file, 'x');
    const err2 = await startPlatform({ port: 0, dataDir: file, log: quiet, plugins: [] }).catch((e) => e);
    expect(err2).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('keeps everything across a restart on the same data dir', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const first = await start(t.dir);
    const v1 = await zipFiles({ 'result.json': '{"tag":"kept"}' });
    await deploy(first.p.url, serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'hello', v1)]), [v1]);
    await first.p.stop();
    cleanups.pop();
    const { p } = await start(t.dir);
    expect((await json(invoke(p, 'svc-dev-hello:1'))).tag).toBe('kept');
    p.service<LogStore>('logs').write('/aws/lambda/svc-dev-hello', 's', [
      { timestamp: 1, message: 'a line' },
    ]);
    expect(
      (await json(fetch(`${p.url}/_selfless/logs?group=/aws/lambda/svc-dev-hello&start=0`))).streams,
    ).toEqual(['s']);
    const removed = await fetch(`${p.url}/_selfless/services/svc/dev`, { method: 'DELETE' });
    expect(await json(removed)).toEqual({ removedFunctions: ['svc-dev-hello'] });
    expect((await invoke(p, 'svc-dev-hello')).status).toBe(404);
    // The function's log group went with it.
    expect(
      (await json(fetch(`${p.url}/_selfless/logs?group=/aws/lambda/svc-dev-hello&start=0`))).streams,
    ).toEqual([]);
  });

  it("drops an Event older than the function's maximumEventAge instead of retrying it", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { p, envs, clock } = await start(t.dir);
    const failing = await zipFiles({ 'result.json': '{"fail":true}' });
    const spec = serviceSpec('svc', 'dev', [
      fnSpec('svc', 'dev', 'aged', failing, { extra: { maximumEventAge: 90 } }),
    ]);
    await deploy(p.url, spec, [failing]);
    expect((await invoke(p, 'svc-dev-aged', '{}', { 'X-Amz-Invocation-Type': 'Event' })).status).toBe(202);
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((res) => setImmediate(res));
    };
    await settle();
    await clock.advance(60_000);
    await settle();
    expect(envs.calls.length).toBe(2);
    // The second retry would run at 180 s, past the 90 s maximum age: it is dropped.
    await clock.advance(120_000);
    await settle();
    expect(envs.calls.length).toBe(2);
    expect(await p.store.queue('lambda.async').size()).toBe(0);
  });

  it('backs off on throttles without using up the retries of an Event', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { p, envs, clock } = await start(t.dir);
    const failing = await zipFiles({ 'result.json': '{"fail":true}' });
    await deploy(p.url, serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'busy', failing)]), [failing]);
    envs.throttles = 2;
    expect((await invoke(p, 'svc-dev-busy', '{}', { 'X-Amz-Invocation-Type': 'Event' })).status).toBe(202);
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((res) => setImmediate(res));
    };
    await settle();
    await clock.advance(2_000);
    await settle();
    await clock.advance(4_000);
    await settle();
    expect(envs.throttled).toBe(2);
    expect(envs.calls.length).toBe(1);
    await clock.advance(60_000);
    await settle();
    await clock.advance(120_000);
    await settle();
    expect(envs.calls.length).toBe(3);
  });

  it('retries a failing Event invocation twice, 1 then 2 minutes apart, on the clock', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { p, envs, clock } = await start(t.dir);
    const failing = await zipFiles({ 'result.json': '{"fail":true}' });
    await deploy(p.url, serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'bad', failing)]), [failing]);
    const r = await invoke(p, 'svc-dev-bad', '{"n":1}', { 'X-Amz-Invocation-Type': 'Event' });
    expect(r.status).toBe(202);
    const lambda = p.service<LambdaEngine>('lambda');
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((res) => setImmediate(res));
    };
    await settle();
    expect(envs.calls.length).toBe(1);
    await clock.advance(59_000);
    await settle();
    expect(envs.calls.length).toBe(1);
    await clock.advance(1_000);
    await settle();
    expect(envs.calls.length).toBe(2);
    await clock.advance(120_000);
    await settle();
    expect(envs.calls.length).toBe(3);
    await clock.advance(600_000);
    await settle();
    expect(envs.calls.length).toBe(3);
    expect(lambda.asyncQueue).toBeDefined();
  });
});
