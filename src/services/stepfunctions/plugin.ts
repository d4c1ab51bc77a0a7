/**
 * The stepfunctions service plugin: the engine (its facade), the Step Functions wire API, state
 * machines from `stepFunctions.stateMachines` created, updated and removed with each deployment,
 * and resumption of running Standard executions when the platform starts.
 */
import { SERVICES, type ServiceRecord } from '../../platform/deployments.js';
import { isSelflessError } from '../../platform/errors.js';
import type {
  DeployContext,
  PlatformContext,
  ResourceAttributes,
  ServicePlugin,
  WireRequest,
} from '../../platform/service.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { type ScheduleRecord, Scheduler } from '../schedules/scheduler.js';
import { stepFunctionsWireApi } from './api.js';
import { planActivities, planMachines } from './deploy.js';
import { StepFunctionsEngine } from './engine.js';
import type { IntegrationDeps, SnsPublisher, SqsSender } from './integrations.js';
import type { S3Reader } from './item-reader.js';
import { machineArn } from './model.js';
import { type MachineSchedule, planMachineSchedules, scheduledInput } from './triggers.js';

/** Durable schedules of state machines' `schedule` events (the schedules service's Scheduler). */
export const SCHEDULES = 'stepfunctions.schedules';
/** What each of those schedules does when it fires. */
export const SCHEDULE_PLANS = 'stepfunctions.schedule-plans';

/** A facade by name, or undefined when that service is not part of this platform. */
function optionalService<T>(ctx: PlatformContext, name: string): T | undefined {
  try {
    return ctx.service<T>(name);
  } catch (e) {
    if (isSelflessError(e) && e.code === 'SERVICE_NOT_STARTED') return undefined;
    throw e;
  }
}

