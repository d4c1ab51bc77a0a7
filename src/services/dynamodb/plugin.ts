/**
 * The dynamodb service plugin: the DynamoDB engine, its wire API (awsJson1_0,
 * `DynamoDB_20120810.*`), the AWS::DynamoDB::Table resource type, the time-to-live sweeper
 * that deletes expired items on the platform clock, and serverless.yml `stream` events of type
 * dynamodb read into functions.
 */
import type { TimerHandle } from '../../platform/clock.js';
import type { DeployContext, PlatformContext, ServicePlugin, WireApi } from '../../platform/service.js';
import type { Table } from '../../platform/store/port.js';
import type { LambdaFacade } from '../lambda/facade.js';
import type { SnsFacade } from '../sns/facade.js';
import type { SqsFacade } from '../sqs/facade.js';
import { dynamoWireApi, TARGET_PREFIX } from './api.js';
import { DynamoEngine, TTL_SWEEP_MS } from './engine.js';
import { dynamoResourceTypes } from './resources.js';
import { dynamoMappingsOf, type StreamMapping, StreamPoller } from './stream-events.js';

const MAPPINGS = 'dynamodb.mappings';
const CHECKPOINTS = 'dynamodb.checkpoints';

/** Creates the dynamodb plugin; its facade is the engine. */
export function dynamodbPlugin(): ServicePlugin {
  let engine: DynamoEngine | undefined;
  let api: WireApi | undefined;
  let timer: TimerHandle | undefined;
  let stopped = false;
  let ctxRef: PlatformContext | undefined;
  let checkpoints: Table<string> | undefined;
  const pollers = new Map<string, StreamPoller>();
  const startPoller = (m: StreamMapping) => {
    const ctx = ctxRef!;
    const p = new StreamPoller(m, {
      engine: engine!,
      checkpoints: checkpoints!,
      lambda: () => ctx.service<LambdaFacade>('lambda'),
      sqs: () => ctx.service<SqsFacade>('sqs'),
      sns: () => ctx.service<SnsFacade>('sns'),
      clock: ctx.clock,
      log: ctx.log,
      region: ctx.region,
    });
    pollers.set(m.uuid, p);
    p.kick();
  };
  const stopPoller = async (uuid: string) => {
    const p = pollers.get(uuid);
    pollers.delete(uuid);
    await p?.stop();
  };
  const forget = async (m: StreamMapping) => {
    await stopPoller(m.uuid);
    await ctxRef!.store.table<StreamMapping>(MAPPINGS).delete(m.uuid);
    await checkpoints!.delete(m.uuid);
  };
  const sweepLater = (ctx: PlatformContext) => {
    timer = ctx.clock.setTimer(async () => {
      try {
        await engine!.sweepExpired();
        await engine!.trimStreams();
      } catch (e) {
        ctx.log.warn(`DynamoDB TTL sweep failed: ${(e as Error).message}`);
      }
      if (!stopped) sweepLater(ctx);
    }, TTL_SWEEP_MS);
  };
  return {
    name: 'dynamodb',
    async start(ctx: PlatformContext) {
      engine = new DynamoEngine(ctx.store, ctx.clock, ctx.region);
      await engine.load();
      api = dynamoWireApi(engine);
      ctxRef = ctx;
      checkpoints = ctx.store.table<string>(CHECKPOINTS);
      engine.onChange((table) => {
        for (const p of pollers.values()) if (p.mapping.tableName === table) p.kick();
      });
      for (const { value } of await ctx.store.table<StreamMapping>(MAPPINGS).list()) startPoller(value);
      stopped = false;
      sweepLater(ctx);
      return engine;
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      await Promise.all([...pollers.keys()].map(stopPoller));
    },
    wire: {
      signingNames: ['dynamodb'],
      targetPrefixes: [TARGET_PREFIX],
      handle: (w) => {
        if (!api) throw new Error('dynamodb service not started');
        return api.handle(w);
      },
    },
    resourceTypes: dynamoResourceTypes(() => engine!),
    async wireEvents(ctx: DeployContext) {
      const table = ctxRef!.store.table<StreamMapping>(MAPPINGS);
      const owner = `${ctx.service}:${ctx.stage}`;
      const desired = dynamoMappingsOf(ctx, engine!);
      const current = (await table.list({ prefix: `${owner}/` })).map((e) => e.value);
      for (const m of current) if (!desired.some((d) => d.uuid === m.uuid)) await forget(m);
      for (const m of desired) {
        const before = current.find((c) => c.uuid === m.uuid);
        if (before && JSON.stringify(before) === JSON.stringify(m) && pollers.has(m.uuid)) continue;
        // A changed mapping keeps its checkpoint: it carries on where the old one stopped.
        await stopPoller(m.uuid);
        await table.put(m.uuid, m);
        startPoller(m);
      }
    },
    async unwireEvents(service, stage) {
      const table = ctxRef!.store.table<StreamMapping>(MAPPINGS);
      for (const { value } of await table.list({ prefix: `${service}:${stage}/` })) await forget(value);
    },
  };
}
