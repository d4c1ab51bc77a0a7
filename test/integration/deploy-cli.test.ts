/**
 * The deploy flow through the real CLI (`node bin/selfless.js …` in a copy of examples/hello)
 * against a platform on a free port: deploy, invoke, info, logs, deploy function, remove; the
 * clear error when no server answers; incremental deploys keeping warm environments; and a
 * deployment the platform refuses changing nothing.
 */
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import { type CliRun, runCli } from './cli-support.js';
import { startTestPlatform, tempDir } from './platform-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let platform: Platform;
let stopPlatform: (() => Promise<void>) | undefined;
let work: ReturnType<typeof tempDir>;
let svc: string;

/** Runs the CLI in the service copy with a minimal environment; never throws. */
const cli = (args: string[], endpoint = platform.url): Promise<CliRun> =>
  runCli(args, {
    cwd: svc,
    inheritEnv: false,
    env: { SELFLESS_ENDPOINT: endpoint, SELFLESS_NO_STDIN: '1' },
    timeoutMs: 60_000,
  });

const yml = () => path.join(svc, 'serverless.yml');
const editYml = (fn: (s: string) => string) => writeFileSync(yml(), fn(readFileSync(yml(), 'utf8')));

beforeAll(async () => {
  work = tempDir();
  svc = path.join(work.dir, 'hello');
  cpSync(path.join(ROOT, 'examples/hello'), svc, { recursive: true });
  // A node function that reports its process id, to tell warm environments from new ones.
  writeFileSync(
    path.join(svc, 'pid.js'),
    'exports.handler = async () => ({ pid: process.pid, flavour: process.env.FLAVOUR });\n',
  );
  writeFileSync(path.join(svc, 'boom.js'), "exports.handler = async () => { throw new Error('boom'); };\n");
  editYml(
    (s) =>
      `${s.trimEnd()}\n  pid:\n    handler: pid.handler\n    runtime: nodejs20.x\n  other:\n    handler: pid.handler\n    runtime: nodejs20.x\n    environment:\n      FLAVOUR: vanilla\n  boom:\n    handler: boom.handler\n    runtime: nodejs20.x\n`,
  );
  const started = await startTestPlatform();
  platform = started.platform;
  stopPlatform = started.stop;
}, 60_000);

afterAll(async () => {
  await stopPlatform?.();
  work?.cleanup();
});

