/**
 * Function management over the real lambda plugin, Store and wire (raw HTTP, to see AWS's error
 * shapes), with an EnvironmentManager that records what it is asked to run and retire (the real
 * runtime is covered by test/integration/lambda-functions-api.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  deploy,
  fnSpec,
  json,
  serviceSpec,
  tempDir,
  upload,
  zipFiles,
} from '../../../test/integration/platform-helpers.js';
import { SelflessError } from '../../platform/errors.js';
import { startPlatform } from '../../platform/platform.js';
import { logsPlugin } from '../logs/plugin.js';
import { lambdaLifecycle } from './lifecycle.js';
import { lambdaPlugin } from './plugin.js';
import type { EnvironmentManager, InvokeOutcome, RuntimeFunction } from './runtime/types.js';

/** Answers every invoke with what it was asked to run; records retirements. */
class RecordingEnvironments implements EnvironmentManager {
  retired: Array<[string, string | undefined]> = [];
  async invoke(fn: RuntimeFunction, req: { requestId?: string }): Promise<InvokeOutcome> {
    if (fn.reservedConcurrency === 0) throw new SelflessError('FUNCTION_DISABLED', 'Rate Exceeded.');
    const payload = { revision: fn.revision, env: fn.environment, timeout: fn.timeout, handler: fn.handler };
    return {
      requestId: req.requestId ?? 'r',
      payload: Buffer.from(JSON.stringify(payload)),
      logTail: '',
      executedVersion: fn.version,
      durationMs: 1,
      billedDurationMs: 1,
      maxMemoryUsedMb: 10,
    };
  }
  async retire(name: string, keep?: string) {
    this.retired.push([name, keep]);
  }
  stats() {
    return [];
  }
  async shutdown() {}
}

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const ROLE = 'arn:aws:iam::000000000000:role/r';

