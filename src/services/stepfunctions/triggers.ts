/**
 * serverless-step-functions' `schedule` events of a state machine: `rate(...)`/`cron(...)` strings or
 * `{rate, enabled, input, inputPath, inputTransformer, name, description, method, timezone}`,
 * validated and planned into schedules that start executions. Rule schedules (method eventBus, the
 * default) give the execution EventBridge's scheduled event (source aws.events) unless input says
 * otherwise; Scheduler schedules (method scheduler) give the aws.scheduler event or `input`.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import { SelflessError } from '../../platform/errors.js';
import { fitName } from '../../platform/resources/names.js';
import { type TargetInput, targetPayload, validateTargetInput } from '../events/transform.js';
import { isValidTimezone, parseScheduleExpression } from '../schedules/expression.js';
import type { PlannedMachine } from './deploy.js';

/** One schedule a state machine's events ask for. */
export interface MachineSchedule {
  /** Scheduler id: `sfn:<service>:<stage>:<name>`. */
  id: string;
  /** The rule or Scheduler schedule name. */
  name: string;
  method: 'eventBus' | 'scheduler';
  expression: string;
  timezone?: string;
  enabled: boolean;
  description?: string;
  /** What the execution gets: Input, InputPath or InputTransformer over the scheduled event. */
  input: TargetInput;
  machineKey: string;
  stateMachineArn: string;
  where: string;
}

type Raw = Record<string, unknown>;

const HINT =
  'Use rate(5 minutes), rate(1 hour) or AWS cron with 6 fields, e.g. cron(0 12 * * ? *); the object form is {rate, enabled, input, name, method, timezone}.';

function fail(where: string, message: string, hint = HINT): never {
  throw new SelflessError('INVALID_EVENT', `${where}: ${message}`, { where, hint });
}

/** `input` as the target's Input text (objects become JSON; JSON strings stay as written). */
function inputText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') {
    try {
      JSON.parse(v);
      return v;
    } catch {
      return JSON.stringify(v);
    }
  }
  return JSON.stringify(v);
}

/** The name prefix serverless-step-functions gives a machine's resources (`<Key>` or `normalize(name)`). */
function machinePrefix(m: PlannedMachine): string {
  return m.logicalId.replace(/StepFunctionsStateMachine$/, '');
}

