/**
 * `selfless dev` as a user runs it: the real CLI in a child process on a copy of a service, real HTTP
 * to the printed endpoints, a saved file redeployed, Ctrl-C leaving no process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(tmpdir(), 'dev-it-'));
const serviceDir = path.join(dir, 'service');
cpSync(path.resolve('test/fixtures/services/dev-node'), serviceDir, { recursive: true });
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Processes (other than ours) whose command line or working directory mention `needle`. */
function processesUsing(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // not ours to read
      }
      if (cmd.includes(needle) || cwd.startsWith(needle)) out.push(`${pid} ${cmd}`);
    } catch {
      // gone
    }
  }
  return out;
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('selfless dev', () => {
  it('deploys, prints endpoints, redeploys a saved handler, and stops cleanly on Ctrl-C', async () => {
    let stdout = '';
    let stderr = '';
    child = spawn(process.execPath, [path.resolve('bin/selfless.js'), 'dev', serviceDir, '--port', '0'], {
      env: { ...process.env, SELFLESS_API_PORT_BASE: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    await until('watching', () => (stderr.includes('Watching for changes') ? true : undefined), 30_000);
    expect(stderr).toContain('Deploying devnode to stage dev (us-east-1)');
    expect(stderr).toMatch(/✔ Service deployed to stack devnode-dev/);
    expect(stdout).toMatch(/endpoints:\n {2}GET - http:\/\/127\.0\.0\.1:\d+\/dev\/hello\n/);
    expect(stdout).toContain('functions:\n  hello: devnode-dev-hello');
    const url = /GET - (http:\/\/127\.0\.0\.1:\d+\/dev\/hello)/.exec(stdout)![1]!;
    const items = /GET - (http:\/\/127\.0\.0\.1:\d+\/items)/.exec(stdout)![1]!;

    expect(await (await fetch(url)).json()).toEqual({ message: 'hello v1' });
    expect(await (await fetch(items)).json()).toEqual([{ sku: 'a' }, { sku: 'b' }]);

    // Requests keep being answered while the new code deploys: the old environments serve until then.
    const statuses: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) statuses.push((await fetch(items)).status);
    })();
    const file = path.join(serviceDir, 'handler.js');
    writeFileSync(file, readFileSync(file, 'utf8').replace('hello v1', 'hello v2'));
    const body = await until('the new response', async () => {
      const b = (await (await fetch(url)).json()) as { message: string };
      return b.message === 'hello v2' ? b : undefined;
    });
    expect(body).toEqual({ message: 'hello v2' });
    await until('redeploy line', () => (/✔ Redeployed .*hello.* \(\d+ ms\)/.test(stderr) ? true : undefined));
    polling = false;
    await poller;
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // A broken config does not end the session; the last good deployment keeps serving.
    const yml = path.join(serviceDir, 'serverless.yml');
    const good = readFileSync(yml, 'utf8');
    writeFileSync(yml, `${good}\n  broken: [\n`);
    await until('the failure report', () => (stderr.includes('Redeploy failed') ? true : undefined));
    expect((await fetch(url)).status).toBe(200);
    writeFileSync(yml, good);

    expect(processesUsing(serviceDir).length).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await until('no process left', () => (processesUsing(serviceDir).length === 0 ? true : undefined), 5_000);
  }, 90_000);
});
