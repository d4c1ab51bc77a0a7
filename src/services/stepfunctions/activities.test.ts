import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { ACTIVITY_POLL_MS } from './activities.js';
import { StepFunctionsEngine } from './engine.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const ROLE = 'arn:aws:iam::000000000000:role/r';
const dirs: string[] = [];

function open(dir: string, clock: ManualClock) {
  const store = new SqliteStore(dir);
  const engine = new StepFunctionsEngine(store, clock, 'us-east-1', quiet);
  engine.setIntegrations({});
  return { store, engine };
}

function freshDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sfn-activities-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const settle = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

const never = new AbortController().signal;

/** A machine whose Work state runs the activity; failures are caught into Caught. */
function activityMachine(activityArn: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: activityArn,
        ...extra,
        Catch: [{ ErrorEquals: ['Custom.Bad'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  });
}

async function setup(clock = new ManualClock(), dir = freshDir(), extra: Record<string, unknown> = {}) {
  const opened = open(dir, clock);
  const activity = await opened.engine.activities.create('us-east-1', 'worker-queue');
  const sm = await opened.engine.createStateMachine({
    name: 'uses-activity',
    roleArn: ROLE,
    definition: activityMachine(activity.activityArn, extra),
  });
  return { ...opened, clock, dir, activity, sm };
}

describe('Step Functions activities', () => {
  it('creates, describes, lists and deletes activities with AWS ARNs and errors', async () => {
    const { engine, store } = open(freshDir(), new ManualClock());
    const a = await engine.activities.create('us-east-1', 'resize');
    expect(a.activityArn).toBe('arn:aws:states:us-east-1:000000000000:activity:resize');
    expect(await engine.activities.create('us-east-1', 'resize')).toEqual(a);
    await engine.activities.create('us-east-1', 'another');
    expect((await engine.activities.list()).map((x) => x.name)).toEqual(['another', 'resize']);
    expect(await engine.activities.describe(a.activityArn)).toEqual(a);
    await expect(engine.activities.create('us-east-1', 'bad name')).rejects.toMatchObject({
      code: 'InvalidName',
    });
    await expect(
      engine.activities.describe('arn:aws:states:us-east-1:000000000000:stateMachine:x'),
    ).rejects.toMatchObject({ code: 'InvalidArn' });
    await engine.activities.delete(a.activityArn);
    await expect(engine.activities.describe(a.activityArn)).rejects.toMatchObject({
      code: 'ActivityDoesNotExist',
    });
    await expect(engine.getActivityTask(a.activityArn, undefined, never)).rejects.toMatchObject({
      code: 'ActivityDoesNotExist',
    });
    await store.close();
  });

  it('hands a task to a waiting worker and finishes the state with SendTaskSuccess', async () => {
    const { engine, store, activity, sm } = await setup(undefined, undefined, { TimeoutSeconds: 300 });
    const poll = engine.getActivityTask(activity.activityArn, 'worker-1', never);
    const started = await engine.startExecution({
      stateMachineArn: sm.stateMachineArn,
      input: '{"n":7}',
    });
    const task = await poll;
    expect(task.input).toBe('{"n":7}');
    await settle();
    await engine.sendTaskSuccess(task.taskToken, '{"done":true}');
    const closed = await engine.waitForClose(started.executionArn);
    expect(closed).toMatchObject({ status: 'SUCCEEDED', output: '{"done":true}' });
    const history = await engine.getHistory(started.executionArn);
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(history[2].activityScheduledEventDetails).toEqual({
      resource: activity.activityArn,
      input: '{"n":7}',
      inputDetails: { truncated: false },
      timeoutInSeconds: 300,
    });
    expect(history[3].activityStartedEventDetails).toEqual({ workerName: 'worker-1' });
    // A token is good once: the task is gone.
    await expect(engine.sendTaskSuccess(task.taskToken, '{}')).rejects.toMatchObject({
      code: 'TaskDoesNotExist',
    });
    await store.close();
  });

  it('answers a long poll with no token after 60 seconds', async () => {
    const { engine, store, activity, clock } = await setup();
    const poll = engine.getActivityTask(activity.activityArn, undefined, never);
    await settle();
    await clock.advance(ACTIVITY_POLL_MS - 1);
    let answered = false;
    void poll.then(() => {
      answered = true;
    });
    await settle();
    expect(answered).toBe(false);
    await clock.advance(1);
    expect(await poll).toEqual({});
    await store.close();
  });

  it('routes SendTaskFailure to Catch with an ActivityFailed event', async () => {
    const { engine, store, activity, sm } = await setup();
    const started = await engine.startExecution({ stateMachineArn: sm.stateMachineArn, input: '{}' });
    await settle();
    const task = await engine.getActivityTask(activity.activityArn, undefined, never);
    await engine.sendTaskFailure(task.taskToken, 'Custom.Bad', 'it broke');
    const closed = await engine.waitForClose(started.executionArn);
    expect(JSON.parse(closed.output ?? '')).toEqual({ error: { Error: 'Custom.Bad', Cause: 'it broke' } });
    const failed = (await engine.getHistory(started.executionArn)).find((e) => e.type === 'ActivityFailed');
    expect(failed?.activityFailedEventDetails).toEqual({ error: 'Custom.Bad', cause: 'it broke' });
    await store.close();
  });

  it('times out a task whose worker stops heartbeating, and drops it from the queue', async () => {
    const { engine, store, activity, sm, clock } = await setup(undefined, undefined, {
      HeartbeatSeconds: 10,
      TimeoutSeconds: 100,
    });
    const started = await engine.startExecution({ stateMachineArn: sm.stateMachineArn, input: '{}' });
    await settle();
    const task = await engine.getActivityTask(activity.activityArn, undefined, never);
    await clock.advance(8_000);
    await engine.sendTaskHeartbeat(task.taskToken);
    await clock.advance(8_000);
    await settle();
    expect((await engine.getExecution(started.executionArn)).status).toBe('RUNNING');
    await clock.advance(2_000);
    const closed = await engine.waitForClose(started.executionArn);
    expect(closed).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const types = (await engine.getHistory(started.executionArn)).map((e) => e.type);
    expect(types).toContain('ActivityTimedOut');
    await expect(engine.sendTaskSuccess(task.taskToken, '{}')).rejects.toMatchObject({
      code: 'TaskDoesNotExist',
    });
    await store.close();
  });

  it('keeps tasks across a restart: a taken task completes with its token, an untaken one is handed out', async () => {
    const clock = new ManualClock();
    const dir = freshDir();
    const first = await setup(clock, dir);
    const e1 = await first.engine.startExecution({
      stateMachineArn: first.sm.stateMachineArn,
      input: '{"i":1}',
    });
    const e2 = await first.engine.startExecution({
      stateMachineArn: first.sm.stateMachineArn,
      input: '{"i":2}',
    });
    await settle();
    const taken = await first.engine.getActivityTask(first.activity.activityArn, 'w', never);
    expect(taken.input).toBe('{"i":1}');
    await first.engine.shutdown();
    await first.store.close();

    const second = open(dir, clock);
    expect(await second.engine.resumeAll()).toBe(2);
    await settle();
    await second.engine.sendTaskSuccess(taken.taskToken, '"one"');
    expect(await second.engine.waitForClose(e1.executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '"one"',
    });
    const next = await second.engine.getActivityTask(first.activity.activityArn, 'w', never);
    expect(next.input).toBe('{"i":2}');
    await second.engine.sendTaskSuccess(next.taskToken, '"two"');
    expect(await second.engine.waitForClose(e2.executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '"two"',
    });
    await second.store.close();
  });

  it('lets Catch name States.HeartbeatTimeout for a missed heartbeat (AWS reports States.Timeout)', async () => {
    const clock = new ManualClock();
    const { engine, store } = open(freshDir(), clock);
    const activity = await engine.activities.create('us-east-1', 'slow');
    const sm = await engine.createStateMachine({
      name: 'catches-heartbeat',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: activity.activityArn,
            HeartbeatSeconds: 5,
            Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], Next: 'GaveUp' }],
            End: true,
          },
          GaveUp: { Type: 'Pass', Result: 'gave up', End: true },
        },
      }),
    });
    const started = await engine.startExecution({ stateMachineArn: sm.stateMachineArn, input: '{}' });
    await settle();
    await engine.getActivityTask(activity.activityArn, undefined, never);
    await clock.advance(5_000);
    expect(await engine.waitForClose(started.executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '"gave up"',
    });
    const timedOut = (await engine.getHistory(started.executionArn)).find(
      (e) => e.type === 'ActivityTimedOut',
    );
    expect(timedOut?.activityTimedOutEventDetails).toEqual({ error: 'States.Timeout' });
    await store.close();
  });
});
