/**
 * Versions, aliases and rollback through the real CLI and the Lambda API: each deploy that changes
 * a function publishes a version; a canary alias splits invocations by weight (checked within
 * statistical bounds) and X-Amz-Executed-Version names what ran; AWS's errors for bad weights and
 * unknown qualifiers; `rollback -t` re-applies a deployment from `deploy list`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, type Lab, startLab, until } from './lifecycle-support.js';

let lab: Lab;
let dir: string;
const FN = 'canary-dev-greet';
const setGreeting = (g: string) =>
  writeFileSync(
    path.join(dir, 'greet.js'),
    `exports.handler = async (e, ctx) => ({ greeting: '${g}', version: process.env.AWS_LAMBDA_FUNCTION_VERSION, arn: ctx.invokedFunctionArn });\n`,
  );

beforeAll(async () => {
  lab = await startLab();
  dir = lab.service('canary', {
    'serverless.yml': [
      'service: canary',
      'provider:',
      '  name: aws',
      '  runtime: nodejs20.x',
      '  region: eu-west-1',
      'functions:',
      '  greet:',
      '    handler: greet.handler',
      '',
    ].join('\n'),
  });
  for (const g of ['hello', 'bonjour', 'hallo']) {
    setGreeting(g);
    const r = await lab.cli(dir, ['deploy']);
    if (r.code !== 0) throw new Error(r.stderr);
  }
}, 120_000);

afterAll(async () => {
  await lab?.close();
});

describe('versions', () => {
  it('publishes one immutable version per changed deploy', async () => {
    const v = await lab.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN }));
    expect(v.Versions?.map((x) => x.Version)).toEqual(['$LATEST', '1', '2', '3']);
    const one = await lab.lambda.send(new InvokeCommand({ FunctionName: FN, Qualifier: '1' }));
    expect(one.ExecutedVersion).toBe('1');
    expect(json(one.Payload)).toMatchObject({ greeting: 'hello', version: '1' });
    const cli = await lab.cli(dir, ['invoke', '-f', 'greet', '--qualifier', '2']);
    expect(JSON.parse(cli.stdout)).toMatchObject({ greeting: 'bonjour', version: '2' });
  });

  it('answers unknown qualifiers with 404 ResourceNotFoundException', async () => {
    for (const q of ['99', 'nope']) {
      const e = (await lab.lambda
        .send(new InvokeCommand({ FunctionName: FN, Qualifier: q }))
        .catch((x) => x)) as {
        name: string;
        message: string;
        $metadata: { httpStatusCode: number };
      };
      expect(e.name).toBe('ResourceNotFoundException');
      expect(e.$metadata.httpStatusCode).toBe(404);
      expect(e.message).toBe(`Function not found: arn:aws:lambda:eu-west-1:000000000000:function:${FN}:${q}`);
    }
    const cli = await lab.cli(dir, ['invoke', '-f', 'greet', '--qualifier', 'nope']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('Function not found');
  });
});

describe('a canary alias', () => {
  it('splits invocations by weight and says which version ran', async () => {
    await lab.lambda.send(
      new CreateAliasCommand({
        FunctionName: FN,
        Name: 'live',
        FunctionVersion: '2',
        RoutingConfig: { AdditionalVersionWeights: { '3': 0.25 } },
      }),
    );
    const n = 400;
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const r = await lab.lambda.send(new InvokeCommand({ FunctionName: `${FN}:live` }));
      const body = json(r.Payload) as { version: string; arn: string };
      expect(body.version).toBe(r.ExecutedVersion);
      expect(body.arn).toBe(`arn:aws:lambda:eu-west-1:000000000000:function:${FN}:live`);
      counts[r.ExecutedVersion ?? ''] = (counts[r.ExecutedVersion ?? ''] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['2', '3']);
    // Binomial(400, 0.25): mean 100, standard deviation 8.7; five deviations either side.
    expect(counts['3']).toBeGreaterThan(100 - 5 * 8.7);
    expect(counts['3']).toBeLessThan(100 + 5 * 8.7);
  }, 60_000);

  it('refuses weights outside [0, 1] and more than one additional version', async () => {
    const fail = (weights: Record<string, number>) =>
      lab.lambda
        .send(
          new UpdateAliasCommand({
            FunctionName: FN,
            Name: 'live',
            RoutingConfig: { AdditionalVersionWeights: weights },
          }),
        )
        .catch((e: Error) => e);
    const high = (await fail({ '3': 1.5 })) as Error;
    expect(high.name).toBe('InvalidParameterValueException');
    expect(high.message).toContain('Member must have value less than or equal to 1.0');
    const two = (await fail({ '1': 0.1, '3': 0.1 })) as Error;
    expect(two.name).toBe('InvalidParameterValueException');
    expect(two.message).toBe('Number of items in AdditionalVersionWeights cannot be greater than 1');
    const unknown = (await fail({ '42': 0.1 })) as Error;
    expect(unknown.name).toBe('ResourceNotFoundException');
    // Nothing changed.
    const alias = await lab.lambda.send(new GetAliasCommand({ FunctionName: FN, Name: 'live' }));
    expect(alias.RoutingConfig?.AdditionalVersionWeights).toEqual({ '3': 0.25 });
  });

  it('shifts all traffic, lists and deletes aliases', async () => {
    await lab.lambda.send(
      new UpdateAliasCommand({
        FunctionName: FN,
        Name: 'live',
        FunctionVersion: '3',
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    );
    for (let i = 0; i < 10; i++) {
      const r = await lab.lambda.send(new InvokeCommand({ FunctionName: FN, Qualifier: 'live' }));
      expect(r.ExecutedVersion).toBe('3');
    }
    const list = await lab.lambda.send(new ListAliasesCommand({ FunctionName: FN }));
    expect(list.Aliases?.map((a) => [a.Name, a.FunctionVersion])).toEqual([['live', '3']]);
    await lab.lambda.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'live' }));
    const gone = (await lab.lambda
      .send(new InvokeCommand({ FunctionName: FN, Qualifier: 'live' }))
      .catch((e: Error) => e)) as Error;
    expect(gone.name).toBe('ResourceNotFoundException');
  });
});

describe('qualified ARNs in state machines', () => {
  it('run the version or alias the Task names', async () => {
    await lab.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'stable', FunctionVersion: '1' }));
    const sfn = new SFNClient({
      endpoint: lab.platform.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const arn = `arn:aws:lambda:eu-west-1:000000000000:function:${FN}`;
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'versions',
        roleArn: 'arn:aws:iam::000000000000:role/sfn',
        definition: JSON.stringify({
          StartAt: 'ByAlias',
          States: {
            ByAlias: { Type: 'Task', Resource: `${arn}:stable`, ResultPath: '$.alias', Next: 'ByVersion' },
            ByVersion: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: `${FN}:2` },
              ResultSelector: { 'greeting.$': '$.Payload.greeting', 'version.$': '$.Payload.version' },
              ResultPath: '$.version',
              End: true,
            },
          },
        }),
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }),
    );
    const done = await until(async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toEqual({
      alias: { greeting: 'hello', version: '1', arn: `${arn}:stable` },
      version: { greeting: 'bonjour', version: '2' },
    });
    sfn.destroy();
  });
});

describe('deploy list and rollback', () => {
  it('rolls the service back to a listed deployment', async () => {
    const list = await lab.cli(dir, ['deploy', 'list']);
    const stamps = [...list.stdout.matchAll(/Timestamp: (\d+)/g)].map((m) => m[1]);
    expect(stamps).toHaveLength(3);
    const back = await lab.cli(dir, ['rollback', '-t', stamps[0] as string]);
    expect(back.code).toBe(0);
    expect(back.stderr).toContain(`Rolling back canary to timestamp "${stamps[0]}"`);
    expect(back.stderr).toContain(`Service rolled back to timestamp "${stamps[0]}"`);
    const now = await lab.cli(dir, ['invoke', '-f', 'greet']);
    expect(JSON.parse(now.stdout).greeting).toBe('hello');
    // $LATEST matches version 1 again: no new version is published for it.
    const v = await lab.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN }));
    expect(v.Versions?.length).toBeGreaterThanOrEqual(4);

    const again = await lab.cli(dir, ['rollback', '-t', stamps[0] as string]);
    expect(again.stderr).toContain('No updates to be performed. Rollback skipped.');
    const missing = await lab.cli(dir, ['rollback', '-t', '123']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "Couldn't find a deployment for the timestamp: 123. Please verify that the timestamp, stage and region are correct.",
    );
    const bare = await lab.cli(dir, ['rollback']);
    expect(bare.stderr).toContain('Select a timestamp from the deploy list below');
    expect(bare.stdout).toContain(`Timestamp: ${stamps[0]}`);
    expect(readFileSync(path.join(dir, 'greet.js'), 'utf8')).toContain('hallo');
  });
});
