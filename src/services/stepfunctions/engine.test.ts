import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
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
  const d = mkdtempSync(path.join(tmpdir(), 'sfn-engine-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const settle = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

const callbackMachine = JSON.stringify({
  StartAt: 'Wait',
  States: {
    Wait: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:noop:call.waitForTaskToken',
      End: true,
    },
  },
});

describe('StepFunctionsEngine', () => {
  it('refuses bad definitions with InvalidDefinition and bad names with InvalidName', async () => {
    const { engine, store } = open(freshDir(), new ManualClock());
    await expect(
      engine.createStateMachine({ name: 'x', roleArn: ROLE, definition: '{"StartAt":"A","States":{}}' }),
    ).rejects.toMatchObject({ code: 'InvalidDefinition' });
    await expect(
      engine.createStateMachine({
        name: 'bad name',
        roleArn: ROLE,
        definition: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}',
      }),
    ).rejects.toMatchObject({ code: 'InvalidName' });
    await expect(
      engine.createStateMachine({
        name: 'fast',
        type: 'EXPRESS',
        roleArn: ROLE,
        definition: callbackMachine,
      }),
    ).rejects.toMatchObject({
      code: 'InvalidDefinition',
      message: expect.stringContaining(
        "Express state machine does not support 'call.waitForTaskToken' at /States/Wait/Resource",
      ),
    });
    await store.close();
  });

  it('resumes a Standard execution after a restart and finishes its Wait on time', async () => {
    const dir = freshDir();
    const clock = new ManualClock();
    const first = open(dir, clock);
    const sm = await first.engine.createStateMachine({
      name: 'waiter',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'W',
        States: {
          W: { Type: 'Wait', Seconds: 60, Next: 'P' },
          P: { Type: 'Pass', Result: 'done', End: true },
        },
      }),
    });
    const started = await first.engine.startExecution({ stateMachineArn: sm.stateMachineArn, name: 'e1' });
    await settle();
    await first.engine.shutdown();
    await first.store.close();

    await clock.advance(30_000);
    const second = open(dir, clock);
    expect(await second.engine.resumeAll()).toBe(1);
    await settle();
    expect((await second.engine.getExecution(started.executionArn)).status).toBe('RUNNING');
    await clock.advance(30_000);
    await settle();
    const done = await second.engine.getExecution(started.executionArn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '"done"', stopDate: clock.now() });
    const history = await second.engine.getHistory(started.executionArn);
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    await second.store.close();
  });

  it('fails an unsupported integration with States.Runtime instead of crashing', async () => {
    const { engine, store } = open(freshDir(), new ManualClock());
    const sm = await engine.createStateMachine({ name: 'cb', roleArn: ROLE, definition: callbackMachine });
    const started = await engine.startExecution({ stateMachineArn: sm.stateMachineArn });
    await settle();
    expect(await engine.getExecution(started.executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
    });
    await store.close();
  });

  it('keeps a SendTaskSuccess that arrives across a restart before the task waits again', async () => {
    const dir = freshDir();
    const clock = new ManualClock();
    const lambda = {
      invoke: async () => ({
        statusCode: 200,
        payload: Buffer.from('{}'),
        executedVersion: '$LATEST',
        requestId: 'r',
      }),
      getFunction: async () => undefined,
      functionArn: (n: string) => `arn:aws:lambda:us-east-1:000000000000:function:${n}`,
    };
    const first = open(dir, clock);
    first.engine.setIntegrations({ lambda });
    const sm = await first.engine.createStateMachine({
      name: 'approve',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Ask',
        States: {
          Ask: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
            End: true,
          },
        },
      }),
    });
    const started = await first.engine.startExecution({ stateMachineArn: sm.stateMachineArn });
    await settle(10);
    const scheduled = (await first.engine.getHistory(started.executionArn)).find(
      (e) => e.type === 'TaskScheduled',
    );
    const details = scheduled?.taskScheduledEventDetails as { parameters: string } | undefined;
    const token = JSON.parse(details?.parameters ?? '{}').Payload.token;
    await first.engine.shutdown();
    await first.store.close();

    const second = open(dir, clock);
    second.engine.setIntegrations({ lambda });
    await second.engine.sendTaskSuccess(token, '{"ok":true}');
    await second.engine.resumeAll();
    await settle(10);
    expect(await second.engine.getExecution(started.executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"ok":true}',
    });
    await expect(second.engine.sendTaskSuccess(token, '{}')).rejects.toMatchObject({
      code: 'TaskDoesNotExist',
    });
    await second.store.close();
  });

  it('invokes a Lambda task again when the platform stopped while it ran (at least once), then finishes', async () => {
    const dir = freshDir();
    const clock = new ManualClock();
    const calls: string[] = [];
    const lambda = (answer: boolean) => ({
      invoke: async (req: { functionName: string; payload: Buffer | string }) => {
        calls.push(req.functionName);
        if (!answer) return new Promise<never>(() => {});
        return {
          statusCode: 200,
          payload: Buffer.from(String(req.payload)),
          executedVersion: '$LATEST',
          requestId: 'r',
        };
      },
      getFunction: async () => undefined,
      functionArn: (n: string) => `arn:aws:lambda:us-east-1:000000000000:function:${n}`,
    });
    const first = open(dir, clock);
    first.engine.setIntegrations({ lambda: lambda(false) });
    const sm = await first.engine.createStateMachine({
      name: 'task',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:slow', End: true },
        },
      }),
    });
    const started = await first.engine.startExecution({
      stateMachineArn: sm.stateMachineArn,
      input: '{"k":1}',
    });
    await settle(10);
    expect(calls).toHaveLength(1);
    await first.engine.shutdown();
    await first.store.close();

    const second = open(dir, clock);
    second.engine.setIntegrations({ lambda: lambda(true) });
    await second.engine.resumeAll();
    const done = await second.engine.waitForClose(started.executionArn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"k":1}' });
    expect(calls).toHaveLength(2);
    const events = await second.engine.getHistory(started.executionArn);
    expect(events.map((e) => [e.id, e.type])).toEqual([
      [1, 'ExecutionStarted'],
      [2, 'TaskStateEntered'],
      [3, 'LambdaFunctionScheduled'],
      [4, 'LambdaFunctionStarted'],
      [5, 'LambdaFunctionSucceeded'],
      [6, 'TaskStateExited'],
      [7, 'ExecutionSucceeded'],
    ]);
    await second.store.close();
  });

  it('returns the original execution for a repeated name while running, and refuses it once closed', async () => {
    const clock = new ManualClock();
    const { engine, store } = open(freshDir(), clock);
    const sm = await engine.createStateMachine({
      name: 'w',
      roleArn: ROLE,
      definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 5, End: true } } }),
    });
    const a = await engine.startExecution({
      stateMachineArn: sm.stateMachineArn,
      name: 'n',
      input: '{"x":1}',
    });
    const b = await engine.startExecution({
      stateMachineArn: sm.stateMachineArn,
      name: 'n',
      input: '{"x":1}',
    });
    expect(b.executionArn).toBe(a.executionArn);
    await settle();
    await clock.advance(5000);
    await settle();
    await expect(
      engine.startExecution({ stateMachineArn: sm.stateMachineArn, name: 'n', input: '{"x":1}' }),
    ).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
    await store.close();
  });
});
