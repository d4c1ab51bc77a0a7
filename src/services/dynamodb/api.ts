/**
 * DynamoDB's wire API on the platform port: awsJson1_0, `X-Amz-Target: DynamoDB_20120810.<Op>`.
 * Requests are checked and their expressions parsed here (placeholders resolved, unused ones
 * refused); the engine sees typed values and ASTs only.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { AwsApiError, operationFromTarget, parseJsonBody, sendJsonResult } from '../../aws/json-protocol.js';
import { readBody } from '../../aws/query-protocol.js';
import type { WireApi, WireRequest } from '../../platform/service.js';
import type { DynamoEngine, IndexInfo, TableInfo, TransactOp } from './engine.js';
import { awsErrorFor, dynamoError, errorFields, validationError } from './errors.js';
import {
  type Condition,
  ExpressionContext,
  type Path,
  parseCondition,
  parseProjection,
  parseUpdate,
  project,
  type UpdateActions,
} from './expressions.js';
import { checkTableName, tableDefinition, tableDescription, updatedTable } from './tables.js';
import { type AttributeValue, checkItem, type Item, itemSize } from './values.js';

export const TARGET_PREFIX = 'DynamoDB_20120810.';
const NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
type Operation = (engine: DynamoEngine, input: Input) => Promise<Output>;

/** Builds the DynamoDB WireApi over an engine. */
export function dynamoWireApi(engine: DynamoEngine): WireApi {
  return {
    signingNames: ['dynamodb'],
    targetPrefixes: [TARGET_PREFIX],
    handle: (w) => handle(engine, w),
  };
}

async function handle(engine: DynamoEngine, w: WireRequest): Promise<void> {
  try {
    const body = await readBody(w.req, 16 * 1024 * 1024);
    const op = operationFromTarget(w.target, TARGET_PREFIX);
    const run = op ? OPERATIONS[op] : undefined;
    if (!run)
      throw new AwsApiError(
        'UnknownOperationException',
        `Operation ${op ?? w.target ?? ''} is not supported.`,
        400,
      );
    const input = parseJsonBody(body);
    refuseLegacy(input);
    sendJsonResult(w.res, await run(engine, input), '1.0');
  } catch (e) {
    sendError(w.res, awsErrorFor(e), errorFields(e));
  }
}

