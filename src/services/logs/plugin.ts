/** The logs service plugin: a LogStore (the facade other services use as LogSink) and its wire API. */
import type { PlatformContext, ServicePlugin, WireApi, WireRequest } from '../../platform/service.js';
import { logsWireApi } from './api.js';
import { LogStore } from './store.js';

/** Creates the logs plugin; its facade is the LogStore. */
export function logsPlugin(): ServicePlugin {
  let store: LogStore | undefined;
  let api: WireApi | undefined;
  return {
    name: 'logs',
    async start(ctx: PlatformContext) {
      store = new LogStore(ctx.store, ctx.clock, ctx.limits?.logRetentionBytes, (e) =>
        ctx.log.error(`writing logs: ${(e as Error).message}`),
      );
      api = logsWireApi(store);
      return store;
    },
    // Logs start first, so they stop last: every other service's final lines are drained here,
    // before the platform closes the Store; later lines are dropped.
    async stop() {
      await store?.close();
    },
    wire: {
      signingNames: ['logs'],
      targetPrefixes: ['Logs_20140328.'],
      handle: (w: WireRequest) => {
        if (!api) throw new Error('logs service not started');
        return api.handle(w);
      },
    },
  };
}
