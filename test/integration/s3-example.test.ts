/**
 * examples/uploads deployed with the real CLI to a platform on a free port (with a ManualClock for
 * its schedule): a CSV upload through @aws-sdk/client-s3 runs the Python step, whose output runs the
 * Node.js step, whose summary lands in the reports bucket; the scheduled count fires on clock time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import type { Platform } from '../../src/platform/platform.js';
import { type CliRun, cliAgainst, copyExample, tempDir } from './cli-support.js';
import { startTestPlatform, TEST_CREDENTIALS } from './platform-helpers.js';

const clock = new ManualClock(Date.parse('2026-01-01T10:00:00Z'));
let platform: Platform;
let s3: S3Client;
let stopPlatform: (() => Promise<void>) | undefined;
let work: ReturnType<typeof tempDir>;
let svc: string;

const cli = (args: string[]): Promise<CliRun> => cliAgainst(platform.url, svc, args);

/** Reads an object once it exists (the pipeline runs asynchronously); polls in real time. */
async function eventually(bucket: string, key: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    try {
      const o = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await o.Body!.transformToString();
    } catch (e) {
      if ((e as { name: string }).name !== 'NoSuchKey') throw e;
    }
    // Lambda's async queue runs on clock timers: let due ones fire, then wait a little real time.
    await clock.advance(0);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`s3://${bucket}/${key} never appeared`);
}

beforeAll(async () => {
  work = tempDir('uploads-svc');
  svc = copyExample('uploads', work.dir);
  ({ platform, stop: stopPlatform } = await startTestPlatform({
    clock,
    limits: { idleMs: 7 * 24 * 3_600_000 },
  }));
  s3 = new S3Client({
    endpoint: platform.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
  });
  const deployed = await cli(['deploy']);
  expect(deployed.code, deployed.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await stopPlatform?.();
  work?.cleanup();
});

describe('examples/uploads', () => {
  it('turns an uploaded CSV into a cleaned JSON file and a summary, through two functions', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'uploads-dev-incoming',
        Key: 'in/my orders.csv',
        Body: readFileSync(path.join(svc, 'orders.csv')),
      }),
    );
    const clean = JSON.parse(await eventually('uploads-dev-clean', 'in/my orders.json'));
    expect(clean).toEqual({
      source: 'in/my orders.csv',
      rows: [
        { item: 'widget', quantity: 3, price: 2.5 },
        { item: 'gadget', quantity: 1, price: 10 },
      ],
      errors: ['line 4: quantity must be an integer and price a number'],
    });
    const summary = JSON.parse(await eventually('uploads-dev-reports', 'in/my orders.summary.json'));
    expect(summary).toEqual({ source: 'in/my orders.csv', rows: 2, rejected: 1, units: 4, revenue: 17.5 });
  }, 60_000);

  it('counts the objects of every bucket each minute of clock time', async () => {
    await clock.advance(60_000);
    let logged = '';
    // Read the function's log group through the control API (the CLI's `logs` window is wall-clock time).
    for (let i = 0; i < 100 && !logged.includes('object counts at'); i++) {
      await clock.advance(0);
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${platform.url}/_selfless/logs?group=/aws/lambda/uploads-dev-count`);
      logged = ((await res.json()) as { events: Array<{ message: string }> }).events
        .map((e) => e.message)
        .join('\n');
    }
    expect(logged).toMatch(
      /object counts at 2026-01-01T10:01:\d\dZ: \{"uploads-dev-incoming":1,"uploads-dev-clean":1,"uploads-dev-reports":1\}/,
    );
  }, 60_000);
});
