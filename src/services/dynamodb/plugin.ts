/**
 * The dynamodb service plugin: the DynamoDB engine, its wire API (awsJson1_0,
 * `DynamoDB_20120810.*`), the AWS::DynamoDB::Table resource type, and the time-to-live sweeper
 * that deletes expired items on the platform clock.
 */
import type { TimerHandle } from '../../platform/clock.js';
import type { PlatformContext, ServicePlugin, WireApi } from '../../platform/service.js';
import { dynamoWireApi, TARGET_PREFIX } from './api.js';
import { DynamoEngine, TTL_SWEEP_MS } from './engine.js';
import { dynamoResourceTypes } from './resources.js';

/** Creates the dynamodb plugin; its facade is the engine. */
export function dynamodbPlugin(): ServicePlugin {
  let engine: DynamoEngine | undefined;
  let api: WireApi | undefined;
  let timer: TimerHandle | undefined;
  let stopped = false;
  const sweepLater = (ctx: PlatformContext) => {
    timer = ctx.clock.setTimer(async () => {
      try {
        await engine!.sweepExpired();
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
      stopped = false;
      sweepLater(ctx);
      return engine;
    },
    async stop() {
      stopped = true;
      timer?.cancel();
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
  };
}
