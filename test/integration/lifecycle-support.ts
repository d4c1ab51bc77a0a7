/**
 * Shared by the lifecycle-*.test.ts files: a platform on a free port with a temp data dir, the
 * real CLI run in a service folder against it, and a Lambda SDK client pointed at it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type Platform, type PlatformOptions, startPlatform } from '../../src/platform/platform.js';
import { tempDir } from './platform-helpers.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A started platform with its data dir and a scratch folder for services. */
export interface Lab {
  platform: Platform;
  work: string;
  lambda: LambdaClient;
  /** Runs the CLI in a folder of `work`; never throws. */
  cli(dir: string, args: string[]): Promise<Run>;
  /** Writes files (path → content) under a new service folder of `work`; returns the folder. */
  service(name: string, files: Record<string, string>): string;
  close(): Promise<void>;
}

/** Starts a platform on a free port (quiet logger) and the helpers around it. */
export async function startLab(opts: Partial<PlatformOptions> = {}): Promise<Lab> {
  const data = tempDir();
  const work = tempDir();
  const platform = await startPlatform({
    port: 0,
    dataDir: data.dir,
    log: { info() {}, warn() {}, error() {}, debug() {} },
    ...opts,
  });
  const lambda = new LambdaClient({
    endpoint: platform.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // Throttles must reach the tests, not be retried away by the SDK.
    maxAttempts: 1,
  });
  return {
    platform,
    work: work.dir,
    lambda,
    async cli(dir, args) {
      try {
        const { stdout, stderr } = await promisify(execFile)(
          process.execPath,
          [path.join(ROOT, 'bin/selfless.js'), ...args],
          {
            cwd: dir,
            env: {
              PATH: process.env.PATH,
              HOME: process.env.HOME,
              SELFLESS_ENDPOINT: platform.url,
              NO_COLOR: '1',
              SELFLESS_NO_STDIN: '1',
            },
            timeout: 60_000,
          },
        );
        return { code: 0, stdout, stderr };
      } catch (e) {
        const err = e as { code: number; stdout: string; stderr: string };
        return { code: err.code, stdout: err.stdout, stderr: err.stderr };
      }
    },
    service(name, files) {
      const dir = path.join(work.dir, name);
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
      }
      return dir;
    },
    async close() {
      lambda.destroy();
      await platform.stop();
      data.cleanup();
      work.cleanup();
    },
  };
}

/** Decodes an Invoke payload as JSON. */
export function json(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
}

/** Polls until check() is truthy (checks every 50 ms, up to timeoutMs). */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
