/**
 * The CloudFormation resource type DynamoDB owns: AWS::DynamoDB::Table (created, kept with its
 * items on redeploy, replaced when its name or key schema changes, removed). Ref is the table
 * name; Fn::GetAtt gives Arn (and StreamArn when a StreamSpecification is set).
 */
import { SelflessError } from '../../platform/errors.js';
import { cfnTags, physicalName } from '../../platform/resources/names.js';
import type { ResourceAttributes, ResourceType } from '../../platform/service.js';
import type { DynamoEngine, TableInfo } from './engine.js';
import { tableDefinition } from './tables.js';

/** The AWS::DynamoDB::Table resource type over an engine. */
export function dynamoResourceTypes(engineOf: () => DynamoEngine): Record<string, ResourceType> {
  const describe = (t: TableInfo): ResourceAttributes => {
    const attributes: Record<string, string> = { Arn: t.arn, Name: t.name };
    const stream = engineOf().streamArnOf(t);
    if (stream) attributes.StreamArn = stream;
    return { ref: t.name, attributes };
  };
  return {
    'AWS::DynamoDB::Table': {
      async apply(ctx, logicalId, props, previous) {
        const engine = engineOf();
        const name = physicalName(ctx, logicalId, props.TableName, 255);
        try {
          const def = tableDefinition({ ...props, TableName: name });
          const tags = cfnTags(props.Tags);
          if (Object.keys(tags).length > 0) def.tags = tags;
          let table = engine.find(name);
          if (table && JSON.stringify(table.key) !== JSON.stringify(def.key)) {
            // CloudFormation replaces a table whose key schema changes; its items go with it.
            await engine.deleteTable(name);
            table = undefined;
          }
          if (!table) table = await engine.createTable(def);
          else if (
            JSON.stringify([table.gsis, table.lsis, table.billingMode, table.stream?.viewType]) !==
            JSON.stringify([def.gsis, def.lsis, def.billingMode, def.stream?.viewType])
          )
            ctx.warn?.(
              `${logicalId}: Selfless keeps table ${name} as created; index and billing changes need a new table.`,
            );
          const ttl = props.TimeToLiveSpecification as
            | { AttributeName?: string; Enabled?: unknown }
            | undefined;
          const wantTtl = ttl?.AttributeName
            ? { attribute: ttl.AttributeName, enabled: ttl.Enabled === true || ttl.Enabled === 'true' }
            : undefined;
          if (
            JSON.stringify(table.ttl) !== JSON.stringify(wantTtl) ||
            JSON.stringify(table.tags) !== JSON.stringify(def.tags)
          )
            table = await engine.alterTable(name, (t) => ({ ...t, ttl: wantTtl, tags: def.tags }));
          const before = previous?.attributes.Name;
          if (before && before !== name && engine.find(before)) await engine.deleteTable(before);
          return describe(table);
        } catch (e) {
          throw new SelflessError(
            'RESOURCE_FAILED',
            `${logicalId} (AWS::DynamoDB::Table): ${(e as Error).message}`,
            {
              where: `resources.Resources.${logicalId}`,
              hint: 'Fix the table properties in resources.Resources and deploy again.',
              cause: e,
            },
          );
        }
      },
      async remove(_ctx, _logicalId, current) {
        const engine = engineOf();
        const name = current.attributes.Name;
        if (name && engine.find(name)) await engine.deleteTable(name);
      },
    },
  };
}
