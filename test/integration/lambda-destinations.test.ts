/**
 * Asynchronous invocation destinations and dead letters end to end: a serverless.yml service
 * deployed with the real CLI (destinations to a function of the service and to an SQS queue given
 * by Fn::GetAtt, maximumRetryAttempts, onError to an SNS topic), a real Node.js handler that throws
 * for some events, Event invokes through @aws-sdk/client-lambda, and AWS's invocation records and
 * dead-letter messages read back with @aws-sdk/client-sqs. Retries run on a ManualClock, so the
 * minute between attempts passes without waiting; then the event-invoke-config operations.
 */
import {
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeCommand,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { type Lab, startLab } from './lifecycle-support.js';
import { TEST_CREDENTIALS } from './platform-helpers.js';

const clock = new ManualClock(Date.parse('2026-03-01T08:00:00Z'));
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
let lab: Lab;
let sqs: SQSClient;
const urls: Record<string, string> = {};

const SERVERLESS_YML = `
service: dest
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  # Long enough that the manual clock, stepped while a handler runs, never times it out.
  timeout: 300
functions:
  worker:
    handler: worker.handler
    maximumRetryAttempts: 1
    destinations:
      onSuccess: audit
      onFailure:
        type: sqs
        arn:
          Fn::GetAtt: [FailuresQueue, Arn]
    onError:
      Ref: DeadLettersTopic
  audit:
    handler: audit.handler
    environment:
      SUCCESSES_URL:
        Ref: SuccessesQueue
resources:
  Resources:
    FailuresQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: dest-failures
    SuccessesQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: dest-successes
    DeadLetterQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: dest-dead-letters
    DeadLettersTopic:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: dest-dead-letters
    DeadLettersSubscription:
      Type: AWS::SNS::Subscription
      Properties:
        TopicArn:
          Ref: DeadLettersTopic
        Protocol: sqs
        Endpoint:
          Fn::GetAtt: [DeadLetterQueue, Arn]
        RawMessageDelivery: true
`;

const WORKER = `
exports.handler = async (event) => {
  if (event.fail) throw new Error('cannot process ' + event.id);
  return { processed: event.id };
};
`;

/** The on-success destination: passes the invocation record it receives on to a queue. */
const AUDIT = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (record) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.SUCCESSES_URL, MessageBody: JSON.stringify(record) }));
};
`;

/**
 * Receives (and deletes) `n` messages from a queue, moving the manual clock `stepMs` between
 * polls so that retries and queued deliveries come due (SQS long polls would wait on that clock).
 */
async function receive(queue: string, n: number, stepMs = 0): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < 300 && out.length < n; i++) {
    await clock.advance(stepMs);
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: urls[queue],
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    for (const m of r.Messages ?? []) {
      out.push(m);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: urls[queue], ReceiptHandle: m.ReceiptHandle }));
    }
    if (!r.Messages?.length) await new Promise((res) => setTimeout(res, 50));
  }
  return out;
}

/** Invokes a function asynchronously; returns the request id Lambda answered with. */
async function invokeEvent(functionName: string, payload: unknown): Promise<string> {
  const r = await lab.lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: JSON.stringify(payload),
    }),
  );
  expect(r.StatusCode).toBe(202);
  return r.$metadata.requestId!;
}

beforeAll(async () => {
  lab = await startLab({ clock, limits: { idleMs: 7 * 24 * 3_600_000 } });
  sqs = new SQSClient({ endpoint: lab.platform.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const dir = lab.service('dest', {
    'serverless.yml': SERVERLESS_YML,
    'worker.js': WORKER,
    'audit.js': AUDIT,
  });
  const r = await lab.cli(dir, ['deploy']);
  if (r.code !== 0) throw new Error(r.stderr);
  for (const q of ['dest-failures', 'dest-successes', 'dest-dead-letters'])
    urls[q] = (await sqs.send(new GetQueueUrlCommand({ QueueName: q }))).QueueUrl!;
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await lab?.close();
});

describe('destinations of asynchronous invocations', () => {
  let failedRequest = '';

  it('sends the RetriesExhausted record to the onFailure queue after the retry, a minute later', async () => {
    const start = clock.now();
    const requestId = await invokeEvent('dest-dev-worker', { id: 'a', fail: true });
    failedRequest = requestId;
    const [m] = await receive('dest-failures', 1, 5_000);
    const record = JSON.parse(m!.Body!);
    expect(Object.keys(record)).toEqual([
      'version',
      'timestamp',
      'requestContext',
      'requestPayload',
      'responseContext',
      'responsePayload',
    ]);
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^2026-03-01T08:\d\d:\d\d\.\d{3}Z$/),
      requestContext: {
        requestId,
        functionArn: `${ARN}:dest-dev-worker:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: { id: 'a', fail: true },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: expect.objectContaining({ errorType: 'Error', errorMessage: 'cannot process a' }),
    });
    // maximumRetryAttempts: 1 gave one retry, which Lambda runs a minute after the first failure.
    expect(Date.parse(record.timestamp) - start).toBeGreaterThanOrEqual(60_000);
  });

  it("also puts that failed event on the onError topic, with AWS's dead-letter attributes", async () => {
    const messages = await receive('dest-dead-letters', 1, 5_000);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.Body).toBe('{"id":"a","fail":true}');
    expect(messages[0]!.MessageAttributes).toEqual({
      RequestID: { DataType: 'String', StringValue: failedRequest },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: 'cannot process a' },
    });
  });

  it('invokes the onSuccess function with the Success record', async () => {
    const requestId = await invokeEvent('dest-dev-worker', { id: 'b' });
    const [m] = await receive('dest-successes', 1);
    expect(JSON.parse(m!.Body!)).toEqual({
      version: '1.0',
      timestamp: expect.any(String),
      requestContext: {
        requestId,
        functionArn: `${ARN}:dest-dev-worker:$LATEST`,
        condition: 'Success',
        approximateInvokeCount: 1,
      },
      requestPayload: { id: 'b' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { processed: 'b' },
    });
  });
});