describe('selfless deploy / invoke / info / logs / remove', { timeout: 120_000 }, () => {
  it('says which command starts a server when none answers', async () => {
    const r = await cli(['deploy'], 'http://127.0.0.1:9');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No Selfless server answers at http://127.0.0.1:9');
    expect(r.stderr).toContain('selfless server');
  });

  it('deploys with the Serverless summary', async () => {
    const r = await cli(['deploy']);
    expect(r.stderr).toContain('Deploying hello to stage dev (eu-west-1)');
    expect(r.stderr).toMatch(/✔ Service deployed to stack hello-dev \(\d+s\)/);
    expect(r.stdout).toMatch(
      /^functions:\n {2}hello: hello-dev-hello \([\d.]+ kB\)\n {2}helloNode: hello-dev-helloNode \(/,
    );
    expect(r.code).toBe(0);
    // The same package again: nothing to do.
    const again = await cli(['deploy']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/∅ No changes to deploy\. Deployment skipped\. \(\d+s\)/);
    expect(again.stdout).toBe('');
  });

  it('invokes and prints the result as Serverless does', async () => {
    const r = await cli(['invoke', '-f', 'hello', '-d', '{"name":"workshop"}']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(out.body)).toEqual({
      message: 'Go Serverless! Your function executed successfully!',
      input: { name: 'workshop' },
    });
    expect(r.stdout).toContain('\n    "statusCode": 200');

    const logged = await cli(['invoke', '-f', 'helloNode', '--log']);
    expect(logged.stdout).toContain(`\n${'-'.repeat(68)}\nSTART\n`);
    expect(logged.stdout).toMatch(/\nEND Duration: [\d.]+ ms( \(init: [\d.]+ ms\))? Memory Used: \d+ MB\n/);

    const failed = await cli(['invoke', '-f', 'boom']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ errorType: 'Error', errorMessage: 'boom' });
    expect(failed.stderr).toContain('Invoked function failed');

    const v1 = await cli(['invoke', '-f', 'hello', '--qualifier', '1']);
    expect(v1.code).toBe(0);
  });

  it('shows info in the Serverless layout', async () => {
    const r = await cli(['info']);
    expect(r.stdout).toBe(
      [
        'service: hello',
        'stage: dev',
        'region: eu-west-1',
        'stack: hello-dev',
        'functions:',
        '  hello: hello-dev-hello',
        '  helloNode: hello-dev-helloNode',
        '  pid: hello-dev-pid',
        '  other: hello-dev-other',
        '  boom: hello-dev-boom',
        '',
      ].join('\n'),
    );
  });

  it('prints the function logs, filtered on request', async () => {
    const r = await cli(['logs', '-f', 'boom']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^START$/m);
    expect(r.stdout).toMatch(/ERROR\tInvoke Error/);
    const filtered = await cli(['logs', '-f', 'boom', '--filter', 'REPORT']);
    expect(
      filtered.stdout
        .trim()
        .split('\n')
        .every((l) => l.startsWith('END Duration')),
    ).toBe(true);
    const never = await cli(['logs', '-f', 'pid']);
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('No existing streams for the function');
  });

  it('follows new log lines with logs --tail until interrupted', async () => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/selfless.js'), 'logs', '-f', 'helloNode', '--tail', '-i', '200'],
      {
        cwd: svc,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SELFLESS_ENDPOINT: platform.url,
          NO_COLOR: '1',
        },
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 60_000;
      await new Promise((r) => setTimeout(r, 1500));
      await fetch(`${platform.url}/2015-03-31/functions/hello-dev-helloNode/invocations`, {
        method: 'POST',
        body: '{"tail":1}',
      });
      while (!/END Duration/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/^START$/m);
      expect(out).toMatch(/^END Duration: /m);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('keeps unchanged functions warm across a deploy and swaps changed ones', async () => {
    const pidOf = async (fn: string) =>
      JSON.parse((await cli(['invoke', '-f', fn])).stdout) as { pid: number; flavour?: string };
    const before = await pidOf('pid');
    const otherBefore = await pidOf('other');
    editYml((s) => s.replace('FLAVOUR: vanilla', 'FLAVOUR: chocolate'));
    const r = await cli(['deploy']);
    expect(r.code).toBe(0);
    expect((await pidOf('pid')).pid).toBe(before.pid);
    const otherAfter = await pidOf('other');
    expect(otherAfter.flavour).toBe('chocolate');
    expect(otherAfter.pid).not.toBe(otherBefore.pid);
  });

  it('refuses a deployment the platform cannot run, changing nothing', async () => {
    editYml(
      (s) =>
        `${s.replace('FLAVOUR: chocolate', 'FLAVOUR: mint')}  rubyfn:\n    handler: handler.main\n    runtime: ruby3.3\n`,
    );
    const r = await cli(['deploy']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ruby3.3');
    expect(JSON.parse((await cli(['invoke', '-f', 'other'])).stdout).flavour).toBe('chocolate');
    const info = await cli(['info']);
    expect(info.stdout).not.toContain('rubyfn');
    editYml((s) => s.replace(/ {2}rubyfn:\n.*\n.*\n/, '').replace('FLAVOUR: mint', 'FLAVOUR: chocolate'));
  });

  it('deploys a single function with deploy function -f', async () => {
    writeFileSync(
      path.join(svc, 'handler.py'),
      readFileSync(path.join(svc, 'handler.py'), 'utf8').replace('Go Serverless!', 'Hello again!'),
    );
    const r = await cli(['deploy', 'function', '-f', 'hello']);
    expect(r.stderr).toContain('Deploying function hello to stage dev (eu-west-1)');
    expect(r.stderr).toMatch(/✔ Function code deployed \(\d+s\)/);
    expect(r.code).toBe(0);
    const after = await cli(['invoke', '-f', 'hello']);
    expect(after.stderr).toBe('');
    expect(JSON.parse(JSON.parse(after.stdout).body).message).toMatch(/^Hello again!/);
    const list = await cli(['deploy', 'list']);
    expect(list.stdout.match(/^Timestamp: \d+$/gm)?.length).toBeGreaterThanOrEqual(3);
  });

  it('removes the service', async () => {
    const r = await cli(['remove']);
    expect(r.stderr).toContain('Removing hello from stage dev (eu-west-1)');
    expect(r.stderr).toMatch(/✔ Service hello has been successfully removed \(\d+s\)/);
    expect(r.code).toBe(0);
    const gone = await cli(['invoke', '-f', 'hello']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(
      'Function not found: arn:aws:lambda:eu-west-1:000000000000:function:hello-dev-hello',
    );
  });
});
