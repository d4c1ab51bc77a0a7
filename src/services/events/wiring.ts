import { SelflessError } from '../../platform/errors.js';
import { fitName } from '../../platform/resources/names.js';
import type { DeploymentSpec, FunctionSpec } from '../../platform/spec.js';
import { isValidTimezone, parseScheduleExpression } from '../schedules/expression.js';
import type { TargetRecord } from './engine.js';
import { parsePattern } from './pattern.js';
import { type InputTransformer, validateTargetInput } from './transform.js';

/** A rule (with one target) a deployment wants. */
export interface PlannedRule {
  bus: string;
  /** True when the bus is a plain name the deployment creates (not default, not an ARN). */
  createsBus: boolean;
  name: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  target: TargetRecord;
  where: string;
}

/** An EventBridge Scheduler schedule a deployment wants. */
export interface PlannedSchedule {
  name: string;
  expression: string;
  timezone?: string;
  enabled: boolean;
  functionArn: string;
  input?: string;
  where: string;
}

export interface WiringPlan {
  rules: PlannedRule[];
  schedules: PlannedSchedule[];
}

type Raw = Record<string, unknown>;

function fail(where: string, fnKey: string, message: string, hint: string): SelflessError {
  return new SelflessError('INVALID_EVENT', `Function "${fnKey}", ${where}: ${message}`, { where, hint });
}

const SCHEDULE_HINT =
  'Use rate(1 minute), rate(5 minutes), rate(2 hours) or AWS cron with 6 fields and "?" in day-of-month or day-of-week, e.g. cron(0 12 * * ? *).';
const PATTERN_HINT =
  'Every leaf of an EventBridge pattern is a list, e.g. {source: [my.app], detail: {amount: [{numeric: [">", 0]}]}}.';

/** The Input text for a configured `input` (objects become JSON; JSON strings stay as written). */
function inputText(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string') {
    try {
      JSON.parse(input);
      return input;
    } catch {
      return JSON.stringify(input);
    }
  }
  return JSON.stringify(input);
}

function transformer(raw: unknown, where: string, fnKey: string): InputTransformer | undefined {
  if (raw === undefined) return undefined;
  const t = raw as Raw;
  if (typeof t !== 'object' || t === null || typeof t.inputTemplate !== 'string')
    throw fail(
      `${where}.inputTransformer`,
      fnKey,
      'inputTemplate is required',
      'Write inputTransformer: {inputPathsMap: {name: $.detail.name}, inputTemplate: \'{"name": <name>}\'}.',
    );
  return {
    InputTemplate: t.inputTemplate,
    InputPathsMap: t.inputPathsMap as Record<string, string> | undefined,
  };
}

function targetInput(
  ev: Raw,
  where: string,
  fnKey: string,
): Pick<TargetRecord, 'Input' | 'InputPath' | 'InputTransformer'> {
  const t = {
    Input: inputText(ev.input),
    InputPath: ev.inputPath as string | undefined,
    InputTransformer: transformer(ev.inputTransformer, where, fnKey),
  };
  try {
    validateTargetInput(t, where);
  } catch (e) {
    throw fail(where, fnKey, (e as Error).message, 'Set only one of input, inputPath and inputTransformer.');
  }
  return t;
}

function checkExpression(expr: unknown, where: string, fnKey: string, allowAt = false): string {
  if (typeof expr !== 'string')
    throw fail(where, fnKey, 'the schedule must be a rate(...) or cron(...) string', SCHEDULE_HINT);
  try {
    parseScheduleExpression(expr, { allowAt });
  } catch (e) {
    const reason = (e as SelflessError).details?.reason;
    throw fail(
      where,
      fnKey,
      `invalid schedule expression "${expr}"${reason ? `: ${reason}` : ''}`,
      SCHEDULE_HINT,
    );
  }
  return expr;
}

function lambdaArn(region: string, fn: FunctionSpec): string {
  return `arn:aws:lambda:${region}:000000000000:function:${fn.name}`;
}

