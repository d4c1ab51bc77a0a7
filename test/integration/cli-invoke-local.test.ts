/**
 * `selfless invoke local` through the real CLI: node (CommonJS, ESM, callback) and python handlers
 * run in real execution environments; results are 4-space JSON on stdout, function output precedes
 * them on stdout (as Serverless prints it), failures print errorType/errorMessage/stackTrace and exit 1.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { FIXTURES, firstLine, REPO, runCli, STACK_LINE, tempDir } from './cli-support.js';

const NODE = ['-c', path.join(FIXTURES, 'node-handlers/serverless.yml')];
const PYTHON = ['-c', path.join(FIXTURES, 'python-handlers/serverless.yml')];

/** The JSON document that ends stdout (function output lines may precede it). */
function resultOf(stdout: string): unknown {
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    try {
      return JSON.parse(lines.slice(i).join('\n'));
    } catch {
      // Not yet the start of the result.
    }
  }
  throw new Error(`no JSON result in stdout:\n${stdout}`);
}

describe('invoke local: the README quickstart', { timeout: 60_000 }, () => {
  it('runs the hello example (python) with the command written in the README', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'hello', '-c', 'examples/hello/serverless.yml'], {
      cwd: REPO,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({
      message: 'Go Serverless! Your function executed successfully!',
      input: {},
    });
    // 4-space JSON, as Serverless prints results.
    expect(run.stdout).toBe(`${JSON.stringify(result, null, 4)}\n`);
  });

  it('runs the node twin of the hello example', async ({ expect }) => {
    const run = await runCli([
      'invoke',
      'local',
      '-f',
      'helloNode',
      '-c',
      'examples/hello/serverless.yml',
      '-d',
      '{"n":1}',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { body: string };
    expect(JSON.parse(result.body).input).toEqual({ n: 1 });
  });
});

describe.concurrent('invoke local: node handlers', { timeout: 120_000 }, () => {
  it('runs a CommonJS async handler with the merged environment, IS_LOCAL and -e overrides', async ({
    expect,
  }) => {
    const run = await runCli([
      'invoke',
      'local',
      '-f',
      'cjs',
      ...NODE,
      '-d',
      '{"x":1}',
      '-e',
      'FROM_CLI=a=b',
      '-e',
      'SHARED=cli',
    ]);
    expect(run.code).toBe(0);
    const result = resultOf(run.stdout) as {
      body: string;
      env: Record<string, string>;
      functionName: string;
    };
    expect(JSON.parse(result.body)).toEqual({ message: 'hello from cjs', input: { x: 1 } });
    expect(result.env).toEqual({
      FROM_PROVIDER: 'provider-value',
      FROM_FUNCTION: 'function-value',
      SHARED: 'cli',
      FROM_CLI: 'a=b',
      IS_LOCAL: 'true',
      AWS_REGION: 'eu-central-1',
      AWS_LAMBDA_FUNCTION_NAME: 'node-handlers-dev-cjs',
    });
    expect(result.functionName).toBe('node-handlers-dev-cjs');
  });

  it('runs an ES module (.mjs) handler', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'esm', ...NODE, '-d', '{"y":2}']);
    expect(run.code).toBe(0);
    expect(JSON.parse((resultOf(run.stdout) as { body: string }).body)).toEqual({
      message: 'hello from esm',
      input: { y: 2 },
    });
  });

  it('runs a callback-style handler', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'callback', ...NODE]);
    expect(run.code).toBe(0);
    expect(JSON.parse((resultOf(run.stdout) as { body: string }).body)).toEqual({
      message: 'hello from callback',
      input: {},
    });
  });

  it('prints a thrown error as errorMessage/errorType/stackTrace and exits 1', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'fail', ...NODE]);
    expect(run.code).toBe(1);
    const err = resultOf(run.stdout) as Record<string, unknown>;
    expect(err.errorMessage).toBe('boom from cjs');
    expect(err.errorType).toBe('Error');
    expect((err.stackTrace as string[])[0]).toBe('Error: boom from cjs');
    expect(run.stderr).not.toMatch(/at .*main\.js/);
  });

  it('prints the function output before the result, both on stdout', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'logs', ...NODE, '--verbose']);
    expect(run.code).toBe(0);
    // Lambda's own START/END/REPORT lines are progress: stderr, with --verbose only.
    expect(run.stderr).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    expect(run.stderr).toMatch(/^REPORT RequestId: [0-9a-f-]{36}\tDuration: /m);
    expect(run.stdout).not.toContain('RequestId:');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\t[0-9a-f-]{36}\tINFO\ta line from the handler$/);
    expect(resultOf(run.stdout)).toEqual({ done: true });
  });

  it('parses a JSON body when the response says Content-Type: application/json (as Serverless)', async ({
    expect,
  }) => {
    const run = await runCli(['invoke', 'local', '-f', 'jsonBody', ...NODE]);
    expect(run.code).toBe(0);
    expect(resultOf(run.stdout)).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: { parsed: true },
    });
  });

  it("gives the handler Lambda's context, with --context as the client context", async ({ expect }) => {
    const run = await runCli([
      'invoke',
      'local',
      '-f',
      'context',
      ...NODE,
      '--context',
      '{"custom":{"k":"v"}}',
    ]);
    expect(run.code).toBe(0);
    expect(resultOf(run.stdout)).toEqual({
      functionName: 'node-handlers-dev-context',
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/node-handlers-dev-context',
      invokedFunctionArn: 'arn:aws:lambda:eu-central-1:000000000000:function:node-handlers-dev-context',
      awsRequestId: 'string',
      remaining: true,
      clientContext: { custom: { k: 'v' } },
    });
  });

  it('reads the event from --path (relative to the service dir), --contextPath and stdin', async ({
    expect,
  }) => {
    const t = tempDir('invoke');
    try {
      const event = path.join(t.dir, 'event.yml');
      writeFileSync(event, 'from: yaml-file\n');
      const ctx = path.join(t.dir, 'ctx.json');
      writeFileSync(ctx, '{"custom":{"from":"ctx-file"}}');
      const fromFile = await runCli(['invoke', 'local', '-f', 'cjs', ...NODE, '-p', event]);
      expect(JSON.parse((resultOf(fromFile.stdout) as { body: string }).body).input).toEqual({
        from: 'yaml-file',
      });
      const withCtx = await runCli(['invoke', 'local', '-f', 'context', ...NODE, '-x', ctx]);
      expect((resultOf(withCtx.stdout) as { clientContext: unknown }).clientContext).toEqual({
        custom: { from: 'ctx-file' },
      });
      const fromStdin = await runCli(['invoke', 'local', '-f', 'cjs', ...NODE], {
        input: '{"from":"stdin"}\n',
      });
      expect(JSON.parse((resultOf(fromStdin.stdout) as { body: string }).body).input).toEqual({
        from: 'stdin',
      });
      const raw = await runCli(['invoke', 'local', '-f', 'cjs', ...NODE, '-d', '{"a":1}', '--raw']);
      expect(JSON.parse((resultOf(raw.stdout) as { body: string }).body).input).toBe('{"a":1}');
    } finally {
      t.cleanup();
    }
  });

  it('says which file is missing for --path', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'cjs', ...NODE, '-p', 'nope.json']);
    expect(run.code).toBe(1);
    expect(firstLine(run.stderr)).toBe(
      `✖ The file you provided does not exist: ${path.join(FIXTURES, 'node-handlers/nope.json')}`,
    );
  });

  it('warns about environment values that are still CloudFormation intrinsics, unless -e sets them', async ({
    expect,
  }) => {
    const warned = await runCli(['invoke', 'local', '-f', 'intrinsic', ...NODE]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain(
      'Warning: Could not resolve "TABLE" environment variable: Unsupported environment variable format: {"Ref":"UsersTable"}',
    );
    const set = await runCli(['invoke', 'local', '-f', 'intrinsic', ...NODE, '-e', 'TABLE=users']);
    expect(set.stderr).toBe('');
    expect((resultOf(set.stdout) as { env: { TABLE: string } }).env.TABLE).toBe('users');
  });

  it('fails with the handler position when the handler file does not exist', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'missingFile', ...NODE]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(firstLine(run.stderr)).toBe(
      '✖ Handler file "nowhere/handler.js" of function "missingFile" not found (test/fixtures/services/node-handlers/serverless.yml:38:14)',
    );
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it('fails with the handler position when the export does not exist', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'missingExport', ...NODE]);
    expect(run.code).toBe(1);
    expect(firstLine(run.stderr)).toMatch(
      /^✖ Runtime\.HandlerNotFound: .*doesNotExist.* \(test\/fixtures\/services\/node-handlers\/serverless\.yml:40:14\)$/,
    );
    expect((resultOf(run.stdout) as { errorType: string }).errorType).toBe('Runtime.HandlerNotFound');
  });

  it('names the functions that exist when -f is unknown, and requires -f', async ({ expect }) => {
    const unknown = await runCli(['invoke', 'local', '-f', 'nope', ...NODE]);
    expect(unknown.code).toBe(1);
    expect(firstLine(unknown.stderr)).toMatch(/^✖ Function "nope" doesn't exist in this Service/);
    expect(unknown.stderr).toContain('cjs, esm, callback');
    const missing = await runCli(['invoke', 'local', ...NODE]);
    expect(missing.code).toBe(1);
    expect(firstLine(missing.stderr)).toBe('✖ Missing required CLI option: "--function" (-f).');
  });

  it('rejects a malformed -e', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'cjs', ...NODE, '-e', 'NOVALUE']);
    expect(run.code).toBe(1);
    expect(firstLine(run.stderr)).toBe('✖ Invalid --env value "NOVALUE": expected KEY=VALUE');
  });
});

