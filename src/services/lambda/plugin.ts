/**
 * The lambda service plugin: the engine (its facade, LambdaFacade plus the deployment hooks), the
 * async dispatcher with its destination and dead-letter deliveries, and the Lambda wire API
 * (functions, plus the event-invoke-config operations), over an EnvironmentManager from the
 * runtime layer.
 */
import type { Clock } from '../../platform/clock.js';
import { type PlatformLimits, resolveLimits } from '../../platform/limits.js';
import type { Logger, PlatformContext, ServicePlugin, WireApi, WireRequest } from '../../platform/service.js';
import type { EventsFacade } from '../events/plugin.js';
import type { S3Facade } from '../s3/plugin.js';
import type { SnsFacade } from '../sns/facade.js';
import type { SqsFacade } from '../sqs/facade.js';
import { lambdaWireApi } from './api.js';
import { AsyncInvoker } from './async.js';
import { DestinationDeliveries } from './destinations.js';
import { LambdaEngine } from './engine.js';
import { EVENT_INVOKE_PREFIX, EventInvokeConfigs, eventInvokeWireApi } from './event-invoke-api.js';
import { FunctionAdmin } from './function-admin.js';
import { CONCURRENCY_PATH, functionAdminRoutes } from './function-admin-api.js';
import type { EnvironmentManager, LogSink } from './runtime/types.js';

/** What the runtime layer needs to build an EnvironmentManager. */
export interface EnvironmentDeps {
  logs: LogSink;
  clock: Clock;
  limits: PlatformLimits;
  /** The platform URL (AWS_ENDPOINT_URL inside functions). */
  endpoint(): string;
  dataDir: string;
  region: string;
  log: Logger;
}

export type EnvironmentFactory = (deps: EnvironmentDeps) => EnvironmentManager | Promise<EnvironmentManager>;

/** Creates the lambda plugin; `environments` builds the execution-environment layer. */
export function lambdaPlugin(environments: EnvironmentFactory): ServicePlugin {
  let engine: LambdaEngine | undefined;
  let asyncInvoker: AsyncInvoker | undefined;
  let deliveries: DestinationDeliveries | undefined;
  let api: WireApi | undefined;
  let eventInvokeApi: WireApi | undefined;
  return {
    name: 'lambda',
    async start(ctx: PlatformContext) {
      const limits = ctx.limits ?? resolveLimits();
      const manager = await environments({
        logs: ctx.service<LogSink>('logs'),
        clock: ctx.clock,
        limits,
        endpoint: ctx.endpoint,
        dataDir: ctx.dataDir,
        region: ctx.region,
        log: ctx.log,
      });
      engine = new LambdaEngine({
        store: ctx.store,
        clock: ctx.clock,
        dataDir: ctx.dataDir,
        region: ctx.region,
        limits,
        environments: manager,
      });
      await engine.init();
      // SQS, SNS and EventBridge start after Lambda: they are looked up when a delivery is sent.
      deliveries = new DestinationDeliveries(
        ctx.store,
        {
          lambda: engine,
          sqs: () => ctx.service<SqsFacade>('sqs'),
          sns: () => ctx.service<SnsFacade>('sns'),
          events: () => ctx.service<EventsFacade>('events'),
        },
        ctx.clock,
        ctx.log,
      );
      asyncInvoker = new AsyncInvoker(ctx.store, engine, ctx.clock, limits, ctx.log, deliveries);
      engine.setAsyncQueue(asyncInvoker);
      const admin = new FunctionAdmin({
        engine,
        store: ctx.store,
        clock: ctx.clock,
        dataDir: ctx.dataDir,
        region: ctx.region,
        accountConcurrency: limits.concurrency,
        // S3 starts after Lambda: looked up when a function's code comes from a bucket.
        s3Object: async (bucket, key) => {
          const s3 = ctx.service<S3Facade>('s3').engine;
          const chunks: Buffer[] = [];
          for await (const c of s3.openObject(await s3.head(bucket, key)) as AsyncIterable<Buffer>)
            chunks.push(Buffer.from(c));
          return Buffer.concat(chunks);
        },
      });
      const e = engine;
      api = lambdaWireApi(
        engine,
        limits,
        ctx.endpoint,
        functionAdminRoutes(admin, (name, q) => e.functionArn(name, q)),
      );
      eventInvokeApi = eventInvokeWireApi(new EventInvokeConfigs(ctx.store, engine, ctx.clock));
      asyncInvoker.start();
      deliveries.start();
      return engine;
    },
    async stop() {
      asyncInvoker?.stop();
      deliveries?.stop();
      await engine?.environments.shutdown();
    },
    wire: {
      signingNames: ['lambda'],
      claims: (w) =>
        w.url.pathname.startsWith('/2015-03-31/functions') ||
        w.url.pathname.startsWith(EVENT_INVOKE_PREFIX) ||
        // Put/DeleteFunctionConcurrency; the GET stays with the lifecycle reads.
        (w.req.method !== 'GET' && CONCURRENCY_PATH.test(w.url.pathname)),
      handle: (w: WireRequest) => {
        if (!api || !eventInvokeApi) throw new Error('lambda service not started');
        if (w.url.pathname.startsWith(EVENT_INVOKE_PREFIX)) return eventInvokeApi.handle(w);
        return api.handle(w);
      },
    },
  };
}
