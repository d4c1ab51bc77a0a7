/**
 * Execution environments with real node and python processes, run once over the private fast
 * channel and once over the Lambda Runtime API: the same expectations hold for both.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSelflessError } from '../../src/platform/errors.js';
import type { ChannelMode } from '../../src/services/lambda/runtime/environment.js';
import { ProcessEnvironmentManager } from '../../src/services/lambda/runtime/manager.js';
import type { InvokeOutcome, LogLine, RuntimeFunction } from '../../src/services/lambda/runtime/types.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/functions');
const NODE_DIR = resolve(FIXTURES, 'node-basic');
const PY_DIR = resolve(FIXTURES, 'python-basic');
const ENDPOINT = 'http://127.0.0.1:4566';

let seq = 0;
/** A function definition as the Lambda service would hand it over. */
function fn(runtime: string, handler: string, over: Partial<RuntimeFunction> = {}): RuntimeFunction {
  const functionName = over.functionName ?? `fn-${++seq}`;
  return {
    functionName,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    version: '$LATEST',
    runtime,
    handler,
    memorySize: 256,
    timeout: 5,
    environment: { FOO: 'bar' },
    codeDir: runtime.startsWith('python') ? PY_DIR : NODE_DIR,
    layerDirs: [],
    logGroup: `/aws/lambda/${functionName}`,
    region: 'us-east-1',
    architecture: 'x86_64',
    revision: 'r1',
    ...over,
  };
}

/** Polls a condition a bounded number of times (process states change asynchronously). */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

const json = (o: InvokeOutcome) => JSON.parse(o.payload.toString('utf8'));
const REPORT =
  /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d{2} ms\t)?$/;

