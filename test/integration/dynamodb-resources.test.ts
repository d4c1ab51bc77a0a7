/**
 * AWS::DynamoDB::Table from a serverless.yml deployed with the CLI: the table exists with its key
 * schema and index, Ref and Fn::GetAtt Arn reach a Node function's environment, the function
 * writes and reads through the DocumentClient the runtime resolves (AWS_ENDPOINT_URL points it at
 * the platform), a redeploy keeps the items, and remove deletes the table.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { ROOT } from './lifecycle-support.js';
import { TEST_CREDENTIALS, tempDir } from './platform-helpers.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

const SERVERLESS_YML = `
service: ddb
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  environment:
    TABLE_NAME:
      Ref: NotesTable
    TABLE_ARN:
      Fn::GetAtt: [NotesTable, Arn]
functions:
  writer:
    handler: handler.write
  audit:
    handler: handler.audit
    environment:
      AUDIT_TABLE:
        Ref: AuditTable
    events:
      - stream:
          type: dynamodb
          arn:
            Fn::GetAtt: [NotesTable, StreamArn]
          batchSize: 10
          startingPosition: TRIM_HORIZON
resources:
  Resources:
    AuditTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: ddb-audit
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - AttributeName: seq
            AttributeType: S
        KeySchema:
          - AttributeName: seq
            KeyType: HASH
    NotesTable:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - AttributeName: owner
            AttributeType: S
          - AttributeName: id
            AttributeType: N
          - AttributeName: topic
            AttributeType: S
        KeySchema:
          - AttributeName: owner
            KeyType: HASH
          - AttributeName: id
            KeyType: RANGE
        GlobalSecondaryIndexes:
          - IndexName: byTopic
            KeySchema:
              - AttributeName: topic
                KeyType: HASH
            Projection:
              ProjectionType: ALL
        StreamSpecification:
          StreamViewType: NEW_AND_OLD_IMAGES
        TimeToLiveSpecification:
          AttributeName: expiresAt
          Enabled: true
        Tags:
          - Key: team
            Value: notes
`;

/** Writes a note unless one with its key exists, counts the owner's notes, and reports them. */
const HANDLER = `
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, PutCommand, QueryCommand } = require('@aws-sdk/lib-dynamodb');
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
exports.write = async (event) => {
  let created = true;
  try {
    await doc.send(new PutCommand({
      TableName: process.env.TABLE_NAME,
      Item: { owner: event.owner, id: event.id, topic: event.topic, text: event.text },
      ConditionExpression: 'attribute_not_exists(id)',
    }));
  } catch (e) {
    if (e.name !== 'ConditionalCheckFailedException') throw e;
    created = false;
  }
  const notes = await doc.send(new QueryCommand({
    TableName: process.env.TABLE_NAME,
    KeyConditionExpression: '#o = :o',
    ExpressionAttributeNames: { '#o': 'owner' },
    ExpressionAttributeValues: { ':o': event.owner },
  }));
  return { created, ids: notes.Items.map((n) => n.id), table: process.env.TABLE_NAME, arn: process.env.TABLE_ARN };
};
/** Records each change of the notes table's stream in the audit table. */
exports.audit = async (event) => {
  for (const r of event.Records)
    await doc.send(new PutCommand({
      TableName: process.env.AUDIT_TABLE,
      Item: {
        seq: r.dynamodb.SequenceNumber,
        name: r.eventName,
        source: r.eventSource,
        arn: r.eventSourceARN,
        keys: r.dynamodb.Keys,
        oldText: r.dynamodb.OldImage ? r.dynamodb.OldImage.text.S : null,
        newText: r.dynamodb.NewImage ? r.dynamodb.NewImage.text.S : null,
      },
    }));
};
`;

let platform: Platform;
let data: { dir: string; cleanup: () => void };
let work: { dir: string; cleanup: () => void };
let dir: string;
let ddb: DynamoDBClient;
let lambda: LambdaClient;

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/selfless.js'), ...args], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SELFLESS_ENDPOINT: platform.url,
        NO_COLOR: '1',
        SELFLESS_NO_STDIN: '1',
      },
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

async function write(note: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out = await lambda.send(
    new InvokeCommand({ FunctionName: 'ddb-dev-writer', Payload: Buffer.from(JSON.stringify(note)) }),
  );
  const body = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString());
  if (out.FunctionError) throw new Error(JSON.stringify(body));
  return body;
}