describe.concurrent('invoke local: python handlers', { timeout: 120_000 }, () => {
  it('runs a handler with the merged environment and -e', async ({ expect }) => {
    const run = await runCli([
      'invoke',
      'local',
      '-f',
      'hello',
      ...PYTHON,
      '-d',
      '{"x":1}',
      '-e',
      'FROM_CLI=cli',
    ]);
    expect(run.code).toBe(0);
    const result = resultOf(run.stdout) as { body: string; env: Record<string, string> };
    expect(JSON.parse(result.body)).toEqual({ message: 'hello from python', input: { x: 1 } });
    expect(result.env).toEqual({
      FROM_PROVIDER: 'provider-value',
      FROM_FUNCTION: 'function-value',
      FROM_CLI: 'cli',
      IS_LOCAL: 'true',
      AWS_REGION: 'us-east-1',
    });
  });

  it('prints an exception as errorMessage/errorType/stackTrace and exits 1', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'fail', ...PYTHON]);
    expect(run.code).toBe(1);
    const err = resultOf(run.stdout) as Record<string, unknown>;
    expect(err.errorMessage).toBe('boom from python');
    expect(err.errorType).toBe('ValueError');
    expect((err.stackTrace as string[]).join('')).toContain('raise ValueError("boom from python")');
  });

  it('prints print() output before the result and gives the Python context', async ({ expect }) => {
    const logs = await runCli(['invoke', 'local', '-f', 'logs', ...PYTHON]);
    expect(logs.stdout.split('\n')[0]).toBe('a line from the handler');
    expect(resultOf(logs.stdout)).toEqual({ done: true });
    const ctx = await runCli([
      'invoke',
      'local',
      '-f',
      'context',
      ...PYTHON,
      '--context',
      '{"custom":{"k":"v"}}',
    ]);
    expect(resultOf(ctx.stdout)).toEqual({
      function_name: 'python-handlers-dev-context',
      memory_limit_in_mb: '512',
      log_group_name: '/aws/lambda/python-handlers-dev-context',
      invoked_function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:python-handlers-dev-context',
      remaining: true,
      client_context_custom: { k: 'v' },
    });
  });

  it("finds a library in the function's layer (the layer dir is /opt)", async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'layered', ...PYTHON, '-d', '{"name":"Ada"}']);
    expect(run.code).toBe(0);
    expect(resultOf(run.stdout)).toEqual({ greeting: 'hello Ada from a layer' });
  });

  it('runs a handler in a nested module path', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'nested', ...PYTHON, '-d', '"s"']);
    expect(run.code).toBe(0);
    expect(resultOf(run.stdout)).toEqual({ nested: true, input: 's' });
  });

  it('fails with the handler position for a missing module or function', async ({ expect }) => {
    const file = await runCli(['invoke', 'local', '-f', 'missingFile', ...PYTHON]);
    expect(file.code).toBe(1);
    expect(firstLine(file.stderr)).toBe(
      '✖ Handler file "nowhere.py" of function "missingFile" not found (test/fixtures/services/python-handlers/serverless.yml:30:14)',
    );
    const fn = await runCli(['invoke', 'local', '-f', 'missingExport', ...PYTHON]);
    expect(fn.code).toBe(1);
    expect(firstLine(fn.stderr)).toBe(
      "✖ Runtime.HandlerNotFound: Handler 'does_not_exist' missing on module 'handler' (test/fixtures/services/python-handlers/serverless.yml:32:14)",
    );
  });
});
