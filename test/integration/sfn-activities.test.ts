/**
 * Step Functions activities through the real platform and the real @aws-sdk/client-sfn: an activity
 * worker loop (GetActivityTask / SendTaskSuccess / SendTaskFailure) serving executions whose failure
 * is caught by Catch, a task taken before a platform restart completed with its token after it, and
 * activities declared under `stepFunctions.activities` in a deployment.
 */
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  ListActivitiesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { deploy, QUIET, serviceSpec, TEST_CREDENTIALS, tempDir } from './platform-helpers.js';

const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::000000000000:role/sfn';

let platform: Platform;
let sfn: SFNClient;
let dir: string;
let cleanup: () => void;

async function boot(): Promise<void> {
  platform = await startPlatform({ port: 0, dataDir: dir, log: QUIET });
  sfn = new SFNClient({ endpoint: platform.url, region: REGION, credentials: TEST_CREDENTIALS });
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('selfless-sfn-activities-'));
  await boot();
});

afterAll(async () => {
  sfn?.destroy();
  await platform?.stop();
  cleanup?.();
});

/** Polls DescribeExecution until the execution leaves RUNNING (guarded, not asserted). */
async function finished(executionArn: string | undefined): Promise<DescribeExecutionCommandOutput> {
  const until = Date.now() + 20_000;
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > until) throw new Error(`${executionArn} still RUNNING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function createMachine(name: string, activityArn: string): Promise<string> {
  const definition = {
    StartAt: 'Resize',
    States: {
      Resize: {
        Type: 'Task',
        Resource: activityArn,
        TimeoutSeconds: 60,
        Catch: [{ ErrorEquals: ['Image.TooLarge'], ResultPath: '$.failure', Next: 'Rejected' }],
        Next: 'Done',
      },
      Rejected: { Type: 'Pass', Result: 'rejected', ResultPath: '$.status', End: true },
      Done: { Type: 'Pass', End: true },
    },
  };
  const r = await sfn.send(
    new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition) }),
  );
  return r.stateMachineArn as string;
}

describe('activities', () => {
  it('creates, describes, lists and deletes an activity', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'scratch' }));
    expect(activityArn).toBe('arn:aws:states:us-east-1:000000000000:activity:scratch');
    const d = await sfn.send(new DescribeActivityCommand({ activityArn }));
    expect(d.name).toBe('scratch');
    expect(d.creationDate).toBeInstanceOf(Date);
    const list = await sfn.send(new ListActivitiesCommand({}));
    expect(list.activities?.map((a) => a.name)).toContain('scratch');
    await sfn.send(new DeleteActivityCommand({ activityArn }));
    const missing = await sfn.send(new DescribeActivityCommand({ activityArn })).catch((e) => e);
    expect(missing.name).toBe('ActivityDoesNotExist');
  });

  it('serves executions from a worker loop; a SendTaskFailure is caught by Catch', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'resize' }));
    const machineArn = await createMachine('resize-images', activityArn as string);
    const small = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, input: '{"image":"a.png","size":10}' }),
    );
    const large = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, input: '{"image":"b.png","size":9000}' }),
    );

    // The worker: take tasks until both executions were served.
    const stop = new AbortController();
    const served: string[] = [];
    const worker = (async () => {
      while (served.length < 2) {
        const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'resizer-1' }), {
          abortSignal: stop.signal,
        });
        if (!task.taskToken) continue;
        const input = JSON.parse(task.input as string) as { image: string; size: number };
        served.push(input.image);
        if (input.size > 1000)
          await sfn.send(
            new SendTaskFailureCommand({
              taskToken: task.taskToken,
              error: 'Image.TooLarge',
              cause: `${input.image} is ${input.size} px`,
            }),
          );
        else
          await sfn.send(
            new SendTaskSuccessCommand({
              taskToken: task.taskToken,
              output: JSON.stringify({ ...input, resized: true }),
            }),
          );
      }
    })();
    await worker;
    stop.abort();
    expect(served.sort()).toEqual(['a.png', 'b.png']);

    const ok = await finished(small.executionArn);
    expect(ok.status).toBe('SUCCEEDED');
    expect(JSON.parse(ok.output as string)).toEqual({ image: 'a.png', size: 10, resized: true });
    const caught = await finished(large.executionArn);
    expect(caught.status).toBe('SUCCEEDED');
    expect(JSON.parse(caught.output as string)).toEqual({
      image: 'b.png',
      size: 9000,
      failure: { Error: 'Image.TooLarge', Cause: 'b.png is 9000 px' },
      status: 'rejected',
    });
    const events =
      (await sfn.send(new GetExecutionHistoryCommand({ executionArn: small.executionArn }))).events ?? [];
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2].activityScheduledEventDetails).toMatchObject({
      resource: activityArn,
      input: '{"image":"a.png","size":10}',
      timeoutInSeconds: 60,
    });
    expect(events[3].activityStartedEventDetails).toEqual({ workerName: 'resizer-1' });
  });

  it('completes a task taken before a platform restart with its token after it', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'durable' }));
    const machineArn = await createMachine('durable-activity', activityArn as string);
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, input: '{"image":"c.png","size":5}' }),
    );
    const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'before-crash' }));
    expect(task.input).toBe('{"image":"c.png","size":5}');

    sfn.destroy();
    await platform.stop();
    await boot();

    await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"after":"restart"}' }));
    const d = await finished(started.executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output as string)).toEqual({ after: 'restart' });
  });

  it('creates the activities a deployment declares and resolves Ref to them in definitions', async () => {
    const spec = serviceSpec('imaging', 'dev', [], {
      sections: {
        stepFunctions: {
          activities: ['thumbnail-queue'],
          stateMachines: {
            thumbs: {
              name: 'thumbnails',
              definition: {
                StartAt: 'Thumb',
                States: {
                  Thumb: {
                    Type: 'Task',
                    Resource: { Ref: 'ThumbnailDashqueueStepFunctionsActivity' },
                    End: true,
                  },
                },
              },
            },
          },
        },
      },
    });
    const r = await deploy(platform.url, spec, []);
    expect(r.status, await r.text()).toBe(200);
    const activityArn = 'arn:aws:states:us-east-1:000000000000:activity:thumbnail-queue';
    expect((await sfn.send(new DescribeActivityCommand({ activityArn }))).name).toBe('thumbnail-queue');
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:thumbnails',
        input: '{"photo":"p.jpg"}',
      }),
    );
    const task = await sfn.send(new GetActivityTaskCommand({ activityArn }));
    expect(task.input).toBe('{"photo":"p.jpg"}');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '"p-thumb.jpg"' }));
    expect((await finished(started.executionArn)).output).toBe('"p-thumb.jpg"');
  });
});
