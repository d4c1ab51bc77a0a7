/**
 * `selfless print` through the real CLI: the resolved config with every variable form, the
 * --format/--path/--transform options, free options for ${opt:...}, and bad input.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { parse } from 'yaml';
import { FIXTURES, firstLine, runCli, STACK_LINE, tempDir } from './cli-support.js';

const VARIABLES = ['-c', path.join(FIXTURES, 'variables/serverless.yml')];
const ENV = { SELFLESS_TEST_VALUE: 'from-env' };

describe.concurrent('print', { timeout: 90_000 }, () => {
  it('prints the resolved config as YAML with every variable form replaced', async ({ expect }) => {
    const run = await runCli(['print', ...VARIABLES], { env: ENV });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = parse(run.stdout) as Record<string, Record<string, unknown>>;
    expect(printed.provider).toEqual({
      name: 'aws',
      runtime: 'nodejs20.x',
      stage: 'dev',
      region: 'eu-west-1',
      environment: { STAGE: 'dev', FROM_ENV: 'from-env', ENV_FALLBACK: 'env-fallback' },
    });
    const { instanceId, ...custom } = printed.custom as Record<string, unknown>;
    expect(instanceId).toMatch(/^\S+$/);
    expect(custom).toEqual({
      defaultStage: 'dev',
      self: 'variables',
      selfNested: 'inner-value',
      nested: { inner: 'inner-value' },
      option: 'no-flag',
      param: 'default.example.com',
      paramDefault: 'from-default',
      paramCli: 'no-cli-param',
      fileJson: 'json-value',
      fileYaml: 'yaml-value',
      fileWhole: { yaml: { key: 'yaml-value' } },
      fileJsValue: 'js-value',
      fileJsFunction: { computed: 'js-function-value' },
      bool: true,
      boolZero: false,
      fallbackString: 'fallback-string',
      fallbackNumber: 42,
      fallbackVariable: 'inner-value',
      nestedVariable: 'dev',
      keyName: 'defaultStage',
      embedded: 'prefix-dev-suffix',
      escaped: '${not:a-variable}',
      chain: 'dev',
    });
    expect(run.stdout).not.toContain('${self:');
  });

  it('applies --stage, --region, --param and free options the config reads with opt:', async ({ expect }) => {
    const run = await runCli(
      [
        'print',
        ...VARIABLES,
        '-s',
        'prod',
        '-r',
        'ap-south-1',
        '--param',
        'from-cli=cli-value',
        '--custom-flag',
        'yes',
        '--format',
        'json',
      ],
      { env: ENV },
    );
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as {
      provider: Record<string, unknown>;
      custom: Record<string, unknown>;
    };
    expect(printed.provider.stage).toBe('prod');
    expect(printed.provider.region).toBe('ap-south-1');
    expect(printed.custom).toMatchObject({
      option: 'yes',
      param: 'prod.example.com',
      paramDefault: 'from-default',
      paramCli: 'cli-value',
      embedded: 'prefix-prod-suffix',
      chain: 'prod',
    });
    // --format json is 2-space JSON.
    expect(run.stdout).toBe(`${JSON.stringify(printed, null, 2)}\n`);
  });

  it('digs with --path, lists keys with --transform keys, prints text for scalars and arrays', async ({
    expect,
  }) => {
    const scalar = await runCli(
      ['print', ...VARIABLES, '--path', 'custom.nested.inner', '--format', 'text'],
      { env: ENV },
    );
    expect(scalar.stdout).toBe('inner-value\n');
    const keys = await runCli(
      ['print', ...VARIABLES, '--path', 'provider.environment', '--transform', 'keys', '--format', 'text'],
      {
        env: ENV,
      },
    );
    expect(keys.stdout).toBe('STAGE\nFROM_ENV\nENV_FALLBACK\n');
    const yaml = await runCli(['print', ...VARIABLES, '--path', 'custom.fileWhole'], { env: ENV });
    expect(yaml.stdout).toBe('yaml:\n  key: yaml-value\n');
  });

  it('reports a missing --path, an object as text and an unknown format', async ({ expect }) => {
    const missing = await runCli(['print', ...VARIABLES, '--path', 'custom.nope'], { env: ENV });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(firstLine(missing.stderr)).toBe('✖ Path "custom.nope" not found');
    const object = await runCli(['print', ...VARIABLES, '--path', 'custom', '--format', 'text'], {
      env: ENV,
    });
    expect(object.code).toBe(1);
    expect(firstLine(object.stderr)).toBe('✖ Cannot print an object as "text"');
    const format = await runCli(['print', ...VARIABLES, '--format', 'xml'], { env: ENV });
    expect(format.code).toBe(1);
    expect(firstLine(format.stderr)).toBe(
      '✖ Format "xml" is not supported. Supported formats: "yaml", "json", "text".',
    );
  });

  it('rejects options that are neither supported nor used by the config, in Serverless wording', async ({
    expect,
  }) => {
    const run = await runCli(['print', ...VARIABLES, '--stgae', 'prod'], { env: ENV });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(firstLine(run.stderr)).toBe('✖ Detected unrecognized CLI options: "--stgae".');
  });

  it('reports unresolvable variables with their property path and position', async ({ expect }) => {
    const run = await runCli(['print', ...VARIABLES]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `Cannot resolve variable at "provider.environment.FROM_ENV": Value not found at "env" source (test/fixtures/services/variables/serverless.yml:10:5)`,
    );
    expect(firstLine(run.stderr)).toMatch(/^✖ Cannot resolve .*serverless\.yml.*:\d+:\d+/);
  });
});

describe.concurrent('print: bad input', { timeout: 90_000 }, () => {
  it('reports malformed YAML with file:line, exit 1 and no stack trace (stack with --debug)', async ({
    expect,
  }) => {
    const t = tempDir('print-yaml');
    try {
      writeFileSync(
        path.join(t.dir, 'serverless.yml'),
        'service: broken\nprovider:\n  name: aws\n   runtime: nodejs20.x\n',
      );
      const run = await runCli(['print'], { cwd: t.dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(firstLine(run.stderr)).toMatch(/^✖ .*serverless\.yml:\d+:\d+/);
      expect(run.stderr).not.toMatch(STACK_LINE);
      const debug = await runCli(['print', '--debug'], { cwd: t.dir });
      expect(debug.code).toBe(1);
      expect(debug.stderr).toMatch(STACK_LINE);
    } finally {
      t.cleanup();
    }
  });

  it('reports a cyclic variable and a missing file() target', async ({ expect }) => {
    const t = tempDir('print-vars');
    try {
      writeFileSync(
        path.join(t.dir, 'serverless.yml'),
        'service: cyclic\nprovider:\n  name: aws\ncustom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n  f: ${file(./missing.yml)}\n',
      );
      const run = await runCli(['print'], { cwd: t.dir });
      expect(run.code).toBe(1);
      expect(firstLine(run.stderr)).toMatch(
        /^✖ Cannot resolve serverless\.yml: Variables resolution errored with:.*serverless\.yml:\d+:\d+/,
      );
      expect(run.stderr).toMatch(/custom\.(a|b)/);
      expect(run.stderr).toContain('custom.f');
      expect(run.stderr).not.toMatch(STACK_LINE);
    } finally {
      t.cleanup();
    }
  });

  it('says where to look when there is no serverless.yml', async ({ expect }) => {
    const t = tempDir('print-none');
    try {
      const run = await runCli(['print'], { cwd: t.dir });
      expect(run.code).toBe(1);
      expect(firstLine(run.stderr)).toMatch(/^✖ .*serverless\.yml/);
    } finally {
      t.cleanup();
    }
  });
});
