import { describe, expect, it } from 'vitest';
import { executeApiArn } from './authorizers.js';
import { arnLike, evaluatePolicy } from './policy.js';
import { sampleEvent } from './test-helpers.js';

const arn = executeApiArn('us-east-1', 'abc123', 'dev', 'GET', '/pets/42');

const policy = (Effect: string, Resource: string | string[], Action: unknown = 'execute-api:Invoke') => ({
  Version: '2012-10-17',
  Statement: [{ Action, Effect, Resource }],
});

describe('authorizer policy evaluation', () => {
  it('builds method ARNs as API Gateway does', () => {
    expect(arn).toBe('arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/pets/42');
  });

  it('allows a matching Allow, wildcards included', () => {
    expect(evaluatePolicy(policy('Allow', arn), arn)).toBe('allow');
    expect(
      evaluatePolicy(policy('Allow', 'arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/*'), arn),
    ).toBe('allow');
    expect(evaluatePolicy(policy('Allow', '*', ['execute-api:*']), arn)).toBe('allow');
    expect(arnLike('a?c', 'abc')).toBe(true);
  });

  it('lets an explicit Deny win and denies implicitly when nothing matches', () => {
    const doc = {
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' },
        { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: arn },
      ],
    };
    expect(evaluatePolicy(doc, arn)).toBe('explicit-deny');
    expect(
      evaluatePolicy(policy('Allow', 'arn:aws:execute-api:us-east-1:000000000000:abc123/dev/POST/*'), arn),
    ).toBe('implicit-deny');
    expect(evaluatePolicy(policy('Allow', arn, 's3:GetObject'), arn)).toBe('implicit-deny');
  });

  it('reads the sample response shape (array Action and Resource)', () => {
    const sample = sampleEvent('apigw-authorizer-policy-response.json') as {
      policyDocument: { Statement: Array<Record<string, unknown>> };
    };
    const doc = structuredClone(sample.policyDocument);
    doc.Statement[0]!.Effect = 'Allow';
    doc.Statement[0]!.Resource = [arn];
    expect(evaluatePolicy(doc, arn)).toBe('allow');
  });
});
