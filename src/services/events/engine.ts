/**
 * The EventBridge engine: event buses, rules (event patterns or schedules) and their targets, kept in
 * the Store; PutEvents matches each event against the bus's enabled rules and queues one durable
 * delivery per matching target with the target's input shaping applied.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID, arn } from '../../platform/aws-account.js';
import type { Clock } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import type { Table } from '../../platform/store/port.js';
import { parseScheduleExpression } from '../schedules/expression.js';
import type { Delivery, DeliveryWorker } from './delivery.js';
import { type EventPattern, matchesPattern, parsePattern } from './pattern.js';
import { type InputTransformer, targetPayload, validateTargetInput } from './transform.js';

export interface BusRecord {
  name: string;
  arn: string;
  createdAt: number;
  description?: string;
  /** `service:stage` when a deployment created it. */
  owner?: string;
}

export interface RuleRecord {
  name: string;
  arn: string;
  eventBusName: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  roleArn?: string;
  createdAt: number;
  owner?: string;
}

export interface TargetRecord {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  SqsParameters?: { MessageGroupId?: string };
  RoleArn?: string;
}

/** An event as rules and targets see it (EventBridge's envelope). */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** One PutEvents entry as the API receives it. */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | number | Date;
  TraceHeader?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** Called when a rule's schedule changes so the scheduler can (re)arm or drop it. */
export interface RuleScheduleSink {
  setRuleSchedule(rule: RuleRecord | undefined, ruleKey: string): Promise<void>;
}

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;

function validation(message: string): SelflessError {
  return new SelflessError('ValidationException', message);
}

function notFound(message: string): SelflessError {
  return new SelflessError('ResourceNotFoundException', message);
}

