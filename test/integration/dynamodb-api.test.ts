/**
 * The DynamoDB API through the real @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb
 * (DocumentClient) against a platform on a free port: tables, items, conditional writes, updates,
 * queries with pagination and indexes, batches, transactions, AWS error shapes, and data that
 * survives a platform restart.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { tempDir } from './platform-helpers.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
let platform: Platform;
let ddb: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let dataDir: string;
let cleanup: () => void;

function connect(url: string): void {
  ddb = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  doc = DynamoDBDocumentClient.from(ddb);
}

async function failure(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  dataDir = t.dir;
  platform = await startPlatform({ port: 0, dataDir, log: quiet, clock });
  connect(platform.url);
}, 60_000);

afterAll(async () => {
  ddb?.destroy();
  await platform?.stop();
  cleanup?.();
});

describe('DynamoDB over the SDK', () => {
  it('creates, describes, lists and refuses tables with AWS errors', async () => {
    const created = await ddb.send(
      new CreateTableCommand({
        TableName: 'orders',
        KeySchema: [
          { AttributeName: 'customer', KeyType: 'HASH' },
          { AttributeName: 'seq', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'customer', AttributeType: 'S' },
          { AttributeName: 'seq', AttributeType: 'N' },
          { AttributeName: 'status', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byStatus',
            KeySchema: [
              { AttributeName: 'status', KeyType: 'HASH' },
              { AttributeName: 'seq', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    );
    expect(created.TableDescription?.TableStatus).toBe('ACTIVE');
    expect(created.TableDescription?.TableArn).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/orders');
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'orders' }))).Table!;
    expect(d.CreationDateTime?.getTime()).toBe(clock.now());
    expect(d.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(d.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byStatus');
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual(['orders']);

    const again = await failure(
      ddb.send(
        new CreateTableCommand({
          TableName: 'orders',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      ),
    );
    expect(again).toBeInstanceOf(ResourceInUseException);
    expect(again.message).toBe('Table already exists: orders');
    const missing = await failure(ddb.send(new DescribeTableCommand({ TableName: 'nope' })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.$metadata.httpStatusCode).toBe(400);
    const bad = await failure(
      ddb.send(
        new CreateTableCommand({
          TableName: 'bad',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'other', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      ),
    );
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toContain('Some index key attributes are not defined in AttributeDefinitions');
  });

  it('puts and gets items of every type through the DocumentClient; conditions fail as AWS fails them', async () => {
    const order = {
      customer: 'ada',
      seq: 1,
      status: 'open',
      total: 12.5,
      lines: [{ sku: 'a', qty: 2 }],
      tags: new Set(['x', 'y']),
      paid: false,
      note: null,
      blob: new Uint8Array([1, 2, 3]),
    };
    await doc.send(
      new PutCommand({
        TableName: 'orders',
        Item: order,
        ConditionExpression: 'attribute_not_exists(customer)',
      }),
    );
    const got = (await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'ada', seq: 1 } })))
      .Item!;
    expect(got).toEqual({ ...order, blob: new Uint8Array([1, 2, 3]) });

    const dup = await failure(
      doc.send(
        new PutCommand({
          TableName: 'orders',
          Item: order,
          ConditionExpression: 'attribute_not_exists(customer)',
        }),
      ),
    );
    expect(dup).toBeInstanceOf(ConditionalCheckFailedException);
    expect(dup.message).toBe('The conditional request failed');

    const old = await doc.send(
      new PutCommand({
        TableName: 'orders',
        Item: { ...order, total: 13 },
        ConditionExpression: '#s = :open AND total < :max',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':open': 'open', ':max': 100 },
        ReturnValues: 'ALL_OLD',
      }),
    );
    expect(old.Attributes?.total).toBe(12.5);

    const raw = await failure(
      ddb.send(
        new PutItemCommand({ TableName: 'orders', Item: { customer: { S: 'ada' }, seq: { S: '1' } } }),
      ),
    );
    expect(raw.name).toBe('ValidationException');
    expect(raw.message).toBe(
      'One or more parameter values were invalid: Type mismatch for key seq expected: N actual: S',
    );
    const unused = await failure(
      doc.send(
        new PutCommand({
          TableName: 'orders',
          Item: order,
          ExpressionAttributeValues: { ':x': 1 },
          ConditionExpression: 'seq = :y',
        }),
      ),
    );
    expect(unused.message).toBe(
      'An expression attribute value used in expression is not defined; attribute value: :y',
    );
    const noTable = await failure(doc.send(new GetCommand({ TableName: 'ghost', Key: { id: 'x' } })));
    expect(noTable).toBeInstanceOf(ResourceNotFoundException);
  });

  it('updates with SET/REMOVE/ADD/DELETE and returns what ReturnValues asks for', async () => {
    const out = await doc.send(
      new UpdateCommand({
        TableName: 'orders',
        Key: { customer: 'ada', seq: 1 },
        UpdateExpression:
          'SET total = total + :inc, visits = if_not_exists(visits, :zero) + :one, lines = list_append(lines, :more) REMOVE note ADD tags :z',
        ConditionExpression: 'attribute_exists(customer)',
        ExpressionAttributeValues: {
          ':inc': 0.25,
          ':zero': 0,
          ':one': 1,
          ':more': [{ sku: 'b', qty: 1 }],
          ':z': new Set(['z']),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(out.Attributes?.total).toBe(13.25);
    expect(out.Attributes?.visits).toBe(1);
    expect(out.Attributes?.lines).toHaveLength(2);
    expect(out.Attributes?.note).toBeUndefined();
    expect(out.Attributes?.tags).toEqual(new Set(['x', 'y', 'z']));
    const updated = await doc.send(
      new UpdateCommand({
        TableName: 'orders',
        Key: { customer: 'ada', seq: 1 },
        UpdateExpression: 'ADD visits :one DELETE tags :x',
        ExpressionAttributeValues: { ':one': 1, ':x': new Set(['x']) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(updated.Attributes).toEqual({ visits: 2, tags: new Set(['y', 'z']) });
    const refused = await failure(
      doc.send(
        new UpdateCommand({
          TableName: 'orders',
          Key: { customer: 'bob', seq: 1 },
          UpdateExpression: 'SET total = :t',
          ConditionExpression: 'attribute_exists(customer)',
          ExpressionAttributeValues: { ':t': 1 },
        }),
      ),
    );
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    const syntax = await failure(
      doc.send(
        new UpdateCommand({
          TableName: 'orders',
          Key: { customer: 'ada', seq: 1 },
          UpdateExpression: 'SET total = ',
        }),
      ),
    );
    expect(syntax.message).toBe('Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "="');
  });

  it('queries in sort-key order with pages, indexes and filters; scans; batches and transactions', async () => {
    await doc.send(
      new BatchWriteCommand({
        RequestItems: {
          orders: [2, 10, 3, 25, 4].map((seq) => ({
            PutRequest: {
              Item: { customer: 'bob', seq, status: seq % 2 ? 'open' : 'shipped', total: seq * 2 },
            },
          })),
        },
      }),
    );
    const page1 = await doc.send(
      new QueryCommand({
        TableName: 'orders',
        KeyConditionExpression: 'customer = :c AND seq >= :from',
        ExpressionAttributeValues: { ':c': 'bob', ':from': 3 },
        Limit: 2,
      }),
    );
    expect(page1.Items?.map((i) => i.seq)).toEqual([3, 4]);
    expect(page1.LastEvaluatedKey).toEqual({ customer: 'bob', seq: 4 });
    const page2 = await doc.send(
      new QueryCommand({
        TableName: 'orders',
        KeyConditionExpression: 'customer = :c AND seq >= :from',
        ExpressionAttributeValues: { ':c': 'bob', ':from': 3 },
        ExclusiveStartKey: page1.LastEvaluatedKey,
      }),
    );
    expect(page2.Items?.map((i) => i.seq)).toEqual([10, 25]);
    expect(page2.LastEvaluatedKey).toBeUndefined();
    const backwards = await doc.send(
      new QueryCommand({
        TableName: 'orders',
        KeyConditionExpression: 'customer = :c',
        FilterExpression: 'total > :t',
        ProjectionExpression: 'seq, total',
        ExpressionAttributeValues: { ':c': 'bob', ':t': 6 },
        ScanIndexForward: false,
      }),
    );
    expect(backwards.Items).toEqual([
      { seq: 25, total: 50 },
      { seq: 10, total: 20 },
      { seq: 4, total: 8 },
    ]);
    expect(backwards.ScannedCount).toBe(5);
    const open = await doc.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'byStatus',
        KeyConditionExpression: '#s = :s AND seq BETWEEN :a AND :b',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'open', ':a': 1, ':b': 20 },
      }),
    );
    expect(open.Items).toEqual([
      { customer: 'ada', seq: 1, status: 'open' },
      { customer: 'bob', seq: 3, status: 'open' },
    ]);
    const missedKey = await failure(
      doc.send(
        new QueryCommand({
          TableName: 'orders',
          KeyConditionExpression: 'seq = :s',
          ExpressionAttributeValues: { ':s': 1 },
        }),
      ),
    );
    expect(missedKey.message).toBe('Query condition missed key schema element: customer');
    const scan = await doc.send(new ScanCommand({ TableName: 'orders', Select: 'COUNT' }));
    expect(scan.Count).toBe(6);

    const refusedBatch = await failure(
      doc.send(
        new BatchWriteCommand({
          RequestItems: {
            orders: [
              { PutRequest: { Item: { customer: 'dan', seq: 1 } } },
              { PutRequest: { Item: { customer: 'dan' } } },
            ],
          },
        }),
      ),
    );
    expect(refusedBatch.message).toBe(
      'One or more parameter values were invalid: Missing the key seq in the item',
    );
    expect(
      (await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'dan', seq: 1 } }))).Item,
    ).toBeUndefined();
    const got = await doc.send(
      new BatchGetCommand({
        RequestItems: {
          orders: {
            Keys: [
              { customer: 'bob', seq: 2 },
              { customer: 'nobody', seq: 1 },
            ],
          },
        },
      }),
    );
    expect(got.Responses?.orders?.map((i) => i.seq)).toEqual([2]);

    const cancelled = await failure(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: 'orders', Item: { customer: 'cy', seq: 1 } } },
            {
              ConditionCheck: {
                TableName: 'orders',
                Key: { customer: 'bob', seq: 2 },
                ConditionExpression: '#s = :open',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':open': 'open' },
              },
            },
          ],
        }),
      ),
    );
    expect(cancelled.name).toBe('TransactionCanceledException');
    expect((cancelled as unknown as { CancellationReasons: unknown }).CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect(
      (await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'cy', seq: 1 } }))).Item,
    ).toBeUndefined();
    await doc.send(new DeleteCommand({ TableName: 'orders', Key: { customer: 'bob', seq: 25 } }));
  });

  it('serialises concurrent conditional writes and reports the item a condition failed on', async () => {
    const key = { customer: 'counter', seq: 0 };
    await Promise.all(
      Array.from({ length: 40 }, () =>
        doc.send(
          new UpdateCommand({
            TableName: 'orders',
            Key: key,
            UpdateExpression: 'ADD hits :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        ),
      ),
    );
    const claims = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        doc.send(
          new PutCommand({
            TableName: 'orders',
            Item: { customer: 'lock', seq: 0, owner: i },
            ConditionExpression: 'attribute_not_exists(customer)',
          }),
        ),
      ),
    );
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    expect((await doc.send(new GetCommand({ TableName: 'orders', Key: key }))).Item?.hits).toBe(40);
    const failed = await failure(
      ddb.send(
        new PutItemCommand({
          TableName: 'orders',
          Item: { customer: { S: 'counter' }, seq: { N: '0' } },
          ConditionExpression: 'hits < :n',
          ExpressionAttributeValues: { ':n': { N: '10' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    expect(failed).toBeInstanceOf(ConditionalCheckFailedException);
    expect((failed as ConditionalCheckFailedException).Item).toEqual({
      customer: { S: 'counter' },
      seq: { N: '0' },
      hits: { N: '40' },
    });
    const noExpression = await failure(
      ddb.send(
        new PutItemCommand({
          TableName: 'orders',
          Item: { customer: { S: 'x' }, seq: { N: '0' } },
          ExpressionAttributeValues: { ':n': { N: '10' } },
        }),
      ),
    );
    expect(noExpression.message).toBe(
      'ExpressionAttributeValues can only be specified when using expressions',
    );
    const legacy = await failure(
      ddb.send(
        new PutItemCommand({
          TableName: 'orders',
          Item: { customer: { S: 'x' }, seq: { N: '0' } },
          Expected: { customer: { Exists: false } },
        }),
      ),
    );
    expect(legacy.name).toBe('ValidationException');
    expect(legacy.message).toContain('legacy parameter(s) {Expected}');
    await doc.send(new DeleteCommand({ TableName: 'orders', Key: key }));
    await doc.send(new DeleteCommand({ TableName: 'orders', Key: { customer: 'lock', seq: 0 } }));
  });

  it('expires items on the platform clock once TTL is on; tags and UpdateTable', async () => {
    expect(
      (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'orders' }))).TimeToLiveDescription,
    ).toEqual({
      TimeToLiveStatus: 'DISABLED',
    });
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: 'orders',
        TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true },
      }),
    );
    expect(
      (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'orders' }))).TimeToLiveDescription,
    ).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expires',
    });
    const key = { customer: 'temp', seq: 1 };
    await doc.send(
      new PutCommand({ TableName: 'orders', Item: { ...key, expires: clock.now() / 1000 + 30 } }),
    );
    await clock.advance(60_000);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = (await doc.send(new GetCommand({ TableName: 'orders', Key: key }))).Item === undefined;
      if (!gone) await new Promise((r) => setTimeout(r, 20));
    }
    expect(gone).toBe(true);

    const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders';
    await ddb.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: 'team', Value: 'a' },
          { Key: 'env', Value: 'dev' },
        ],
      }),
    );
    await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['env'] }));
    expect((await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'team', Value: 'a' },
    ]);

    const updated = await ddb.send(
      new UpdateTableCommand({
        TableName: 'orders',
        AttributeDefinitions: [{ AttributeName: 'total', AttributeType: 'N' }],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: 'byTotal',
              KeySchema: [{ AttributeName: 'total', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
            },
          },
        ],
      }),
    );
    expect(updated.TableDescription?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual([
      'byStatus',
      'byTotal',
    ]);
    const byTotal = await doc.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'byTotal',
        KeyConditionExpression: 'total = :t',
        ExpressionAttributeValues: { ':t': 20 },
      }),
    );
    expect(byTotal.Items?.map((i) => [i.customer, i.seq])).toEqual([['bob', 10]]);
  });

  it('answers the AWS CLI; parallel scans split the table; consumed capacity when asked', {
    timeout: 60_000,
  }, async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: process.env.HOME ?? '/tmp',
    };
    const aws = async (...args: string[]) =>
      JSON.parse(
        (
          await promisify(execFile)(
            'aws',
            ['--endpoint-url', platform.url, '--output', 'json', 'dynamodb', ...args],
            { env },
          )
        ).stdout || '{}',
      );
    await aws(
      'create-table',
      '--table-name',
      'cli-table',
      '--attribute-definitions',
      'AttributeName=id,AttributeType=S',
      '--key-schema',
      'AttributeName=id,KeyType=HASH',
      '--billing-mode',
      'PAY_PER_REQUEST',
    );
    await aws('wait', 'table-exists', '--table-name', 'cli-table');
    const puts = Array.from({ length: 20 }, (_, i) => ({
      PutRequest: { Item: { id: { S: `k${i}` }, n: { N: String(i) } } },
    }));
    const written = await aws('batch-write-item', '--request-items', JSON.stringify({ 'cli-table': puts }));
    expect(written.UnprocessedItems).toEqual({});
    const got = await aws(
      'get-item',
      '--table-name',
      'cli-table',
      '--key',
      '{"id":{"S":"k7"}}',
      '--return-consumed-capacity',
      'TOTAL',
    );
    expect(got.Item).toEqual({ id: { S: 'k7' }, n: { N: '7' } });
    expect(got.ConsumedCapacity).toEqual({ TableName: 'cli-table', CapacityUnits: 0.5 });
    const q = await aws(
      'query',
      '--table-name',
      'cli-table',
      '--key-condition-expression',
      'id = :id',
      '--expression-attribute-values',
      '{":id":{"S":"k3"}}',
    );
    expect(q.Items).toEqual([{ id: { S: 'k3' }, n: { N: '3' } }]);

    const segments = await Promise.all(
      [0, 1, 2].map((Segment) =>
        doc.send(new ScanCommand({ TableName: 'cli-table', Segment, TotalSegments: 3 })),
      ),
    );
    const ids = segments.flatMap((s) => s.Items?.map((i) => i.id as string) ?? []);
    expect(ids.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
    expect(segments.every((s) => (s.Count ?? 0) > 0)).toBe(true);
    const badSegment = await failure(
      doc.send(new ScanCommand({ TableName: 'cli-table', Segment: 3, TotalSegments: 3 })),
    );
    expect(badSegment.message).toBe(
      'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3',
    );
    const badStart = await failure(
      doc.send(new ScanCommand({ TableName: 'cli-table', ExclusiveStartKey: { nope: 'x' } })),
    );
    expect(badStart.message).toBe(
      'The provided starting key is invalid: The provided key element does not match the schema',
    );
    await aws('delete-table', '--table-name', 'cli-table');
  });

  it('keeps tables and items across a platform restart', async () => {
    ddb.destroy();
    await platform.stop();
    platform = await startPlatform({ port: 0, dataDir, log: quiet, clock });
    connect(platform.url);
    const item = (await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'ada', seq: 1 } })))
      .Item!;
    expect(item.visits).toBe(2);
    const bob = await doc.send(
      new QueryCommand({
        TableName: 'orders',
        KeyConditionExpression: 'customer = :c',
        ExpressionAttributeValues: { ':c': 'bob' },
      }),
    );
    expect(bob.Items?.map((i) => i.seq)).toEqual([2, 3, 4, 10]);
    const ttl = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'orders' })))
      .TimeToLiveDescription;
    expect(ttl?.TimeToLiveStatus).toBe('ENABLED');
    const d = (await ddb.send(new DescribeTableCommand({ TableName: 'orders' }))).Table!;
    expect(d.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['byStatus', 'byTotal']);
    expect(d.ItemCount).toBe(5);
    await ddb.send(new DeleteTableCommand({ TableName: 'orders' }));
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  });
});
