/**
 * What starts Step Functions executions besides the API, through the real CLI on a platform driven
 * by a ManualClock: the pipeline example's `http` event (POST /temperatures on the service's REST
 * API answers StartExecution's JSON and the execution runs the Python and Node.js functions),
 * `selfless invoke stepf` (the execution JSON on stdout, a failure on stderr with exit code 1), and
 * `schedule` events (rate, cron with input, disabled) that fire on the clock and stop when dropped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import type { Platform } from '../../src/platform/platform.js';
import { type CliRun, cliAgainst, copyExample, tempDir } from './cli-support.js';
import { executionClosed, startTestPlatform, TEST_CREDENTIALS } from './platform-helpers.js';

const START = Date.parse('2026-03-02T09:30:00Z');
const clock = new ManualClock(START);
let platform: Platform;
let sfn: SFNClient;
let stopPlatform: (() => Promise<void>) | undefined;
let work: ReturnType<typeof tempDir>;
let pipeline: string;
let ticker: string;
let temperaturesUrl: string;

const cli = (cwd: string, args: string[]): Promise<CliRun> => cliAgainst(platform.url, cwd, args);

/** Waits (guarded, not asserted) until an execution leaves RUNNING. */
const closed = (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
  executionClosed(sfn, executionArn);

// biome-ignore lint/suspicious/noExplicitAny: assertions dig freely into response bodies.
async function post(body: string): Promise<{ status: number; requestId: string | null; json: any }> {
  const res = await fetch(temperaturesUrl, { method: 'POST', body });
  return { status: res.status, requestId: res.headers.get('x-amzn-requestid'), json: await res.json() };
}

const TICKER_YML = `service: ticker
frameworkVersion: '3'
plugins:
  - serverless-step-functions
provider:
  name: aws
  region: eu-west-1
stepFunctions:
  stateMachines:
    tick:
      name: ticker-tick
      events:
        - schedule: rate(1 hour)
        - schedule:
            rate: cron(0 12 * * ? *)
            input:
              kind: noon
        - schedule:
            rate: rate(1 minute)
            enabled: false
      definition:
        StartAt: Done
        States:
          Done:
            Type: Pass
            End: true
`;

beforeAll(async () => {
  work = tempDir('sfn-triggers-svc');
  pipeline = copyExample('pipeline', work.dir);
  ticker = path.join(work.dir, 'ticker');
  mkdirSync(ticker);
  writeFileSync(path.join(ticker, 'serverless.yml'), TICKER_YML);
  ({ platform, stop: stopPlatform } = await startTestPlatform({
    clock,
    // Hours of manual-clock time pass in the schedule tests; environments must not idle out.
    limits: { idleMs: 7 * 24 * 3_600_000 },
  }));
  sfn = new SFNClient({
    endpoint: platform.url,
    region: 'eu-west-1',
    credentials: TEST_CREDENTIALS,
  });
  const r = await cli(pipeline, ['deploy']);
  expect(r.code, r.stderr).toBe(0);
  const m = /POST - (http:\/\/127\.0\.0\.1:\d+\/dev\/temperatures)/.exec(r.stdout + r.stderr);
  expect(m, r.stdout).not.toBeNull();
  temperaturesUrl = m![1]!;
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await stopPlatform?.();
  work?.cleanup();
});

describe('http event: POST /temperatures starts processTemperatures', () => {
  it('answers 200 with StartExecution JSON; the execution named after the request validates and enriches', async () => {
    const res = await post('{"sensorId": "fjord-1", "temperature": 28}');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['executionArn', 'startDate']);
    expect(res.json.executionArn).toBe(
      `arn:aws:states:eu-west-1:000000000000:execution:processTemperatures:${res.requestId}`,
    );
    expect(res.json.startDate).toBe(clock.now() / 1000);
    const d = await closed(res.json.executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.input as string)).toEqual({ sensorId: 'fjord-1', temperature: 28 });
    expect(JSON.parse(d.output as string)).toEqual({
      sensorId: 'fjord-1',
      temperature: 28,
      location: 'Oslofjord, Drøbak',
      description: 'buoy at 2 m depth',
    });
  });

  it('runs the workshop body {"temperature": 28} to success with a location added', async () => {
    const res = await post('{"temperature": 28}');
    expect(res.status).toBe(200);
    const d = await closed(res.json.executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output as string)).toMatchObject({ temperature: 28, location: 'unknown' });
  });

  it('fails {"temperature": -273} with the validation error in DescribeExecution and the history', async () => {
    const res = await post('{"temperature": -273}');
    expect(res.status).toBe(200);
    const d = await closed(res.json.executionArn);
    expect(d).toMatchObject({
      status: 'FAILED',
      error: 'TemperatureOutOfRange',
      cause: 'too cold: -273 is not a possible reading',
    });
    const events =
      (await sfn.send(new GetExecutionHistoryCommand({ executionArn: d.executionArn }))).events ?? [];
    const failed = events.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails;
    expect(failed?.error).toBe('TemperatureOutOfRange');
    expect(failed?.cause).toContain('too cold: -273 is not a possible reading');
  });

  it('answers 400 for a body that is not JSON and starts nothing', async () => {
    const before = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn() }))).executions;
    const res = await post('{"temperature": ');
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/Could not parse request body into json/);
    const after = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn() }))).executions;
    expect(after?.length).toBe(before?.length);
  });
});

