/**
 * The Lambda API through the real @aws-sdk/client-lambda and the AWS CLI against a platform on a
 * free port with real execution environments: Invoke and its headers, error shapes, qualifiers,
 * versions and aliases, and the read operations.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import {
  deploy,
  fnSpec,
  json,
  serviceSpec,
  startTestPlatform,
  tempDir,
  zipFiles,
} from './platform-helpers.js';

let platform: Platform;
let lambda: LambdaClient;
let stopPlatform: (() => Promise<void>) | undefined;
const decode = (p: Uint8Array | undefined) => JSON.parse(Buffer.from(p ?? []).toString());

/** The error an SDK call rejects with (fails the test when it resolves). */
async function failure(
  p: Promise<unknown>,
): Promise<
  Record<string, unknown> & { name: string; message: string; $metadata: { httpStatusCode?: number } }
> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

const echo = (tag: string) =>
  zipFiles({
    'handler.js': `exports.handler = async (event, context) => { console.log('echo ${tag}', JSON.stringify(event)); return { tag: '${tag}', event, version: context.functionVersion, arn: context.invokedFunctionArn }; };`,
  });

beforeAll(async () => {
  const started = await startTestPlatform({ limits: { idleMs: 60_000 } });
  platform = started.platform;
  stopPlatform = started.stop;
  lambda = new LambdaClient({
    endpoint: platform.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const v1 = await echo('v1');
  const failing = await zipFiles({
    'handler.js': "exports.handler = async () => { throw new Error('boom'); };",
  });
  const py = await zipFiles({
    'handler.py':
      "import json\ndef hello(event, context):\n    print('hi from python')\n    return {'statusCode': 200, 'body': json.dumps(event)}\n",
  });
  const spec = serviceSpec('api', 'dev', [
    fnSpec('api', 'dev', 'echo', v1),
    fnSpec('api', 'dev', 'fail', failing),
    fnSpec('api', 'dev', 'py', py, { runtime: 'python3.11', handler: 'handler.hello' }),
    fnSpec('api', 'dev', 'off', v1, { reservedConcurrency: 0 }),
  ]);
  const res = await deploy(platform.url, spec, [v1, failing, py]);
  expect(res.status).toBe(200);
  // A second deployment changes echo's code: version 2.
  const v2 = await echo('v2');
  const spec2 = {
    ...spec,
    functions: spec.functions.map((f) => (f.key === 'echo' ? fnSpec('api', 'dev', 'echo', v2) : f)),
  };
  const res2 = await json(deploy(platform.url, spec2, [v2]));
  expect(res2.functions.find((f: { key: string }) => f.key === 'echo')).toMatchObject({
    status: 'updated',
    version: '2',
  });
}, 60_000);

afterAll(async () => {
  lambda?.destroy();
  await stopPlatform?.();
});

describe('Invoke', () => {
  it('returns the result with X-Amz-Executed-Version and the log tail', async () => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: 'api-dev-echo', Payload: JSON.stringify({ a: 1 }), LogType: 'Tail' }),
    );
    expect(r.StatusCode).toBe(200);
    expect(r.ExecutedVersion).toBe('$LATEST');
    expect(r.FunctionError).toBeUndefined();
    expect(decode(r.Payload)).toMatchObject({ tag: 'v2', event: { a: 1 }, version: '$LATEST' });
    const log = Buffer.from(r.LogResult ?? '', 'base64').toString();
    expect(log).toMatch(/START RequestId: \S+ Version: \$LATEST/);
    expect(log).toContain('echo v2 {"a":1}');
    expect(log).toMatch(
      /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB/,
    );
  });

  it('reports a function error with X-Amz-Function-Error: Unhandled and the error payload', async () => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'api-dev-fail' }));
    expect(r.StatusCode).toBe(200);
    expect(r.FunctionError).toBe('Unhandled');
    expect(decode(r.Payload)).toMatchObject({ errorType: 'Error', errorMessage: 'boom' });
  });

  it('runs a python function', async () => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'api-dev-py', Payload: '{"x":"y"}' }));
    expect(decode(r.Payload)).toEqual({ statusCode: 200, body: '{"x": "y"}' });
  });

  it('resolves versions, qualifiers and full and partial ARNs', async () => {
    const byVersion = await lambda.send(new InvokeCommand({ FunctionName: 'api-dev-echo', Qualifier: '1' }));
    expect(byVersion.ExecutedVersion).toBe('1');
    expect(decode(byVersion.Payload)).toMatchObject({
      tag: 'v1',
      version: '1',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:api-dev-echo:1',
    });
    const byArn = await lambda.send(
      new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:api-dev-echo:2' }),
    );
    expect(decode(byArn.Payload).tag).toBe('v2');
    const partial = await lambda.send(
      new InvokeCommand({ FunctionName: '000000000000:function:api-dev-echo:1' }),
    );
    expect(decode(partial.Payload).tag).toBe('v1');
    const e = await failure(lambda.send(new InvokeCommand({ FunctionName: 'api-dev-echo', Qualifier: '9' })));
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e.message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:api-dev-echo:9',
    );
  });

  it('answers Event with 202 and DryRun with 204', async () => {
    expect(
      (
        await lambda.send(
          new InvokeCommand({ FunctionName: 'api-dev-echo', InvocationType: 'Event', Payload: '{}' }),
        )
      ).StatusCode,
    ).toBe(202);
    expect(
      (await lambda.send(new InvokeCommand({ FunctionName: 'api-dev-echo', InvocationType: 'DryRun' })))
        .StatusCode,
    ).toBe(204);
  });

  it('refuses bad requests with AWS error shapes', async () => {
    const missing = await failure(lambda.send(new InvokeCommand({ FunctionName: 'nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope');

    const big = await failure(
      lambda.send(
        new InvokeCommand({ FunctionName: 'api-dev-echo', Payload: Buffer.alloc(6 * 1024 * 1024 + 1, 32) }),
      ),
    );
    expect(big.name).toBe('RequestEntityTooLargeException');
    expect(big.$metadata.httpStatusCode).toBe(413);
    const bigAsync = await failure(
      lambda.send(
        new InvokeCommand({
          FunctionName: 'api-dev-echo',
          InvocationType: 'Event',
          Payload: `"${'x'.repeat(256 * 1024)}"`,
        }),
      ),
    );
    expect(bigAsync.name).toBe('RequestEntityTooLargeException');

    const notJson = await failure(
      lambda.send(new InvokeCommand({ FunctionName: 'api-dev-echo', Payload: 'not json' })),
    );
    expect(notJson.name).toBe('InvalidRequestContentException');
    expect(notJson.$metadata.httpStatusCode).toBe(400);

    const off = await failure(lambda.send(new InvokeCommand({ FunctionName: 'api-dev-off' })));
    expect(off.name).toBe('TooManyRequestsException');
    expect(off.$metadata.httpStatusCode).toBe(429);
    expect(off.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');

    const raw = await fetch(`${platform.url}/2015-03-31/functions/nope/invocations`, {
      method: 'POST',
      body: '{}',
    });
    expect(raw.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await raw.json()).toEqual({
      Type: 'User',
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    });
    // The platform keeps serving after all of that.
    expect((await lambda.send(new InvokeCommand({ FunctionName: 'api-dev-echo' }))).StatusCode).toBe(200);
  });

  it('works unchanged from the AWS CLI', async () => {
    const t = tempDir();
    try {
      const out = path.join(t.dir, 'out.json');
      const { stdout } = await promisify(execFile)(
        'aws',
        [
          'lambda',
          'invoke',
          '--endpoint-url',
          platform.url,
          '--function-name',
          'api-dev-echo',
          '--payload',
          '{"cli":true}',
          out,
        ],
        {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_EC2_METADATA_DISABLED: 'true',
          },
        },
      );
      expect(JSON.parse(stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
      expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ tag: 'v2', event: { cli: true } });
    } finally {
      t.cleanup();
    }
  });
});

describe('read operations, versions and aliases', () => {
  it('lists and describes functions', async () => {
    const list = await lambda.send(new ListFunctionsCommand({}));
    expect(list.Functions?.map((f) => f.FunctionName).sort()).toEqual([
      'api-dev-echo',
      'api-dev-fail',
      'api-dev-off',
      'api-dev-py',
    ]);
    const conf = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'api-dev-py' }));
    expect(conf).toMatchObject({
      Runtime: 'python3.11',
      Handler: 'handler.hello',
      MemorySize: 128,
      Timeout: 6,
      Version: '$LATEST',
      State: 'Active',
    });
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'api-dev-echo', Qualifier: '1' }));
    expect(fn.Configuration?.Version).toBe('1');
    expect(fn.Configuration?.FunctionArn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:api-dev-echo:1',
    );
    const off = await lambda.send(new GetFunctionCommand({ FunctionName: 'api-dev-off' }));
    expect(off.Concurrency?.ReservedConcurrentExecutions).toBe(0);
    const zip = await fetch(fn.Code?.Location ?? '');
    expect(zip.status).toBe(200);
  });

  it('publishes versions only when $LATEST changed, and lists them', async () => {
    const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'api-dev-echo' }));
    expect(again.Version).toBe('2');
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'api-dev-echo' }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
  });

  it('routes an alias, splitting traffic by weight', async () => {
    const created = await lambda.send(
      new CreateAliasCommand({ FunctionName: 'api-dev-echo', Name: 'live', FunctionVersion: '1' }),
    );
    expect(created.AliasArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:api-dev-echo:live');
    const viaAlias = await lambda.send(new InvokeCommand({ FunctionName: 'api-dev-echo:live' }));
    expect(viaAlias.ExecutedVersion).toBe('1');
    expect(decode(viaAlias.Payload).arn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:api-dev-echo:live',
    );

    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'api-dev-echo',
        Name: 'live',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } },
      }),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++)
      seen.add(
        (await lambda.send(new InvokeCommand({ FunctionName: 'api-dev-echo', Qualifier: 'live' })))
          .ExecutedVersion ?? '',
      );
    expect([...seen].sort()).toEqual(['1', '2']);

    const bad = await failure(
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: 'api-dev-echo',
          Name: 'live',
          RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } },
        }),
      ),
    );
    expect(bad.name).toBe('InvalidParameterValueException');
    const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: 'api-dev-echo' }));
    expect(aliases.Aliases?.map((a) => a.Name)).toEqual(['live']);
  });
});

