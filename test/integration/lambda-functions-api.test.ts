/**
 * Function management through the real @aws-sdk/client-lambda against a platform on a free port
 * with real Node execution environments: CreateFunction from a zip, Invoke, UpdateFunctionConfiguration
 * (the next invoke sees the new environment), UpdateFunctionCode with Publish, reserved concurrency 0
 * (429 TooManyRequestsException), a dead-letter queue set through the API receiving a failed event,
 * a platform restart keeping all of it, DeleteFunction, and the refusal to delete a function a
 * Serverless service owns (whose next deploy writes serverless.yml's configuration back).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import {
  deploy,
  fnSpec,
  QUIET,
  receiveMessages,
  serviceSpec,
  TEST_CREDENTIALS,
  tempDir,
  zipFiles,
} from './platform-helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/api-made';
const data = tempDir();
let platform: Platform;
let lambda: LambdaClient;

async function start(): Promise<void> {
  const { startPlatform } = await import('../../src/platform/platform.js');
  platform = await startPlatform({
    log: QUIET,
    port: 0,
    dataDir: data.dir,
    limits: { idleMs: 60_000, asyncRetryDelaysMs: [50, 50] },
  });
  lambda = new LambdaClient({ endpoint: platform.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
}

/** The error an SDK call rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

const status = (e: Record<string, unknown>) => (e.$metadata as { httpStatusCode?: number }).httpStatusCode;
const decode = (p: Uint8Array | undefined) => JSON.parse(Buffer.from(p ?? []).toString());
const greeter = (tag: string) =>
  zipFiles({
    'index.js': `exports.handler = async () => ({ code: '${tag}', greeting: process.env.GREETING, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE });`,
  });
const invoke = async (name: string, qualifier?: string) =>
  decode((await lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier }))).Payload);

beforeAll(start);
afterAll(async () => {
  await platform?.stop();
  data.cleanup();
});

describe('function management through the Lambda API', () => {
  it('creates, invokes, reconfigures, updates the code, throttles, survives a restart and deletes a function', async () => {
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'api-greeter',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: await greeter('v1') },
        Environment: { Variables: { GREETING: 'hello' } },
        Tags: { team: 'core' },
      }),
    );
    expect(created).toMatchObject({
      FunctionName: 'api-greeter',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:api-greeter',
      Role: ROLE,
      Timeout: 3,
      MemorySize: 128,
      Version: '$LATEST',
      State: 'Pending',
      StateReasonCode: 'Creating',
    });
    expect(created.$metadata.httpStatusCode).toBe(201);
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'api-greeter' }));
    expect(got.Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    expect(got.Tags).toEqual({ team: 'core' });
    expect(await invoke('api-greeter')).toEqual({ code: 'v1', greeting: 'hello', memory: '128' });

    const again = await failure(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'api-greeter',
          Runtime: 'nodejs20.x',
          Role: ROLE,
          Handler: 'index.handler',
          Code: { ZipFile: await greeter('v1') },
        }),
      ),
    );
    expect(again.name).toBe('ResourceConflictException');
    expect(again.message).toBe('Function already exist: api-greeter');

    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'api-greeter',
        Environment: { Variables: { GREETING: 'bonjour' } },
        MemorySize: 256,
        RevisionId: got.Configuration?.RevisionId,
      }),
    );
    expect(updated).toMatchObject({ LastUpdateStatus: 'InProgress', MemorySize: 256 });
    expect(await invoke('api-greeter')).toEqual({ code: 'v1', greeting: 'bonjour', memory: '256' });

    const stale = await failure(
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'api-greeter',
          Timeout: 10,
          RevisionId: got.Configuration?.RevisionId,
        }),
      ),
    );
    expect([stale.name, status(stale)]).toEqual(['PreconditionFailedException', 412]);
    const tooLong = await failure(
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'api-greeter', Timeout: 901 })),
    );
    expect([tooLong.name, status(tooLong)]).toEqual(['ValidationException', 400]);
    expect(tooLong.message).toContain("Value '901' at 'timeout'");
    const reserved = await failure(
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'api-greeter',
          Environment: { Variables: { AWS_REGION: 'eu-west-1' } },
        }),
      ),
    );
    expect([reserved.name, status(reserved)]).toEqual(['InvalidParameterValueException', 400]);
    expect(reserved.message).toContain('Reserved keys used in this request: AWS_REGION');
    const missing = await failure(
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'nope', Timeout: 5 })),
    );
    expect([missing.name, status(missing)]).toEqual(['ResourceNotFoundException', 404]);

    const published = await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'api-greeter',
        ZipFile: await greeter('v2'),
        Publish: true,
      }),
    );
    expect(published.Version).toBe('1');
    expect(await invoke('api-greeter')).toMatchObject({ code: 'v2', greeting: 'bonjour' });
    expect(await invoke('api-greeter', '1')).toMatchObject({ code: 'v2' });

    const put = await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'api-greeter', ReservedConcurrentExecutions: 0 }),
    );
    expect(put.ReservedConcurrentExecutions).toBe(0);
    const throttled = await failure(invoke('api-greeter'));
    expect([throttled.name, status(throttled), throttled.Reason]).toEqual([
      'TooManyRequestsException',
      429,
      'ReservedFunctionConcurrentInvocationLimitExceeded',
    ]);

    await platform.stop();
    await start();
    const afterRestart = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'api-greeter' }),
    );
    expect(afterRestart).toMatchObject({
      Role: ROLE,
      MemorySize: 256,
      Environment: { Variables: { GREETING: 'bonjour' } },
    });
    expect(
      (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'api-greeter' })))
        .ReservedConcurrentExecutions,
    ).toBe(0);
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'api-greeter' }));
    expect(await invoke('api-greeter')).toMatchObject({ code: 'v2', greeting: 'bonjour' });

    const latestVersion = await failure(
      lambda.send(new DeleteFunctionCommand({ FunctionName: 'api-greeter', Qualifier: '$LATEST' })),
    );
    expect(latestVersion.message).toBe('$LATEST version cannot be deleted without deleting the function.');
    const deleted = await lambda.send(new DeleteFunctionCommand({ FunctionName: 'api-greeter' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const gone = await failure(lambda.send(new GetFunctionCommand({ FunctionName: 'api-greeter' })));
    expect([gone.name, status(gone)]).toEqual(['ResourceNotFoundException', 404]);
    expect((await failure(invoke('api-greeter'))).name).toBe('ResourceNotFoundException');
  });

  it('lets an invocation in flight finish on the old configuration while new ones run the new', async () => {
    const flag = path.join(data.dir, 'release-inflight');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'api-inflight',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Timeout: 30,
        Environment: { Variables: { GREETING: 'old' } },
        Code: {
          ZipFile: await zipFiles({
            'index.js':
              "const fs = require('fs');\nexports.handler = async (event) => {\n  while (event.waitFor && !fs.existsSync(event.waitFor)) await new Promise((r) => setTimeout(r, 20));\n  return { greeting: process.env.GREETING };\n};",
          }),
        },
      }),
    );
    const inFlight = lambda.send(
      new InvokeCommand({ FunctionName: 'api-inflight', Payload: JSON.stringify({ waitFor: flag }) }),
    );
    // Guarded wait (not an assertion) until the platform reports the invocation running.
    for (let i = 0; ; i++) {
      const c = (await (await fetch(`${platform.url}/_selfless/concurrency`)).json()) as {
        functions: Array<{ functionName: string; busy: number }>;
      };
      if (c.functions.some((f) => f.functionName === 'api-inflight' && f.busy > 0)) break;
      if (i > 500) throw new Error('the first invocation never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'api-inflight',
        Environment: { Variables: { GREETING: 'new' } },
      }),
    );
    expect(await invoke('api-inflight')).toEqual({ greeting: 'new' });
    writeFileSync(flag, '');
    expect(decode((await inFlight).Payload)).toEqual({ greeting: 'old' });
    expect(await invoke('api-inflight')).toEqual({ greeting: 'new' });
  });

  it('delivers a failed event to the dead-letter queue set by UpdateFunctionConfiguration', async () => {
    const sqs = new SQSClient({ endpoint: platform.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'api-dead-letters' }));
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'api-failing',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: {
          ZipFile: await zipFiles({
            'index.js': "exports.handler = async () => { throw new Error('no'); };",
          }),
        },
      }),
    );
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'api-failing', MaximumRetryAttempts: 0 }),
    );
    const bad = await failure(
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'api-failing',
          DeadLetterConfig: { TargetArn: 'arn:aws:s3:::bucket' },
        }),
      ),
    );
    expect(bad.name).toBe('InvalidParameterValueException');
    const withDlq = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'api-failing',
        DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:api-dead-letters' },
      }),
    );
    expect(withDlq.DeadLetterConfig?.TargetArn).toBe('arn:aws:sqs:us-east-1:000000000000:api-dead-letters');
    await lambda.send(
      new InvokeCommand({ FunctionName: 'api-failing', InvocationType: 'Event', Payload: '{"order":7}' }),
    );
    expect(await receiveMessages(sqs, queue.QueueUrl ?? '', 1, { rounds: 10, waitSeconds: 1 })).toEqual([
      { order: 7 },
    ]);
    sqs.destroy();
  });

  it('takes code from an object in the platform S3', async () => {
    const s3 = new S3Client({
      endpoint: platform.url,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'code-bucket' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'code-bucket', Key: 'fn/v3.zip', Body: await greeter('v3') }),
    );
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'api-from-s3',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { S3Bucket: 'code-bucket', S3Key: 'fn/v3.zip' },
      }),
    );
    expect(await invoke('api-from-s3')).toMatchObject({ code: 'v3' });
    const missing = await failure(
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'api-from-s3',
          S3Bucket: 'code-bucket',
          S3Key: 'nope.zip',
        }),
      ),
    );
    expect([missing.name, missing.message]).toEqual([
      'InvalidParameterValueException',
      'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
    ]);
    s3.destroy();
  });

  it('refuses to delete a function a Serverless service owns; its next deploy writes serverless.yml back', async () => {
    const zip = await greeter('yml');
    const spec = serviceSpec('shop', 'dev', [
      fnSpec('shop', 'dev', 'greet', zip, {
        handler: 'index.handler',
        environment: { GREETING: 'from yml' },
      }),
    ]);
    expect((await deploy(platform.url, spec, [zip])).status).toBe(200);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'shop-dev-greet',
        Environment: { Variables: { GREETING: 'from the api' } },
      }),
    );
    expect(await invoke('shop-dev-greet')).toMatchObject({ greeting: 'from the api' });
    const refused = await failure(lambda.send(new DeleteFunctionCommand({ FunctionName: 'shop-dev-greet' })));
    expect([refused.name, status(refused)]).toEqual(['ResourceConflictException', 409]);
    expect(refused.message).toContain('belongs to service shop stage dev');
    expect((await deploy(platform.url, spec, [zip])).status).toBe(200);
    expect(await invoke('shop-dev-greet')).toMatchObject({ greeting: 'from yml' });
  });
});
