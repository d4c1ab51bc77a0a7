/**
 * Step Functions through the real platform: a platform on a free port with real function processes
 * (python and node), state machines deployed from a `stepFunctions` section, and the real
 * @aws-sdk/client-sfn. Covers a Lambda pipeline whose validation failure is caught,
 * `.waitForTaskToken` with SendTask*, Express StartSyncExecution, API errors, and an execution
 * waiting in a Wait state and one waiting for a callback surviving a platform restart.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import type { StepFunctionsFacade } from '../../src/services/stepfunctions/facade.js';
import { deploy, fnSpec, serviceSpec, tempDir, zipFiles } from './platform-helpers.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const arnOf = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;

let platform: Platform;
let sfn: SFNClient;
let dir: string;
let cleanup: () => void;

function client(url: string): SFNClient {
  // StartSyncExecution's endpoint carries a `sync-` host prefix; an IP endpoint cannot take one.
  return new SFNClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    disableHostPrefix: true,
  });
}

async function boot(): Promise<void> {
  platform = await startPlatform({ port: 0, dataDir: dir, log: quiet, limits: { idleMs: 30_000 } });
  sfn = client(platform.url);
}

async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

/** Polls DescribeExecution until the execution is no longer RUNNING. */
async function finished(executionArn: string, timeoutMs = 20_000): Promise<DescribeExecutionCommandOutput> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > until) throw new Error(`${executionArn} still RUNNING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
}

/** Polls the history until an event of `type` appears. */
async function waitForEvent(executionArn: string, type: string, timeoutMs = 20_000): Promise<HistoryEvent[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const events = await history(executionArn);
    if (events.some((e) => e.type === type)) return events;
    if (Date.now() > until) throw new Error(`no ${type} in ${executionArn}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const VALIDATE_PY = `
class InvalidReading(Exception):
    pass

def handler(event, context):
    t = event.get("temperature")
    if not isinstance(t, (int, float)):
        raise InvalidReading("temperature must be a number")
    if t < -273.15:
        raise InvalidReading("reading %s is below absolute zero" % t)
    return {"sensorId": event["sensorId"], "temperature": t, "valid": True}
`;

const ENRICH_JS = `
const locations = { s1: { location: 'Lab A', description: 'bench sensor' } };
exports.handler = async (event) => ({ ...event, ...(locations[event.sensorId] ?? { location: 'unknown' }) });
`;

const ACK_JS = `exports.handler = async (event) => ({ received: Boolean(event.token) });`;

const pipeline = {
  Comment: 'processTemperatures',
  StartAt: 'Validate',
  States: {
    Validate: {
      Type: 'Task',
      Resource: { 'Fn::GetAtt': ['validate', 'Arn'] },
      Catch: [{ ErrorEquals: ['InvalidReading'], ResultPath: '$.error', Next: 'Rejected' }],
      Next: 'Enrich',
    },
    Enrich: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: { 'Fn::GetAtt': ['EnrichLambdaFunction', 'Arn'] }, 'Payload.$': '$' },
      ResultSelector: { 'reading.$': '$.Payload', 'status.$': '$.StatusCode' },
      End: true,
    },
    Rejected: { Type: 'Pass', End: true },
  },
};

const approval = {
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: 'pipe-dev-ack',
        Payload: { 'token.$': '$$.Task.Token', 'order.$': '$.order' },
      },
      HeartbeatSeconds: 60,
      ResultPath: '$.approval',
      Catch: [{ ErrorEquals: ['Rejected'], Next: 'Denied' }],
      End: true,
    },
    Denied: { Type: 'Pass', Result: 'denied', End: true },
  },
};

const pause = {
  StartAt: 'Pause',
  States: {
    Pause: { Type: 'Wait', Seconds: 2, Next: 'Done' },
    Done: { Type: 'Pass', Parameters: { 'resumed.$': '$.n' }, End: true },
  },
};