beforeAll(async () => {
  data = tempDir();
  work = tempDir();
  platform = await startPlatform({ port: 0, dataDir: data.dir, log: quiet });
  ddb = new DynamoDBClient({ endpoint: platform.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  lambda = new LambdaClient({ endpoint: platform.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  dir = path.join(work.dir, 'ddb');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'serverless.yml'), SERVERLESS_YML);
  writeFileSync(path.join(dir, 'handler.js'), HANDLER);
  const r = await cli(['deploy']);
  if (r.code !== 0) throw new Error(r.stderr);
}, 120_000);

afterAll(async () => {
  ddb?.destroy();
  lambda?.destroy();
  await platform?.stop();
  data?.cleanup();
  work?.cleanup();
});

describe('AWS::DynamoDB::Table deployed with the CLI', () => {
  let table = '';

  it('creates the table with a CloudFormation-style name, its keys and its index', async () => {
    const names = (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];
    expect(names).toHaveLength(2);
    table = names.find((n) => n !== 'ddb-audit')!;
    expect(table).toMatch(/^ddb-dev-NotesTable-[A-Z0-9]+$/);
    const t = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    expect(t.KeySchema).toEqual([
      { AttributeName: 'owner', KeyType: 'HASH' },
      { AttributeName: 'id', KeyType: 'RANGE' },
    ]);
    expect(t.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byTopic']);
    const ttl = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: table }))).TimeToLiveDescription;
    expect(ttl).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    const tags = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: t.TableArn }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'notes' }]);
  });

  it('lets a function write and query through the DocumentClient, with Ref and Arn in its environment', async () => {
    const first = await write({ owner: 'ada', id: 2, topic: 'math', text: 'engines' });
    expect(first).toEqual({
      created: true,
      ids: [2],
      table,
      arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`,
    });
    expect((await write({ owner: 'ada', id: 1, topic: 'poetry', text: 'notes' })).ids).toEqual([1, 2]);
    expect((await write({ owner: 'ada', id: 1, topic: 'poetry', text: 'again' })).created).toBe(false);
    const doc = DynamoDBDocumentClient.from(ddb);
    const item = (await doc.send(new GetCommand({ TableName: table, Key: { owner: 'ada', id: 1 } }))).Item;
    expect(item).toEqual({ owner: 'ada', id: 1, topic: 'poetry', text: 'notes' });
  });

  it('reads the table stream into the audit function in order, with both images', async () => {
    const doc = DynamoDBDocumentClient.from(ddb);
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { owner: 'ada', id: 2 },
        UpdateExpression: 'SET #t = :t',
        ExpressionAttributeNames: { '#t': 'text' },
        ExpressionAttributeValues: { ':t': 'difference engines' },
      }),
    );
    await doc.send(new DeleteCommand({ TableName: table, Key: { owner: 'ada', id: 1 } }));
    let audit: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 200 && audit.length < 4; i++) {
      audit = (await doc.send(new ScanCommand({ TableName: 'ddb-audit' }))).Items ?? [];
      if (audit.length < 4) await new Promise((r) => setTimeout(r, 50));
    }
    audit.sort((a, b) => String(a.seq).localeCompare(String(b.seq)));
    const streamArn = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn;
    expect(streamArn).toMatch(
      new RegExp(`^arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/\\d{4}-`),
    );
    expect(audit.map((a) => [a.name, (a.keys as { id: { N: string } }).id.N, a.oldText, a.newText])).toEqual([
      ['INSERT', '2', null, 'engines'],
      ['INSERT', '1', null, 'notes'],
      ['MODIFY', '2', 'engines', 'difference engines'],
      ['REMOVE', '1', 'notes', null],
    ]);
    expect(audit.every((a) => a.source === 'aws:dynamodb' && a.arn === streamArn)).toBe(true);
  });

  it('keeps the items on redeploy and deletes the table on remove', async () => {
    const again = await cli(['deploy']);
    expect(again.code, again.stderr).toBe(0);
    expect((await write({ owner: 'ada', id: 3, topic: 'x', text: 'y' })).ids).toEqual([2, 3]);
    const removed = await cli(['remove']);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  });
});
