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
      store = new LogStore(ctx.store, ctx.clock, ctx.limits?.logRetentionBytes);
      api = logsWireApi(store);
      return store;
    },
    async stop() {
      await store?.flush();
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