/** An awsJson1_0 error body; DynamoDB's carry extra members (Item, CancellationReasons) the SDKs read. */
function sendError(res: ServerResponse, err: AwsApiError, fields: Record<string, unknown> = {}): void {
  const text = JSON.stringify({ __type: `${NAMESPACE}#${err.code}`, message: err.message, ...fields });
  res.writeHead(err.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** Parameters of the legacy (pre-expression) API, which Selfless refuses rather than ignores. */
const LEGACY = [
  'Expected',
  'AttributeUpdates',
  'KeyConditions',
  'QueryFilter',
  'ScanFilter',
  'ConditionalOperator',
];

function refuseLegacy(input: Input): void {
  const used = LEGACY.filter((k) => input[k] !== undefined && input[k] !== null);
  if (used.length > 0)
    throw validationError(
      `Selfless does not support the legacy parameter(s) {${used.join(', ')}}; use ConditionExpression, UpdateExpression, KeyConditionExpression or FilterExpression instead`,
    );
}

function objectParam(input: Input, name: string, field: string): Record<string, unknown> {
  const v = input[name];
  if (v === undefined || v === null)
    throw validationError(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  if (typeof v !== 'object' || Array.isArray(v)) throw validationError(`${name} must be a map`);
  return v as Record<string, unknown>;
}

function optionalString(input: Input, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validationError(`${name} must be a string`);
  return v;
}

/** The placeholders of a request. */
function contextOf(input: Input): ExpressionContext {
  const names = input.ExpressionAttributeNames as Record<string, string> | undefined;
  const rawValues = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (rawValues !== undefined && Object.keys(rawValues).length === 0)
    throw validationError('ExpressionAttributeValues must not be empty');
  if (names !== undefined && Object.keys(names).length === 0)
    throw validationError('ExpressionAttributeNames must not be empty');
  const expressions = EXPRESSION_PARAMS.filter((k) => input[k] !== undefined && input[k] !== null);
  if (expressions.length === 0 && rawValues !== undefined)
    throw validationError('ExpressionAttributeValues can only be specified when using expressions');
  if (expressions.length === 0 && names !== undefined)
    throw validationError('ExpressionAttributeNames can only be specified when using expressions');
  return new ExpressionContext(names ?? {}, rawValues ? checkItem(rawValues) : {});
}

const EXPRESSION_PARAMS = [
  'ConditionExpression',
  'UpdateExpression',
  'KeyConditionExpression',
  'FilterExpression',
  'ProjectionExpression',
];

function conditionOf(
  input: Input,
  ctx: ExpressionContext,
  name = 'ConditionExpression',
): Condition | undefined {
  const src = optionalString(input, name);
  return src === undefined ? undefined : parseCondition(src, ctx, name);
}

function projectionOf(input: Input, ctx: ExpressionContext): Path[] | undefined {
  const src = optionalString(input, 'ProjectionExpression');
  if (src !== undefined) {
    if (input.AttributesToGet !== undefined)
      throw validationError(
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
      );
    return parseProjection(src, ctx);
  }
  const names = input.AttributesToGet as string[] | undefined;
  return names?.map((n) => [n]);
}

const shape = (paths: Path[] | undefined, item: Item): Item => (paths ? project(item, paths) : item);

function returnValues(input: Input, allowed: string[]): string {
  const v = (input.ReturnValues as string | undefined) ?? 'NONE';
  const all = ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'];
  if (!all.includes(v))
    throw validationError(
      `1 validation error detected: Value '${v}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]`,
    );
  if (!allowed.includes(v))
    throw validationError(
      `ReturnValues can only be ${allowed.filter((a) => a !== 'NONE').join(' or ')} or NONE`,
    );
  return v;
}

/** The table a ResourceArn names. */
function tableOfArn(engine: DynamoEngine, raw: unknown): TableInfo {
  const arn = typeof raw === 'string' ? raw : '';
  const m = /^arn:aws:dynamodb:[^:]*:[^:]*:table\/([a-zA-Z0-9_.-]+)$/.exec(arn);
  if (!m) throw validationError(`Invalid TableArn: ${arn}`);
  const t = engine.find(m[1]!);
  if (!t)
    throw dynamoError(
      'ResourceNotFoundException',
      `Requested resource not found: ResourcArn: ${arn} not found`,
    );
  return t;
}

/** ReturnValuesOnConditionCheckFailure: ALL_OLD (the item goes into the failure) or NONE. */
function itemOnFailure(input: Input): boolean {
  const v = input.ReturnValuesOnConditionCheckFailure ?? 'NONE';
  if (v !== 'NONE' && v !== 'ALL_OLD')
    throw validationError(
      `1 validation error detected: Value '${String(v)}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
    );
  return v === 'ALL_OLD';
}

function tableNameOf(input: Input): string {
  return checkTableName(input.TableName);
}

/** The key a Query's KeyConditionExpression names: the partition value, checked against the schema. */
function partitionOf(cond: Condition, key: { hash: string; range?: string }): AttributeValue {
  const terms: Condition[] = [];
  const flatten = (c: Condition) => {
    if (c.kind === 'and') {
      flatten(c.left);
      flatten(c.right);
    } else terms.push(c);
  };
  flatten(cond);
  const invalid = (why: string) => validationError(`Invalid KeyConditionExpression: ${why}`);
  if (terms.length > 2) throw invalid('The expression has conditions on more than two attributes');
  let partition: AttributeValue | undefined;
  for (const t of terms) {
    const attr =
      t.kind === 'compare' && t.left.kind === 'path'
        ? t.left.path
        : t.kind === 'between' && t.operand.kind === 'path'
          ? t.operand.path
          : t.kind === 'begins_with'
            ? t.path
            : undefined;
    if (attr?.length !== 1) {
      const op = t.kind === 'or' || t.kind === 'not' ? t.kind.toUpperCase() : t.kind;
      throw validationError(`Invalid operator used in KeyConditionExpression: ${op}`);
    }
    const name = attr[0] as string;
    if (name === key.hash) {
      if (t.kind !== 'compare' || t.op !== '=' || t.right.kind !== 'value')
        throw validationError('Query key condition not supported');
      partition = t.right.value;
    } else if (name !== key.range)
      throw validationError(`Query condition missed key schema element: ${key.range ?? key.hash}`);
    else if (t.kind === 'compare' && t.op === '<>')
      throw validationError('Unsupported operator on KeyConditionExpression: operator: <>');
  }
  if (partition === undefined)
    throw validationError(`Query condition missed key schema element: ${key.hash}`);
  return partition;
}

/** What an index read returns of an item: everything, or keys plus the projected attributes. */
function indexProjection(t: TableInfo, ix: IndexInfo | undefined, item: Item): Item {
  if (!ix || ix.projection.ProjectionType === 'ALL') return item;
  const keep = [
    t.key.hash,
    t.key.range,
    ix.key.hash,
    ix.key.range,
    ...(ix.projection.NonKeyAttributes ?? []),
  ];
  const out: Item = {};
  for (const k of keep) if (k !== undefined && item[k] !== undefined) out[k] = item[k]!;
  return out;
}

async function readPage(engine: DynamoEngine, input: Input, query: boolean): Promise<Output> {
  const name = tableNameOf(input);
  const ctx = contextOf(input);
  const t = engine.find(name);
  if (!t) throw dynamoError('ResourceNotFoundException', 'Requested resource not found');
  const index = optionalString(input, 'IndexName');
  const ix = engine.indexOf(t, index);
  let partition: AttributeValue | undefined;
  let keyCondition: Condition | undefined;
  if (query) {
    const src = optionalString(input, 'KeyConditionExpression');
    if (src === undefined)
      throw validationError(
        'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
      );
    keyCondition = parseCondition(src, ctx, 'KeyConditionExpression');
    partition = partitionOf(keyCondition, ix?.key ?? t.key);
  }
  const filter = conditionOf(input, ctx, 'FilterExpression');
  const paths = projectionOf(input, ctx);
  ctx.checkAllUsed();
  const limit = input.Limit as number | undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw validationError(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  const esk = input.ExclusiveStartKey ? checkItem(input.ExclusiveStartKey as Input) : undefined;
  if (esk) checkStartKey(t, ix, esk);
  const segment = query ? undefined : segmentOf(input);
  const page = await engine.read(name, {
    index,
    partition,
    keyCondition,
    forward: input.ScanIndexForward !== false,
    limit,
    exclusiveStartKey: esk,
    filter,
    segment,
  });
  const out: Output = { Count: page.items.length, ScannedCount: page.scanned };
  if (input.Select !== 'COUNT') out.Items = page.items.map((i) => shape(paths, indexProjection(t, ix, i)));
  if (page.lastEvaluatedKey) out.LastEvaluatedKey = page.lastEvaluatedKey;
  return withCapacity(input, name, readUnits(page.bytes, input.ConsistentRead === true), out);
}

/** Scan's Segment and TotalSegments, checked as DynamoDB checks them. */
function segmentOf(input: Input): { index: number; total: number } | undefined {
  const index = input.Segment as number | undefined;
  const total = input.TotalSegments as number | undefined;
  if (index === undefined && total === undefined) return undefined;
  if (index === undefined || total === undefined)
    throw validationError(
      `The ${index === undefined ? 'Segment' : 'TotalSegments'} parameter is required but was not present in the request when parameter ${index === undefined ? 'TotalSegments' : 'Segment'} is present`,
    );
  if (!Number.isInteger(total) || total < 1 || total > 1_000_000)
    throw validationError(
      `1 validation error detected: Value '${total}' at 'totalSegments' failed to satisfy constraint: Member must have value ${total < 1 ? 'greater than or equal to 1' : 'less than or equal to 1000000'}`,
    );
  if (!Number.isInteger(index) || index < 0 || index >= total)
    throw validationError(
      `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${index} is not less than TotalSegments: ${total}`,
    );
  return { index, total };
}

/** An ExclusiveStartKey must name exactly the key attributes of the table (and index) read. */
function checkStartKey(t: TableInfo, ix: IndexInfo | undefined, esk: Item): void {
  const names = new Set(
    [t.key.hash, t.key.range, ix?.key.hash, ix?.key.range].filter((n) => n !== undefined),
  );
  const given = Object.keys(esk);
  if (given.length !== names.size || !given.every((n) => names.has(n)))
    throw validationError(
      'The provided starting key is invalid: The provided key element does not match the schema',
    );
}

const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** Adds ConsumedCapacity when ReturnConsumedCapacity asks for it. */
function withCapacity(input: Input, table: string, units: number, out: Output): Output {
  const mode = input.ReturnConsumedCapacity;
  if (mode === 'TOTAL') out.ConsumedCapacity = { TableName: table, CapacityUnits: units };
  else if (mode === 'INDEXES')
    out.ConsumedCapacity = { TableName: table, CapacityUnits: units, Table: { CapacityUnits: units } };
  return out;
}

function updatedPaths(actions: UpdateActions): Path[] {
  return [
    ...actions.set.map((a) => a.path),
    ...actions.remove,
    ...actions.add.map((a) => a.path),
    ...actions.delete.map((a) => a.path),
  ];
}

const OPERATIONS: Record<string, Operation> = {
  async CreateTable(engine, input) {
    const def = tableDefinition(input);
    const tags = input.Tags as Array<{ Key: string; Value: string }> | undefined;
    if (tags) def.tags = Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
    const t = await engine.createTable(def);
    return { TableDescription: await tableDescription(engine, t) };
  },
  async DescribeTable(engine, input) {
    return { Table: await tableDescription(engine, engine.describe(tableNameOf(input))) };
  },
  async ListTables(engine, input) {
    const limit = input.Limit as number | undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100))
      throw validationError(
        `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`,
      );
    const { names, last } = engine.list(optionalString(input, 'ExclusiveStartTableName'), limit);
    return last ? { TableNames: names, LastEvaluatedTableName: last } : { TableNames: names };
  },
  async DeleteTable(engine, input) {
    const t = engine.describe(tableNameOf(input));
    const description = await tableDescription(engine, t, 'DELETING');
    await engine.deleteTable(t.name);
    return { TableDescription: description };
  },
  async PutItem(engine, input) {
    const name = tableNameOf(input);
    const item = checkItem(objectParam(input, 'Item', 'item'));
    const ctx = contextOf(input);
    const condition = conditionOf(input, ctx);
    ctx.checkAllUsed();
    const rv = returnValues(input, ['NONE', 'ALL_OLD']);
    const old = await engine.putItem(name, item, { condition, returnItemOnFailure: itemOnFailure(input) });
    const units = writeUnits(Math.max(itemSize(item), old ? itemSize(old) : 0));
    return withCapacity(input, name, units, rv === 'ALL_OLD' && old ? { Attributes: old } : {});
  },
  async GetItem(engine, input) {
    const name = tableNameOf(input);
    const key = checkItem(objectParam(input, 'Key', 'key'));
    const ctx = contextOf(input);
    const paths = projectionOf(input, ctx);
    ctx.checkAllUsed();
    const item = await engine.getItem(name, key);
    const units = readUnits(item ? itemSize(item) : 0, input.ConsistentRead === true);
    return withCapacity(input, name, units, item ? { Item: shape(paths, item) } : {});
  },
  async DeleteItem(engine, input) {
    const name = tableNameOf(input);
    const key = checkItem(objectParam(input, 'Key', 'key'));
    const ctx = contextOf(input);
    const condition = conditionOf(input, ctx);
    ctx.checkAllUsed();
    const rv = returnValues(input, ['NONE', 'ALL_OLD']);
    const old = await engine.deleteItem(name, key, { condition, returnItemOnFailure: itemOnFailure(input) });
    const units = writeUnits(old ? itemSize(old) : 0);
    return withCapacity(input, name, units, rv === 'ALL_OLD' && old ? { Attributes: old } : {});
  },
  async UpdateItem(engine, input) {
    const name = tableNameOf(input);
    const key = checkItem(objectParam(input, 'Key', 'key'));
    const ctx = contextOf(input);
    const src = optionalString(input, 'UpdateExpression');
    const actions: UpdateActions =
      src === undefined ? { set: [], remove: [], add: [], delete: [] } : parseUpdate(src, ctx);
    const condition = conditionOf(input, ctx);
    ctx.checkAllUsed();
    const rv = returnValues(input, ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW']);
    const { before, after } = await engine.updateItem(name, key, actions, {
      condition,
      returnItemOnFailure: itemOnFailure(input),
    });
    const paths = updatedPaths(actions);
    let attributes: Item | undefined;
    if (rv === 'ALL_OLD') attributes = before;
    else if (rv === 'ALL_NEW') attributes = after;
    else if (rv === 'UPDATED_OLD') attributes = before ? project(before, paths) : undefined;
    else if (rv === 'UPDATED_NEW') attributes = project(after, paths);
    const units = writeUnits(Math.max(itemSize(after), before ? itemSize(before) : 0));
    return withCapacity(
      input,
      name,
      units,
      attributes && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {},
    );
  },
  Query: (engine, input) => readPage(engine, input, true),
  Scan: (engine, input) => readPage(engine, input, false),
  async BatchGetItem(engine, input) {
    const requests = objectParam(input, 'RequestItems', 'requestItems') as Record<string, Input>;
    const responses: Record<string, Item[]> = {};
    let count = 0;
    for (const [name, req] of Object.entries(requests)) {
      checkTableName(name, 'requestItems.key');
      const keys = (req.Keys as Input[] | undefined) ?? [];
      count += keys.length;
      if (count > 100) throw validationError('Too many items requested for the BatchGetItem call');
      const ctx = contextOf(req);
      const paths = projectionOf(req, ctx);
      ctx.checkAllUsed();
      const seen = new Set<string>();
      responses[name] = [];
      for (const raw of keys) {
        const key = checkItem(raw);
        const id = JSON.stringify(key);
        if (seen.has(id)) throw validationError('Provided list of item keys contains duplicates');
        seen.add(id);
        const item = await engine.getItem(name, key);
        if (item) responses[name]!.push(shape(paths, item));
      }
    }
    return { Responses: responses, UnprocessedKeys: {} };
  },
  async BatchWriteItem(engine, input) {
    const requests = objectParam(input, 'RequestItems', 'requestItems') as Record<string, Input[]>;
    const all = Object.values(requests).reduce((s, r) => s + r.length, 0);
    if (all > 25)
      throw validationError(
        "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
      );
    const planned: Array<() => Promise<unknown>> = [];
    for (const [name, reqs] of Object.entries(requests)) {
      const t = engine.find(checkTableName(name, 'requestItems.key'));
      if (!t) throw dynamoError('ResourceNotFoundException', 'Requested resource not found');
      const seen = new Set<string>();
      for (const r of reqs) {
        const put = (r.PutRequest as { Item?: Input } | undefined)?.Item;
        const del = (r.DeleteRequest as { Key?: Input } | undefined)?.Key;
        if ((put === undefined) === (del === undefined))
          throw validationError(
            'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
          );
        const item = checkItem((put ?? del)!);
        // The whole request is checked before anything is written, as DynamoDB refuses it whole.
        if (put) engine.checkWrite(t, item);
        else engine.checkKey(t, item);
        const id = JSON.stringify(engine.keyOf(t, item));
        if (seen.has(id)) throw validationError('Provided list of item keys contains duplicates');
        seen.add(id);
        planned.push(put ? () => engine.putItem(name, item) : () => engine.deleteItem(name, item));
      }
    }
    for (const run of planned) await run();
    return { UnprocessedItems: {} };
  },
  async TransactWriteItems(engine, input) {
    const items = input.TransactItems as Input[] | undefined;
    if (!Array.isArray(items) || items.length === 0 || items.length > 100)
      throw validationError(
        `1 validation error detected: Value ${items ? "'[...]'" : 'null'} at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100`,
      );
    const ops = items.map((raw) => {
      const [kind, body] = Object.entries(raw).find(([, v]) => v !== undefined && v !== null) as [
        string,
        Input,
      ];
      const ctx = contextOf(body);
      const condition = conditionOf(body, ctx);
      const table = checkTableName(body.TableName);
      let op: TransactOp;
      if (kind === 'Put')
        op = { kind: 'put', table, item: checkItem(objectParam(body, 'Item', 'item')), condition };
      else if (kind === 'Delete')
        op = { kind: 'delete', table, key: checkItem(objectParam(body, 'Key', 'key')), condition };
      else if (kind === 'Update') {
        const src = optionalString(body, 'UpdateExpression');
        if (src === undefined) throw validationError('UpdateExpression must be specified for an Update');
        op = {
          kind: 'update',
          table,
          key: checkItem(objectParam(body, 'Key', 'key')),
          actions: parseUpdate(src, ctx),
          condition,
        };
      } else if (kind === 'ConditionCheck') {
        if (!condition) throw validationError('ConditionExpression must be specified for a ConditionCheck');
        op = { kind: 'check', table, key: checkItem(objectParam(body, 'Key', 'key')), condition };
      } else throw validationError(`Unknown TransactItem: ${kind}`);
      ctx.checkAllUsed();
      op.returnItemOnFailure = itemOnFailure(body);
      return op;
    });
    await engine.transact(ops);
    return {};
  },
  async TransactGetItems(engine, input) {
    const items = (input.TransactItems as Array<{ Get?: Input }> | undefined) ?? [];
    const responses: Output[] = [];
    for (const { Get: get } of items) {
      if (!get) throw validationError('TransactGetItems accepts Get items only');
      const ctx = contextOf(get);
      const paths = projectionOf(get, ctx);
      ctx.checkAllUsed();
      const item = await engine.getItem(
        checkTableName(get.TableName),
        checkItem(objectParam(get, 'Key', 'key')),
      );
      responses.push(item ? { Item: shape(paths, item) } : {});
    }
    return { Responses: responses };
  },
  async DescribeTimeToLive(engine, input) {
    const t = engine.describe(tableNameOf(input));
    return {
      TimeToLiveDescription: t.ttl?.enabled
        ? { TimeToLiveStatus: 'ENABLED', AttributeName: t.ttl.attribute }
        : { TimeToLiveStatus: 'DISABLED' },
    };
  },
  async UpdateTimeToLive(engine, input) {
    const name = tableNameOf(input);
    const spec = objectParam(input, 'TimeToLiveSpecification', 'timeToLiveSpecification');
    const attribute = spec.AttributeName;
    if (typeof attribute !== 'string' || attribute === '')
      throw validationError(
        "1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null",
      );
    const enabled = spec.Enabled === true;
    await engine.alterTable(name, (t) => {
      if (enabled && t.ttl?.enabled) throw validationError('TimeToLive is already enabled');
      if (!enabled && !t.ttl?.enabled) throw validationError('TimeToLive is already disabled');
      return { ...t, ttl: { attribute, enabled } };
    });
    return { TimeToLiveSpecification: { AttributeName: attribute, Enabled: enabled } };
  },
  async TagResource(engine, input) {
    const t = tableOfArn(engine, input.ResourceArn);
    const tags = (input.Tags as Array<{ Key: string; Value: string }> | undefined) ?? [];
    await engine.alterTable(t.name, (x) => ({
      ...x,
      tags: { ...x.tags, ...Object.fromEntries(tags.map((g) => [g.Key, g.Value])) },
    }));
    return {};
  },
  async UntagResource(engine, input) {
    const t = tableOfArn(engine, input.ResourceArn);
    const keys = (input.TagKeys as string[] | undefined) ?? [];
    await engine.alterTable(t.name, (x) => ({
      ...x,
      tags: Object.fromEntries(Object.entries(x.tags ?? {}).filter(([k]) => !keys.includes(k))),
    }));
    return {};
  },
  async ListTagsOfResource(engine, input) {
    const t = tableOfArn(engine, input.ResourceArn);
    return { Tags: Object.entries(t.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) };
  },
  async UpdateTable(engine, input) {
    const name = tableNameOf(input);
    const t = await engine.alterTable(name, (x) => updatedTable(x, input, engine.now()));
    return { TableDescription: await tableDescription(engine, t) };
  },
  async DescribeEndpoints() {
    return { Endpoints: [{ Address: 'localhost', CachePeriodInMinutes: 1440 }] };
  },
};
