/**
 * Deploying over running functions with real execution environments: an invocation in flight when
 * its function's code changes finishes on the old code; the next one runs the new code; a
 * concurrent deployment of a broken artifact changes nothing.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import {
  deploy,
  fnSpec,
  json,
  serviceSpec,
  startTestPlatform,
  upload,
  zipFiles,
} from './platform-helpers.js';

let platform: Platform;
let lambda: LambdaClient;
let stopPlatform: (() => Promise<void>) | undefined;

const slow = (tag: string) =>
  zipFiles({
    'handler.js': `exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.sleepMs || 0)); return { tag: '${tag}', pid: process.pid }; };`,
  });
const run = async (payload: object) => {
  const r = await lambda.send(
    new InvokeCommand({ FunctionName: 'swap-dev-slow', Payload: JSON.stringify(payload) }),
  );
  return { error: r.FunctionError, ...JSON.parse(Buffer.from(r.Payload ?? []).toString()) };
};

beforeAll(async () => {
  const started = await startTestPlatform();
  platform = started.platform;
  stopPlatform = started.stop;
  lambda = new LambdaClient({
    endpoint: platform.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}, 60_000);

afterAll(async () => {
  lambda?.destroy();
  await stopPlatform?.();
});

describe('deploying over running functions', () => {
  it('lets an in-flight invocation finish on the old code while new ones run the new code', async () => {
    const v1 = await slow('v1');
    expect(
      (await deploy(platform.url, serviceSpec('swap', 'dev', [fnSpec('swap', 'dev', 'slow', v1)]), [v1]))
        .status,
    ).toBe(200);
    const warm = await run({});
    expect(warm.tag).toBe('v1');

    const inFlight = run({ sleepMs: 1500 });
    await new Promise((r) => setTimeout(r, 300));
    const v2 = await slow('v2');
    const res = await json(
      deploy(platform.url, serviceSpec('swap', 'dev', [fnSpec('swap', 'dev', 'slow', v2)]), [v2]),
    );
    expect(res.functions[0]).toMatchObject({ status: 'updated', version: '2' });
    const next = await run({});
    expect(next.tag).toBe('v2');
    expect(next.pid).not.toBe(warm.pid);
    const finished = await inFlight;
    expect(finished.error).toBeUndefined();
    expect(finished.tag).toBe('v1');
  });

  it('changes nothing when a deployment names an artifact that is not a valid zip', async () => {
    const broken = Buffer.from('PK\u0003\u0004 this is a truncated zip');
    expect((await upload(platform.url, broken)).status).toBe(200);
    const r = await fetch(`${platform.url}/_selfless/deployments`, {
      method: 'POST',
      body: JSON.stringify(serviceSpec('swap', 'dev', [fnSpec('swap', 'dev', 'slow', broken)])),
    });
    expect(r.status).toBe(400);
    expect((await r.json()) as unknown).toMatchObject({ error: { code: 'INVALID_ARTIFACT' } });
    expect((await run({})).tag).toBe('v2');
    const info = await json(fetch(`${platform.url}/_selfless/services/swap/dev`));
    expect(info.functions[0].latestVersion).toBe('2');
  });
});
