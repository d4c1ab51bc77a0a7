import { describe, expect, it } from 'vitest';
import type { PlannedMachine } from './deploy.js';
import { planMachineSchedules, scheduledInput } from './triggers.js';

const ARN = 'arn:aws:states:eu-west-1:000000000000:stateMachine:flow';
const machine = (events: Array<Record<string, unknown>>, over: Partial<PlannedMachine> = {}) => ({
  key: 'flow',
  logicalId: 'FlowStepFunctionsStateMachine',
  name: 'flow',
  type: 'STANDARD' as const,
  definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } as PlannedMachine['definition'],
  roleArn: 'arn:aws:iam::000000000000:role/r',
  events,
  stateMachineArn: ARN,
  ...over,
});
const AT = Date.parse('2026-03-01T10:00:00Z');

describe('state machine schedule events', () => {
  it('plan the string and object forms with names as serverless-step-functions gives them', () => {
    const plans = planMachineSchedules('svc', 'dev', [
      machine([
        { schedule: 'rate(10 minutes)' },
        { http: { path: 'x', method: 'post' } },
        { schedule: { rate: 'cron(0 8 * * ? *)', enabled: false, input: { key: 'value' } } },
        {
          schedule: {
            rate: 'cron(0 8 * * ? *)',
            method: 'scheduler',
            timezone: 'Europe/Oslo',
            name: 'morning',
          },
        },
      ]),
    ]);
    expect(plans.map((p) => [p.name, p.method, p.expression, p.enabled, p.input.Input])).toEqual([
      ['svc-dev-FlowStepFunctionsEventsRuleSchedule1', 'eventBus', 'rate(10 minutes)', true, undefined],
      [
        'svc-dev-FlowStepFunctionsEventsRuleSchedule2',
        'eventBus',
        'cron(0 8 * * ? *)',
        false,
        '{"key":"value"}',
      ],
      ['morning', 'scheduler', 'cron(0 8 * * ? *)', true, undefined],
    ]);
    expect(plans[2]?.timezone).toBe('Europe/Oslo');
    expect(plans.every((p) => p.stateMachineArn === ARN)).toBe(true);
  });

  it('use normalize(name) as the prefix when the machine has a name', () => {
    const [p] = planMachineSchedules('svc', 'dev', [
      machine([{ schedule: 'rate(1 hour)' }], {
        logicalId: 'ProcessTemperatures',
        name: 'processTemperatures',
      }),
    ]);
    expect(p?.name).toBe('svc-dev-ProcessTemperaturesStepFunctionsEventsRuleSchedule1');
  });

  it('reject bad expressions, options and input combinations, naming the event', () => {
    const bad = (ev: unknown) => () => planMachineSchedules('svc', 'dev', [machine([{ schedule: ev }])]);
    expect(bad('rate(5 minute)')).toThrow(
      /stepFunctions\.stateMachines\.flow\.events\[0\]\.schedule\.rate: invalid schedule expression/,
    );
    expect(bad('cron(0 8 * * *)')).toThrow(/invalid schedule expression/);
    expect(bad({ enabled: true })).toThrow(/rate is required/);
    expect(bad({ rate: 'rate(1 hour)', timezone: 'Europe/Oslo' })).toThrow(
      /timezone needs method: scheduler/,
    );
    expect(bad({ rate: 'rate(1 hour)', method: 'scheduler', timezone: 'Mars/Base' })).toThrow(
      /unknown timezone/,
    );
    expect(bad({ rate: 'rate(1 hour)', method: 'cron' })).toThrow(/method must be eventBus or scheduler/);
    expect(bad({ rate: 'rate(1 hour)', input: {}, inputPath: '$.detail' })).toThrow(/only one of Input/);
    expect(bad({ rate: 'rate(1 hour)', inputTransformer: {} })).toThrow(/inputTemplate is required/);
  });

  it('give the execution the scheduled event, the input, or the event through inputPath', () => {
    const [rule, withInput, withPath, sched] = planMachineSchedules('svc', 'dev', [
      machine([
        { schedule: 'rate(1 hour)' },
        { schedule: { rate: 'rate(1 hour)', input: '{"a":1}' } },
        { schedule: { rate: 'rate(1 hour)', inputPath: '$.time' } },
        { schedule: { rate: 'rate(1 hour)', method: 'scheduler', name: 's' } },
      ]),
    ]);
    expect(JSON.parse(scheduledInput(rule!, 'eu-west-1', AT))).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-03-01T10:00:00Z',
      region: 'eu-west-1',
      resources: [`arn:aws:events:eu-west-1:000000000000:rule/${rule!.name}`],
      detail: {},
    });
    expect(scheduledInput(withInput!, 'eu-west-1', AT)).toBe('{"a":1}');
    expect(JSON.parse(scheduledInput(withPath!, 'eu-west-1', AT))).toBe('2026-03-01T10:00:00Z');
    expect(JSON.parse(scheduledInput(sched!, 'eu-west-1', AT))).toMatchObject({
      source: 'aws.scheduler',
      resources: ['arn:aws:scheduler:eu-west-1:000000000000:schedule/default/s'],
      detail: '{}',
    });
  });
});
