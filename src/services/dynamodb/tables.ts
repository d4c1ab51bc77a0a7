/**
 * CreateTable's input checks (key schema, attribute definitions, billing mode, secondary indexes)
 * with DynamoDB's messages, and the TableDescription the control-plane operations answer with.
 * Shared by the wire API and the AWS::DynamoDB::Table resource type.
 */
import {
  type BillingMode,
  type DynamoEngine,
  type IndexInfo,
  type KeySchema,
  type KeyType,
  type Projection,
  type StreamViewType,
  streamLabel,
  type TableDefinition,
  type TableInfo,
  type Throughput,
} from './engine.js';
import { dynamoError, validationError } from './errors.js';

type Input = Record<string, unknown>;

function constraint(field: string, value: unknown, what: string): Error {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return validationError(
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${what}`,
  );
}

/** Checks a table name as DynamoDB's request validator does. */
export function checkTableName(v: unknown, field = 'tableName'): string {
  if (v === undefined || v === null) throw constraint(field, v, 'Member must not be null');
  if (typeof v !== 'string') throw validationError(`${field} must be a string`);
  if (v.length < 3) throw constraint(field, v, 'Member must have length greater than or equal to 3');
  if (v.length > 255) throw constraint(field, v, 'Member must have length less than or equal to 255');
  if (!/^[a-zA-Z0-9_.-]+$/.test(v))
    throw constraint(field, v, 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+');
  return v;
}

function keySchema(raw: unknown, field: string, label: string): KeySchema {
  if (!Array.isArray(raw)) throw constraint(field, undefined, 'Member must not be null');
  if (raw.length < 1 || raw.length > 2)
    throw constraint(
      field,
      '[...]',
      `Member must have length ${raw.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 2'}`,
    );
  const elems = raw as Array<{ AttributeName?: unknown; KeyType?: unknown }>;
  for (const [i, e] of elems.entries())
    if (e.KeyType !== 'HASH' && e.KeyType !== 'RANGE')
      throw constraint(
        `${field}.${i + 1}.member.keyType`,
        e.KeyType,
        'Member must satisfy enum value set: [HASH, RANGE]',
      );
  if (elems[0]!.KeyType !== 'HASH')
    throw validationError(`Invalid ${label}: The first KeySchemaElement is not a HASH key type`);
  if (elems[1] && elems[1].KeyType !== 'RANGE')
    throw validationError(`Invalid ${label}: The second KeySchemaElement is not a RANGE key type`);
  const names = elems.map((e) => e.AttributeName);
  if (names.some((n) => typeof n !== 'string' || n === ''))
    throw constraint(`${field}.1.member.attributeName`, undefined, 'Member must not be null');
  if (names[0] === names[1])
    throw validationError(
      `Invalid ${label}: Both the Hash Key and the Range Key element in the KeySchema have the same name`,
    );
  return { hash: names[0] as string, range: names[1] as string | undefined };
}

function throughput(raw: unknown): Throughput | undefined {
  if (raw === undefined || raw === null) return undefined;
  const p = raw as { ReadCapacityUnits?: unknown; WriteCapacityUnits?: unknown };
  return { read: Number(p.ReadCapacityUnits ?? 0), write: Number(p.WriteCapacityUnits ?? 0) };
}

function projection(raw: unknown): Projection {
  const p = (raw ?? {}) as { ProjectionType?: string; NonKeyAttributes?: string[] };
  const type = (p.ProjectionType ?? 'ALL') as Projection['ProjectionType'];
  if (!['ALL', 'KEYS_ONLY', 'INCLUDE'].includes(type))
    throw validationError(`Unknown ProjectionType: ${type}`);
  return p.NonKeyAttributes
    ? { ProjectionType: type, NonKeyAttributes: p.NonKeyAttributes }
    : { ProjectionType: type };
}

function indexes(raw: unknown, kind: 'global' | 'local'): IndexInfo[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw validationError(`${kind}SecondaryIndexes must be a list`);
  const label = kind === 'global' ? 'GlobalSecondaryIndexes' : 'LocalSecondaryIndexes';
  return raw.map((r: Input, i) => {
    const name = checkTableName(r.IndexName, `${kind}SecondaryIndexes.${i + 1}.member.indexName`);
    return {
      name,
      key: keySchema(
        r.KeySchema,
        `${kind}SecondaryIndexes.${i + 1}.member.keySchema`,
        `KeySchema in ${label}`,
      ),
      projection: projection(r.Projection),
      throughput: throughput(r.ProvisionedThroughput),
    };
  });
}

/** Checks a CreateTable request (the API's or a CloudFormation resource's properties). */
export function tableDefinition(input: Input): TableDefinition {
  const name = checkTableName(input.TableName);
  const key = keySchema(input.KeySchema, 'keySchema', 'KeySchema');
  const rawDefs = input.AttributeDefinitions;
  if (!Array.isArray(rawDefs)) throw constraint('attributeDefinitions', undefined, 'Member must not be null');
  const attributes: Record<string, KeyType> = {};
  for (const [i, d] of (rawDefs as Array<{ AttributeName?: unknown; AttributeType?: unknown }>).entries()) {
    if (d.AttributeType !== 'S' && d.AttributeType !== 'N' && d.AttributeType !== 'B')
      throw constraint(
        `attributeDefinitions.${i + 1}.member.attributeType`,
        d.AttributeType,
        'Member must satisfy enum value set: [B, N, S]',
      );
    if (typeof d.AttributeName !== 'string' || d.AttributeName === '')
      throw constraint(
        `attributeDefinitions.${i + 1}.member.attributeName`,
        undefined,
        'Member must not be null',
      );
    if (d.AttributeName in attributes) throw validationError('Cannot have two attributes with the same name');
    attributes[d.AttributeName] = d.AttributeType;
  }
  const gsis = indexes(input.GlobalSecondaryIndexes, 'global');
  const lsis = indexes(input.LocalSecondaryIndexes, 'local');
  const keyAttrs = new Set<string>();
  for (const k of [key, ...gsis.map((g) => g.key), ...lsis.map((l) => l.key)]) {
    keyAttrs.add(k.hash);
    if (k.range !== undefined) keyAttrs.add(k.range);
  }
  const undefinedKeys = [...keyAttrs].filter((a) => !(a in attributes));
  if (undefinedKeys.length > 0)
    throw validationError(
      `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${undefinedKeys.join(', ')}], AttributeDefinitions: [${Object.keys(attributes).join(', ')}]`,
    );
  if (Object.keys(attributes).length !== keyAttrs.size)
    throw validationError(
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
  for (const l of lsis) {
    if (key.range === undefined)
      throw validationError(
        'One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
      );
    if (l.key.hash !== key.hash)
      throw validationError(
        `One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: ${l.name}. index hash key: ${l.key.hash}, table hash key: ${key.hash}`,
      );
  }
  const names = [...gsis, ...lsis].map((i) => i.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined)
    throw validationError(`One or more parameter values were invalid: Duplicate index name: ${dup}`);
  const mode = input.BillingMode ?? 'PROVISIONED';
  if (mode !== 'PROVISIONED' && mode !== 'PAY_PER_REQUEST')
    throw constraint(
      'billingMode',
      mode,
      'Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]',
    );
  const tp = throughput(input.ProvisionedThroughput);
  if (mode === 'PROVISIONED' && !tp)
    throw validationError(
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    );
  if (mode === 'PAY_PER_REQUEST' && tp)
    throw validationError(
      'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
    );
  if (mode === 'PROVISIONED')
    for (const g of gsis)
      if (!g.throughput)
        throw validationError(
          `One or more parameter values were invalid: ProvisionedThroughput must be specified for index: ${g.name}`,
        );
  const def: TableDefinition = {
    name,
    key,
    attributes,
    billingMode: mode as BillingMode,
    throughput: tp,
    gsis,
    lsis,
  };
  const stream = streamSpecification(input.StreamSpecification);
  if (stream) def.stream = stream;
  return def;
}

const VIEW_TYPES = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];

/** A StreamSpecification: the view type when the stream is enabled. */
function streamSpecification(raw: unknown): { viewType: StreamViewType } | undefined {
  if (raw === undefined || raw === null) return undefined;
  const spec = raw as { StreamEnabled?: unknown; StreamViewType?: unknown };
  // CloudFormation's AWS::DynamoDB::Table has no StreamEnabled: a view type means enabled.
  const enabled =
    spec.StreamEnabled === undefined
      ? spec.StreamViewType !== undefined
      : spec.StreamEnabled === true || spec.StreamEnabled === 'true';
  if (!enabled) return undefined;
  if (!VIEW_TYPES.includes(spec.StreamViewType as string))
    throw validationError(
      'One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true',
    );
  return { viewType: spec.StreamViewType as StreamViewType };
}

function keySchemaOut(k: KeySchema): Input[] {
  const out: Input[] = [{ AttributeName: k.hash, KeyType: 'HASH' }];
  if (k.range !== undefined) out.push({ AttributeName: k.range, KeyType: 'RANGE' });
  return out;
}

function throughputOut(t: Throughput | undefined): Input {
  return { NumberOfDecreasesToday: 0, ReadCapacityUnits: t?.read ?? 0, WriteCapacityUnits: t?.write ?? 0 };
}

/** The TableDescription of a table, with its item count and size. */
export async function tableDescription(
  engine: DynamoEngine,
  t: TableInfo,
  status = 'ACTIVE',
): Promise<Input> {
  const stats = status === 'ACTIVE' ? await engine.stats(t.name) : { count: 0, bytes: 0 };
  const out: Input = {
    AttributeDefinitions: Object.entries(t.attributes).map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    TableName: t.name,
    KeySchema: keySchemaOut(t.key),
    TableStatus: status,
    CreationDateTime: t.createdAt / 1000,
    ProvisionedThroughput: throughputOut(t.throughput),
    TableSizeBytes: stats.bytes,
    ItemCount: stats.count,
    TableArn: t.arn,
    TableId: t.id,
    DeletionProtectionEnabled: false,
  };
  if (t.stream) {
    out.StreamSpecification = { StreamEnabled: true, StreamViewType: t.stream.viewType };
    out.LatestStreamLabel = t.stream.label;
    out.LatestStreamArn = engine.streamArnOf(t);
  }
  if (t.billingMode === 'PAY_PER_REQUEST')
    out.BillingModeSummary = {
      BillingMode: 'PAY_PER_REQUEST',
      LastUpdateToPayPerRequestDateTime: t.createdAt / 1000,
    };
  if (t.gsis.length > 0)
    out.GlobalSecondaryIndexes = t.gsis.map((g) => ({
      IndexName: g.name,
      KeySchema: keySchemaOut(g.key),
      Projection: g.projection,
      IndexStatus: 'ACTIVE',
      ProvisionedThroughput: throughputOut(g.throughput),
      IndexSizeBytes: 0,
      ItemCount: 0,
      IndexArn: `${t.arn}/index/${g.name}`,
    }));
  if (t.lsis.length > 0)
    out.LocalSecondaryIndexes = t.lsis.map((l) => ({
      IndexName: l.name,
      KeySchema: keySchemaOut(l.key),
      Projection: l.projection,
      IndexSizeBytes: 0,
      ItemCount: 0,
      IndexArn: `${t.arn}/index/${l.name}`,
    }));
  return out;
}

/** A table after an UpdateTable request: billing mode and throughput, GSIs created or deleted. */
export function updatedTable(t: TableInfo, input: Input, now: number): TableInfo {
  const next: TableInfo = { ...t, attributes: { ...t.attributes }, gsis: [...t.gsis] };
  if (input.StreamSpecification !== undefined) {
    const stream = streamSpecification(input.StreamSpecification);
    if (stream && t.stream)
      throw validationError(`Table already has an enabled stream: TableName: ${t.name}`);
    next.stream = stream ? { viewType: stream.viewType, label: streamLabel(now) } : undefined;
  }
  const mode = input.BillingMode as string | undefined;
  if (mode !== undefined) {
    if (mode !== 'PROVISIONED' && mode !== 'PAY_PER_REQUEST')
      throw constraint(
        'billingMode',
        mode,
        'Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]',
      );
    next.billingMode = mode;
  }
  const tp = throughput(input.ProvisionedThroughput);
  if (tp) {
    if (next.billingMode === 'PAY_PER_REQUEST')
      throw validationError(
        'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
      );
    next.throughput = tp;
  } else if (next.billingMode === 'PROVISIONED' && t.billingMode === 'PAY_PER_REQUEST')
    throw validationError(
      'One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED',
    );
  if (next.billingMode === 'PAY_PER_REQUEST') next.throughput = undefined;
  for (const d of (input.AttributeDefinitions as Array<{ AttributeName: string; AttributeType: KeyType }>) ??
    [])
    next.attributes[d.AttributeName] = d.AttributeType;
  const updates = (input.GlobalSecondaryIndexUpdates as Array<{ Create?: Input; Delete?: Input }>) ?? [];
  for (const u of updates) {
    if (u.Create) {
      const [ix] = indexes([u.Create], 'global');
      if (next.gsis.some((g) => g.name === ix!.name) || next.lsis.some((l) => l.name === ix!.name))
        throw validationError(`One or more parameter values were invalid: Duplicate index name: ${ix!.name}`);
      const missing = [ix!.key.hash, ix!.key.range].filter((a) => a !== undefined && !(a in next.attributes));
      if (missing.length > 0)
        throw validationError(
          `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${missing.join(', ')}], AttributeDefinitions: [${Object.keys(next.attributes).join(', ')}]`,
        );
      next.gsis.push(ix!);
    } else if (u.Delete) {
      const name = u.Delete.IndexName as string;
      if (!next.gsis.some((g) => g.name === name))
        throw dynamoError(
          'ResourceNotFoundException',
          `Requested resource not found: Index: ${name} not found`,
        );
      next.gsis = next.gsis.filter((g) => g.name !== name);
    }
  }
  return next;
}
