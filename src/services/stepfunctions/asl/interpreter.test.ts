import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.js';
import { StatesError } from './errors.js';
import { Execution } from './interpreter.js';
import type { Checkpoint, HistoryEvent, TaskCall, TaskPort } from './ports.js';
import type { Json, StateMachineDefinition } from './types.js';

const INFO = {
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:sm:e1',
  name: 'e1',
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:sm',
  stateMachineName: 'sm',
  roleArn: 'arn:aws:iam::000000000000:role/r',
};

interface Harness {
  clock: ManualClock;
  events: HistoryEvent[];
  calls: Array<{ at: number; call: TaskCall }>;
  checkpoints: Checkpoint[];
  callbacks: Map<string, { resolve(v: Json): void; reject(e: unknown): void; heartbeat(): void }>;
  exec: Execution;
}

function harness(
  definition: StateMachineDefinition,
  input: Json,
  handler: (call: TaskCall, n: number) => Promise<Json> | Json = (c) => c.input,
): Harness {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = { clock, events: [], calls: [], checkpoints: [], callbacks: new Map() } as unknown as Harness;
  let n = 0;
  const tasks: TaskPort = {
    invoke: async (call) => {
      h.calls.push({ at: clock.now(), call });
      return handler(call, n++);
    },
    awaitCallback: (token, opts) =>
      new Promise((resolve, reject) => {
        h.callbacks.set(token, { resolve, reject, heartbeat: opts.onHeartbeat });
      }),
    newTaskToken: () => `token-${n}`,
  };
  h.exec = new Execution(
    definition,
    { ...INFO, startTime: clock.now(), input },
    {
      clock,
      region: 'us-east-1',
      tasks,
      onEvent: (e) => h.events.push(e),
      checkpoint: async (cp) => {
        h.checkpoints.push(structuredClone(cp));
      },
    },
  );
  return h;
}

/** Lets promise chains settle without moving time. */
const settle = () => new Promise<void>((r) => setImmediate(r));

const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('history', () => {
  it('numbers events from 1 and chains previousEventId like AWS (first state previous 0)', async () => {
    const h = harness(
      { StartAt: 'P', States: { P: { Type: 'Pass', Result: { a: 1 }, End: true } } },
      { x: 1 },
    );
    const out = await h.exec.run();
    expect(out).toEqual({ status: 'SUCCEEDED', output: { a: 1 } });
    expect(h.events.map((e) => [e.id, e.previousEventId, e.type])).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'PassStateEntered'],
      [3, 2, 'PassStateExited'],
      [4, 3, 'ExecutionSucceeded'],
    ]);
    expect(h.events[1].stateEnteredEventDetails).toEqual({
      name: 'P',
      input: '{"x":1}',
      inputDetails: { truncated: false },
    });
  });

  it('records Lambda ARN tasks as LambdaFunction* events and lambda:invoke as Task* events', async () => {
    const h = harness(
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Task', Resource: LAMBDA, Next: 'B' },
          B: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'f' },
            End: true,
          },
        },
      },
      {},
    );
    await h.exec.run();
    expect(h.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(h.events[7].taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
      parameters: '{"FunctionName":"f"}',
    });
  });
});