const express = {
  QueryLanguage: 'JSONata',
  StartAt: 'Double',
  States: { Double: { Type: 'Pass', Output: { doubled: '{% $states.input.n * 2 %}' }, End: true } },
};

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.cleanup;
  await boot();
  const validate = await zipFiles({ 'validate.py': VALIDATE_PY });
  const enrich = await zipFiles({ 'enrich.js': ENRICH_JS });
  const ack = await zipFiles({ 'ack.js': ACK_JS });
  const spec = serviceSpec(
    'pipe',
    'dev',
    [
      fnSpec('pipe', 'dev', 'validate', validate, { runtime: 'python3.12', handler: 'validate.handler' }),
      fnSpec('pipe', 'dev', 'enrich', enrich, { handler: 'enrich.handler' }),
      fnSpec('pipe', 'dev', 'ack', ack, { handler: 'ack.handler' }),
    ],
    {
      sections: {
        stepFunctions: {
          stateMachines: {
            processTemperatures: { name: 'processTemperatures', definition: pipeline },
            approval: { name: 'approval', definition: approval },
            pause: { definition: pause },
            double: { name: 'double', type: 'EXPRESS', definition: express },
          },
        },
      },
    },
  );
  const res = await deploy(platform.url, spec, [validate, enrich, ack]);
  expect(res.status, await res.clone().text()).toBe(200);
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await platform?.stop();
  cleanup?.();
});

describe('state machines from a deployment', () => {
  it('are created with the plugin’s names and listed by the API', async () => {
    const list = await sfn.send(new ListStateMachinesCommand({}));
    const names = (list.stateMachines ?? []).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['processTemperatures', 'approval', 'double']));
    expect(names.some((n) => n?.startsWith('PauseStepFunctionsStateMachine-'))).toBe(true);
    expect(list.stateMachines?.find((m) => m.name === 'double')?.type).toBe('EXPRESS');
    const facade = platform.service<StepFunctionsFacade>('stepfunctions');
    expect(await facade.machineArnFor('pipe', 'dev', 'approval')).toBe(arnOf('approval'));
  });
});

describe('a Lambda pipeline (python then node)', () => {
  it('validates and enriches a reading; lambda:invoke yields AWS’s result shape', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arnOf('processTemperatures'),
        input: JSON.stringify({ sensorId: 's1', temperature: 21.5 }),
      }),
    );
    const d = await finished(executionArn as string);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output as string)).toEqual({
      reading: {
        sensorId: 's1',
        temperature: 21.5,
        valid: true,
        location: 'Lab A',
        description: 'bench sensor',
      },
      status: 200,
    });
    const types = (await history(executionArn as string)).map((e) => e.type);
    expect(types).toEqual([
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
  });

  it('catches the python exception by its class name, with the Lambda error JSON as the cause', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arnOf('processTemperatures'),
        input: JSON.stringify({ sensorId: 's1', temperature: -300 }),
      }),
    );
    const d = await finished(executionArn as string);
    expect(d.status).toBe('SUCCEEDED');
    const out = JSON.parse(d.output as string);
    expect(out.error.Error).toBe('InvalidReading');
    expect(JSON.parse(out.error.Cause)).toMatchObject({
      errorType: 'InvalidReading',
      errorMessage: 'reading -300 is below absolute zero',
    });
    const events = await history(executionArn as string);
    const failed = events.find((e) => e.type === 'LambdaFunctionFailed');
    expect(failed?.lambdaFunctionFailedEventDetails?.error).toBe('InvalidReading');
  });
});

