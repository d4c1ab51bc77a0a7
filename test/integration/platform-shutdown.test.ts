/**
 * Stopping the platform while a function is mid-invoke and still logging: the platform stops
 * accepting requests, drains the function's log lines into the store, closes the store, and lines
 * arriving after that are dropped quietly (no unhandled rejection from a late flush).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, fnSpec, serviceSpec, startTestPlatform, tempDir, zipFiles } from './platform-helpers.js';

let data: ReturnType<typeof tempDir>;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

beforeAll(() => {
  data = tempDir();
  process.on('unhandledRejection', onRejection);
});

afterAll(() => {
  process.off('unhandledRejection', onRejection);
  data.cleanup();
});

async function until(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('platform stop with an invocation in flight', () => {
  it('stops without an unhandled rejection while the function keeps logging', async () => {
    const marker = path.join(data.dir, 'started');
    const { platform, stop } = await startTestPlatform();
    const zip = await zipFiles({
      // Logs continuously and never answers, so the invocation is still running at stop.
      'handler.js': `const fs = require('node:fs');
exports.handler = async () => {
  fs.writeFileSync(${JSON.stringify(marker)}, 'x');
  setInterval(() => { for (let i = 0; i < 20; i++) console.log('still working ' + i); }, 2);
  return new Promise(() => {});
};`,
    });
    const r = await deploy(platform.url, serviceSpec('busy', 'dev', [fnSpec('busy', 'dev', 'work', zip)]), [
      zip,
    ]);
    expect(r.status).toBe(200);

    const lambda = new LambdaClient({
      endpoint: platform.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const inFlight = lambda.send(new InvokeCommand({ FunctionName: 'busy-dev-work' })).catch((e: Error) => e);
    await until('the handler to start', () => existsSync(marker));
    await new Promise((res) => setTimeout(res, 50));

    await stop();
    // The client sees its connection closed, not a hang.
    expect(await inFlight).toBeInstanceOf(Error);
    // Give late stdout chunks and any scheduled flush the chance to run after the store closed.
    for (let i = 0; i < 10; i++) await new Promise((res) => setTimeout(res, 20));
    expect(rejections.map((e) => String((e as Error)?.message ?? e))).toEqual([]);
  });
});