describe('Retry and Catch', () => {
  it('retries with IntervalSeconds × BackoffRate^n capped by MaxDelaySeconds, on the clock', async () => {
    const h = harness(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: LAMBDA,
            Retry: [
              {
                ErrorEquals: ['Flaky'],
                IntervalSeconds: 3,
                BackoffRate: 2,
                MaxDelaySeconds: 4,
                MaxAttempts: 3,
              },
            ],
            End: true,
          },
        },
      },
      {},
      (_c, n) => {
        if (n < 3) throw new StatesError('Flaky', `attempt ${n}`);
        return { ok: n };
      },
    );
    const start = h.clock.now();
    const done = h.exec.run();
    for (let i = 0; i < 20; i++) {
      await settle();
      await h.clock.advance(1000);
    }
    expect(await done).toEqual({ status: 'SUCCEEDED', output: { ok: 3 } });
    expect(h.calls.map((c) => (c.at - start) / 1000)).toEqual([0, 3, 7, 11]);
  });

  it('stops retrying when the matching retrier is exhausted and goes to Catch with ResultPath', async () => {
    const h = harness(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: LAMBDA,
            Retry: [
              { ErrorEquals: ['Boom'], MaxAttempts: 1, IntervalSeconds: 1 },
              { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
            ],
            Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Handled' }],
            End: true,
          },
          Handled: { Type: 'Pass', End: true },
        },
      },
      { keep: true },
      () => {
        throw new StatesError('Boom', 'went wrong');
      },
    );
    const done = h.exec.run();
    for (let i = 0; i < 5; i++) {
      await settle();
      await h.clock.advance(1000);
    }
    expect(await done).toEqual({
      status: 'SUCCEEDED',
      output: { keep: true, error: { Error: 'Boom', Cause: 'went wrong' } },
    });
    expect(h.calls).toHaveLength(2);
  });

  it('never catches States.Runtime', async () => {
    const h = harness(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: LAMBDA,
            OutputPath: '$.missing',
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'C' }],
            End: true,
          },
          C: { Type: 'Pass', End: true },
        },
      },
      {},
    );
    const out = await h.exec.run();
    expect(out.status).toBe('FAILED');
    expect(out.error).toBe('States.Runtime');
    expect(out.cause).toBe(
      "An error occurred while executing the state 'T' (entered at the event id #2). Invalid path '$.missing' : No results for path: $['missing']",
    );
  });
});

describe('timeouts and callbacks', () => {
  it('fails a task that runs past TimeoutSeconds with States.Timeout', async () => {
    const h = harness(
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: LAMBDA, TimeoutSeconds: 5, End: true } } },
      {},
      () => new Promise(() => {}),
    );
    const done = h.exec.run();
    await settle();
    await h.clock.advance(5000);
    expect(await done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(h.events.map((e) => e.type)).toContain('LambdaFunctionTimedOut');
  });

  it('waits for SendTaskSuccess on a .waitForTaskToken task, with the token in the context object', async () => {
    const h = harness(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
            Parameters: { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token' } },
            End: true,
          },
        },
      },
      {},
      () => ({ MessageId: 'm' }),
    );
    const done = h.exec.run();
    await settle();
    await settle();
    const token = (h.calls[0].call.input as { MessageBody: { token: string } }).MessageBody.token;
    expect(h.callbacks.has(token)).toBe(true);
    expect(h.checkpoints.at(-1)).toMatchObject({ kind: 'callback', state: 'T', token });
    h.callbacks.get(token)?.resolve({ approved: true });
    expect(await done).toEqual({ status: 'SUCCEEDED', output: { approved: true } });
    expect(h.events.map((e) => e.type)).toContain('TaskSubmitted');
  });

  it('times out a callback whose heartbeats stop, and heartbeats keep it alive', async () => {
    const h = harness(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            HeartbeatSeconds: 10,
            Parameters: { FunctionName: 'f', Payload: { 't.$': '$$.Task.Token' } },
            Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], Next: 'Late' }],
            End: true,
          },
          Late: { Type: 'Pass', Result: 'late', End: true },
        },
      },
      {},
      () => ({}),
    );
    const done = h.exec.run();
    await settle();
    await settle();
    const [entry] = [...h.callbacks.values()];
    await h.clock.advance(8000);
    entry.heartbeat();
    await h.clock.advance(8000);
    expect(h.events.map((e) => e.type)).not.toContain('TaskTimedOut');
    await h.clock.advance(3000);
    expect(await done).toEqual({ status: 'SUCCEEDED', output: 'late' });
    expect(h.events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({
      error: 'States.Timeout',
    });
  });

  it('fails the execution with States.Timeout after the machine TimeoutSeconds', async () => {
    const h = harness(
      { TimeoutSeconds: 2, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } },
      {},
    );
    const done = h.exec.run();
    await settle();
    await h.clock.advance(2000);
    expect(await done).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(h.events.at(-1)?.type).toBe('ExecutionTimedOut');
  });
});

