/**
 * What the lifecycle features keep across a platform restart: published layer versions (functions
 * still mount them), function URLs (same port), provisioned pools (refilled at start).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { InvokeCommand, LambdaClient, ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import type { MetricsResponse } from '../../src/services/lambda/lifecycle.js';
import { ROOT, until } from './lifecycle-support.js';
import { tempDir } from './platform-helpers.js';

const data = tempDir();
const work = tempDir();
let platform: Platform | undefined;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

afterAll(async () => {
  await platform?.stop();
  data.cleanup();
  work.cleanup();
});

const client = (p: Platform) =>
  new LambdaClient({
    endpoint: p.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

describe('a restarted platform', () => {
  it('keeps layers, function URLs and provisioned pools', async () => {
    const dir = path.join(work.dir, 'kept');
    const files: Record<string, string> = {
      'serverless.yml': [
        'service: kept',
        'provider:',
        '  name: aws',
        '  runtime: nodejs20.x',
        'layers:',
        '  lib:',
        '    path: lib',
        'functions:',
        '  f:',
        '    handler: h.handler',
        '    url: true',
        '    provisionedConcurrency: 1',
        '    layers: [!Ref LibLambdaLayer]',
        '',
      ].join('\n'),
      'h.js': "exports.handler = async () => ({ statusCode: 200, body: require('lib').word });\n",
      'lib/nodejs/node_modules/lib/index.js': "exports.word = 'kept';\n",
    };
    for (const [f, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), content);
    }
    platform = await startPlatform({ port: 0, dataDir: data.dir, log: quiet });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bin/selfless.js'), 'deploy'],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SELFLESS_ENDPOINT: platform.url,
          NO_COLOR: '1',
        },
      },
    );
    const url = /endpoint: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1] as string;
    expect(url).toBeDefined();
    expect(await (await fetch(url)).text()).toBe('kept');
    await platform.stop();
    platform = undefined;

    platform = await startPlatform({ port: 0, dataDir: data.dir, log: quiet });
    const p = platform;
    const lambda = client(p);
    const versions = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'lib' }));
    expect(versions.LayerVersions?.map((v) => v.Version)).toEqual([1]);
    const ready = async () => {
      const c = (await (
        await fetch(`${p.url}/_selfless/concurrency`)
      ).json()) as MetricsResponse['concurrency'];
      return c.provisioned.find((x) => x.functionName === 'kept-dev-f')?.status === 'READY';
    };
    await until(ready);
    expect(await (await fetch(url)).text()).toBe('kept');
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'kept-dev-f', LogType: 'Tail' }));
    expect(JSON.parse(Buffer.from(r.Payload ?? []).toString())).toMatchObject({ body: 'kept' });
    lambda.destroy();
  }, 60_000);
});
