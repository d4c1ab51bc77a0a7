import { describe, expect, it } from 'vitest';
import type { DeployContext, ResourceType } from '../service.js';
import type { DeploymentSpec } from '../spec.js';
import { applyStack, removeStack, type StackPlugin } from './stack.js';

/** A resource type that records calls and names things after their properties. */
function recorder(log: string[]): ResourceType {
  return {
    async apply(_ctx, id, props, previous) {
      log.push(`${previous ? 'update' : 'create'} ${id} ${JSON.stringify(props)}`);
      const name = String(props.Name ?? id);
      return { ref: `ref:${name}`, attributes: { Arn: `arn:test:${name}`, Name: name } };
    },
    async remove(_ctx, id) {
      log.push(`remove ${id}`);
    },
  };
}

function spec(over: Partial<DeploymentSpec>): DeploymentSpec {
  return {
    service: 'svc',
    stage: 'dev',
    region: 'eu-west-1',
    functions: [
      {
        key: 'hello',
        name: 'svc-dev-hello',
        runtime: 'nodejs20.x',
        handler: 'h.h',
        memorySize: 128,
        timeout: 6,
        environment: { PLAIN: 'x' },
        architecture: 'x86_64',
        logGroup: '/aws/lambda/svc-dev-hello',
        codeSha256: '',
        codeSize: 0,
        layers: [],
        events: [
          { sqs: { arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
          { sns: { topicName: 't', redrivePolicy: { deadLetterTargetRef: 'Queue' } } },
        ],
        extra: {
          environmentIntrinsics: {
            Q: { Ref: 'Queue' },
            FN: { 'Fn::GetAtt': ['HelloLambdaFunction', 'Arn'] },
          },
        },
      },
    ],
    resources: [],
    outputs: {},
    conditions: {},
    sections: {},
    ...over,
  };
}

const ctxOf = (s: DeploymentSpec): DeployContext => ({
  service: s.service,
  stage: s.stage,
  region: s.region,
  spec: s,
});

describe('applyStack', () => {
  it('applies resources in dependency order and resolves intrinsics everywhere', async () => {
    const log: string[] = [];
    const plugin: StackPlugin = {
      name: 't',
      start: async () => ({}),
      resourceTypes: { 'Test::Thing': recorder(log) },
    };
    const s = spec({
      resources: [
        {
          logicalId: 'Sub',
          type: 'Test::Thing',
          properties: { Name: { 'Fn::Sub': '${Queue.Name}-${AWS::Region}-${AWS::StackName}' } },
        },
        {
          logicalId: 'Queue',
          type: 'Test::Thing',
          properties: { Name: 'q', Other: { 'Fn::If': ['IsProd', 'p', { Ref: 'AWS::NoValue' }] } },
        },
        { logicalId: 'Skipped', type: 'Test::Thing', properties: {}, condition: 'IsProd' },
        { logicalId: 'Table', type: 'AWS::DynamoDB::Table', properties: { TableName: 'users' } },
      ],
      conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } },
      outputs: {
        QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
        Joined: {
          Value: {
            'Fn::Join': ['/', [{ Ref: 'Table' }, { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] }]],
          },
        },
        Never: { Value: 'x', Condition: 'IsProd' },
      },
    });
    const r = await applyStack(ctxOf(s), [plugin]);
    expect(log).toEqual(['create Queue {"Name":"q"}', 'create Sub {"Name":"q-eu-west-1-svc-dev"}']);
    expect(r.outputs).toEqual({ QueueArn: 'arn:test:q', Joined: 'users/b' });
    expect(r.warnings).toEqual([
      'Resources of these types are not supported yet and were not created: AWS::DynamoDB::Table',
    ]);
    const fn = r.spec.functions[0];
    expect(fn.environment).toEqual({
      PLAIN: 'x',
      Q: 'ref:q',
      FN: 'arn:aws:lambda:eu-west-1:000000000000:function:svc-dev-hello',
    });
    expect(fn.events).toEqual([
      { sqs: { arn: 'arn:test:q' } },
      { sns: { topicName: 't', redrivePolicy: { deadLetterTargetArn: 'arn:test:q' } } },
    ]);

    // Second deployment: Sub leaves the template, Queue is updated in place.
    log.length = 0;
    const s2 = spec({ resources: [{ logicalId: 'Queue', type: 'Test::Thing', properties: { Name: 'q' } }] });
    const r2 = await applyStack(ctxOf(s2), [plugin], r.resources);
    expect(log).toEqual(['update Queue {"Name":"q"}', 'remove Sub']);
    log.length = 0;
    await removeStack(ctxOf(s2), [plugin], r2.resources);
    expect(log).toEqual(['remove Queue']);
  });

  it('reports unresolved references and cycles with where they are', async () => {
    const plugin: StackPlugin = {
      name: 't',
      start: async () => ({}),
      resourceTypes: { 'Test::Thing': recorder([]) },
    };
    await expect(
      applyStack(
        ctxOf(
          spec({
            resources: [{ logicalId: 'A', type: 'Test::Thing', properties: { X: { Ref: 'Missing' } } }],
          }),
        ),
        [plugin],
      ),
    ).rejects.toMatchObject({ code: 'UNRESOLVED_DEPENDENCY', where: 'resources.Resources.A' });
    await expect(
      applyStack(
        ctxOf(
          spec({
            resources: [
              { logicalId: 'A', type: 'Test::Thing', properties: { X: { Ref: 'B' } } },
              { logicalId: 'B', type: 'Test::Thing', properties: { X: { 'Fn::GetAtt': ['A', 'Arn'] } } },
            ],
          }),
        ),
        [plugin],
      ),
    ).rejects.toMatchObject({ code: 'CIRCULAR_DEPENDENCY' });
  });
});