describe('.waitForTaskToken', () => {
  async function startApproval(order: string) {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arnOf('approval'), input: JSON.stringify({ order }) }),
    );
    const events = await waitForEvent(executionArn as string, 'TaskSubmitted');
    const scheduled = events.find((e) => e.type === 'TaskScheduled');
    const token = JSON.parse(scheduled?.taskScheduledEventDetails?.parameters as string).Payload
      .token as string;
    return { executionArn: executionArn as string, token, events };
  }

  it('waits for SendTaskSuccess (heartbeats accepted) and uses its output as the task result', async () => {
    const { executionArn, token, events } = await startApproval('o-1');
    const submitted = events.find((e) => e.type === 'TaskSubmitted');
    expect(JSON.parse(submitted?.taskSubmittedEventDetails?.output as string)).toMatchObject({
      Payload: { received: true },
      StatusCode: 200,
    });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }),
    );
    const d = await finished(executionArn);
    expect(JSON.parse(d.output as string)).toEqual({ order: 'o-1', approval: { approved: true } });
    const again = await failure(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(again.name).toBe('TaskDoesNotExist');
  });

  it('fails the task with the error of SendTaskFailure, which Catch handles', async () => {
    const { executionArn, token } = await startApproval('o-2');
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'no budget' }));
    const d = await finished(executionArn);
    expect(d.output).toBe('"denied"');
  });

  it('rejects a malformed token with InvalidToken', async () => {
    const e = await failure(sfn.send(new SendTaskSuccessCommand({ taskToken: 'nope', output: '{}' })));
    expect(e.name).toBe('InvalidToken');
  });
});

describe('the API', () => {
  it('refuses an invalid definition naming the state and field', async () => {
    const e = await failure(
      sfn.send(
        new CreateStateMachineCommand({
          name: 'broken',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
          definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } }),
        }),
      ),
    );
    expect(e.name).toBe('InvalidDefinition');
    expect(e.message).toBe(
      "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next'",
    );
  });

  it('makes StartExecution idempotent by name while running and refuses a reused name after', async () => {
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arnOf('approval'), name: 'same', input: '{"order":"x"}' }),
    );
    const second = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arnOf('approval'), name: 'same', input: '{"order":"x"}' }),
    );
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate?.getTime()).toBe(first.startDate?.getTime());
    const differs = await failure(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: arnOf('approval'),
          name: 'same',
          input: '{"order":"y"}',
        }),
      ),
    );
    expect(differs.name).toBe('ExecutionAlreadyExists');
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn: first.executionArn, error: 'Manual', cause: 'test over' }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Manual', cause: 'test over' });
    const last = (await history(first.executionArn as string)).at(-1);
    expect(last?.type).toBe('ExecutionAborted');
  });

  it('refuses input over 256 KB and input that is not JSON', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(262_144) });
    const e = await failure(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('approval'), input: big })),
    );
    expect(e.name).toBe('ValidationException');
    const bad = await failure(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('approval'), input: '{' })),
    );
    expect(bad.name).toBe('InvalidExecutionInput');
    const missing = await failure(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:approval:none`,
        }),
      ),
    );
    expect(missing.name).toBe('ExecutionDoesNotExist');
    const arn = await failure(sfn.send(new DescribeExecutionCommand({ executionArn: 'not_a_valid_arn' })));
    expect(arn).toMatchObject({
      name: 'InvalidArn',
      message: "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'",
    });
  });

  it('updates, describes, validates and deletes machines; pages history', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/r`;
    const one = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Result: 1, End: true } } });
    const two = JSON.stringify({ StartAt: 'B', States: { B: { Type: 'Pass', Result: 2, End: true } } });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: 'editable', roleArn: role, definition: one }),
    );
    const updated = await sfn.send(new UpdateStateMachineCommand({ stateMachineArn, definition: two }));
    expect(updated.updateDate).toBeInstanceOf(Date);
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(described).toMatchObject({
      name: 'editable',
      status: 'ACTIVE',
      type: 'STANDARD',
      definition: two,
      roleArn: role,
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
    expect((await finished(executionArn as string)).output).toBe('2');
    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));
    expect(first.events?.map((e) => e.id)).toEqual([1, 2]);
    const rest = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 2, nextToken: first.nextToken }),
    );
    expect(rest.events?.map((e) => e.id)).toEqual([3, 4]);
    expect(rest.nextToken).toBeUndefined();
    const noData = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );
    expect(noData.events?.[0].executionStartedEventDetails?.input).toBeUndefined();
    const check = await sfn.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Z' } } }),
      }),
    );
    expect(check.result).toBe('FAIL');
    expect(check.diagnostics?.[0]).toMatchObject({
      code: 'MISSING_TRANSITION_TARGET',
      location: '/States/A/Next',
    });
    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn }));
    const gone = await failure(sfn.send(new DescribeStateMachineCommand({ stateMachineArn })));
    expect(gone.name).toBe('StateMachineDoesNotExist');
  });

  it('runs an Express machine with StartSyncExecution and refuses it for Standard', async () => {
    const r = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: arnOf('double'), input: '{"n":21}' }),
    );
    expect(r.status).toBe('SUCCEEDED');
    expect(JSON.parse(r.output as string)).toEqual({ doubled: 42 });
    expect(r.executionArn).toMatch(new RegExp(`^arn:aws:states:${REGION}:${ACCOUNT}:express:double:`));
    const e = await failure(
      sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arnOf('approval'), input: '{}' })),
    );
    expect(e.name).toBe('StateMachineTypeNotSupported');
  });
});