describe.each<ChannelMode>(['fast', 'runtime-api'])(
  'execution environments over the %s channel',
  (channel) => {
    const logs = new Map<string, LogLine[]>();
    let manager: ProcessEnvironmentManager;
    const invoke = (
      f: RuntimeFunction,
      payload: unknown = {},
      extra: { clientContext?: string; traceId?: string; cognitoIdentity?: string; tenantId?: string } = {},
    ) =>
      manager.invoke(f, {
        payload: Buffer.from(JSON.stringify(payload)),
        invokedFunctionArn: `${f.functionArn}:$LATEST`,
        ...extra,
      });

    beforeAll(() => {
      manager = new ProcessEnvironmentManager({
        endpointUrl: ENDPOINT,
        channel,
        prestart: channel === 'fast' ? 1 : 0,
        logSink: {
          write(group, stream, lines) {
            const key = `${group}|${stream}`;
            logs.set(key, [...(logs.get(key) ?? []), ...lines]);
          },
        },
      });
    });
    afterAll(async () => {
      await manager.shutdown();
    });

    for (const runtime of ['nodejs20.x', 'python3.12']) {
      const handler = (name: string) => (runtime.startsWith('python') ? `handler.${name}` : `index.${name}`);

      describe(runtime, () => {
        it('answers, reuses the warm environment, and reports Init Duration only on the cold start', async () => {
          const f = fn(runtime, handler('pid'));
          const first = await invoke(f);
          const second = await invoke(f);
          const third = await invoke(f);
          expect(first.functionError).toBeUndefined();
          expect(json(second).pid).toBe(json(first).pid);
          expect(json(third).pid).toBe(json(first).pid);
          expect(first.initDurationMs).toBeGreaterThan(0);
          expect(second.initDurationMs).toBeUndefined();
          expect(first.logTail).toMatch(/Init Duration: \d+\.\d{2} ms\t\n$/);
          expect(second.logTail).not.toContain('Init Duration');
          expect(manager.stats()).toContainEqual({
            functionName: f.functionName,
            version: '$LATEST',
            busy: 0,
            idle: 1,
          });
        });

        it('runs the environment under the batch scheduling policy (a woken environment does not preempt the platform)', async () => {
          const { pid } = json(await invoke(fn(runtime, handler('pid'))));
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          // Field 41 of /proc/<pid>/stat is the policy; SCHED_BATCH is 3.
          expect(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]).toBe('3');
        });

        it('writes START, the function output, END and REPORT in AWS formats to one stream per environment', async () => {
          const f = fn(runtime, handler('hello'));
          const out = await invoke(f, { who: 'logs' });
          const id = out.requestId;
          const streams = [...logs.keys()].filter((k) => k.startsWith(`${f.logGroup}|`));
          expect(streams).toHaveLength(1);
          expect(streams[0]).toMatch(
            /^\/aws\/lambda\/fn-\d+\|\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/,
          );
          const lines = (logs.get(streams[0]) ?? []).map((l) => l.message);
          const start = lines.indexOf(`START RequestId: ${id} Version: $LATEST`);
          const end = lines.indexOf(`END RequestId: ${id}`);
          expect(start).toBeGreaterThanOrEqual(0);
          expect(end).toBeGreaterThan(start);
          expect(lines[end + 1]).toMatch(REPORT);
          expect(lines[end + 1]).toContain(`REPORT RequestId: ${id}\t`);
          expect(lines[end + 1]).toContain('Memory Size: 256 MB');
          const body = lines.slice(start + 1, end);
          if (runtime.startsWith('python')) {
            expect(body).toContain('hello from python {"who": "logs"}');
            expect(
              body.some((l) =>
                new RegExp(`^\\[INFO\\]\\t\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${id}\\tinfo via logging$`).test(
                  l,
                ),
              ),
            ).toBe(true);
          } else {
            expect(
              body.some((l) =>
                new RegExp(
                  `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${id}\\tINFO\\thello from node {"who":"logs"}$`,
                ).test(l),
              ),
            ).toBe(true);
          }
          expect(out.logTail.endsWith(`${lines[end + 1]}\n`)).toBe(true);
          expect(out.logTail.startsWith(`START RequestId: ${id}`)).toBe(true);
        });

        it('freezes the environment between invocations: background work waits for the next event', async () => {
          const f = fn(runtime, handler('background'));
          await invoke(f);
          const before = json(await invoke(f)).ticks;
          await new Promise((r) => setTimeout(r, 500));
          const after = json(await invoke(f)).ticks;
          // A 10 ms ticker left running would have ticked ~50 times in those 500 ms.
          expect(after - before).toBeLessThan(10);
        });

        it('scales out: parallel slow invocations each get their own environment', async () => {
          const f = fn(runtime, handler('sleep'));
          const outs = await Promise.all([1, 2, 3].map(() => invoke(f, { ms: 600 })));
          const pids = new Set(outs.map((o) => json(o).pid));
          expect(pids.size).toBe(3);
          expect(manager.environments(f.functionName)).toHaveLength(3);
        });

        it('throttles beyond reservedConcurrency and refuses reservedConcurrency 0', async () => {
          const f = fn(runtime, handler('sleep'), { reservedConcurrency: 1 });
          const results = await Promise.allSettled([invoke(f, { ms: 500 }), invoke(f, { ms: 500 })]);
          const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
          expect(rejected).toHaveLength(1);
          expect(isSelflessError(rejected[0].reason) && rejected[0].reason.code).toBe('TOO_MANY_REQUESTS');
          expect(rejected[0].reason.details.reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
          const off = fn(runtime, handler('pid'), { reservedConcurrency: 0 });
          await expect(invoke(off)).rejects.toMatchObject({ code: 'FUNCTION_DISABLED' });
        });

        it('enforces the timeout: the tree is killed, AWS payload, and the next invocation is cold', async () => {
          const f = fn(runtime, handler('loop'), { timeout: 1 });
          const out = await invoke(f);
          expect(out.functionError).toBe('Unhandled');
          expect(out.errorType).toBe('Sandbox.Timedout');
          expect(json(out)).toEqual({
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${out.requestId} Error: Task timed out after 1.00 seconds`,
          });
          expect(out.logTail).toMatch(
            new RegExp(
              `\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${out.requestId} Task timed out after 1\\.\\d\\d seconds\\nEND RequestId`,
            ),
          );
          const next = await invoke({ ...f, handler: handler('pid') });
          expect(next.initDurationMs).toBeGreaterThan(0);
        });

        it('enforces memorySize on the process tree as Runtime.OutOfMemory', async () => {
          const f = fn(runtime, handler('alloc'), { memorySize: 128 });
          const out = await invoke(f, { mb: 400 });
          expect(out.errorType).toBe('Runtime.OutOfMemory');
          expect(json(out)).toEqual({
            errorType: 'Runtime.OutOfMemory',
            errorMessage: `RequestId: ${out.requestId} Error: Runtime exited with error: signal: killed`,
          });
          expect(out.maxMemoryUsedMb).toBe(128);
          expect(out.logTail).toContain('Max Memory Used: 128 MB');
        });

        it('reports a crashing process as Runtime.ExitError with the exit status', async () => {
          const f = fn(runtime, handler('exit'));
          const out = await invoke(f);
          const status = runtime.startsWith('python') ? 4 : 3;
          expect(out.errorType).toBe('Runtime.ExitError');
          expect(json(out)).toEqual({
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${out.requestId} Error: Runtime exited with error: exit status ${status}`,
          });
          expect(out.logTail).toContain(
            `RequestId: ${out.requestId} Error: Runtime exited with error: exit status ${status}\nRuntime.ExitError\nEND`,
          );
        });

        it('detects an environment killed from outside during an invocation', async () => {
          const f = fn(runtime, handler('sleep'));
          await invoke(f, { ms: 1 });
          const [env] = manager.environments(f.functionName);
          const pending = invoke(f, { ms: 3000 });
          setTimeout(() => process.kill(env.pid as number, 'SIGKILL'), 200);
          const out = await pending;
          expect(out.errorType).toBe('Runtime.ExitError');
          expect(json(out).errorMessage).toBe(
            `RequestId: ${out.requestId} Error: Runtime exited with error: signal: killed`,
          );
          expect(json(await invoke(f, { ms: 1 })).pid).not.toBe(env.pid);
        });

        it('refuses payloads over 6 MB and responses over the limit as AWS does', async () => {
          const f = fn(runtime, handler('big'));
          await expect(
            manager.invoke(f, {
              payload: Buffer.alloc(6 * 1024 * 1024 + 1, 32),
              invokedFunctionArn: f.functionArn,
            }),
          ).rejects.toMatchObject({ code: 'REQUEST_TOO_LARGE' });
          const out = await invoke(f, { bytes: 7 * 1024 * 1024 });
          expect(out.errorType).toBe('Function.ResponseSizeTooLarge');
          expect(json(out)).toEqual({
            errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
            errorType: 'Function.ResponseSizeTooLarge',
          });
        });

        it('merges layers at the /opt semantics of the runtime', async () => {
          const layers = runtime.startsWith('python')
            ? [resolve(FIXTURES, 'layer-python'), resolve(FIXTURES, 'layer-bin')]
            : [resolve(FIXTURES, 'layer-node'), resolve(FIXTURES, 'layer-bin')];
          const h = runtime.startsWith('python') ? 'handler.layered' : 'layered.handler';
          const out = await invoke(fn(runtime, h, { layerDirs: layers }));
          expect(out.functionError).toBeUndefined();
          expect(json(out).tool).toBe('layer tool ran');
          expect(json(out).lib).toMatch(/from a layer$/);
        });
      });
    }

    describe('environment variables', () => {
      const common = (f: RuntimeFunction, env: Record<string, string>, stream: string) => {
        expect(env).toMatchObject({
          AWS_LAMBDA_FUNCTION_NAME: f.functionName,
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
          AWS_LAMBDA_LOG_GROUP_NAME: f.logGroup,
          AWS_LAMBDA_LOG_STREAM_NAME: stream,
          AWS_EXECUTION_ENV: `AWS_Lambda_${f.runtime}`,
          AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
          LAMBDA_TASK_ROOT: f.codeDir,
          _HANDLER: f.handler,
          TZ: ':UTC',
          LANG: 'en_US.UTF-8',
          AWS_REGION: 'us-east-1',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_ENDPOINT_URL: ENDPOINT,
          FOO: 'bar',
          _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
        });
        expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(env.LAMBDA_RUNTIME_DIR).toMatch(/runtimes\/(node|python)$/);
        const allowed = new Set([
          ...'AWS_LAMBDA_FUNCTION_NAME AWS_LAMBDA_FUNCTION_VERSION AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_LOG_GROUP_NAME AWS_LAMBDA_LOG_STREAM_NAME AWS_EXECUTION_ENV AWS_LAMBDA_INITIALIZATION_TYPE AWS_LAMBDA_RUNTIME_API LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR _HANDLER TZ LANG PATH LD_LIBRARY_PATH AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_XRAY_CONTEXT_MISSING AWS_XRAY_DAEMON_ADDRESS _AWS_XRAY_DAEMON_ADDRESS _AWS_XRAY_DAEMON_PORT PWD SHLVL AWS_ENDPOINT_URL FOO _X_AMZN_TRACE_ID NODE_PATH PYTHONPATH LC_CTYPE'.split(
            ' ',
          ),
        ]);
        expect(Object.keys(env).filter((k) => !allowed.has(k))).toEqual([]);
      };
      const traceId = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
      const clientContext = Buffer.from(JSON.stringify({ custom: { k: 'v' }, env: { e: 1 } })).toString(
        'base64',
      );
      const cognitoIdentity = JSON.stringify({
        cognitoIdentityId: 'us-east-1:id-1',
        cognitoIdentityPoolId: 'us-east-1:pool-1',
      });
      const tenantId = 'tenant-7';

      it('node: exactly AWS variables plus the function environment, and the full context object', async () => {
        const f = fn('nodejs20.x', 'index.context');
        const out = await invoke(f, {}, { traceId, clientContext, cognitoIdentity, tenantId });
        const r = json(out);
        const [env] = manager.environments(f.functionName);
        common(f, r.env, env.logStream);
        expect(r.env.NODE_PATH.split(':')).toContain(resolve(import.meta.dirname, '../../node_modules'));
        expect(r).toMatchObject({
          functionName: f.functionName,
          functionVersion: '$LATEST',
          invokedFunctionArn: `${f.functionArn}:$LATEST`,
          memoryLimitInMB: '256',
          awsRequestId: out.requestId,
          logGroupName: f.logGroup,
          logStreamName: env.logStream,
          clientContext: { custom: { k: 'v' }, env: { e: 1 } },
          identity: { cognitoIdentityId: 'us-east-1:id-1', cognitoIdentityPoolId: 'us-east-1:pool-1' },
          tenantId,
          callbackWaitsForEmptyEventLoop: true,
          hasDone: true,
          traceId,
          cwd: f.codeDir,
        });
        expect(r.remaining).toBeGreaterThan(0);
        expect(r.remaining).toBeLessThanOrEqual(5000);
      });

      it('python: exactly AWS variables plus the function environment, and the context object', async () => {
        const f = fn('python3.12', 'handler.ctx');
        const out = await invoke(f, {}, { traceId, clientContext, cognitoIdentity, tenantId });
        const r = json(out);
        const [env] = manager.environments(f.functionName);
        common(f, r.env, env.logStream);
        expect(r).toMatchObject({
          function_name: f.functionName,
          function_version: '$LATEST',
          invoked_function_arn: `${f.functionArn}:$LATEST`,
          memory_limit_in_mb: '256',
          aws_request_id: out.requestId,
          log_group_name: f.logGroup,
          log_stream_name: env.logStream,
          identity_id: 'us-east-1:id-1',
          identity_pool_id: 'us-east-1:pool-1',
          tenant_id: tenantId,
          client_custom: { k: 'v' },
          cwd: f.codeDir,
          sys_path_0: f.codeDir,
        });
        expect(r.remaining).toBeGreaterThan(0);
      });
    });

    describe('freezing between invocations', () => {
      const procState = (pid: number) => {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      };
      const idle = (f: RuntimeFunction) =>
        eventually(() => manager.environments(f.functionName)[0]?.state === 'idle');

      it('node: a worker thread of the function does not run while it is idle', async () => {
        const f = fn('nodejs20.x', 'index.backgroundWorker');
        await invoke(f);
        const before = json(await invoke(f)).ticks;
        await new Promise((r) => setTimeout(r, 500));
        const after = json(await invoke(f)).ticks;
        expect(after - before).toBeLessThan(10);
      });

      it.each([
        ['nodejs20.x', 'index.backgroundChild'],
        ['python3.12', 'handler.background_child'],
      ])('%s: child processes of the function are stopped with it while idle', async (runtime, h) => {
        const f = fn(runtime, h);
        const { pid, child } = json(await invoke(f));
        expect(await idle(f)).toBe(true);
        expect(await eventually(() => procState(pid) === 'T' && procState(child) === 'T')).toBe(true);
        expect(json(await invoke(f)).child).toBe(child);
      });

      const aloneFreeze =
        channel === 'fast'
          ? 'freezes itself: blocked waiting for its next event, not stopped'
          : 'is stopped by the platform (the Runtime API carries no freeze report)';
      it(`a runtime with nothing else running ${aloneFreeze}`, async () => {
        const f = fn('nodejs20.x', 'index.pid');
        const { pid } = json(await invoke(f));
        expect(await idle(f)).toBe(true);
        if (channel === 'fast') {
          await new Promise((r) => setTimeout(r, 50));
          expect(procState(pid)).toBe('S');
        } else expect(await eventually(() => procState(pid) === 'T')).toBe(true);
      });
    });

    describe('node handler styles', () => {
      it.each([
        ['esm.handler', NODE_DIR, { kind: 'mjs', event: { x: 1 } }],
        ['other.handler', NODE_DIR, { kind: 'cjs' }],
        ['index.nested.deep.handler', NODE_DIR, 'nested ok'],
        ['index.succeed', NODE_DIR, { via: 'succeed' }],
        ['index.syncUndefined', NODE_DIR, null],
        [
          'index.handler',
          resolve(FIXTURES, 'node-esm'),
          { kind: 'esm', sdk: 'function', region: 'us-east-1' },
        ],
      ])('%s in %s', async (handler, codeDir, expected) => {
        const out = await invoke(fn('nodejs20.x', handler, { codeDir }), { x: 1 });
        expect(out.functionError).toBeUndefined();
        expect(json(out)).toEqual(expected);
      });

      it('callback: waits for the event loop to drain before answering (callbackWaitsForEmptyEventLoop)', async () => {
        const out = await invoke(fn('nodejs20.x', 'index.callback'));
        expect(json(out)).toEqual({ via: 'callback' });
        expect(out.logTail.indexOf('timer ran before the response')).toBeGreaterThan(0);
        expect(out.durationMs).toBeGreaterThanOrEqual(45);
      });

      it('callback with callbackWaitsForEmptyEventLoop = false answers at once', async () => {
        const out = await invoke(fn('nodejs20.x', 'index.callbackNoWait'));
        expect(json(out)).toEqual({ via: 'callback-no-wait' });
        expect(out.logTail).not.toContain('late timer');
      });

      it('an async handler whose promise never settles fails with Runtime.NodeJsExit once the loop drains', async () => {
        const out = await invoke(fn('nodejs20.x', 'index.neverSettles'));
        expect(out.errorType).toBe('Runtime.NodeJsExit');
        expect(json(out).errorType).toBe('Runtime.NodeJsExit');
      });

      it('output without a final newline still belongs to its invocation', async () => {
        const out = await invoke(fn('nodejs20.x', 'index.noNewline'));
        expect(out.logTail).toContain(`no newline at the end\nEND RequestId: ${out.requestId}`);
      });

      it('finds the AWS SDK v3 without packaging it (CommonJS require)', async () => {
        const out = await invoke(fn('nodejs20.x', 'index.sdk'));
        expect(json(out)).toEqual({ sdk: 'function' });
      });
    });

    describe('error shapes', () => {
      it('node: a thrown error is {errorType, errorMessage, trace} and logged as Invoke Error', async () => {
        const out = await invoke(fn('nodejs20.x', 'index.fail'));
        const body = json(out);
        expect(out.functionError).toBe('Unhandled');
        expect(out.errorType).toBe('Error');
        expect(Object.keys(body)).toEqual(['errorType', 'errorMessage', 'trace']);
        expect(body.errorMessage).toBe('boom');
        expect(body.trace[0]).toBe('Error: boom');
        expect(out.logTail).toMatch(
          new RegExp(
            `\\t${out.requestId}\\tERROR\\tInvoke Error \\t\\{"errorType":"Error","errorMessage":"boom"`,
          ),
        );
      });

      it('node: a non-Error failure, an uncaught exception and an unhandled rejection', async () => {
        expect(json(await invoke(fn('nodejs20.x', 'index.failString')))).toEqual({
          errorType: 'string',
          errorMessage: 'plain string failure',
          trace: [],
        });
        const uncaught = await invoke(fn('nodejs20.x', 'index.uncaught'));
        expect(json(uncaught)).toMatchObject({ errorType: 'Error', errorMessage: 'thrown from a timer' });
        expect(uncaught.logTail).toContain('\tERROR\tUncaught Exception \t{"errorType":"Error"');
        const rejection = await invoke(fn('nodejs20.x', 'index.unhandledRejection'));
        expect(json(rejection)).toMatchObject({
          errorType: 'Runtime.UnhandledPromiseRejection',
          errorMessage: 'Error: nobody catches me',
        });
      });

      it('python: {errorMessage, errorType, requestId, stackTrace} and the [ERROR] log entry', async () => {
        const out = await invoke(fn('python3.12', 'handler.fail'));
        const body = json(out);
        expect(Object.keys(body)).toEqual(['errorMessage', 'errorType', 'requestId', 'stackTrace']);
        expect(body).toMatchObject({
          errorMessage: 'bad value',
          errorType: 'ValueError',
          requestId: out.requestId,
        });
        expect(body.stackTrace[0]).toMatch(
          /^ {2}File ".*handler\.py", line \d+, in fail\n {4}raise ValueError\("bad value"\)\n$/,
        );
        expect(out.logTail).toContain('[ERROR] ValueError: bad value\nTraceback (most recent call last):\n');
      });

      it.each([
        [
          'nodejs20.x',
          'missing.handler',
          'Runtime.ImportModuleError',
          /^Error: Cannot find module 'missing'\nRequire stack:\n- .*runtimes\/node\/index\.mjs$/,
        ],
        ['nodejs20.x', 'index.nope', 'Runtime.HandlerNotFound', /^index\.nope is undefined or not exported$/],
        [
          'nodejs20.x',
          'broken.handler',
          'Runtime.UserCodeSyntaxError',
          /^SyntaxError: Unexpected end of input$/,
        ],
        [
          'python3.12',
          'missing.handler',
          'Runtime.ImportModuleError',
          /^Unable to import module 'missing': No module named 'missing'$/,
        ],
        [
          'python3.12',
          'handler.nope',
          'Runtime.HandlerNotFound',
          /^Handler 'nope' missing on module 'handler'$/,
        ],
        [
          'python3.12',
          'broken_syntax.handler',
          'Runtime.UserCodeSyntaxError',
          /^Syntax error in module 'broken_syntax': /,
        ],
      ])('%s %s fails init with %s', async (runtime, handler, errorType, message) => {
        const f = fn(runtime, handler);
        const out = await invoke(f);
        expect(out.functionError).toBe('Unhandled');
        expect(out.errorType).toBe(errorType);
        expect(json(out).errorType).toBe(errorType);
        expect(json(out).errorMessage).toMatch(message);
        expect(out.logTail).toMatch(REPORT_IN_TAIL);
        // The failed environment is gone; the next attempt starts (and fails) afresh.
        expect(manager.environments(f.functionName)).toHaveLength(0);
      });
    });
  },
);

const REPORT_IN_TAIL =
  /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\t.*Init Duration: [\d.]+ ms\t\n$/;
