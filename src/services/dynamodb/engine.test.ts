import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { DynamoEngine } from './engine.js';
import { ExpressionContext, parseCondition } from './expressions.js';
import { tableDefinition } from './tables.js';
import type { Item } from './values.js';

let dir: string;
let store: SqliteStore;
let engine: DynamoEngine;
const clock = new ManualClock(Date.UTC(2026, 2, 1));

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dynamodb-engine-'));
  store = new SqliteStore(dir);
  engine = new DynamoEngine(store, clock, 'us-east-1');
  await engine.load();
  await engine.createTable(
    tableDefinition({
      TableName: 'events',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'n', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'n', AttributeType: 'N' },
        { AttributeName: 'kind', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byKind',
          KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const cond = (src: string, values: Record<string, Item[string]> = {}) =>
  parseCondition(src, new ExpressionContext({}, values));

const row = (pk: string, n: string, extra: Item = {}): Item => ({ pk: { S: pk }, n: { N: n }, ...extra });

describe('table definitions', () => {
  const base = {
    TableName: 'things',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  };
  it('refuses what CreateTable refuses, with its messages', () => {
    expect(() => tableDefinition(base)).toThrow(
      'ReadCapacityUnits and WriteCapacityUnits must both be specified',
    );
    expect(() =>
      tableDefinition({
        ...base,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'x', AttributeType: 'S' }],
      }),
    ).toThrow(
      'Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [x]',
    );
    expect(() =>
      tableDefinition({
        ...base,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...base.AttributeDefinitions, { AttributeName: 'extra', AttributeType: 'N' }],
      }),
    ).toThrow(
      'Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
    expect(() => tableDefinition({ ...base, TableName: 'ab' })).toThrow(
      "Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    );
    expect(() =>
      tableDefinition({ ...base, KeySchema: [{ AttributeName: 'id', KeyType: 'RANGE' }] }),
    ).toThrow('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
    expect(
      tableDefinition({ ...base, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } })
        .billingMode,
    ).toBe('PROVISIONED');
  });

  it('refuses a second table of one name', async () => {
    await expect(
      engine.createTable({
        name: 'events',
        key: { hash: 'pk' },
        attributes: { pk: 'S' },
        billingMode: 'PAY_PER_REQUEST',
      }),
    ).rejects.toThrow('Table already exists: events');
  });
});

describe('items', () => {
  it('puts, gets and deletes under conditions, checking keys', async () => {
    expect(await engine.putItem('events', row('a', '1', { v: { S: 'one' } }))).toBeUndefined();
    const old = await engine.putItem('events', row('a', '1', { v: { S: 'uno' } }), {
      condition: cond('attribute_exists(pk)'),
    });
    expect(old?.v).toEqual({ S: 'one' });
    await expect(
      engine.putItem('events', row('a', '1'), { condition: cond('attribute_not_exists(pk)') }),
    ).rejects.toMatchObject({
      code: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
    });
    expect((await engine.getItem('events', row('a', '1')))?.v).toEqual({ S: 'uno' });
    await expect(engine.putItem('events', { pk: { S: 'a' } })).rejects.toThrow(
      'Missing the key n in the item',
    );
    await expect(engine.putItem('events', { pk: { N: '1' }, n: { N: '1' } })).rejects.toThrow(
      'Type mismatch for key pk expected: S actual: N',
    );
    await expect(engine.putItem('events', row('', '1'))).rejects.toThrow(
      'cannot contain an empty string value. Key: pk',
    );
    await expect(engine.putItem('events', row('a', '2', { kind: { N: '1' } }))).rejects.toThrow(
      'Type mismatch for Index Key kind Expected: S Actual: N IndexName: byKind',
    );
    await expect(
      engine.putItem('events', row('a', '3', { big: { S: 'x'.repeat(400 * 1024) } })),
    ).rejects.toThrow('Item size has exceeded the maximum allowed size');
    await expect(engine.getItem('events', { pk: { S: 'a' } })).rejects.toThrow(
      'The provided key element does not match the schema',
    );
    await expect(engine.getItem('nope', { pk: { S: 'a' } })).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
    await expect(
      engine.deleteItem('events', row('a', '1'), { condition: cond('v = :x', { ':x': { S: 'one' } }) }),
    ).rejects.toMatchObject({
      code: 'ConditionalCheckFailedException',
    });
    expect((await engine.deleteItem('events', row('a', '1')))?.v).toEqual({ S: 'uno' });
    expect(await engine.getItem('events', row('a', '1'))).toBeUndefined();
  });

  it('queries a partition in numeric sort order, both ways, in pages; items survive a restart', async () => {
    for (const n of ['10', '9', '100', '-1', '2.5'])
      await engine.putItem('events', row('p', n, { kind: { S: Number(n) > 5 ? 'big' : 'small' } }));
    await engine.putItem('events', row('other', '1'));
    const q = { partition: { S: 'p' }, keyCondition: cond('pk = :p', { ':p': { S: 'p' } }) };
    const all = await engine.read('events', q);
    expect(all.items.map((i) => i.n)).toEqual([
      { N: '-1' },
      { N: '2.5' },
      { N: '9' },
      { N: '10' },
      { N: '100' },
    ]);
    const back = await engine.read('events', { ...q, forward: false, limit: 2 });
    expect(back.items.map((i) => (i.n as { N: string }).N)).toEqual(['100', '10']);
    expect(back.lastEvaluatedKey).toEqual({ pk: { S: 'p' }, n: { N: '10' } });
    const next = await engine.read('events', {
      ...q,
      forward: false,
      limit: 2,
      exclusiveStartKey: back.lastEvaluatedKey,
    });
    expect(next.items.map((i) => (i.n as { N: string }).N)).toEqual(['9', '2.5']);
    const between = await engine.read('events', {
      partition: { S: 'p' },
      keyCondition: cond('pk = :p AND n BETWEEN :a AND :b', {
        ':p': { S: 'p' },
        ':a': { N: '2' },
        ':b': { N: '10' },
      }),
    });
    expect(between.items.map((i) => (i.n as { N: string }).N)).toEqual(['2.5', '9', '10']);
    const big = await engine.read('events', {
      index: 'byKind',
      partition: { S: 'big' },
      keyCondition: cond('kind = :k', { ':k': { S: 'big' } }),
    });
    expect(big.items.length).toBe(3);
    const filtered = await engine.read('events', { filter: cond('kind = :k', { ':k': { S: 'small' } }) });
    expect(filtered.scanned).toBe(6);
    expect(filtered.items.length).toBe(2);

    const again = new DynamoEngine(store, clock, 'us-east-1');
    await again.load();
    expect(again.describe('events').gsis[0]?.name).toBe('byKind');
    expect((await again.read('events', q)).items.length).toBe(5);
    await again.deleteTable('events');
    expect(again.find('events')).toBeUndefined();
    expect(await store.table('dynamodb.items').list()).toEqual([]);
  });

  it('applies a transaction all or nothing', async () => {
    await engine.putItem('events', row('t', '1', { v: { N: '1' } }));
    await expect(
      engine.transact([
        { kind: 'put', table: 'events', item: row('t', '2') },
        {
          kind: 'check',
          table: 'events',
          key: row('t', '1'),
          condition: cond('v = :two', { ':two': { N: '2' } }),
        },
      ]),
    ).rejects.toMatchObject({ code: 'TransactionCanceledException' });
    expect(await engine.getItem('events', row('t', '2'))).toBeUndefined();
    await engine.transact([
      { kind: 'put', table: 'events', item: row('t', '2') },
      {
        kind: 'delete',
        table: 'events',
        key: row('t', '1'),
        condition: cond('v = :one', { ':one': { N: '1' } }),
      },
    ]);
    expect(await engine.getItem('events', row('t', '2'))).toBeDefined();
    expect(await engine.getItem('events', row('t', '1'))).toBeUndefined();
  });
});

describe('time to live', () => {
  it('sweeps items whose expiry passed on tables with TTL enabled, and nothing else', async () => {
    const now = clock.now() / 1000;
    await engine.putItem('events', row('x', '1', { exp: { N: String(now - 1) } }));
    await engine.putItem('events', row('x', '2', { exp: { N: String(now + 3600) } }));
    await engine.putItem('events', row('x', '3', { exp: { S: 'not a number' } }));
    await engine.putItem('events', row('x', '4', { exp: { N: String(now - 6 * 365 * 24 * 3600) } }));
    expect(await engine.sweepExpired()).toBe(0);
    await engine.alterTable('events', (t) => ({ ...t, ttl: { attribute: 'exp', enabled: true } }));
    expect(await engine.sweepExpired()).toBe(1);
    expect(await engine.getItem('events', row('x', '1'))).toBeUndefined();
    await clock.advance(3601_000);
    expect(await engine.sweepExpired()).toBe(1);
    const left = await engine.read('events', {
      partition: { S: 'x' },
      keyCondition: cond('pk = :p', { ':p': { S: 'x' } }),
    });
    expect(left.items.map((i) => (i.n as { N: string }).N)).toEqual(['3', '4']);
  });
});

describe('streams', () => {
  it('records INSERT, MODIFY and REMOVE with the images the view type keeps, in order, across restarts', async () => {
    await engine.createTable(
      tableDefinition({
        TableName: 'streamed',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const t = engine.describe('streamed');
    expect(engine.streamArnOf(t)).toBe(
      `arn:aws:dynamodb:us-east-1:000000000000:table/streamed/stream/${new Date(clock.now()).toISOString().slice(0, -1)}`,
    );
    await engine.putItem('streamed', { id: { S: 'a' }, v: { N: '1' } });
    await engine.putItem('streamed', { id: { S: 'a' }, v: { N: '2' } });
    await engine.deleteItem('streamed', { id: { S: 'a' } });
    await engine.deleteItem('streamed', { id: { S: 'never' } });
    await engine.putItem('events', row('no', '1'));
    const records = await engine.records('streamed', '', 10);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(records[1]?.oldImage).toEqual({ id: { S: 'a' }, v: { N: '1' } });
    expect(records[1]?.newImage).toEqual({ id: { S: 'a' }, v: { N: '2' } });
    expect(records[2]?.newImage).toBeUndefined();
    expect(records[0]!.sequenceNumber < records[1]!.sequenceNumber).toBe(true);
    expect(await engine.records('streamed', records[1]!.sequenceNumber, 10)).toEqual([records[2]]);
    expect(await engine.records('events', '', 10)).toEqual([]);

    const again = new DynamoEngine(store, clock, 'us-east-1');
    await again.load();
    await again.putItem('streamed', { id: { S: 'b' } });
    const after = await again.records('streamed', records[2]!.sequenceNumber, 10);
    expect(after.map((r) => r.eventName)).toEqual(['INSERT']);
    expect(after[0]!.sequenceNumber > records[2]!.sequenceNumber).toBe(true);
    expect(again.lastSequence('streamed')).toBe(after[0]!.sequenceNumber);
  });
});
