import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import type { DeployContext } from '../../platform/service.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import type { FacadeInvokeRequest, FacadeInvokeResult, LambdaFacade } from '../lambda/facade.js';
import type { SnsFacade } from '../sns/facade.js';
import type { SqsFacade } from '../sqs/facade.js';
import { DynamoEngine } from './engine.js';
import { dynamoMappingsOf, type StreamMapping, StreamPoller } from './stream-events.js';
import { tableDefinition } from './tables.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
let dir: string;
let store: SqliteStore;
let clock: ManualClock;
let engine: DynamoEngine;
let streamArn: string;

beforeEach(async () => {
  sent = [];
  dir = mkdtempSync(path.join(tmpdir(), 'dynamodb-poller-'));
  store = new SqliteStore(dir);
  clock = new ManualClock(Date.UTC(2026, 2, 1));
  engine = new DynamoEngine(store, clock, 'us-east-1');
  await engine.load();
  await engine.createTable(
    tableDefinition({
      TableName: 'notes',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
    }),
  );
  streamArn = engine.streamArnOf(engine.describe('notes'))!;
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function ctxWith(stream: Record<string, unknown>, warnings: string[] = []): DeployContext {
  return {
    warn: (m: string) => warnings.push(m),
    service: 'svc',
    stage: 'dev',
    region: 'us-east-1',
    spec: {
      functions: [{ key: 'fn', name: 'svc-dev-fn', events: [{ stream }] }],
    } as unknown as DeployContext['spec'],
  };
}

/** A Lambda facade that records batches and fails while `failing` says so (or answers `respond`). */
function recordingLambda(failing: () => boolean, respond: (seqs: string[]) => unknown = () => null) {
  const batches: string[][] = [];
  const facade = {
    functionArn: (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    async invoke(req: FacadeInvokeRequest): Promise<FacadeInvokeResult> {
      const event = JSON.parse(String(req.payload)) as {
        Records: Array<{ dynamodb: { Keys: { id: { S: string } }; SequenceNumber: string } }>;
      };
      batches.push(event.Records.map((r) => r.dynamodb.Keys.id.S));
      const seqs = event.Records.map((r) => r.dynamodb.SequenceNumber);
      return failing()
        ? { statusCode: 200, functionError: 'Unhandled', payload: Buffer.from('{}'), requestId: 'r' }
        : { statusCode: 200, payload: Buffer.from(JSON.stringify(respond(seqs))), requestId: 'r' };
    },
  } as unknown as LambdaFacade;
  return { batches, facade };
}

/** onFailure messages sent to SQS, by queue. */
let sent: Array<{ queue: string; body: string }> = [];
const destinations = {
  sqs: () =>
    ({
      async sendMessage(queue: string, input: { body: string }) {
        sent.push({ queue, body: input.body });
        return { messageId: 'm' };
      },
    }) as unknown as SqsFacade,
  sns: () => ({}) as unknown as SnsFacade,
};

const put = (id: string) => engine.putItem('notes', { id: { S: id } });

/** Lets the readers finish the work they have (no time passes on the manual clock). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe('DynamoDB stream mappings', () => {
  it("takes serverless.yml's defaults and refuses streams that do not exist", () => {
    const [m] = dynamoMappingsOf(ctxWith({ type: 'dynamodb', arn: streamArn }), engine);
    expect(m).toMatchObject({
      tableName: 'notes',
      batchSize: 10,
      startingPosition: 'TRIM_HORIZON',
      maximumRetryAttempts: -1,
    });
    expect(
      dynamoMappingsOf(ctxWith({ type: 'kinesis', arn: 'arn:aws:kinesis:us-east-1:0:stream/s' }), engine),
    ).toEqual([]);
    expect(() =>
      dynamoMappingsOf(ctxWith({ arn: `${engine.describe('notes').arn}/stream/1999` }), engine),
    ).toThrow(/does not exist/);
    expect(() => dynamoMappingsOf(ctxWith({ arn: streamArn, batchSize: 0 }), engine)).toThrow(/batchSize/);
  });

  it('delivers in order and in batches, retries a failing batch with back-off, skips it after maximumRetryAttempts, resumes from its checkpoint', async () => {
    for (const id of ['a', 'b', 'c']) await put(id);
    const [mapping] = dynamoMappingsOf(
      ctxWith({
        arn: streamArn,
        batchSize: 2,
        maximumRetryAttempts: 1,
        destinations: { onFailure: { arn: 'arn:aws:sqs:us-east-1:000000000000:dlq', type: 'sqs' } },
      }),
      engine,
    ) as [StreamMapping];
    let fail = true;
    const lambda = recordingLambda(() => fail);
    const checkpoints = store.table<string>('test.checkpoints');
    const deps = {
      engine,
      checkpoints,
      lambda: () => lambda.facade,
      ...destinations,
      clock,
      log: quiet,
      region: 'us-east-1',
    };
    const poller = new StreamPoller(mapping, deps);
    engine.onChange(() => poller.kick());
    poller.kick();
    await settle();
    expect(lambda.batches).toEqual([['a', 'b']]);
    await clock.advance(1000);
    await settle();
    // First try and one retry failed: the batch is skipped and the next one read.
    expect(lambda.batches).toEqual([['a', 'b'], ['a', 'b'], ['c']]);
    expect(sent).toHaveLength(1);
    const failure = JSON.parse(sent[0]!.body);
    expect(sent[0]!.queue).toBe('arn:aws:sqs:us-east-1:000000000000:dlq');
    expect(failure.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 2,
    });
    expect(failure.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: '0000000000000000000000000001',
      endSequenceNumber: '0000000000000000000000000002',
      batchSize: 2,
      streamArn,
    });
    fail = false;
    await clock.advance(1000);
    await settle();
    expect(lambda.batches.at(-1)).toEqual(['c']);
    expect(lambda.batches).toHaveLength(4);
    await poller.stop();

    await put('d');
    const again = new StreamPoller(mapping, deps);
    again.kick();
    await settle();
    expect(lambda.batches.at(-1)).toEqual(['d']);
    await again.stop();
  });

  it('starts after the last record for LATEST, and trims records past the 24-hour retention', async () => {
    await put('old');
    const [mapping] = dynamoMappingsOf(ctxWith({ arn: streamArn, startingPosition: 'LATEST' }), engine) as [
      StreamMapping,
    ];
    const lambda = recordingLambda(() => false);
    const poller = new StreamPoller(mapping, {
      engine,
      checkpoints: store.table<string>('test.checkpoints'),
      lambda: () => lambda.facade,
      ...destinations,
      clock,
      log: quiet,
      region: 'us-east-1',
    });
    poller.kick();
    await settle();
    await put('new');
    poller.kick();
    await settle();
    expect(lambda.batches).toEqual([['new']]);
    await poller.stop();
    await clock.advance(24 * 3600 * 1000 + 1000);
    await put('fresh');
    expect(await engine.trimStreams()).toBe(2);
    expect((await engine.records('notes', '', 10)).map((r) => r.keys.id)).toEqual([{ S: 'fresh' }]);
  });

  it('drops records no filter pattern matches, and warns about settings it does not honour', async () => {
    const warnings: string[] = [];
    const [mapping] = dynamoMappingsOf(
      ctxWith(
        {
          arn: streamArn,
          filterPatterns: [
            { eventName: ['INSERT'], dynamodb: { Keys: { id: { S: [{ prefix: 'keep' }] } } } },
          ],
          functionResponseType: 'ReportBatchItemFailures',
          destinations: { onFailure: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
        },
        warnings,
      ),
      engine,
    ) as [StreamMapping];
    expect(warnings).toEqual([]);
    await put('keep-1');
    await put('drop-1');
    await engine.deleteItem('notes', { id: { S: 'keep-1' } });
    await put('keep-2');
    const lambda = recordingLambda(() => false);
    const checkpoints = store.table<string>('test.checkpoints');
    const poller = new StreamPoller(mapping, {
      engine,
      checkpoints,
      lambda: () => lambda.facade,
      ...destinations,
      clock,
      log: quiet,
      region: 'us-east-1',
    });
    poller.kick();
    await settle();
    expect(lambda.batches).toEqual([['keep-1', 'keep-2']]);
    expect(await checkpoints.get(mapping.uuid)).toBe(engine.lastSequence('notes'));
    await poller.stop();
  });

  it('retries from the first failed record a ReportBatchItemFailures response names', async () => {
    for (const id of ['a', 'b', 'c']) await put(id);
    const [mapping] = dynamoMappingsOf(
      ctxWith({ arn: streamArn, functionResponseType: 'ReportBatchItemFailures' }),
      engine,
    ) as [StreamMapping];
    let calls = 0;
    const lambda = recordingLambda(
      () => false,
      (seqs) =>
        calls++ === 0 ? { batchItemFailures: [{ itemIdentifier: seqs[1] }] } : { batchItemFailures: [] },
    );
    const poller = new StreamPoller(mapping, {
      engine,
      checkpoints: store.table<string>('test.checkpoints'),
      lambda: () => lambda.facade,
      ...destinations,
      clock,
      log: quiet,
      region: 'us-east-1',
    });
    poller.kick();
    await settle();
    expect(lambda.batches).toEqual([['a', 'b', 'c']]);
    await clock.advance(1000);
    await settle();
    expect(lambda.batches).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c'],
    ]);
    await poller.stop();
  });
});
