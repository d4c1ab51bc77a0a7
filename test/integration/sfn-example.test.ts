/**
 * The workshop's orchestration example (examples/pipeline) deployed with the real CLI to a platform
 * on a free port, then run through @aws-sdk/client-sfn: a good reading is validated (Python) and
 * enriched (Node.js); an impossible one fails the execution with TemperatureOutOfRange.
 */
import { execFile } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { tempDir } from './platform-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MACHINE = 'arn:aws:states:eu-west-1:000000000000:stateMachine:processTemperatures';
let platform: Platform;
let sfn: SFNClient;
let data: ReturnType<typeof tempDir>;
let work: ReturnType<typeof tempDir>;
let svc: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bin/selfless.js'), ...args],
      {
        cwd: svc,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SELFLESS_ENDPOINT: platform.url,
          NO_COLOR: '1',
          SELFLESS_NO_STDIN: '1',
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function run(input: unknown): Promise<DescribeExecutionCommandOutput> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: MACHINE, input: JSON.stringify(input) }),
  );
  const until = Date.now() + 20_000;
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > until) throw new Error('execution did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  data = tempDir();
  work = tempDir();
  svc = path.join(work.dir, 'pipeline');
  cpSync(path.join(ROOT, 'examples/pipeline'), svc, { recursive: true });
  platform = await startPlatform({
    port: 0,
    dataDir: data.dir,
    log: { info() {}, warn() {}, error() {}, debug() {} },
  });
  sfn = new SFNClient({
    endpoint: platform.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const r = await cli(['deploy']);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await platform?.stop();
  data?.cleanup();
  work?.cleanup();
});

describe('examples/pipeline: processTemperatures', () => {
  it('is listed by selfless info', async () => {
    const r = await cli(['info']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`processTemperatures: ${MACHINE}`);
  });

  it('validates a reading in Python and enriches it in Node.js', async () => {
    const d = await run({ sensorId: 'fjord-1', temperature: 28 });
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output as string)).toEqual({
      sensorId: 'fjord-1',
      temperature: 28,
      location: 'Oslofjord, Drøbak',
      description: 'buoy at 2 m depth',
    });
  });

  it('fails a reading below absolute zero with TemperatureOutOfRange and says which', async () => {
    const d = await run({ sensorId: 'fjord-2', temperature: -273 });
    expect(d).toMatchObject({
      status: 'FAILED',
      error: 'TemperatureOutOfRange',
      cause: 'too cold: -273 is not a possible reading',
    });
    const events =
      (await sfn.send(new GetExecutionHistoryCommand({ executionArn: d.executionArn }))).events ?? [];
    const failed = events.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails;
    expect(failed?.error).toBe('TemperatureOutOfRange');
    expect(JSON.parse(failed?.cause as string).errorMessage).toBe('too cold: -273 is not a possible reading');
    expect(events.map((e) => e.type).slice(-2)).toEqual(['FailStateEntered', 'ExecutionFailed']);
  });
});
