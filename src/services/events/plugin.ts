/**
 * The events plugin: EventBridge (buses, rules, targets, PutEvents) with its JSON 1.1 wire API, the
 * durable scheduler behind schedule rules and EventBridge Scheduler schedules, the resource types
 * AWS::Events::EventBus / AWS::Events::Rule / AWS::Scheduler::Schedule, and the serverless.yml
 * `schedule` and `eventBridge` event wiring.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID, arn } from '../../platform/aws-account.js';
import { SelflessError } from '../../platform/errors.js';
import { fitName } from '../../platform/resources/names.js';
import type {
  DeployContext,
  PlatformContext,
  ResourceType,
  ServicePlugin,
  WireRequest,
} from '../../platform/service.js';
import { type ScheduleRecord, Scheduler } from '../schedules/scheduler.js';
import { EventsApi } from './api.js';
import { type Delivery, DeliveryWorker } from './delivery.js';
import { type BusRecord, EventsEngine, eventTime, type RuleRecord, type TargetRecord } from './engine.js';
import { planEventWiring } from './wiring.js';

/** What other services and tests reach through `ctx.service('events')`. */
export interface EventsFacade {
  engine: EventsEngine;
  scheduler: Scheduler;
  /** Resolves once queued deliveries available now have been handed to their targets. */
  settled(): Promise<void>;
}

/** The default EventBridge Scheduler payload (events.md §10): detail is the string "{}". */
export function schedulerEvent(
  region: string,
  group: string,
  name: string,
  scheduledAt: number,
): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: ACCOUNT_ID,
    time: eventTime(scheduledAt),
    region,
    resources: [arn('scheduler', region, `schedule/${group}/${name}`)],
    detail: '{}',
  };
}

