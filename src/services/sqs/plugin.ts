/**
 * The sqs service plugin: the engine, its wire API (JSON and Query), the AWS::SQS::* resource
 * types, and serverless.yml `sqs` events as event source mappings that poll queues into functions.
 */
import { SelflessError } from '../../platform/errors.js';
import type { DeployContext, PlatformContext, ServicePlugin, WireApi } from '../../platform/service.js';
import type { FunctionSpec } from '../../platform/spec.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { sqsWireApi } from './api.js';
import { SqsEngine } from './engine.js';
import type { SqsFacade } from './facade.js';
import { type SqsMapping, SqsPoller } from './poller.js';
import { sqsResourceTypes } from './resources.js';

const MAPPINGS = 'sqs.mappings';

/** The facade over an engine, with queue URLs on the platform's endpoint. */
export function sqsFacade(engine: SqsEngine, endpoint: () => string): SqsFacade {
  const describe = (ref: string) => {
    const q = engine.find(ref);
    return q ? { ...q, url: SqsEngine.urlOf(endpoint(), q.name) } : undefined;
  };
  return {
    sendMessage: (queue, input) => engine.sendMessage(queue, input),
    getQueue: describe,
    createQueue: async (name, attributes, tags) => {
      await engine.createQueue(name, attributes, tags);
      return describe(name)!;
    },
    deleteQueue: (queue) => engine.deleteQueue(queue),
    receiveMessage: (queue, opts) => engine.receiveMessage(queue, opts),
    deleteMessage: (queue, handle) => engine.deleteMessage(queue, handle),
    getQueueAttributes: (queue, names) => engine.getAttributes(queue, names),
  };
}

/** The `sqs` events of a deployment as mappings (arn resolved; validated against existing queues). */
export function mappingsOf(ctx: DeployContext, engine: SqsEngine): SqsMapping[] {
  const owner = `${ctx.service}:${ctx.stage}`;
  const out: SqsMapping[] = [];
  for (const fn of ctx.spec.functions)
    fn.events.forEach((event, index) => {
      if (!('sqs' in event)) return;
      out.push(mappingOf(owner, fn, event.sqs, index, engine));
    });
  return out;
}

function mappingOf(
  owner: string,
  fn: FunctionSpec,
  raw: unknown,
  index: number,
  engine: SqsEngine,
): SqsMapping {
  const where = `functions.${fn.key}.events[${index}].sqs`;
  const cfg = (typeof raw === 'object' && raw !== null ? raw : { arn: raw }) as Record<string, unknown>;
  const arn = cfg.arn;
  if (typeof arn !== 'string' || !arn.startsWith('arn:'))
    throw new SelflessError(
      'INVALID_SQS_EVENT',
      `The sqs event of function "${fn.key}" needs a queue ARN (${where}.arn), got ${JSON.stringify(arn)}`,
      {
        where,
        hint: 'Use the queue ARN, or Fn::GetAtt: [<QueueLogicalId>, Arn] for a queue in resources.',
      },
    );
  const queue = engine.find(arn);
  if (!queue)
    throw new SelflessError(
      'SQS_QUEUE_NOT_FOUND',
      `The sqs event of function "${fn.key}" points at queue ${arn}, which does not exist (${where})`,
      {
        where,
        hint: 'Create the queue first (resources.Resources with Type AWS::SQS::Queue, or aws sqs create-queue), or fix the ARN.',
      },
    );
  const batchSize = cfg.batchSize === undefined ? 10 : Number(cfg.batchSize);
  const max = queue.fifo ? 10 : 10_000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > max)
    throw new SelflessError(
      'INVALID_SQS_EVENT',
      `batchSize of function "${fn.key}"'s sqs event must be 1 to ${max} (${where}.batchSize)`,
      { where: `${where}.batchSize` },
    );
  const window = cfg.maximumBatchingWindow === undefined ? 0 : Number(cfg.maximumBatchingWindow);
  if (!Number.isInteger(window) || window < 0 || window > 300)
    throw new SelflessError(
      'INVALID_SQS_EVENT',
      `maximumBatchingWindow of function "${fn.key}"'s sqs event must be 0 to 300 seconds (${where}.maximumBatchingWindow)`,
      {
        where: `${where}.maximumBatchingWindow`,
      },
    );
  if (batchSize > 10 && window < 1)
    throw new SelflessError(
      'INVALID_SQS_EVENT',
      `A batchSize over 10 needs maximumBatchingWindow of at least 1 second (${where})`,
      { where },
    );
  return {
    uuid: `${owner}/${fn.key}/${queue.arn}`,
    owner,
    functionKey: fn.key,
    functionName: fn.name,
    queueArn: queue.arn,
    batchSize,
    maximumBatchingWindow: window,
    reportBatchItemFailures: cfg.functionResponseType === 'ReportBatchItemFailures',
    maximumConcurrency: cfg.maximumConcurrency === undefined ? undefined : Number(cfg.maximumConcurrency),
    enabled: cfg.enabled !== false && cfg.enabled !== 'false',
    filterPatterns: Array.isArray(cfg.filterPatterns) ? cfg.filterPatterns : undefined,
  };
}

