/**
 * The dynamodb service plugin: the DynamoDB engine, its wire API (awsJson1_0,
 * `DynamoDB_20120810.*`) and the AWS::DynamoDB::Table resource type.
 */
import type { PlatformContext, ServicePlugin, WireApi } from '../../platform/service.js';
import { dynamoWireApi, TARGET_PREFIX } from './api.js';
import { DynamoEngine } from './engine.js';
import { dynamoResourceTypes } from './resources.js';

/** Creates the dynamodb plugin; its facade is the engine. */
export function dynamodbPlugin(): ServicePlugin {
  let engine: DynamoEngine | undefined;
  let api: WireApi | undefined;
  return {
    name: 'dynamodb',
    async start(ctx: PlatformContext) {
      engine = new DynamoEngine(ctx.store, ctx.clock, ctx.region);
      await engine.load();
      api = dynamoWireApi(engine);
      return engine;
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