describe('event-invoke-config operations', () => {
  it('reports what serverless.yml configured', async () => {
    const c = await lab.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: 'dest-dev-worker' }),
    );
    expect(c).toMatchObject({
      FunctionArn: `${ARN}:dest-dev-worker:$LATEST`,
      MaximumRetryAttempts: 1,
      DestinationConfig: {
        OnSuccess: { Destination: `${ARN}:dest-dev-audit` },
        OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dest-failures' },
      },
    });
    expect(c.LastModified).toBeInstanceOf(Date);
  });

  it('puts, updates, lists and deletes a configuration; refuses invalid ones', async () => {
    const failures = 'arn:aws:sqs:us-east-1:000000000000:dest-failures';
    const put = await lab.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'dest-dev-audit',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: failures } },
      }),
    );
    expect(put).toMatchObject({
      FunctionArn: `${ARN}:dest-dev-audit:$LATEST`,
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: failures } },
    });
    expect(put.MaximumEventAgeInSeconds).toBeUndefined();
    const updated = await lab.lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: 'dest-dev-audit',
        MaximumEventAgeInSeconds: 120,
      }),
    );
    expect(updated).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 120,
      DestinationConfig: { OnFailure: { Destination: failures } },
    });
    const list = await lab.lambda.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'dest-dev-audit' }),
    );
    expect(list.FunctionEventInvokeConfigs?.map((c) => c.MaximumEventAgeInSeconds)).toEqual([120]);
    await lab.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'dest-dev-audit' }));
    const gone = await lab.lambda
      .send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'dest-dev-audit' }))
      .catch((e) => e);
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.message).toBe(`The function ${ARN}:dest-dev-audit:$LATEST doesn't have an EventInvokeConfig`);

    const tooMany = await lab.lambda
      .send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: 'dest-dev-audit', MaximumRetryAttempts: 3 }),
      )
      .catch((e) => e);
    expect(tooMany.name).toBe('InvalidParameterValueException');
    const self = await lab.lambda
      .send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'dest-dev-audit',
          DestinationConfig: { OnSuccess: { Destination: `${ARN}:dest-dev-audit` } },
        }),
      )
      .catch((e) => e);
    expect(self.message).toBe("You can't specify the function as a destination for itself.");
    const unknown = await lab.lambda
      .send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'dest-dev-nope' }))
      .catch((e) => e);
    expect(unknown.name).toBe('ResourceNotFoundException');
  });
});
