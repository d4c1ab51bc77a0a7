/**
 * The CloudFormation resource type Kinesis owns: AWS::Kinesis::Stream (created, kept on redeploy,
 * replaced when its name changes, removed). Ref is the stream name; Fn::GetAtt gives Arn.
 */
import { SelflessError } from '../../platform/errors.js';
import { cfnTags, physicalName } from '../../platform/resources/names.js';
import type { ResourceAttributes, ResourceType } from '../../platform/service.js';
import type { KinesisEngine, StreamMode } from './engine.js';

/** The AWS::Kinesis::Stream resource type over an engine. */
export function kinesisResourceTypes(engineOf: () => KinesisEngine): Record<string, ResourceType> {
  const describe = (name: string): ResourceAttributes => ({
    ref: name,
    attributes: { Arn: engineOf().arnOf(name), Name: name },
  });
  return {
    'AWS::Kinesis::Stream': {
      async apply(ctx, logicalId, props, previous) {
        const engine = engineOf();
        const name = physicalName(ctx, logicalId, props.Name, 128);
        const mode = (props.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode as
          | StreamMode
          | undefined;
        const shardCount =
          props.ShardCount !== undefined ? Number(props.ShardCount) : mode === 'ON_DEMAND' ? undefined : 1;
        try {
          const existing = engine.find(name);
          if (existing) {
            if (shardCount !== undefined && existing.shardCount !== shardCount)
              ctx.warn?.(
                `${logicalId}: Selfless does not reshard; stream ${name} keeps ${existing.shardCount} shard(s) (ShardCount ${shardCount} asked).`,
              );
          } else await engine.createStream(name, shardCount, mode ?? 'PROVISIONED');
          const hours = props.RetentionPeriodHours === undefined ? 24 : Number(props.RetentionPeriodHours);
          const current = engine.get(name).retentionHours;
          if (hours !== current)
            await engine.setRetention(name, hours, hours > current ? 'increase' : 'decrease');
          const tags = cfnTags(props.Tags);
          if (Object.keys(tags).length > 0) await engine.tag(name, tags);
          const before = previous?.attributes.Name;
          if (before && before !== name && engine.find(before)) await engine.deleteStream(before);
        } catch (e) {
          throw new SelflessError(
            'RESOURCE_FAILED',
            `${logicalId} (AWS::Kinesis::Stream): ${(e as Error).message}`,
            {
              where: `resources.Resources.${logicalId}`,
              hint: 'Fix the stream properties in resources.Resources and deploy again.',
              cause: e,
            },
          );
        }
        return describe(name);
      },
      async remove(_ctx, _logicalId, current) {
        const engine = engineOf();
        const name = current.attributes.Name;
        if (name && engine.find(name)) await engine.deleteStream(name);
      },
    },
  };
}
