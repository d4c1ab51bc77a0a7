/**
 * Shared by the cli-*.test.ts files: runs the real CLI (`node bin/selfless.js`, built into dist/)
 * as a child process and collects its exit code, stdout and stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(REPO, 'bin/selfless.js');
export const FIXTURES = path.join(REPO, 'test/fixtures/services');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

if (!existsSync(path.join(REPO, 'dist/cli/main.js'))) {
  throw new Error('dist/ is missing: run `npm run build` before the CLI tests (npm test does).');
}

/** Runs `selfless <args>`; stdin is empty unless `input` is given. */
export function runCli(
  args: string[],
  opts: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    /** false: start from PATH and HOME only, not the test runner's whole environment. */
    inheritEnv?: boolean;
    input?: string;
    timeoutMs?: number;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...(opts.inheritEnv === false ? { PATH: process.env.PATH, HOME: process.env.HOME } : process.env),
      NO_COLOR: '1',
      FORCE_COLOR: undefined,
      ...opts.env,
    };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: env as NodeJS.ProcessEnv,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined && child.stdin) child.stdin.end(opts.input);
  });
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `selfless-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The first line of a text. */
export function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** A line of a JavaScript stack trace (`    at fn (file:///x.js:1:2)`), not a config message's `at 'path'`. */
export const STACK_LINE = /^\s+at (?:.+ \()?(?:file:|node:|\/)[^\n]*:\d+:\d+\)?$/m;

/** A `selfless server` child process. */
export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  /** Everything it wrote on stderr so far. */
  stderr: () => string;
}

/** Starts `selfless server --port 0 --data-dir DIR` (PATH, HOME and `env` only); resolves once it listens. */
export function startServerProcess(
  dataDir: string,
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [BIN, 'server', '--port', '0', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start: ${err}`));
    }, timeoutMs);
    proc.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]!, stderr: () => err });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${err}`));
    });
  });
}

/** Stops a server process (SIGKILL plays a crash) and waits for it to exit. */
export async function stopServerProcess(
  s: ServerProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill(signal);
  await exited;
}

/** Copies examples/<name> into `into` (a temp dir); returns the copy's path. */
export function copyExample(name: string, into: string): string {
  const dir = path.join(into, name);
  cpSync(path.join(REPO, 'examples', name), dir, { recursive: true });
  return dir;
}

/** Runs `selfless <args>` in `cwd` against the platform at `endpoint`, with PATH and HOME only and no stdin. */
export function cliAgainst(
  endpoint: string,
  cwd: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<CliRun> {
  return runCli(args, {
    cwd,
    inheritEnv: false,
    env: { SELFLESS_ENDPOINT: endpoint, SELFLESS_NO_STDIN: '1' },
    timeoutMs,
  });
}