/** Creates the stepfunctions plugin; its facade is the StepFunctionsEngine. */
export function stepFunctionsPlugin(): ServicePlugin {
  let engine: StepFunctionsEngine | undefined;
  let platform: PlatformContext | undefined;
  let scheduler: Scheduler | undefined;
  const api = stepFunctionsWireApi(() => {
    if (!engine) throw new Error('stepfunctions service not started');
    return engine;
  });

  const resourcesOf = async (service: string, stage: string): Promise<Record<string, ResourceAttributes>> => {
    const record = await platform?.store.table<ServiceRecord>(SERVICES).get(`${service}:${stage}`);
    return Object.fromEntries(Object.entries(record?.resources ?? {}).map(([id, r]) => [id, r.attributes]));
  };

  /** Makes the schedules owned by `owner` exactly `wanted` (an unchanged expression keeps its last firing). */
  const applySchedules = async (owner: string, wanted: MachineSchedule[]) => {
    if (!scheduler || !platform) return;
    const plans = platform.store.table<MachineSchedule>(SCHEDULE_PLANS);
    const ids = new Set(wanted.map((w) => w.id));
    for (const w of wanted) {
      await plans.put(w.id, w);
      await scheduler.upsert({
        id: w.id,
        expression: w.expression,
        timezone: w.timezone,
        enabled: w.enabled,
        owner,
        target: {
          kind: 'direct',
          arn: w.stateMachineArn,
          input: w.input.Input,
          name: w.name,
          group: 'default',
        },
      });
    }
    for (const r of scheduler.list())
      if (r.owner === owner && !ids.has(r.id)) {
        await scheduler.remove(r.id);
        await plans.delete(r.id);
      }
  };

  return {
    name: 'stepfunctions',
    async start(ctx: PlatformContext) {
      platform = ctx;
      engine = new StepFunctionsEngine(ctx.store, ctx.clock, ctx.region, ctx.log);
      // Facades are looked up per call: services may start after this one or not exist at all.
      const deps: IntegrationDeps = {
        get lambda() {
          return optionalService<LambdaFacade>(ctx, 'lambda');
        },
        get sqs() {
          return optionalService<SqsSender>(ctx, 'sqs');
        },
        get sns() {
          return optionalService<SnsPublisher>(ctx, 'sns');
        },
        get s3() {
          return optionalService<{ engine: S3Reader }>(ctx, 's3')?.engine;
        },
      };
      engine.setIntegrations(deps);
      const resumed = await engine.resumeAll();
      if (resumed > 0) ctx.log.info(`Step Functions: resumed ${resumed} running execution(s)`);
      const plans = ctx.store.table<MachineSchedule>(SCHEDULE_PLANS);
      const started = engine;
      scheduler = new Scheduler(
        ctx.store.table<ScheduleRecord>(SCHEDULES),
        ctx.clock,
        async (record, at) => {
          const plan = await plans.get(record.id);
          if (!plan) return;
          await started.startExecution({
            stateMachineArn: plan.stateMachineArn,
            // The event names the deployment's region, which the machine's ARN carries.
            input: scheduledInput(plan, plan.stateMachineArn.split(':')[3] || ctx.region, at),
          });
        },
        ctx.log,
      );
      await scheduler.start();
      return engine;
    },
    async stop() {
      scheduler?.stop();
      await engine?.shutdown();
    },
    wire: {
      signingNames: api.signingNames,
      targetPrefixes: api.targetPrefixes,
      handle: (w: WireRequest) => api.handle(w),
    },
    async wireEvents(ctx: DeployContext) {
      if (!engine || !platform) return;
      const lambda = optionalService<LambdaFacade>(platform, 'lambda');
      const planned = planMachines({
        spec: ctx.spec,
        region: ctx.region,
        functionArn: (name) =>
          lambda?.functionArn(name) ?? `arn:aws:lambda:${ctx.region}:000000000000:function:${name}`,
        resources: await resourcesOf(ctx.service, ctx.stage),
      });
      // Validate the schedule events before changing anything.
      const schedules = planMachineSchedules(
        ctx.service,
        ctx.stage,
        planned.map((m) => ({ ...m, stateMachineArn: machineArn(ctx.region, m.name) })),
      );
      const activities = planActivities(ctx.spec);
      const keepActivities = new Set<string>();
      for (const a of activities) {
        const record = await engine.activities.create(ctx.region, a.name, undefined, {
          service: ctx.service,
          stage: ctx.stage,
        });
        keepActivities.add(record.activityArn);
      }
      for (const a of await engine.activities.owned(ctx.service, ctx.stage))
        if (!keepActivities.has(a.activityArn)) await engine.activities.delete(a.activityArn);
      const keep = new Set<string>();
      for (const m of planned) {
        const record = await engine.putOwnedMachine({
          region: ctx.region,
          name: m.name,
          type: m.type,
          definition: JSON.stringify(m.definition),
          roleArn: m.roleArn,
          owner: { service: ctx.service, stage: ctx.stage, key: m.key },
        });
        keep.add(record.stateMachineArn);
      }
      for (const m of await engine.ownedMachines(ctx.service, ctx.stage))
        if (!keep.has(m.stateMachineArn)) await engine.deleteStateMachine(m.stateMachineArn);
      await applySchedules(`${ctx.service}:${ctx.stage}`, schedules);
    },
    async unwireEvents(service: string, stage: string) {
      if (!engine) return;
      await applySchedules(`${service}:${stage}`, []);
      for (const m of await engine.ownedMachines(service, stage))
        await engine.deleteStateMachine(m.stateMachineArn);
      for (const a of await engine.activities.owned(service, stage))
        await engine.activities.delete(a.activityArn);
    },
    async serviceOutputs(service: string, stage: string) {
      const machines = (await engine?.ownedMachines(service, stage)) ?? [];
      const out: Record<string, string[]> = {};
      if (machines.length > 0)
        out['state machines'] = machines.map((m) => `${m.owner?.key ?? m.name}: ${m.stateMachineArn}`);
      const activities = (await engine?.activities.owned(service, stage)) ?? [];
      if (activities.length > 0) out.activities = activities.map((a) => `${a.name}: ${a.activityArn}`);
      return out;
    },
  };
}