/** Plans every `schedule` event of the machines; throws naming the event for bad ones. */
export function planMachineSchedules(
  service: string,
  stage: string,
  machines: Array<PlannedMachine & { stateMachineArn: string }>,
): MachineSchedule[] {
  const out: MachineSchedule[] = [];
  for (const m of machines) {
    let n = 0;
    m.events.forEach((ev, i) => {
      if (!ev || typeof ev !== 'object' || !('schedule' in ev)) return;
      const where = `stepFunctions.stateMachines.${m.key}.events[${i}].schedule`;
      const raw = ev.schedule;
      const cfg: Raw =
        typeof raw === 'string'
          ? { rate: raw }
          : raw && typeof raw === 'object' && !Array.isArray(raw)
            ? (raw as Raw)
            : fail(where, 'expected a rate(...)/cron(...) expression or an object');
      if (cfg.rate === undefined) fail(where, 'rate is required');
      const rates = Array.isArray(cfg.rate) ? cfg.rate : [cfg.rate];
      if (typeof cfg.name === 'string' && rates.length > 1)
        fail(
          where,
          'name can only be set with a single rate',
          'Split the rates into separate schedule events.',
        );
      const method = cfg.method ?? 'eventBus';
      if (method !== 'eventBus' && method !== 'scheduler')
        fail(`${where}.method`, `method must be eventBus or scheduler, got ${JSON.stringify(method)}`);
      if (cfg.timezone !== undefined) {
        if (method !== 'scheduler')
          fail(`${where}.timezone`, 'timezone needs method: scheduler (rule schedules run in UTC)');
        if (typeof cfg.timezone !== 'string' || !isValidTimezone(cfg.timezone))
          fail(
            `${where}.timezone`,
            `unknown timezone ${JSON.stringify(cfg.timezone)}`,
            'Use an IANA zone name such as Europe/Oslo.',
          );
      }
      if (cfg.enabled !== undefined && typeof cfg.enabled !== 'boolean')
        fail(`${where}.enabled`, 'enabled must be true or false');
      const it = cfg.inputTransformer as Raw | undefined;
      if (it !== undefined && (typeof it !== 'object' || it === null || typeof it.inputTemplate !== 'string'))
        fail(`${where}.inputTransformer`, 'inputTemplate is required');
      const input: TargetInput = {
        Input: inputText(cfg.input),
        InputPath: typeof cfg.inputPath === 'string' ? cfg.inputPath : undefined,
        InputTransformer: it
          ? {
              InputTemplate: it.inputTemplate as string,
              InputPathsMap: it.inputPathsMap as Record<string, string> | undefined,
            }
          : undefined,
      };
      if (method === 'scheduler' && (input.InputPath || input.InputTransformer))
        fail(where, 'inputPath and inputTransformer are not supported with method: scheduler', 'Use input.');
      try {
        validateTargetInput(input, where);
      } catch (e) {
        fail(where, (e as Error).message, 'Set only one of input, inputPath and inputTransformer.');
      }
      for (const rate of rates) {
        n++;
        if (typeof rate !== 'string')
          fail(`${where}.rate`, 'the schedule must be a rate(...) or cron(...) string');
        try {
          parseScheduleExpression(rate, { allowAt: method === 'scheduler' });
        } catch (e) {
          const reason = (e as SelflessError).details?.reason;
          fail(`${where}.rate`, `invalid schedule expression "${rate}"${reason ? `: ${reason}` : ''}`);
        }
        const kind = method === 'scheduler' ? 'SchedulerSchedule' : 'EventsRuleSchedule';
        const name =
          typeof cfg.name === 'string'
            ? cfg.name
            : fitName(`${service}-${stage}-${machinePrefix(m)}StepFunctions${kind}${n}`);
        out.push({
          id: `sfn:${service}:${stage}:${name}`,
          name,
          method,
          expression: rate,
          timezone: cfg.timezone as string | undefined,
          enabled: cfg.enabled !== false,
          description: typeof cfg.description === 'string' ? cfg.description : undefined,
          input,
          machineKey: m.key,
          stateMachineArn: m.stateMachineArn,
          where,
        });
      }
    });
  }
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s.id))
      fail(s.where, `schedule name ${s.name} is used twice`, 'Give each schedule event its own name.');
    seen.add(s.id);
  }
  return out;
}

/** The event a schedule delivers at `scheduledAt`, as EventBridge (rules) or EventBridge Scheduler builds it. */
export function scheduledEvent(
  s: MachineSchedule,
  region: string,
  scheduledAt: number,
): Record<string, unknown> {
  const time = new Date(Math.floor(scheduledAt / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return s.method === 'scheduler'
    ? {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.scheduler',
        account: ACCOUNT_ID,
        time,
        region,
        resources: [`arn:aws:scheduler:${region}:${ACCOUNT_ID}:schedule/default/${s.name}`],
        detail: '{}',
      }
    : {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: ACCOUNT_ID,
        time,
        region,
        resources: [`arn:aws:events:${region}:${ACCOUNT_ID}:rule/${s.name}`],
        detail: {},
      };
}

/** The execution input of one firing: the configured input, or the scheduled event (through inputPath/inputTransformer). */
export function scheduledInput(s: MachineSchedule, region: string, scheduledAt: number): string {
  if (s.input.Input !== undefined) return s.input.Input;
  const event = scheduledEvent(s, region, scheduledAt);
  if (s.method === 'scheduler') return JSON.stringify(event);
  return targetPayload(event, s.input, {
    ruleArn: `arn:aws:events:${region}:${ACCOUNT_ID}:rule/${s.name}`,
    ruleName: s.name,
    ingestionTime: event.time as string,
  });
}
