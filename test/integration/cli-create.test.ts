/**
 * `selfless create` through the real CLI: every shipped template creates a service that runs
 * (`invoke local`), --name renames it, and Serverless's messages for bad templates and existing folders.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { firstLine, REPO, runCli, tempDir } from './cli-support.js';

describe.concurrent('create', { timeout: 120_000 }, () => {
  let t: { dir: string; cleanup: () => void };
  beforeAll(() => {
    t = tempDir('create');
  });
  afterAll(() => t.cleanup());

  it('creates an aws-nodejs service that invoke local runs', async ({ expect }) => {
    const run = await runCli(
      ['create', '--template', 'aws-nodejs', '--path', 'node-svc', '--name', 'my-node'],
      { cwd: t.dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^\n✔ Project successfully created in "node-svc" from "aws-nodejs" template \(\d+s\)\n$/,
    );
    const dir = path.join(t.dir, 'node-svc');
    expect(readFileSync(path.join(dir, 'serverless.yml'), 'utf8')).toMatch(/^service: my-node$/m);
    expect(existsSync(path.join(dir, '.gitignore'))).toBe(true);
    const invoked = await runCli(['invoke', 'local', '-f', 'hello', '-d', '{"a":1}'], { cwd: dir });
    expect(invoked.code).toBe(0);
    const result = JSON.parse(invoked.stdout) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).input).toEqual({ a: 1 });
  });

  it('creates an aws-python3 service that invoke local runs, named after its folder', async ({ expect }) => {
    const run = await runCli(['create', '-t', 'aws-python3', '-p', 'py-svc'], { cwd: t.dir });
    expect(run.code).toBe(0);
    const dir = path.join(t.dir, 'py-svc');
    expect(readFileSync(path.join(dir, 'serverless.yml'), 'utf8')).toMatch(/^service: py-svc$/m);
    const invoked = await runCli(['invoke', 'local', '-f', 'hello'], { cwd: dir });
    expect(invoked.code).toBe(0);
    expect((JSON.parse(invoked.stdout) as { statusCode: number }).statusCode).toBe(200);
  });

  it('creates an aws-nodejs-typescript service with its sources and build setup', async ({ expect }) => {
    const run = await runCli(['create', '-t', 'aws-nodejs-typescript', '-p', 'ts-svc', '-n', 'my-ts'], {
      cwd: t.dir,
    });
    expect(run.code).toBe(0);
    const dir = path.join(t.dir, 'ts-svc');
    expect(existsSync(path.join(dir, 'src/handler.ts'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name).toBe('my-ts');
    const printed = await runCli(['print', '--path', 'functions.hello.handler', '--format', 'text'], {
      cwd: dir,
    });
    expect(printed.stdout).toBe('dist/handler.hello\n');
  });

  it('creates in the current directory without --path, with the rename hint, and refuses to overwrite', async ({
    expect,
  }) => {
    const here = path.join(t.dir, 'here');
    await runCli(['create', '-t', 'aws-nodejs', '-p', 'here'], { cwd: t.dir });
    const t2 = tempDir('create-cwd');
    try {
      const run = await runCli(['create', '-t', 'aws-nodejs'], { cwd: t2.dir });
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('✔ Project successfully created in "./" from "aws-nodejs" template');
      expect(run.stderr).toContain(
        'Please update the "service" property in serverless.yml with your service name',
      );
      const again = await runCli(['create', '-t', 'aws-nodejs'], { cwd: t2.dir });
      expect(again.code).toBe(1);
      expect(firstLine(again.stderr)).toMatch(
        /^✖ File "(\.gitignore|handler\.js|serverless\.yml)" already exists in the current directory\.$/,
      );
    } finally {
      t2.cleanup();
    }
    const exists = await runCli(['create', '-t', 'aws-python3', '-p', 'here'], { cwd: t.dir });
    expect(exists.code).toBe(1);
    expect(firstLine(exists.stderr)).toBe('✖ A folder named "here" already exists.');
    expect(existsSync(path.join(here, 'handler.py'))).toBe(false);
  });

  it('copies a local --template-path into ./<name> and renames the service', async ({ expect }) => {
    const run = await runCli(
      ['create', '--template-path', path.join(REPO, 'templates/aws-python3'), '--name', 'from-path'],
      {
        cwd: t.dir,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('✔ Project successfully created in "./from-path"');
    expect(readFileSync(path.join(t.dir, 'from-path/serverless.yml'), 'utf8')).toMatch(
      /^service: from-path$/m,
    );
    expect(existsSync(path.join(t.dir, 'from-path/.gitignore'))).toBe(true);
  });

  it("uses Serverless's messages for an unsupported template and a missing one", async ({ expect }) => {
    const unsupported = await runCli(['create', '-t', 'aws-cobol', '-p', 'x'], { cwd: t.dir });
    expect(unsupported.code).toBe(1);
    expect(firstLine(unsupported.stderr)).toBe(
      '✖ Template "aws-cobol" is not supported. Supported templates are: "aws-nodejs", "aws-nodejs-typescript", "aws-python3".',
    );
    expect(existsSync(path.join(t.dir, 'x'))).toBe(false);
    const missing = await runCli(['create'], { cwd: t.dir });
    expect(missing.code).toBe(1);
    expect(firstLine(missing.stderr)).toBe(
      '✖ You must either pass a template name (--template), a URL (--template-url) or a local path (--template-path).',
    );
  });
});
