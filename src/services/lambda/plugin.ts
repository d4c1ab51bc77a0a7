/**
 * The lambda service plugin: the engine (its facade, LambdaFacade plus the deployment hooks), the
 * async dispatcher and the Lambda wire API, over an EnvironmentManager from the runtime layer.
 */
import type { Clock } from '../../platform/clock.js';
import { type PlatformLimits, resolveLimits } from '../../platform/limits.js';
import type { Logger, PlatformContext, ServicePlugin, WireApi, WireRequest } from '../../platform/service.js';
import { lambdaWireApi } from './api.js';
import { AsyncInvoker } from './async.js';
import { LambdaEngine } from './engine.js';
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
  let api: WireApi | undefined;
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
      asyncInvoker = new AsyncInvoker(ctx.store, engine, ctx.clock, limits, ctx.log);
      engine.setAsyncQueue(asyncInvoker);
      api = lambdaWireApi(engine, limits, ctx.endpoint);
      asyncInvoker.start();
      return engine;
    },
    async stop() {
      asyncInvoker?.stop();
      await engine?.environments.shutdown();
    },
    wire: {
      signingNames: ['lambda'],
      claims: (w) => w.url.pathname.startsWith('/2015-03-31/functions'),
      handle: (w: WireRequest) => {
        if (!api) throw new Error('lambda service not started');
        return api.handle(w);
      },
    },
  };
}
