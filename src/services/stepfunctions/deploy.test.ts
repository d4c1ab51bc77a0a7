import { describe, expect, it } from 'vitest';
import type { DeploymentSpec, FunctionSpec } from '../../platform/spec.js';
import {
  machineLogicalId,
  machineName,
  planActivities,
  planMachines,
  type ReferenceContext,
} from './deploy.js';

const fn = (key: string): FunctionSpec =>
  ({
    key,
    name: `svc-dev-${key}`,
    runtime: 'nodejs20.x',
    handler: 'h.h',
    events: [],
  }) as unknown as FunctionSpec;

function refs(stepFunctions: unknown, resources: ReferenceContext['resources'] = {}): ReferenceContext {
  const spec = {
    service: 'svc',
    stage: 'dev',
    region: 'eu-west-1',
    functions: [fn('hello'), fn('my-fn')],
    resources: [],
    outputs: {},
    conditions: {},
    sections: { stepFunctions },
  } as DeploymentSpec;
  return {
    spec,
    region: 'eu-west-1',
    functionArn: (name) => `arn:aws:lambda:eu-west-1:000000000000:function:${name}`,
    resources,
  };
}

describe('naming as serverless-step-functions does', () => {
  it('uses <Key>StepFunctionsStateMachine, or normalize(id || name) when set', () => {
    expect(machineLogicalId('my-flow', {})).toBe('MyDashflowStepFunctionsStateMachine');
    expect(machineLogicalId('flow', { name: 'process_temps' })).toBe('ProcessUnderscoretemps');
    expect(machineLogicalId('flow', { id: 'Custom', name: 'x' })).toBe('Custom');
  });

  it('keeps `name:` and otherwise generates a stable CloudFormation-like name', () => {
    expect(machineName('svc', 'dev', 'flow', { name: 'processTemperatures' })).toBe('processTemperatures');
    const generated = machineName('svc', 'dev', 'flow', {});
    expect(generated).toMatch(/^FlowStepFunctionsStateMachine-[A-Za-z0-9]{12}$/);
    expect(machineName('svc', 'dev', 'flow', {})).toBe(generated);
    expect(machineName('svc', 'prod', 'flow', {})).not.toBe(generated);
  });
});

describe('planning state machines from a deployment', () => {
  it('resolves Fn::GetAtt by function key or logical id, Ref, Fn::Sub and #{AWS::Region}', () => {
    const [m] = planMachines(
      refs(
        {
          stateMachines: {
            flow: {
              name: 'flow',
              definition: {
                StartAt: 'A',
                States: {
                  A: { Type: 'Task', Resource: { 'Fn::GetAtt': ['hello', 'Arn'] }, Next: 'B' },
                  B: {
                    Type: 'Task',
                    Resource: { 'Fn::GetAtt': ['MyDashfnLambdaFunction', 'Arn'] },
                    Next: 'C',
                  },
                  C: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::sqs:sendMessage',
                    Parameters: {
                      QueueUrl: { Ref: 'Queue' },
                      MessageBody: { 'Fn::Sub': 'from ${AWS::Region} via ${Queue.Arn}' },
                      Region: '#{AWS::Region}',
                    },
                    End: true,
                  },
                },
              },
            },
          },
        },
        {
          Queue: {
            ref: 'http://q/000000000000/q',
            attributes: { Arn: 'arn:aws:sqs:eu-west-1:000000000000:q' },
          },
        },
      ),
    );
    expect(m.definition.States.A.Resource).toBe(
      'arn:aws:lambda:eu-west-1:000000000000:function:svc-dev-hello',
    );
    expect(m.definition.States.B.Resource).toBe(
      'arn:aws:lambda:eu-west-1:000000000000:function:svc-dev-my-fn',
    );
    expect(m.definition.States.C.Parameters).toEqual({
      QueueUrl: 'http://q/000000000000/q',
      MessageBody: 'from eu-west-1 via arn:aws:sqs:eu-west-1:000000000000:q',
      Region: 'eu-west-1',
    });
    expect(m).toMatchObject({ key: 'flow', name: 'flow', type: 'STANDARD', logicalId: 'Flow' });
  });

  it('parses a definition given as a JSON or YAML string', () => {
    const [m] = planMachines(
      refs({ stateMachines: { s: { definition: 'StartAt: A\nStates:\n  A:\n    Type: Succeed\n' } } }),
    );
    expect(m.definition).toEqual({ StartAt: 'A', States: { A: { Type: 'Succeed' } } });
  });

  it('names the machine, the state and the field of an invalid definition', () => {
    expect(() =>
      planMachines(
        refs({
          stateMachines: {
            flow: { definition: { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Z' } } } },
          },
        }),
      ),
    ).toThrowError(
      expect.objectContaining({
        code: 'INVALID_STATE_MACHINE',
        where: 'stepFunctions.stateMachines.flow.definition.States.A.Next',
        message: expect.stringContaining(
          "MISSING_TRANSITION_TARGET: Missing 'Next' target: Z at /States/A/Next",
        ),
      }),
    );
  });

  it('refuses a reference to something that does not exist', () => {
    expect(() =>
      planMachines(
        refs({
          stateMachines: {
            flow: {
              definition: {
                StartAt: 'A',
                States: { A: { Type: 'Task', Resource: { 'Fn::GetAtt': ['nope', 'Arn'] }, End: true } },
              },
            },
          },
        }),
      ),
    ).toThrowError(
      expect.objectContaining({ where: 'stepFunctions.stateMachines.flow.definition.States.A.Resource' }),
    );
  });
});

describe('planning activities from a deployment', () => {
  it('names activities as the plugin does and resolves Ref and Fn::GetAtt Name to them', () => {
    const ctx = refs({
      activities: ['resize-image', 'notify'],
      stateMachines: {
        flow: {
          name: 'flow',
          definition: {
            StartAt: 'A',
            States: {
              A: { Type: 'Task', Resource: { Ref: 'ResizeDashimageStepFunctionsActivity' }, Next: 'B' },
              B: {
                Type: 'Pass',
                Result: { 'Fn::GetAtt': ['NotifyStepFunctionsActivity', 'Name'] },
                End: true,
              },
            },
          },
        },
      },
    });
    expect(planActivities(ctx.spec)).toEqual([
      { name: 'resize-image', logicalId: 'ResizeDashimageStepFunctionsActivity' },
      { name: 'notify', logicalId: 'NotifyStepFunctionsActivity' },
    ]);
    const [m] = planMachines(ctx);
    expect(m.definition.States.A.Resource).toBe(
      'arn:aws:states:eu-west-1:000000000000:activity:resize-image',
    );
    expect(m.definition.States.B.Result).toBe('notify');
  });

  it('refuses an invalid activity name with its path', () => {
    expect(() => planActivities(refs({ activities: ['bad name'] }).spec)).toThrowError(
      expect.objectContaining({ where: 'stepFunctions.activities.0' }),
    );
  });
});