function machineArn(name = 'processTemperatures'): string {
  return `arn:aws:states:eu-west-1:000000000000:stateMachine:${name}`;
}

describe('selfless invoke stepf', () => {
  it('prints the succeeded execution as 2-space JSON on stdout', async () => {
    const r = await cli(pipeline, [
      'invoke',
      'stepf',
      '-n',
      'processTemperatures',
      '-d',
      '{"sensorId": "fjord-2", "temperature": 12.5}',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\{\n {2}"executionArn": /);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ status: 'SUCCEEDED', stateMachineArn: machineArn() });
    expect(JSON.parse(out.output)).toMatchObject({ location: 'Oslofjord, Bygdøy', temperature: 12.5 });
  });

  it('reads the input from --path and prints a failed execution with error and cause on stderr, exit 1', async () => {
    writeFileSync(path.join(pipeline, 'broken.json'), '{"sensorId": "lab-1", "temperature": -273}');
    const r = await cli(pipeline, [
      'invoke',
      'stepf',
      '--name',
      'processTemperatures',
      '--path',
      'broken.json',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const out = JSON.parse(r.stderr);
    expect(out).toMatchObject({
      status: 'FAILED',
      error: 'TemperatureOutOfRange',
      cause: 'too cold: -273 is not a possible reading',
    });
  });

  it('names the state machines when -n is unknown, and refuses --data that is not JSON', async () => {
    const unknown = await cli(pipeline, ['invoke', 'stepf', '-n', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('State machine "nope" doesn\'t exist in this Service');
    expect(unknown.stderr).toContain('processTemperatures');
    const bad = await cli(pipeline, ['invoke', 'stepf', '-n', 'processTemperatures', '-d', '{oops']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--data is not JSON');
  });
});

describe('schedule events start executions on the clock', () => {
  const TICK = machineArn('ticker-tick');
  const executions = async () =>
    (await sfn.send(new ListExecutionsCommand({ stateMachineArn: TICK }))).executions ?? [];
  /** Lets the started executions (Pass only) close. */
  const settle = async () => {
    for (const e of await executions()) await closed(e.executionArn as string);
  };

  it('fires rate(1 hour) with the scheduled event and the noon cron with its input; the disabled one never', async () => {
    const r = await cli(ticker, ['deploy']);
    expect(r.code, r.stderr).toBe(0);
    expect(await executions()).toEqual([]);
    await clock.advance(3_600_000); // 10:30
    await settle();
    const first = await executions();
    expect(first).toHaveLength(1);
    const hourly = await sfn.send(new DescribeExecutionCommand({ executionArn: first[0]!.executionArn }));
    expect(JSON.parse(hourly.input as string)).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-03-02T10:30:00Z',
      region: 'eu-west-1',
      resources: [
        'arn:aws:events:eu-west-1:000000000000:rule/ticker-dev-TickerDashtickStepFunctionsEventsRuleSchedule1',
      ],
    });
    await clock.advanceTo(Date.parse('2026-03-02T12:00:00Z')); // 11:30 hourly, 12:00 noon
    await settle();
    const inputs = await Promise.all(
      (await executions()).map(async (e) => {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
        return JSON.parse(d.input as string);
      }),
    );
    expect(inputs).toHaveLength(3);
    expect(inputs.filter((i) => i.kind === 'noon')).toHaveLength(1);
  });

  it('stops firing when a redeploy drops the schedule events', async () => {
    writeFileSync(
      path.join(ticker, 'serverless.yml'),
      TICKER_YML.replace(/ {6}events:\n[\s\S]*?(?= {6}definition:)/, ''),
    );
    const r = await cli(ticker, ['deploy']);
    expect(r.code, r.stderr).toBe(0);
    await clock.advance(3 * 3_600_000);
    await settle();
    expect(await executions()).toHaveLength(3);
  });
});
