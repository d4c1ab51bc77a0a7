/**
 * java* functions: a handler jar compiled here (against our stand-in aws-lambda-java-core interfaces,
 * shipped in lib/ as a dependency jar would be) runs on our Java bootstrap over the Runtime API.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaAvailable, javaBinDir } from '../../src/services/lambda/runtime/java.js';
import { ProcessEnvironmentManager } from '../../src/services/lambda/runtime/manager.js';
import type { InvokeOutcome, RuntimeFunction } from '../../src/services/lambda/runtime/types.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/functions/java-basic');

function javaSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.java'))
    .map((e) => join(e.parentPath, e.name));
}

/** Compiles the fixture into a task root: handler classes at the root, the core interfaces in lib/core.jar. */
function buildTaskRoot(work: string): string {
  const bin = javaBinDir()!;
  const core = join(work, 'core-classes');
  const task = join(work, 'task');
  mkdirSync(join(task, 'lib'), { recursive: true });
  execFileSync(join(bin, 'javac'), ['-d', core, ...javaSources(join(FIXTURE, 'core'))]);
  execFileSync(join(bin, 'jar'), ['cf', join(task, 'lib', 'core.jar'), '-C', core, '.']);
  execFileSync(join(bin, 'javac'), ['-cp', core, '-d', task, ...javaSources(join(FIXTURE, 'src'))]);
  return task;
}