describe('function management', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start() {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const envs = new RecordingEnvironments();
    const lifecycle = lambdaLifecycle({ urlPortBase: 0 });
    const p = await startPlatform({
      port: 0,
      dataDir: t.dir,
      log: quiet,
      plugins: [logsPlugin(), lambdaPlugin(lifecycle.instrument(() => envs)), lifecycle.plugin],
      limits: { concurrency: 10 },
    });
    cleanups.push(() => p.stop());
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${p.url}${path}`, {
        method,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    const zip = await zipFiles({ 'index.js': 'exports.handler = async () => 1;' });
    const create = (name: string, over: Record<string, unknown> = {}) =>
      call('POST', '/2015-03-31/functions', {
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: zip.toString('base64') },
        ...over,
      });
    const invoke = async (name: string) =>
      json(call('POST', `/2015-03-31/functions/${name}/invocations`, '{}'));
    return { p, envs, call, create, invoke, zip };
  }

  const errorOf = async (r: Response) => ({
    status: r.status,
    type: r.headers.get('x-amzn-errortype'),
    message: ((await r.json()) as { message: string }).message,
  });

  it('applies a configuration change as a deploy does: the old revision is retired, the next invoke runs the new one', async () => {
    const { call, create, invoke, envs } = await start();
    expect((await create('fn', { Environment: { Variables: { STAGE: 'one' } } })).status).toBe(201);
    const before = await invoke('fn');
    envs.retired.length = 0;
    const r = await call('PUT', '/2015-03-31/functions/fn/configuration', {
      Environment: { Variables: { STAGE: 'two' } },
      Timeout: 30,
    });
    expect(r.status).toBe(200);
    const after = await invoke('fn');
    expect(after).toMatchObject({ env: { STAGE: 'two' }, timeout: 30, handler: 'index.handler' });
    expect(after.revision).not.toBe(before.revision);
    expect(envs.retired).toEqual([['fn', after.revision]]);
  });

  it('answers bad requests with the AWS error type and status', async () => {
    const { call, create } = await start();
    expect(await errorOf(await call('POST', '/2015-03-31/functions', '{nope'))).toMatchObject({
      status: 400,
      type: 'InvalidRequestContentException',
    });
    expect(await errorOf(await create('fn', { Code: undefined }))).toMatchObject({
      status: 400,
      type: 'ValidationException',
    });
    expect(await errorOf(await create('fn', { Runtime: 'ruby3.3' }))).toMatchObject({
      status: 400,
      type: 'InvalidParameterValueException',
    });
    expect(
      await errorOf(await create('fn', { Layers: ['arn:aws:lambda:us-east-1:000000000000:layer:x:1'] })),
    ).toMatchObject({
      status: 400,
      type: 'InvalidParameterValueException',
    });
    expect(
      await errorOf(await call('PUT', '/2015-03-31/functions/missing/code', { ZipFile: 'UEsDBA==' })),
    ).toMatchObject({
      status: 400,
      type: 'InvalidParameterValueException',
    });
    expect(await errorOf(await call('DELETE', '/2015-03-31/functions/missing'))).toEqual({
      status: 404,
      type: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing',
    });
  });

  it('creates from an uploaded artifact; DryRun and an unchanged revision check change nothing', async () => {
    const { p, call, create, zip } = await start();
    expect((await upload(p.url, zip)).status).toBe(200);
    const sha = (await import('node:crypto')).createHash('sha256').update(zip).digest('hex');
    const created = await json(
      create('art', {
        Code: { S3Bucket: 'selfless-artifacts', S3Key: `${sha}.zip` },
        Architectures: ['arm64'],
      }),
    );
    expect(created).toMatchObject({
      Architectures: ['arm64'],
      CodeSha256: Buffer.from(sha, 'hex').toString('base64'),
    });
    const other = await zipFiles({ 'index.js': 'exports.handler = async () => 2;' });
    const dry = await json(
      call('PUT', '/2015-03-31/functions/art/code', { ZipFile: other.toString('base64'), DryRun: true }),
    );
    expect(dry.RevisionId).toBe(created.RevisionId);
    const current = await json(call('GET', '/2015-03-31/functions/art/configuration'));
    expect([current.CodeSha256, current.RevisionId]).toEqual([created.CodeSha256, created.RevisionId]);
  });

  it("keeps the account's minimum unreserved concurrency and throttles at 0", async () => {
    const { call, create, invoke } = await start();
    await create('a');
    await create('b');
    // Account limit 10: one must stay unreserved.
    expect(
      (await call('PUT', '/2017-10-31/functions/a/concurrency', { ReservedConcurrentExecutions: 5 })).status,
    ).toBe(200);
    expect(
      await errorOf(
        await call('PUT', '/2017-10-31/functions/b/concurrency', { ReservedConcurrentExecutions: 5 }),
      ),
    ).toEqual({
      status: 400,
      type: 'InvalidParameterValueException',
      message:
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [1].",
    });
    expect(
      (await call('PUT', '/2017-10-31/functions/b/concurrency', { ReservedConcurrentExecutions: 0 })).status,
    ).toBe(200);
    const throttled = await call('POST', '/2015-03-31/functions/b/invocations', '{}');
    expect([throttled.status, throttled.headers.get('x-amzn-errortype')]).toEqual([
      429,
      'TooManyRequestsException',
    ]);
    expect(await json(call('GET', '/2019-09-30/functions/b/concurrency'))).toEqual({
      ReservedConcurrentExecutions: 0,
    });
    expect((await call('DELETE', '/2017-10-31/functions/b/concurrency')).status).toBe(204);
    expect(await json(call('GET', '/2019-09-30/functions/b/concurrency'))).toEqual({});
    expect(await invoke('b')).toHaveProperty('revision');
  });

  it('deletes versions unless an alias points at them, never aliases or $LATEST alone', async () => {
    const { call, create } = await start();
    expect((await json(create('v', { Publish: true }))).Version).toBe('1');
    await call('POST', '/2015-03-31/functions/v/aliases', { Name: 'live', FunctionVersion: '1' });
    expect(await errorOf(await call('DELETE', '/2015-03-31/functions/v?Qualifier=1'))).toEqual({
      status: 409,
      type: 'ResourceConflictException',
      message: 'Unable to delete version because the following aliases reference it: [live]',
    });
    expect((await errorOf(await call('DELETE', '/2015-03-31/functions/v?Qualifier=live'))).type).toBe(
      'InvalidParameterValueException',
    );
    await call('DELETE', '/2015-03-31/functions/v/aliases/live');
    expect((await call('DELETE', '/2015-03-31/functions/v?Qualifier=1')).status).toBe(204);
    expect((await call('GET', '/2015-03-31/functions/v/configuration?Qualifier=1')).status).toBe(404);
    expect((await call('GET', '/2015-03-31/functions/v/configuration')).status).toBe(200);
  });

  it('refuses a deploy that would take over a function made through the API', async () => {
    const { p, create } = await start();
    await create('svc-dev-f');
    const zip = await zipFiles({ 'index.js': 'exports.handler = async () => 1;' });
    const r = await deploy(p.url, serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'f', zip)]), [zip]);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(await r.json())).toContain(
      'it was created through the Lambda API (CreateFunction)',
    );
  });
});