/** The normalized function key (`hello-world` → `HelloDashworld`), as logical ids use it. */
function normalizedKey(key: string): string {
  const s = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Plans the rules and schedules of every `schedule` and `eventBridge` event in a spec. */
export function planEventWiring(spec: DeploymentSpec): WiringPlan {
  const plan: WiringPlan = { rules: [], schedules: [] };
  const stack = `${spec.service}-${spec.stage}`;
  for (const fn of spec.functions) {
    let scheduleCount = 0;
    fn.events.forEach((ev, index) => {
      if ('schedule' in ev) {
        const where = `functions.${fn.key}.events[${index}].schedule`;
        const raw = ev.schedule;
        const cfg: Raw = typeof raw === 'string' ? { rate: raw } : ((raw ?? {}) as Raw);
        if (typeof cfg !== 'object')
          throw fail(where, fn.key, 'expected an expression or an object', SCHEDULE_HINT);
        const rates = Array.isArray(cfg.rate) ? cfg.rate : [cfg.rate];
        if (rates.length === 0 || cfg.rate === undefined)
          throw fail(where, fn.key, 'rate is required', SCHEDULE_HINT);
        if (cfg.name !== undefined && rates.length > 1)
          throw fail(
            where,
            fn.key,
            'name can only be set with a single rate',
            'Split the rates into separate schedule events to name them.',
          );
        const method = cfg.method ?? 'eventBus';
        if (method !== 'eventBus' && method !== 'scheduler')
          throw fail(
            `${where}.method`,
            fn.key,
            `method must be eventBus or scheduler, got ${JSON.stringify(method)}`,
            'Use method: scheduler for EventBridge Scheduler (timezones).',
          );
        const enabled = cfg.enabled !== false;
        if (method === 'scheduler') {
          if (cfg.inputPath !== undefined || cfg.inputTransformer !== undefined)
            throw fail(
              where,
              fn.key,
              'inputPath and inputTransformer are not supported with method: scheduler',
              'Use input with method: scheduler.',
            );
          if (
            cfg.timezone !== undefined &&
            (typeof cfg.timezone !== 'string' || !isValidTimezone(cfg.timezone))
          )
            throw fail(
              `${where}.timezone`,
              fn.key,
              `unknown timezone ${JSON.stringify(cfg.timezone)}`,
              'Use an IANA zone name such as Europe/Paris or America/New_York.',
            );
        } else if (cfg.timezone !== undefined)
          throw fail(
            `${where}.timezone`,
            fn.key,
            'timezone needs method: scheduler',
            'Add method: scheduler, or drop timezone (rule schedules run in UTC).',
          );
        const input = targetInput(cfg, where, fn.key);
        for (const rate of rates) {
          scheduleCount++;
          const expr = checkExpression(rate, `${where}.rate`, fn.key, method === 'scheduler');
          if (method === 'scheduler') {
            plan.schedules.push({
              name: typeof cfg.name === 'string' ? cfg.name : fitName(`${fn.name}-schedule-${scheduleCount}`),
              expression: expr,
              timezone: cfg.timezone as string | undefined,
              enabled,
              functionArn: lambdaArn(spec.region, fn),
              input: input.Input,
              where,
            });
            continue;
          }
          const logicalId = `${normalizedKey(fn.key)}EventsRuleSchedule${scheduleCount}`;
          plan.rules.push({
            bus: 'default',
            createsBus: false,
            name: typeof cfg.name === 'string' ? cfg.name : fitName(`${stack}-${logicalId}`),
            scheduleExpression: expr,
            state: enabled ? 'ENABLED' : 'DISABLED',
            description: cfg.description as string | undefined,
            target: { Id: `${fn.key}Schedule`, Arn: lambdaArn(spec.region, fn), ...input },
            where,
          });
        }
      }
      if ('eventBridge' in ev) {
        const where = `functions.${fn.key}.events[${index}].eventBridge`;
        const cfg = (ev.eventBridge ?? {}) as Raw;
        if (typeof cfg !== 'object' || cfg === null)
          throw fail(where, fn.key, 'expected an object', PATTERN_HINT);
        if (cfg.pattern === undefined && cfg.schedule === undefined)
          throw fail(where, fn.key, 'one of pattern and schedule is required', PATTERN_HINT);
        let eventPattern: string | undefined;
        if (cfg.pattern !== undefined) {
          try {
            parsePattern(cfg.pattern);
          } catch (e) {
            throw fail(`${where}.pattern`, fn.key, (e as Error).message, PATTERN_HINT);
          }
          eventPattern = JSON.stringify(cfg.pattern);
        }
        const schedule =
          cfg.schedule === undefined ? undefined : checkExpression(cfg.schedule, `${where}.schedule`, fn.key);
        const busRef = cfg.eventBus;
        let bus = 'default';
        let createsBus = false;
        if (typeof busRef === 'string' && busRef) {
          const m = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(busRef);
          bus = m ? m[1] : busRef;
          createsBus = !m && bus !== 'default';
        } else if (busRef !== undefined)
          throw fail(
            `${where}.eventBus`,
            fn.key,
            'eventBus must be a bus name or ARN (after variable resolution)',
            'Write eventBus: my-bus or an event-bus ARN.',
          );
        if (schedule && bus !== 'default')
          throw fail(
            where,
            fn.key,
            'ScheduleExpression is supported only on the default event bus.',
            'Drop eventBus for scheduled rules.',
          );
        const name = typeof cfg.name === 'string' ? cfg.name : fitName(`${fn.name}-rule-${index + 1}`);
        const retry = cfg.retryPolicy as
          | { maximumEventAge?: number; maximumRetryAttempts?: number }
          | undefined;
        plan.rules.push({
          bus,
          createsBus,
          name,
          eventPattern,
          scheduleExpression: schedule,
          state: cfg.enabled === false ? 'DISABLED' : 'ENABLED',
          description: cfg.description as string | undefined,
          target: {
            Id: fitName(`${name}-target`),
            Arn: lambdaArn(spec.region, fn),
            ...targetInput(cfg, where, fn.key),
            ...(retry
              ? {
                  RetryPolicy: {
                    MaximumEventAgeInSeconds: retry.maximumEventAge,
                    MaximumRetryAttempts: retry.maximumRetryAttempts,
                  },
                }
              : {}),
          },
          where,
        });
      }
    });
  }
  return plan;
}
