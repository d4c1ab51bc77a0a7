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
import { stepFunctionsWireApi } from './api.js';
import { planMachines } from './deploy.js';
import { StepFunctionsEngine } from './engine.js';
import type { IntegrationDeps, SnsPublisher, SqsSender } from './integrations.js';
import type { S3Reader } from './item-reader.js';

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
  const api = stepFunctionsWireApi(() => {
    if (!engine) throw new Error('stepfunctions service not started');
    return engine;
  });

  const resourcesOf = async (service: string, stage: string): Promise<Record<string, ResourceAttributes>> => {
    const record = await platform?.store.table<ServiceRecord>(SERVICES).get(`${service}:${stage}`);
    return Object.fromEntries(Object.entries(record?.resources ?? {}).map(([id, r]) => [id, r.attributes]));
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
      return engine;
    },
    async stop() {
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
    },
    async unwireEvents(service: string, stage: string) {
      if (!engine) return;
      for (const m of await engine.ownedMachines(service, stage))
        await engine.deleteStateMachine(m.stateMachineArn);
    },
    async serviceOutputs(service: string, stage: string) {
      const machines = (await engine?.ownedMachines(service, stage)) ?? [];
      const out: Record<string, string[]> = {};
      if (machines.length > 0)
        out['state machines'] = machines.map((m) => `${m.owner?.key ?? m.name}: ${m.stateMachineArn}`);
      return out;
    },
  };
}
