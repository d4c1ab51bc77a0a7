/**
 * The workshop's orchestration example (examples/pipeline) deployed with the real CLI to a platform
 * on a free port, then run through @aws-sdk/client-sfn: a good reading is validated (Python) and
 * enriched (Node.js); an impossible one fails the execution with TemperatureOutOfRange.
 */
import {
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import { type CliRun, cliAgainst, copyExample, tempDir } from './cli-support.js';
import { executionClosed, startTestPlatform, TEST_CREDENTIALS } from './platform-helpers.js';

const MACHINE = 'arn:aws:states:eu-west-1:000000000000:stateMachine:processTemperatures';
let platform: Platform;
let sfn: SFNClient;
let stopPlatform: (() => Promise<void>) | undefined;
let work: ReturnType<typeof tempDir>;
let svc: string;

const cli = (args: string[]): Promise<CliRun> => cliAgainst(platform.url, svc, args);

async function run(input: unknown): Promise<DescribeExecutionCommandOutput> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: MACHINE, input: JSON.stringify(input) }),
  );
  return executionClosed(sfn, executionArn);
}

beforeAll(async () => {
  work = tempDir('pipeline-svc');
  svc = copyExample('pipeline', work.dir);
  ({ platform, stop: stopPlatform } = await startTestPlatform());
  sfn = new SFNClient({
    endpoint: platform.url,
    region: 'eu-west-1',
    credentials: TEST_CREDENTIALS,
  });
  const r = await cli(['deploy']);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await stopPlatform?.();
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