describe('CloudWatch Logs API', () => {
  const logsClient = () =>
    new CloudWatchLogsClient({
      endpoint: platform.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });

  it('serves the groups, streams and events of function logs', async () => {
    const logs = logsClient();
    try {
      await lambda.send(new InvokeCommand({ FunctionName: 'api-dev-py', Payload: '{}' }));
      const groups = await logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/api-dev-' }),
      );
      expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(
        expect.arrayContaining([
          '/aws/lambda/api-dev-echo',
          '/aws/lambda/api-dev-fail',
          '/aws/lambda/api-dev-py',
        ]),
      );
      const streams = await logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: '/aws/lambda/api-dev-py',
          orderBy: 'LastEventTime',
          descending: true,
        }),
      );
      const stream = streams.logStreams?.[0]?.logStreamName ?? '';
      expect(stream).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
      const events = await logs.send(
        new GetLogEventsCommand({
          logGroupName: '/aws/lambda/api-dev-py',
          logStreamName: stream,
          startFromHead: true,
        }),
      );
      const messages = events.events?.map((e) => e.message ?? '') ?? [];
      expect(messages[0]).toMatch(/^START RequestId: \S+ Version: \$LATEST/);
      expect(messages.some((m) => m.startsWith('hi from python'))).toBe(true);
      expect(messages.some((m) => m.startsWith('REPORT RequestId:'))).toBe(true);

      const filtered = await logs.send(
        new FilterLogEventsCommand({ logGroupName: '/aws/lambda/api-dev-py', filterPattern: 'python' }),
      );
      expect(filtered.events?.length).toBeGreaterThan(0);
      expect(filtered.events?.every((e) => e.message?.includes('python'))).toBe(true);

      const missing = await failure(
        logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/nope' })),
      );
      expect(missing.name).toBe('ResourceNotFoundException');
      expect(missing.message).toBe('The specified log group does not exist.');
    } finally {
      logs.destroy();
    }
  });
});
