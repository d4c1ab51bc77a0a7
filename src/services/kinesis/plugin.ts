/**
 * The kinesis service plugin: the Kinesis Data Streams engine and its wire API (awsJson1_1 over
 * HTTP/1.1 or h2c).
 */
import type { PlatformContext, ServicePlugin, WireApi } from '../../platform/service.js';
import { kinesisWireApi, TARGET_PREFIX } from './api.js';
import { KinesisEngine } from './engine.js';

/** Creates the kinesis plugin; its facade is the engine. */
export function kinesisPlugin(): ServicePlugin {
  let engine: KinesisEngine | undefined;
  let api: WireApi | undefined;
  return {
    name: 'kinesis',
    async start(ctx: PlatformContext) {
      engine = new KinesisEngine(ctx.store, ctx.clock, ctx.region);
      await engine.load();
      api = kinesisWireApi(engine);
      return engine;
    },
    wire: {
      signingNames: ['kinesis'],
      targetPrefixes: [TARGET_PREFIX],
      handle: (w) => {
        if (!api) throw new Error('kinesis service not started');
        return api.handle(w);
      },
    },
  };
}
