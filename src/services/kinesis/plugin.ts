/**
 * The kinesis service plugin: the Kinesis Data Streams engine, its wire API (awsJson1_1 over
 * HTTP/1.1 or h2c), the AWS::Kinesis::Stream resource type, and serverless.yml `stream` events of
 * type kinesis as event source mappings that read each shard into a function.
 */
import type { DeployContext, PlatformContext, ServicePlugin, WireApi } from '../../platform/service.js';
import type { Table } from '../../platform/store/port.js';
import { DEFAULT_ROLE } from '../lambda/configuration.js';
import type { LambdaFacade } from '../lambda/facade.js';
import type { SnsFacade } from '../sns/facade.js';
import type { SqsFacade } from '../sqs/facade.js';
import { kinesisWireApi, TARGET_PREFIX } from './api.js';
import { KinesisEngine } from './engine.js';
import { type KinesisMapping, kinesisMappingsOf } from './mapping.js';
import { type Checkpoint, KinesisPoller } from './poller.js';
import { kinesisResourceTypes } from './resources.js';

const MAPPINGS = 'kinesis.mappings';
const CHECKPOINTS = 'kinesis.checkpoints';

/** Creates the kinesis plugin; its facade is the engine. */
export function kinesisPlugin(): ServicePlugin {
  let engine: KinesisEngine | undefined;
  let api: WireApi | undefined;
  let ctxRef: PlatformContext | undefined;
  let checkpoints: Table<Checkpoint> | undefined;
  const pollers = new Map<string, KinesisPoller>();
  const startPoller = (m: KinesisMapping) => {
    const ctx = ctxRef!;
    const p = new KinesisPoller(m, {
      engine: engine!,
      checkpoints: checkpoints!,
      lambda: () => ctx.service<LambdaFacade>('lambda'),
      sqs: () => ctx.service<SqsFacade>('sqs'),
      sns: () => ctx.service<SnsFacade>('sns'),
      clock: ctx.clock,
      log: ctx.log,
      role: DEFAULT_ROLE,
    });
    pollers.set(m.uuid, p);
    try {
      p.start();
    } catch (e) {
      ctx.log.warn(`Kinesis mapping of ${m.functionName} not started: ${(e as Error).message}`);
    }
  };
  const stopPoller = async (uuid: string) => {
    const p = pollers.get(uuid);
    pollers.delete(uuid);
    await p?.stop();
  };
  const forget = async (m: KinesisMapping) => {
    await stopPoller(m.uuid);
    await ctxRef!.store.table<KinesisMapping>(MAPPINGS).delete(m.uuid);
    for (const { key } of await checkpoints!.list({ prefix: `${m.uuid}/` })) await checkpoints!.delete(key);
  };
  return {
    name: 'kinesis',
    async start(ctx: PlatformContext) {
      ctxRef = ctx;
      engine = new KinesisEngine(ctx.store, ctx.clock, ctx.region);
      await engine.load();
      checkpoints = ctx.store.table<Checkpoint>(CHECKPOINTS);
      api = kinesisWireApi(engine);
      for (const { value } of await ctx.store.table<KinesisMapping>(MAPPINGS).list()) startPoller(value);
      return engine;
    },
    async stop() {
      await Promise.all([...pollers.keys()].map(stopPoller));
    },
    wire: {
      signingNames: ['kinesis'],
      targetPrefixes: [TARGET_PREFIX],
      handle: (w) => {
        if (!api) throw new Error('kinesis service not started');
        return api.handle(w);
      },
    },
    resourceTypes: kinesisResourceTypes(() => engine!),
    async wireEvents(ctx: DeployContext) {
      const table = ctxRef!.store.table<KinesisMapping>(MAPPINGS);
      const owner = `${ctx.service}:${ctx.stage}`;
      const desired = kinesisMappingsOf(ctx, engine!);
      const current = (await table.list({ prefix: `${owner}/` })).map((e) => e.value);
      for (const m of current) if (!desired.some((d) => d.uuid === m.uuid)) await forget(m);
      for (const m of desired) {
        const before = current.find((c) => c.uuid === m.uuid);
        if (before && JSON.stringify(before) === JSON.stringify(m) && pollers.has(m.uuid)) continue;
        // A changed mapping keeps its checkpoints: it carries on where the old one stopped.
        await stopPoller(m.uuid);
        await table.put(m.uuid, m);
        startPoller(m);
      }
    },
    async unwireEvents(service, stage) {
      const table = ctxRef!.store.table<KinesisMapping>(MAPPINGS);
      for (const { value } of await table.list({ prefix: `${service}:${stage}/` })) await forget(value);
    },
  };
}