describe('the AWS CLI', () => {
  const aws = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(
      'aws',
      ['stepfunctions', ...args, '--endpoint-url', platform.url],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: REGION,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );
    return JSON.parse(stdout);
  };

  it('starts an execution and reads its history unchanged', async () => {
    const started = await aws(
      'start-execution',
      '--state-machine-arn',
      arnOf('processTemperatures'),
      '--input',
      '{"sensorId":"s1","temperature":5}',
    );
    expect(started.executionArn).toMatch(/:execution:processTemperatures:/);
    const d = await finished(started.executionArn);
    expect(d.status).toBe('SUCCEEDED');
    const h = await aws('get-execution-history', '--execution-arn', started.executionArn, '--reverse-order');
    expect(h.events[0].type).toBe('ExecutionSucceeded');
    expect(h.events.at(-1)).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
  });
});

describe('service integrations', () => {
  it('publishes with sns:publish, sends with sqs:sendMessage and runs a child with states:startExecution.sync:2', async () => {
    const options = {
      endpoint: platform.url,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    const sqs = new SQSClient(options);
    const sns = new SNSClient(options);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'sfn-out' }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'sfn-topic' }));
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: Attributes?.QueueArn,
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
      const role = `arn:aws:iam::${ACCOUNT}:role/r`;
      const child = await sfn.send(
        new CreateStateMachineCommand({
          name: 'child',
          roleArn: role,
          definition: JSON.stringify({
            StartAt: 'Echo',
            States: { Echo: { Type: 'Pass', Parameters: { 'got.$': '$.n' }, End: true } },
          }),
        }),
      );
      const parent = await sfn.send(
        new CreateStateMachineCommand({
          name: 'parent',
          roleArn: role,
          definition: JSON.stringify({
            StartAt: 'Publish',
            States: {
              Publish: {
                Type: 'Task',
                Resource: 'arn:aws:states:::sns:publish',
                Parameters: { TopicArn, Message: { 'published.$': '$.n' } },
                ResultPath: '$.published',
                Next: 'Send',
              },
              Send: {
                Type: 'Task',
                Resource: 'arn:aws:states:::sqs:sendMessage',
                Parameters: { QueueUrl, MessageBody: { 'n.$': '$.n' } },
                ResultPath: '$.sent',
                Next: 'Child',
              },
              Child: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution.sync:2',
                Parameters: { StateMachineArn: child.stateMachineArn, Input: { 'n.$': '$.n' } },
                ResultSelector: { 'output.$': '$.Output', 'status.$': '$.Status' },
                ResultPath: '$.child',
                End: true,
              },
            },
          }),
        }),
      );
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: parent.stateMachineArn, input: '{"n":5}' }),
      );
      const d = await finished(executionArn as string);
      expect(d.status).toBe('SUCCEEDED');
      const out = JSON.parse(d.output as string);
      expect(out.published).toMatchObject({ MessageId: expect.any(String) });
      expect(out.sent).toMatchObject({ MD5OfMessageBody: expect.any(String), MessageId: expect.any(String) });
      expect(out.child).toEqual({ output: { got: 5 }, status: 'SUCCEEDED' });
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      );
      const bodies = (received.Messages ?? []).map((m) => JSON.parse(m.Body as string));
      expect(bodies).toEqual(expect.arrayContaining([{ published: 5 }, { n: 5 }]));
      expect(bodies).toHaveLength(2);
      const types = (await history(executionArn as string)).map((e) => e.type);
      expect(types).toContain('TaskSubmitted');
    } finally {
      sqs.destroy();
      sns.destroy();
    }
  });
});