/** Creates the sqs plugin. */
export function sqsPlugin(): ServicePlugin {
  let engine: SqsEngine | undefined;
  let api: WireApi | undefined;
  let ctxRef: PlatformContext | undefined;
  const pollers = new Map<string, SqsPoller>();
  const startPoller = (m: SqsMapping) => {
    const ctx = ctxRef!;
    const p = new SqsPoller(m, engine!, () => ctx.service<LambdaFacade>('lambda'), ctx.clock, ctx.log);
    pollers.set(m.uuid, p);
    p.start();
  };
  const stopPoller = async (uuid: string) => {
    const p = pollers.get(uuid);
    pollers.delete(uuid);
    await p?.stop();
  };
  // Resource types are read before start(), so they reach the engine lazily.
  const resourceTypes = sqsResourceTypes(
    () => engine!,
    () => ctxRef!.endpoint(),
  );
  return {
    name: 'sqs',
    async start(ctx) {
      ctxRef = ctx;
      engine = new SqsEngine(ctx.store, ctx.clock, ctx.region);
      await engine.load();
      api = sqsWireApi(engine);
      for (const { value } of await ctx.store.table<SqsMapping>(MAPPINGS).list()) startPoller(value);
      return sqsFacade(engine, ctx.endpoint);
    },
    async stop() {
      await Promise.all([...pollers.keys()].map(stopPoller));
    },
    wire: {
      signingNames: ['sqs'],
      targetPrefixes: ['AmazonSQS.'],
      claims: (w) => api?.claims?.(w) ?? false,
      handle: (w) => {
        if (!api) throw new Error('sqs service not started');
        return api.handle(w);
      },
    },
    resourceTypes,
    async wireEvents(ctx) {
      const table = ctxRef!.store.table<SqsMapping>(MAPPINGS);
      const owner = `${ctx.service}:${ctx.stage}`;
      const desired = mappingsOf(ctx, engine!);
      const current = (await table.list({ prefix: `${owner}/` })).map((e) => e.value);
      for (const m of current)
        if (!desired.some((d) => d.uuid === m.uuid)) {
          await stopPoller(m.uuid);
          await table.delete(m.uuid);
        }
      for (const m of desired) {
        const before = current.find((c) => c.uuid === m.uuid);
        if (before && JSON.stringify(before) === JSON.stringify(m) && pollers.has(m.uuid)) continue;
        await stopPoller(m.uuid);
        await table.put(m.uuid, m);
        startPoller(m);
      }
    },
    async unwireEvents(service, stage) {
      const table = ctxRef!.store.table<SqsMapping>(MAPPINGS);
      for (const { value } of await table.list({ prefix: `${service}:${stage}/` })) {
        await stopPoller(value.uuid);
        await table.delete(value.uuid);
      }
    },
  };
}