/** Creates the events plugin. */
export function eventsPlugin(): ServicePlugin {
  let engine: EventsEngine | undefined;
  let scheduler: Scheduler | undefined;
  let api: EventsApi | undefined;
  let worker: DeliveryWorker | undefined;

  const started = () => {
    if (!engine || !scheduler || !worker)
      throw new SelflessError('SERVICE_NOT_STARTED', 'The events service is not running', { kind: 'system' });
    return { engine, scheduler, worker };
  };

  const ruleScheduleId = (ruleKey: string) => `rule:${ruleKey}`;
  const directScheduleId = (group: string, name: string) => `scheduler:${group}/${name}`;

  /** Upserts an EventBridge Scheduler schedule targeting a function. */
  const putDirectSchedule = async (s: {
    name: string;
    group?: string;
    expression: string;
    timezone?: string;
    enabled: boolean;
    targetArn: string;
    input?: string;
    owner?: string;
  }) => {
    const group = s.group ?? 'default';
    await started().scheduler.upsert({
      id: directScheduleId(group, s.name),
      expression: s.expression,
      timezone: s.timezone,
      enabled: s.enabled,
      owner: s.owner,
      target: { kind: 'direct', arn: s.targetArn, input: s.input, name: s.name, group },
    });
  };

  const ruleResource: ResourceType = {
    async apply(ctx, logicalId, props, previous) {
      const { engine } = started();
      const where = `resources.Resources.${logicalId}`;
      const bus = engine.busName(props.EventBusName as string | undefined);
      const name =
        typeof props.Name === 'string' && props.Name
          ? props.Name
          : (previous?.attributes.Name ?? fitName(`${ctx.service}-${ctx.stage}-${logicalId}`));
      const pattern = props.EventPattern;
      try {
        if (previous && previous.attributes.Name !== name)
          await engine.deleteRule(previous.attributes.EventBusName ?? 'default', previous.attributes.Name, {
            force: true,
          });
        const rule = await engine.putRule({
          Name: name,
          EventBusName: bus,
          EventPattern:
            pattern === undefined
              ? undefined
              : typeof pattern === 'string'
                ? pattern
                : JSON.stringify(pattern),
          ScheduleExpression: props.ScheduleExpression as string | undefined,
          State: (props.State as string | undefined) ?? 'ENABLED',
          Description: props.Description as string | undefined,
          owner: `${ctx.service}:${ctx.stage}`,
        });
        const targets = ((props.Targets as TargetRecord[] | undefined) ?? []).map((t) => ({ ...t }));
        const old = await engine.listTargets(bus, name);
        const keep = new Set(targets.map((t) => t.Id));
        await engine.removeTargets(
          bus,
          name,
          old.map((t) => t.Id).filter((id) => !keep.has(id)),
        );
        if (targets.length) {
          const failed = await engine.putTargets(bus, name, targets);
          if (failed.length)
            throw new SelflessError(
              'INVALID_RESOURCE',
              failed.map((f) => `${f.TargetId}: ${f.ErrorMessage}`).join('; '),
            );
        }
        return {
          ref: bus === 'default' ? name : `${bus}|${name}`,
          attributes: { Arn: rule.arn, Name: name, EventBusName: bus },
        };
      } catch (e) {
        throw new SelflessError('INVALID_RESOURCE', `${where}: ${(e as Error).message}`, {
          where,
          hint: (e as SelflessError).hint,
        });
      }
    },
    async remove(_ctx, _logicalId, current) {
      await started().engine.deleteRule(
        current.attributes.EventBusName ?? 'default',
        current.attributes.Name,
        { force: true },
      );
    },
  };

  return {
    name: 'events',
    async start(ctx: PlatformContext): Promise<EventsFacade> {
      const w = new DeliveryWorker(ctx.store.queue<Delivery>('events.deliveries'), ctx, ctx.clock, ctx.log);
      worker = w;
      const e = new EventsEngine(
        ctx.store.table<BusRecord>('events.buses'),
        ctx.store.table<RuleRecord>('events.rules'),
        ctx.store.table<TargetRecord>('events.targets'),
        w,
        ctx.clock,
        ctx.region,
      );
      engine = e;
      const s = new Scheduler(
        ctx.store.table<ScheduleRecord>('events.schedules'),
        ctx.clock,
        async (record, at) => {
          if (record.target.kind === 'rule') {
            await e.fireScheduledRule(record.target.ruleKey, at);
            return;
          }
          const t = record.target;
          await w.enqueue([
            {
              id: `${record.id}@${at}`,
              delivery: {
                arn: t.arn,
                payload: t.input ?? JSON.stringify(schedulerEvent(ctx.region, t.group, t.name, at)),
                origin: `schedule ${t.group}/${t.name}`,
                acceptedAt: ctx.clock.now(),
                maxAgeMs: t.maxAgeMs,
                maxAttempts: t.maxAttempts,
              },
            },
          ]);
        },
        ctx.log,
      );
      scheduler = s;
      e.setScheduleSink({
        async setRuleSchedule(rule, ruleKey) {
          if (!rule?.scheduleExpression) await s.remove(ruleScheduleId(ruleKey));
          else
            await s.upsert({
              id: ruleScheduleId(ruleKey),
              expression: rule.scheduleExpression,
              enabled: rule.state === 'ENABLED',
              owner: rule.owner,
              target: { kind: 'rule', ruleKey },
            });
        },
      });
      api = new EventsApi(e, ctx.log);
      w.start();
      await s.start();
      return { engine: e, scheduler: s, settled: () => w.settled() };
    },
    async stop() {
      scheduler?.stop();
      worker?.stop();
    },
    wire: {
      signingNames: ['events'],
      targetPrefixes: ['AWSEvents.'],
      handle: async (w: WireRequest) => {
        if (!api)
          throw new SelflessError('SERVICE_NOT_STARTED', 'The events service is not running', {
            kind: 'system',
          });
        await api.handle(w);
      },
    },
    resourceTypes: {
      'AWS::Events::EventBus': {
        async apply(ctx, logicalId, props) {
          const { engine } = started();
          const name = String(props.Name ?? '');
          if (!(await engine.getBus(name))) {
            try {
              await engine.createBus(name, {
                description: props.Description as string | undefined,
                owner: `${ctx.service}:${ctx.stage}`,
              });
            } catch (e) {
              throw new SelflessError(
                'INVALID_RESOURCE',
                `resources.Resources.${logicalId}: ${(e as Error).message}`,
                {
                  where: `resources.Resources.${logicalId}`,
                },
              );
            }
          }
          return { ref: name, attributes: { Arn: engine.busArn(name), Name: name } };
        },
        async remove(ctx, _logicalId, current) {
          const { engine } = started();
          const bus = await engine.getBus(current.ref);
          if (bus?.owner === `${ctx.service}:${ctx.stage}`) await engine.deleteBus(current.ref);
        },
      },
      'AWS::Events::Rule': ruleResource,
      'AWS::Scheduler::Schedule': {
        async apply(ctx, logicalId, props) {
          const target = (props.Target ?? {}) as Record<string, unknown>;
          const name =
            typeof props.Name === 'string' && props.Name
              ? props.Name
              : fitName(`${ctx.service}-${ctx.stage}-${logicalId}`);
          const group = typeof props.GroupName === 'string' ? props.GroupName : 'default';
          try {
            await putDirectSchedule({
              name,
              group,
              expression: String(props.ScheduleExpression ?? ''),
              timezone: props.ScheduleExpressionTimezone as string | undefined,
              enabled: props.State !== 'DISABLED',
              targetArn: String(target.Arn ?? ''),
              input: target.Input as string | undefined,
              owner: `${ctx.service}:${ctx.stage}`,
            });
          } catch (e) {
            throw new SelflessError(
              'INVALID_RESOURCE',
              `resources.Resources.${logicalId}: ${(e as Error).message}`,
              {
                where: `resources.Resources.${logicalId}`,
                hint: (e as SelflessError).hint,
              },
            );
          }
          return {
            ref: name,
            attributes: {
              Arn: arn('scheduler', ctx.region, `schedule/${group}/${name}`),
              Group: group,
              Name: name,
            },
          };
        },
        async remove(_ctx, _logicalId, current) {
          await started().scheduler.remove(
            directScheduleId(current.attributes.Group ?? 'default', current.ref),
          );
        },
      },
    },
    async wireEvents(ctx: DeployContext) {
      const { engine } = started();
      // Wiring owns what it creates under its own tag; resources (AWS::Events::Rule, ...) use `service:stage`.
      const owner = `${ctx.service}:${ctx.stage}:events`;
      // Validate everything before changing anything.
      const plan = planEventWiring(ctx.spec);
      const wantedRules = new Set(plan.rules.map((r) => `${r.bus}|${r.name}`));
      const wantedSchedules = new Set(plan.schedules.map((s) => directScheduleId('default', s.name)));
      for (const r of plan.rules) {
        if (!(await engine.getBus(r.bus))) {
          if (!r.createsBus)
            throw new SelflessError('INVALID_EVENT', `${r.where}: event bus ${r.bus} does not exist.`, {
              where: r.where,
              hint: 'Create the bus first, or give its plain name so the deployment creates it.',
            });
          await engine.createBus(r.bus, { owner });
        }
        const existing = await engine.ruleByKey(`${r.bus}|${r.name}`);
        if (existing?.owner && existing.owner !== owner)
          throw new SelflessError(
            'INVALID_EVENT',
            `${r.where}: rule ${r.name} already belongs to ${existing.owner}.`,
            {
              where: r.where,
              hint: 'Give the event a different name.',
            },
          );
        await engine.putRule({
          Name: r.name,
          EventBusName: r.bus,
          EventPattern: r.eventPattern,
          ScheduleExpression: r.scheduleExpression,
          State: r.state,
          Description: r.description,
          owner,
        });
        const old = await engine.listTargets(r.bus, r.name);
        const stale = old.map((t) => t.Id).filter((id) => id !== r.target.Id);
        if (stale.length) await engine.removeTargets(r.bus, r.name, stale);
        await engine.putTargets(r.bus, r.name, [r.target]);
      }
      for (const s of plan.schedules)
        await putDirectSchedule({
          name: s.name,
          expression: s.expression,
          timezone: s.timezone,
          enabled: s.enabled,
          targetArn: s.functionArn,
          input: s.input,
          owner,
        });
      await removeOwned(owner, wantedRules, wantedSchedules);
    },
    async unwireEvents(service: string, stage: string) {
      await removeOwned(`${service}:${stage}:events`, new Set(), new Set());
    },
  };

  /** Removes the rules, schedules and buses a deployment's events created that it no longer wants. */
  async function removeOwned(owner: string, rules: Set<string>, schedules: Set<string>): Promise<void> {
    const { engine, scheduler } = started();
    for (const bus of await engine.listBuses())
      for (const r of await engine.listRules(bus.name))
        if (r.owner === owner && !rules.has(`${r.eventBusName}|${r.name}`))
          await engine.deleteRule(r.eventBusName, r.name, { force: true });
    // Rule schedules come and go with their rules; only Scheduler schedules are removed here.
    for (const s of scheduler.list())
      if (s.owner === owner && s.target.kind === 'direct' && !schedules.has(s.id))
        await scheduler.remove(s.id);
    for (const bus of await engine.listBuses())
      if (bus.owner === owner && (await engine.listRules(bus.name)).length === 0)
        await engine.deleteBus(bus.name);
  }
}