let seq = 0;
function java(codeDir: string, handler: string, environment: Record<string, string> = {}): RuntimeFunction {
  const functionName = `java-${++seq}`;
  return {
    functionName,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    version: '$LATEST',
    runtime: 'java17',
    handler,
    memorySize: 512,
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

describe.skipIf(!javaAvailable())('java17 functions on the Java bootstrap', () => {
  let manager: ProcessEnvironmentManager;
  let work: string;
  let task: string;
  const lines: string[] = [];
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'selfless-java-test-'));
    task = buildTaskRoot(work);
    manager = new ProcessEnvironmentManager({
      endpointUrl: 'http://127.0.0.1:4566',
      prestart: 0,
      logSink: { write: (_g, _s, batch) => lines.push(...batch.map((l) => l.message)) },
    });
  }, 60_000);
  afterAll(async () => {
    await manager?.shutdown();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  const invoke = (
    f: RuntimeFunction,
    payload: unknown,
    extra: { clientContext?: string; cognitoIdentity?: string } = {},
  ) =>
    manager.invoke(f, {
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)),
      invokedFunctionArn: `${f.functionArn}:live`,
      ...extra,
    });

  it('maps a JSON event onto a POJO leniently, returns a POJO as JSON, logs, and stays warm', async () => {
    const f = java(task, 'com.example.Greeter::handleRequest');
    const first = await invoke(f, { NAME: 'Ada', count: '3', tags: ['a', 'b'], unknownField: true });
    expect(first.functionError).toBeUndefined();
    expect(json(first)).toEqual({
      message: 'Hello Ada (3, a+b)',
      invocations: 1,
      requestId: first.requestId,
      httpstatus: 200,
    });
    // Field declaration order first, then the other getters.
    expect(Object.keys(json(first))).toEqual(['message', 'invocations', 'requestId', 'httpstatus']);
    expect(first.initDurationMs).toBeGreaterThan(0);
    expect(first.logTail).toContain('greeting Ada x3');
    expect(first.logTail).toContain(`logger line for ${first.requestId}`);
    expect(lines).toContain('Greeter class initialised');
    const second = await invoke(f, { name: 'Bob' });
    expect(json(second)).toEqual({
      message: 'Hello Bob (0, none)',
      invocations: 2,
      requestId: second.requestId,
      httpstatus: 200,
    });
    expect(second.initDurationMs).toBeUndefined();
    expect(manager.environments(f.functionName)).toHaveLength(1);
  });

  it('resolves a bare class name implementing RequestHandler and fills the Context', async () => {
    const f = java(task, 'com.example.MapHandler', { JAVA_TOOL_OPTIONS: '-Dselfless.fixture=on' });
    const out = await invoke(
      f,
      { a: [1, 2.5, null], b: { c: 'd' } },
      {
        clientContext: Buffer.from('{"custom":{"k":"v"},"client":{},"env":{}}').toString('base64'),
        cognitoIdentity: '{"cognitoIdentityId":"id-7","cognitoIdentityPoolId":"pool-7"}',
      },
    );
    const body = json(out);
    expect(body).toMatchObject({
      event: { a: [1, 2.5, null], b: { c: 'd' } },
      functionName: f.functionName,
      functionVersion: '$LATEST',
      arn: `${f.functionArn}:live`,
      memory: 512,
      logGroup: f.logGroup,
      remainingWithinTimeout: true,
      identityId: 'id-7',
      custom: { k: 'v' },
      toolOption: 'on',
      taskRoot: task,
      executionEnv: 'AWS_Lambda_java17',
    });
    expect(body.logStream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\]/);
    // -XX:MaxHeapSize is 85% of the function's memory (435 MB of 512).
    expect(body.maxHeapMb).toBeGreaterThan(380);
    expect(body.maxHeapMb).toBeLessThanOrEqual(436);
    expect(lines.some((l) => l.includes('Picked up JAVA_TOOL_OPTIONS: -Dselfless.fixture=on'))).toBe(true);
  });

  it('gives a RequestStreamHandler the raw bytes and returns its raw output', async () => {
    const out = await invoke(java(task, 'com.example.Upper'), Buffer.from('not json at all'));
    expect(out.payload.toString('utf8')).toBe('NOT JSON AT ALL');
  });

  it('calls a named method with a String event', async () => {
    const out = await invoke(java(task, 'com.example.Functions::shout'), 'hey');
    expect(json(out)).toBe('HEY!');
  });

  it('posts a thrown exception in the Java error shape and keeps the environment', async () => {
    const f = java(task, 'com.example.Functions::fail');
    const out = await invoke(f, 'this');
    expect(out.functionError).toBe('Unhandled');
    expect(out.errorType).toBe('java.lang.IllegalStateException');
    const body = json(out);
    expect(body.errorMessage).toBe('cannot handle this');
    expect(body.errorType).toBe('java.lang.IllegalStateException');
    expect(body.stackTrace[0]).toMatch(/^com\.example\.Functions\.fail\(Functions\.java:\d+\)$/);
    expect(body.stackTrace.some((s: string) => s.includes('selfless.lambda'))).toBe(false);
    expect(body.cause).toMatchObject({
      errorMessage: 'inner cause',
      errorType: 'java.lang.ArithmeticException',
    });
    expect(out.logTail).toContain('"errorType":"java.lang.IllegalStateException"');
    const again = await invoke(f, 'that');
    expect(json(again).errorMessage).toBe('cannot handle that');
    expect(again.initDurationMs).toBeUndefined();
  });

  it('reports an event that does not fit the POJO as a function error', async () => {
    const out = await invoke(java(task, 'com.example.Greeter'), [1, 2]);
    expect(out.functionError).toBe('Unhandled');
    expect(json(out).errorMessage).toMatch(
      /^An error occurred during JSON parsing: Cannot deserialize an array/,
    );
  });

  it("puts layers' java/lib jars on the classpath, as /opt/java/lib", async () => {
    const bare = join(work, 'bare-task');
    const layer = join(work, 'layer');
    cpSync(task, bare, { recursive: true });
    mkdirSync(join(layer, 'java', 'lib'), { recursive: true });
    renameSync(join(bare, 'lib', 'core.jar'), join(layer, 'java', 'lib', 'core.jar'));
    const without = await invoke(java(bare, 'com.example.Greeter'), { name: 'x' });
    expect(without.errorType).toBe('java.lang.NoClassDefFoundError');
    const f = { ...java(bare, 'com.example.Greeter'), layerDirs: [layer] };
    expect(json(await invoke(f, { name: 'Layered' })).message).toBe('Hello Layered (0, none)');
  });

  it('reports a missing class and a failing static initialiser as init errors', async () => {
    const missing = await invoke(java(task, 'com.example.Nope::handle'), {});
    expect(missing.errorType).toBe('java.lang.ClassNotFoundException');
    expect(json(missing).errorMessage).toBe('Class not found: com.example.Nope');
    const broken = await invoke(java(task, 'com.example.BrokenInit::handle'), 'x');
    expect(broken.errorType).toBe('java.lang.IllegalStateException');
    expect(json(broken).errorMessage).toBe('static init failed');
    const noMethod = await invoke(java(task, 'com.example.Functions::absent'), 'x');
    expect(noMethod.errorType).toBe('java.lang.NoSuchMethodException');
  });
});