/** EventBridge times have whole seconds: `2026-01-01T00:00:00Z`. */
export function eventTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class EventsEngine {
  private readonly patterns = new Map<string, EventPattern>();
  private scheduleSink?: RuleScheduleSink;

  constructor(
    private readonly buses: Table<BusRecord>,
    private readonly rules: Table<RuleRecord>,
    private readonly targets: Table<TargetRecord>,
    private readonly deliveries: DeliveryWorker,
    private readonly clock: Clock,
    readonly region: string,
  ) {}

  /** Connects the scheduler that fires rules with a ScheduleExpression. */
  setScheduleSink(sink: RuleScheduleSink): void {
    this.scheduleSink = sink;
  }

  /** The ARN of a bus by name. */
  busArn(name: string): string {
    return arn('events', this.region, `event-bus/${name}`);
  }

  /** The ARN of a rule on a bus. */
  ruleArn(bus: string, name: string): string {
    return arn('events', this.region, bus === 'default' ? `rule/${name}` : `rule/${bus}/${name}`);
  }

  /** Resolves a bus name or ARN to its name (default when absent). */
  busName(nameOrArn?: string): string {
    if (!nameOrArn) return 'default';
    const m = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
    return m ? m[1] : nameOrArn;
  }

  private ruleKey(bus: string, name: string): string {
    return `${bus}|${name}`;
  }

  // ---- buses ----

  async getBus(name: string): Promise<BusRecord | undefined> {
    if (name === 'default') return { name, arn: this.busArn(name), createdAt: 0 };
    return this.buses.get(name);
  }

  async createBus(name: string, opts: { description?: string; owner?: string } = {}): Promise<BusRecord> {
    if (!BUS_NAME.test(name) || name === 'default' || name.startsWith('aws.'))
      throw validation(`Event bus name ${name} is not valid.`);
    if (await this.buses.get(name))
      throw new SelflessError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const bus: BusRecord = { name, arn: this.busArn(name), createdAt: this.clock.now(), ...opts };
    await this.buses.put(name, bus);
    return bus;
  }

  /** Deletes a bus with its rules and targets (no error when it does not exist). */
  async deleteBus(name: string): Promise<void> {
    if (name === 'default') throw validation('Cannot delete event bus default.');
    for (const r of await this.rules.list({ prefix: `${name}|` }))
      await this.deleteRule(name, r.value.name, { force: true });
    await this.buses.delete(name);
  }

  async listBuses(prefix = ''): Promise<BusRecord[]> {
    const custom = (await this.buses.list()).map((r) => r.value);
    return [{ name: 'default', arn: this.busArn('default'), createdAt: 0 }, ...custom].filter((b) =>
      b.name.startsWith(prefix),
    );
  }

  private async requireBus(name: string): Promise<void> {
    if (!(await this.getBus(name))) throw notFound(`Event bus ${name} does not exist.`);
  }

  // ---- rules ----

  /** Creates or updates a rule; validates its pattern and schedule as PutRule does. */
  async putRule(input: {
    Name?: string;
    EventBusName?: string;
    EventPattern?: string;
    ScheduleExpression?: string;
    State?: string;
    Description?: string;
    RoleArn?: string;
    owner?: string;
  }): Promise<RuleRecord> {
    const name = input.Name ?? '';
    if (!NAME.test(name))
      throw validation(
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
      );
    const bus = this.busName(input.EventBusName);
    await this.requireBus(bus);
    if (!input.EventPattern && !input.ScheduleExpression)
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    if (input.EventPattern) parsePattern(input.EventPattern);
    if (input.ScheduleExpression) {
      if (bus !== 'default')
        throw validation('ScheduleExpression is supported only on the default event bus.');
      try {
        parseScheduleExpression(input.ScheduleExpression);
      } catch (e) {
        throw new SelflessError('ValidationException', 'Parameter ScheduleExpression is not valid.', {
          details: (e as SelflessError).details,
          hint: (e as SelflessError).hint,
        });
      }
    }
    const state = input.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED')
      throw validation(
        `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`,
      );
    const key = this.ruleKey(bus, name);
    const previous = await this.rules.get(key);
    const rule: RuleRecord = {
      name,
      arn: this.ruleArn(bus, name),
      eventBusName: bus,
      eventPattern: input.EventPattern,
      scheduleExpression: input.ScheduleExpression,
      state,
      description: input.Description,
      roleArn: input.RoleArn,
      createdAt: previous?.createdAt ?? this.clock.now(),
      owner: input.owner ?? previous?.owner,
    };
    await this.rules.put(key, rule);
    this.patterns.delete(key);
    if (rule.scheduleExpression || previous?.scheduleExpression)
      await this.scheduleSink?.setRuleSchedule(rule.scheduleExpression ? rule : undefined, key);
    return rule;
  }

  async getRule(bus: string, name: string): Promise<RuleRecord> {
    const r = await this.rules.get(this.ruleKey(bus, name));
    if (!r) throw notFound(`Rule ${name} does not exist on EventBus ${bus}.`);
    return r;
  }

  /** Looks a rule up by its store key (`bus|name`). */
  ruleByKey(key: string): Promise<RuleRecord | undefined> {
    return this.rules.get(key);
  }

  async setRuleState(bus: string, name: string, state: 'ENABLED' | 'DISABLED'): Promise<void> {
    const r = await this.getRule(bus, name);
    const updated = { ...r, state };
    await this.rules.put(this.ruleKey(bus, name), updated);
    if (r.scheduleExpression) await this.scheduleSink?.setRuleSchedule(updated, this.ruleKey(bus, name));
  }

  /** Deletes a rule; AWS refuses while it has targets unless forced. Deleting a missing rule succeeds. */
  async deleteRule(bus: string, name: string, opts: { force?: boolean } = {}): Promise<void> {
    const key = this.ruleKey(bus, name);
    const targets = await this.targets.list({ prefix: `${key}|` });
    if (targets.length && !opts.force) throw validation("Rule can't be deleted since it has targets.");
    for (const t of targets) await this.targets.delete(t.key);
    const existed = await this.rules.get(key);
    await this.rules.delete(key);
    this.patterns.delete(key);
    if (existed?.scheduleExpression) await this.scheduleSink?.setRuleSchedule(undefined, key);
  }

  async listRules(bus: string, prefix = ''): Promise<RuleRecord[]> {
    await this.requireBus(bus);
    return (await this.rules.list({ prefix: `${bus}|${prefix}` }))
      .map((r) => r.value)
      .filter((r) => r.eventBusName === bus);
  }

  // ---- targets ----

  /** Adds or replaces targets of a rule; returns the entries that failed, as PutTargets does. */
  async putTargets(
    bus: string,
    ruleName: string,
    targets: TargetRecord[],
  ): Promise<Array<{ TargetId: string; ErrorCode: string; ErrorMessage: string }>> {
    await this.getRule(bus, ruleName);
    const key = this.ruleKey(bus, ruleName);
    const existing = await this.targets.list({ prefix: `${key}|` });
    const ids = new Set(existing.map((t) => t.value.Id));
    const failed: Array<{ TargetId: string; ErrorCode: string; ErrorMessage: string }> = [];
    for (const t of targets) {
      if (!t.Id || !/^[.\-_A-Za-z0-9]{1,64}$/.test(t.Id)) throw validation(`Target Id ${t.Id} is not valid.`);
      if (!t.Arn || !/^arn:aws[\w-]*:[a-z0-9-]+:/.test(t.Arn))
        throw validation(`Parameter ${t.Arn} is not valid. Reason: Provided Arn is not in correct format.`);
      validateTargetInput(t, `Target ${t.Id}`);
      const service = t.Arn.split(':')[2];
      if (!['lambda', 'sqs', 'sns'].includes(service)) {
        failed.push({
          TargetId: t.Id,
          ErrorCode: 'ValidationException',
          ErrorMessage: `Targets of type ${service} are not supported by Selfless (lambda, sqs and sns are).`,
        });
        continue;
      }
      ids.add(t.Id);
      if (ids.size > 5)
        throw new SelflessError(
          'LimitExceededException',
          'The requested resource exceeds the maximum number allowed.',
        );
    }
    for (const t of targets)
      if (!failed.some((f) => f.TargetId === t.Id)) await this.targets.put(`${key}|${t.Id}`, t);
    return failed;
  }

  async removeTargets(bus: string, ruleName: string, ids: string[]): Promise<void> {
    await this.getRule(bus, ruleName);
    for (const id of ids) await this.targets.delete(`${this.ruleKey(bus, ruleName)}|${id}`);
  }

  async listTargets(bus: string, ruleName: string): Promise<TargetRecord[]> {
    await this.getRule(bus, ruleName);
    return (await this.targets.list({ prefix: `${this.ruleKey(bus, ruleName)}|` })).map((r) => r.value);
  }

  // ---- events ----

  private pattern(key: string, rule: RuleRecord): EventPattern | undefined {
    if (!rule.eventPattern) return undefined;
    let p = this.patterns.get(key);
    if (!p) {
      p = parsePattern(rule.eventPattern);
      this.patterns.set(key, p);
    }
    return p;
  }

  /** Builds the envelope for a PutEvents entry, or the entry's error. */
  private envelope(
    e: PutEventsEntry,
    now: number,
  ): EventEnvelope | { ErrorCode: string; ErrorMessage: string } {
    const bad = (what: string) => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${what} is not valid. Reason: ${what} is a required argument.`,
    });
    if (!e.Source) return bad('Source');
    if (!e.DetailType) return bad('DetailType');
    if (e.Detail === undefined) return bad('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(e.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    let time = now;
    if (e.Time !== undefined) {
      const t =
        e.Time instanceof Date
          ? e.Time.getTime()
          : typeof e.Time === 'number'
            ? e.Time * 1000
            : Date.parse(e.Time);
      if (!Number.isNaN(t)) time = t;
    }
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': e.DetailType,
      source: e.Source,
      account: ACCOUNT_ID,
      time: eventTime(time),
      region: this.region,
      resources: e.Resources ?? [],
      detail,
    };
  }

  /** PutEvents: matches each entry and durably queues its deliveries before answering. */
  async putEvents(
    entries: PutEventsEntry[],
  ): Promise<{ FailedEntryCount: number; Entries: PutEventsResultEntry[] }> {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10)
      throw validation(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1`,
      );
    const now = this.clock.now();
    const results: PutEventsResultEntry[] = [];
    for (const e of entries) {
      const env = this.envelope(e, now);
      if ('ErrorCode' in env) {
        results.push(env);
        continue;
      }
      const bus = this.busName(e.EventBusName);
      if (!(await this.getBus(bus))) {
        results.push({
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Event bus ${bus} does not exist.`,
        });
        continue;
      }
      await this.dispatch(bus, env, now);
      results.push({ EventId: env.id });
    }
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /** Matches an event against a bus's enabled pattern rules and queues deliveries. */
  async dispatch(bus: string, env: EventEnvelope, now = this.clock.now()): Promise<number> {
    let queued = 0;
    for (const { key, value: rule } of await this.rules.list({ prefix: `${bus}|` })) {
      if (rule.state !== 'ENABLED' || rule.eventBusName !== bus) continue;
      const p = this.pattern(key, rule);
      if (!p || !matchesPattern(p, env)) continue;
      queued += await this.deliverToTargets(key, rule, env, now);
    }
    return queued;
  }

  /** Fires a scheduled rule for its scheduled time (the `Scheduled Event` envelope). */
  async fireScheduledRule(ruleKey: string, scheduledAt: number): Promise<number> {
    const rule = await this.rules.get(ruleKey);
    if (rule?.state !== 'ENABLED') return 0;
    const env: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT_ID,
      time: eventTime(scheduledAt),
      region: this.region,
      resources: [rule.arn],
      detail: {},
    };
    return this.deliverToTargets(ruleKey, rule, env, this.clock.now());
  }

  private async deliverToTargets(
    key: string,
    rule: RuleRecord,
    env: EventEnvelope,
    now: number,
  ): Promise<number> {
    const targets = (await this.targets.list({ prefix: `${key}|` })).map((t) => t.value);
    const items = targets.map((t) => ({
      id: `${env.id}|${rule.arn}|${t.Id}`,
      delivery: {
        arn: t.Arn,
        payload: targetPayload(env, t, {
          ruleArn: rule.arn,
          ruleName: rule.name,
          ingestionTime: eventTime(now),
        }),
        origin: `rule ${rule.name}`,
        acceptedAt: now,
        maxAgeMs: (t.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400) * 1000,
        maxAttempts: (t.RetryPolicy?.MaximumRetryAttempts ?? 185) + 1,
        messageGroupId: t.SqsParameters?.MessageGroupId,
      } satisfies Delivery,
    }));
    await this.deliveries.enqueue(items);
    return items.length;
  }
}
