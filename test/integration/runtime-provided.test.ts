/**
 * provided.al2023 functions: any Lambda Runtime API client works unchanged against the platform,
 * here a shell script using curl and the official aws-lambda-ric from npm.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessEnvironmentManager } from '../../src/services/lambda/runtime/manager.js';
import type { InvokeOutcome, RuntimeFunction } from '../../src/services/lambda/runtime/types.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/functions');
const RIC_ENTRY = resolve(
  dirname(createRequire(import.meta.url).resolve('aws-lambda-ric/package.json')),
  'index.mjs',
);

let seq = 0;
function provided(
  codeDir: string,
  handler: string,
  environment: Record<string, string> = {},
): RuntimeFunction {
  const functionName = `provided-${++seq}`;
  return {
    functionName,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    version: '$LATEST',
    runtime: 'provided.al2023',
    handler,
    memorySize: 256,
    timeout: 10,
    environment,
    codeDir,
    layerDirs: [],
    logGroup: `/aws/lambda/${functionName}`,
    region: 'us-east-1',
    architecture: 'x86_64',
    revision: 'r1',
  };
}
const json = (o: InvokeOutcome) => JSON.parse(o.payload.toString('utf8'));

describe('provided.al2023 runtimes on the Lambda Runtime API', () => {
  let manager: ProcessEnvironmentManager;
  const lines: string[] = [];
  /** Waits (bounded) for a line the runtime may print after its invocation ended. */
  const lineAppears = async (text: string) => {
    for (let i = 0; i < 100 && !lines.some((l) => l.includes(text)); i++)
      await new Promise((r) => setTimeout(r, 20));
    return lines.some((l) => l.includes(text));
  };
  beforeAll(() => {
    manager = new ProcessEnvironmentManager({
      endpointUrl: 'http://127.0.0.1:4566',
      prestart: 0,
      logSink: { write: (_g, _s, batch) => lines.push(...batch.map((l) => l.message)) },
    });
  });
  afterAll(async () => {
    await manager.shutdown();
  });
  const invoke = (
    f: RuntimeFunction,
    payload: unknown,
    extra: { clientContext?: string; traceId?: string; cognitoIdentity?: string; tenantId?: string } = {},
  ) =>
    manager.invoke(f, {
      payload: Buffer.from(JSON.stringify(payload)),
      invokedFunctionArn: `${f.functionArn}:prod`,
      ...extra,
    });

  describe('a shell-script bootstrap using curl', () => {
    const dir = resolve(FIXTURES, 'provided-curl');

    it('receives the event with every /next header and stays warm', async () => {
      const f = provided(dir, 'echo');
      const clientContext = Buffer.from('{"custom":{"a":"b"}}').toString('base64');
      const out = await invoke(
        f,
        { hello: 'shell' },
        {
          clientContext,
          traceId: 'Root=1-abc;Sampled=0',
          cognitoIdentity: '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
          tenantId: 'tenant-1',
        },
      );
      const body = json(out);
      expect(body.event).toEqual({ hello: 'shell' });
      const headers = Object.fromEntries(Object.entries(body.headers).map(([k, v]) => [k.toLowerCase(), v]));
      expect(headers['lambda-runtime-aws-request-id']).toBe(out.requestId);
      expect(headers['lambda-runtime-invoked-function-arn']).toBe(`${f.functionArn}:prod`);
      expect(headers['lambda-runtime-trace-id']).toBe('Root=1-abc;Sampled=0');
      expect(headers['lambda-runtime-client-context']).toBe('{"custom":{"a":"b"}}');
      expect(headers['lambda-runtime-cognito-identity']).toBe(
        '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
      );
      expect(headers['lambda-runtime-aws-tenant-id']).toBe('tenant-1');
      expect(headers['content-type']).toBe('application/json');
      const deadline = Number(headers['lambda-runtime-deadline-ms']);
      expect(deadline).toBeGreaterThan(Date.now());
      expect(deadline).toBeLessThanOrEqual(Date.now() + 10_000);
      expect(out.logTail).toContain(`handling ${out.requestId}`);
      expect(await lineAppears('curl bootstrap starting with handler echo')).toBe(true);
      const again = await invoke(f, { n: 2 });
      expect(json(again).event).toEqual({ n: 2 });
      expect(again.initDurationMs).toBeUndefined();
      expect(manager.environments(f.functionName)).toHaveLength(1);
    });

    it('passes a function error through and validates the error-type header', async () => {
      const out = await invoke(provided(dir, 'error'), {});
      expect(out.functionError).toBe('Unhandled');
      expect(out.errorType).toBe('Function.Custom');
      expect(json(out)).toEqual({ errorMessage: 'shell failed', errorType: 'Function.Custom' });
      const bad = await invoke(provided(dir, 'badtype'), {});
      expect(bad.errorType).toBe('Function.Unknown');
      expect(bad.payload.toString()).toBe('plain text failure');
    });

    it('answers 400 to an unknown request id and 413 to a response over 6 MB', async () => {
      expect(json(await invoke(provided(dir, 'wrongid'), {}))).toEqual({ wrongIdStatus: 400 });
      const out = await invoke(provided(dir, 'big'), {});
      expect(out.errorType).toBe('Function.ResponseSizeTooLarge');
      expect(await lineAppears('runtime api answered 413')).toBe(true);
    });

    it('reports /runtime/init/error to the first invocation', async () => {
      const out = await invoke(provided(dir, 'initerror'), {});
      expect(out.errorType).toBe('Runtime.CustomInitFailure');
      expect(json(out)).toEqual({ errorMessage: 'init went wrong', errorType: 'Runtime.CustomInitFailure' });
    });

    it('reports a missing bootstrap as Runtime.InvalidEntrypoint', async () => {
      const f = provided(resolve(FIXTURES, 'node-basic'), 'x');
      const out = await invoke(f, {});
      expect(out.errorType).toBe('Runtime.InvalidEntrypoint');
      expect(json(out).errorMessage).toBe(
        `RequestId: ${out.requestId} Error: Couldn't find valid bootstrap(s): [${resolve(FIXTURES, 'node-basic')}/bootstrap]`,
      );
    });
  });

  describe('the official aws-lambda-ric as bootstrap', () => {
    const dir = resolve(FIXTURES, 'provided-ric');
    const env = { RIC_NODE: process.execPath, RIC_ENTRY };

    it('has its native client built', () => {
      expect(existsSync(resolve(dirname(RIC_ENTRY), 'rapid-client.node'))).toBe(true);
    });

    it('runs a node handler through the official client, warm on the second call', async () => {
      const f = provided(dir, 'app.handler', env);
      const out = await invoke(f, { from: 'test' });
      expect(out.functionError).toBeUndefined();
      expect(json(out)).toEqual({
        via: 'aws-lambda-ric',
        requestId: out.requestId,
        fn: f.functionName,
        event: { from: 'test' },
      });
      expect(out.logTail).toMatch(new RegExp(`\\t${out.requestId}\\tINFO\\tric handler {"from":"test"}`));
      const again = await invoke(f, { from: 'again' });
      expect(json(again).event).toEqual({ from: 'again' });
      expect(again.initDurationMs).toBeUndefined();
    });

    it('returns the client error shape for a failing handler', async () => {
      const out = await invoke(provided(dir, 'app.fail', env), {});
      expect(out.functionError).toBe('Unhandled');
      expect(json(out)).toMatchObject({ errorType: 'TypeError', errorMessage: 'ric failure' });
      expect(json(out).trace[0]).toBe('TypeError: ric failure');
    });
  });
});