describe('durability', () => {
  it('checkpoints a Wait with its deadline and resumes from it without re-entering the state', async () => {
    const def: StateMachineDefinition = {
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', Seconds: 30, Next: 'P' },
        P: { Type: 'Pass', Result: 'after', End: true },
      },
    };
    const first = harness(def, { n: 1 });
    void first.exec.run();
    await settle();
    await settle();
    const cp = first.checkpoints.at(-1) as Checkpoint;
    expect(cp).toMatchObject({ kind: 'wait', state: 'W', until: Date.UTC(2026, 0, 1) + 30_000 });
    first.exec.stop();

    const second = harness(def, { n: 1 });
    const done = second.exec.run(cp);
    await settle();
    await second.clock.advance(29_000);
    expect(second.events.map((e) => e.type)).toEqual([]);
    await second.clock.advance(1000);
    expect(await done).toEqual({ status: 'SUCCEEDED', output: 'after' });
    expect(second.events.map((e) => [e.id, e.type])).toEqual([
      [3, 'WaitStateExited'],
      [4, 'PassStateEntered'],
      [5, 'PassStateExited'],
      [6, 'ExecutionSucceeded'],
    ]);
  });

  it('stops cleanly with ABORTED', async () => {
    const h = harness({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 30, End: true } } }, {});
    const done = h.exec.run();
    await settle();
    h.exec.stop();
    expect(await done).toEqual({ status: 'ABORTED' });
    expect(h.events.at(-1)?.type).toBe('ExecutionAborted');
  });
});

describe('Map and Parallel', () => {
  it('runs Map iterations with MaxConcurrency and keeps item order', async () => {
    let running = 0;
    let peak = 0;
    const h = harness(
      {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            MaxConcurrency: 2,
            ItemSelector: { 'v.$': '$$.Map.Item.Value', 'i.$': '$$.Map.Item.Index' },
            ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: LAMBDA, End: true } } },
            End: true,
          },
        },
      },
      ['a', 'b', 'c', 'd'],
      async (c) => {
        running++;
        peak = Math.max(peak, running);
        await settle();
        running--;
        return c.input;
      },
    );
    const out = await h.exec.run();
    expect(out.output).toEqual([
      { v: 'a', i: 0 },
      { v: 'b', i: 1 },
      { v: 'c', i: 2 },
      { v: 'd', i: 3 },
    ]);
    expect(peak).toBe(2);
  });

  it('batches items with ItemBatcher (MaxItemsPerBatch, BatchInput)', async () => {
    const h = harness(
      {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'source.$': '$.source' } },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'P',
              States: { P: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      },
      { items: [1, 2, 3], source: 'csv' },
    );
    expect((await h.exec.run()).output).toEqual([
      { BatchInput: { source: 'csv' }, Items: [1, 2] },
      { BatchInput: { source: 'csv' }, Items: [3] },
    ]);
  });

  it('fails a Parallel with the failing branch’s own error name', async () => {
    const h = harness(
      {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 100, End: true } } },
              { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'BranchBroke', Cause: 'because' } } },
            ],
            End: true,
          },
        },
      },
      {},
    );
    expect(await h.exec.run()).toEqual({ status: 'FAILED', error: 'BranchBroke', cause: 'because' });
  });
});

describe('JSONata', () => {
  it('has no $eval, as on AWS', async () => {
    const h = harness(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', Output: '{% $eval("1 + 1") %}', End: true } },
      },
      {},
    );
    expect(await h.exec.run()).toEqual({
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause:
        "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '$eval(\"1 + 1\")' specified for the field 'Output' threw an error during evaluation. T1006: Attempted to invoke a non-function",
    });
  });

  it('evaluates Arguments, Output and Assign with $states and variables as of state entry', async () => {
    const h = harness(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { x: 1 }, Next: 'B' },
          B: { Type: 'Pass', Assign: { x: '{% $x + 1 %}', old: '{% $x %}' }, Next: 'C' },
          C: {
            Type: 'Task',
            Resource: LAMBDA,
            Arguments: { sum: '{% $x + $old %}', who: '{% $states.input.name %}' },
            Output: '{% $merge([$states.result, {"hash": $hash("a", "MD5")}]) %}',
            End: true,
          },
        },
      },
      { name: 'ada' },
    );
    expect(await h.exec.run()).toEqual({
      status: 'SUCCEEDED',
      output: { sum: 3, who: 'ada', hash: '0cc175b9c0f1b6a831c399e269772661' },
    });
  });
});