describe('Map ItemReader over S3', () => {
  it('reads CSV rows from an object and lists objects, batching the rows', async () => {
    const s3 = new S3Client({
      endpoint: platform.url,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'readings' }));
      const csv = 'sensor,temp\ns1,21.5\ns2,19\ns3,"-4"\n';
      await s3.send(new PutObjectCommand({ Bucket: 'readings', Key: 'in/day1.csv', Body: csv }));
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name: 'csv-map',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
          definition: JSON.stringify({
            StartAt: 'Rows',
            States: {
              Rows: {
                Type: 'Map',
                ItemReader: {
                  Resource: 'arn:aws:states:::s3:getObject',
                  ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
                  Parameters: { Bucket: 'readings', 'Key.$': '$.key' },
                },
                ItemBatcher: { MaxItemsPerBatch: 2 },
                ItemProcessor: {
                  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
                  StartAt: 'Count',
                  States: {
                    Count: { Type: 'Pass', Parameters: { 'n.$': 'States.ArrayLength($.Items)' }, End: true },
                  },
                },
                ResultPath: '$.batches',
                Next: 'Objects',
              },
              Objects: {
                Type: 'Map',
                ItemReader: {
                  Resource: 'arn:aws:states:::s3:listObjectsV2',
                  Parameters: { Bucket: 'readings', Prefix: 'in/' },
                },
                ItemSelector: { 'key.$': '$$.Map.Item.Value.Key', 'size.$': '$$.Map.Item.Value.Size' },
                ItemProcessor: { StartAt: 'Id', States: { Id: { Type: 'Pass', End: true } } },
                ResultPath: '$.objects',
                End: true,
              },
            },
          }),
        }),
      );
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: '{"key":"in/day1.csv"}' }),
      );
      const d = await finished(executionArn as string);
      expect(d.status, d.cause).toBe('SUCCEEDED');
      const out = JSON.parse(d.output as string);
      expect(out.batches).toEqual([{ n: 2 }, { n: 1 }]);
      expect(out.objects).toEqual([{ key: 'in/day1.csv', size: Buffer.byteLength(csv) }]);
      const missing = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: '{"key":"in/none.csv"}' }),
      );
      const failed = await finished(missing.executionArn as string);
      expect(failed.error).toBe('States.ItemReaderFailed');
    } finally {
      s3.destroy();
    }
  });
});

describe('durability across a platform restart', () => {
  it('resumes an execution waiting in a Wait state and one waiting for a callback', async () => {
    const pauseArn = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.find((m) =>
      m.name?.startsWith('PauseStepFunctionsStateMachine-'),
    )?.stateMachineArn as string;
    const waiting = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: pauseArn, input: '{"n":7}' }),
    );
    await waitForEvent(waiting.executionArn as string, 'WaitStateEntered');
    const { executionArn: callbackArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arnOf('approval'), input: '{"order":"durable"}' }),
    );
    const events = await waitForEvent(callbackArn as string, 'TaskSubmitted');
    const token = JSON.parse(
      events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails?.parameters as string,
    ).Payload.token as string;

    sfn.destroy();
    await platform.stop();
    await boot();

    const d = await finished(waiting.executionArn as string);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output as string)).toEqual({ resumed: 7 });
    const h = await history(waiting.executionArn as string);
    expect(h.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(h.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.map((e) => e.previousEventId)).toEqual([0, 1, 2, 3, 4, 5]);

    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: callbackArn }))).status).toBe(
      'RUNNING',
    );
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"late":true}' }));
    const c = await finished(callbackArn as string);
    expect(JSON.parse(c.output as string)).toEqual({ order: 'durable', approval: { late: true } });
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: pauseArn }));
    expect(listed.executions?.[0]).toMatchObject({
      status: 'SUCCEEDED',
      name: waiting.executionArn?.split(':').pop(),
    });
  }, 60_000);
});
