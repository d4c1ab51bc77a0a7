import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import type { DeployContext } from '../../platform/service.js';
import type { FunctionSpec } from '../../platform/spec.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import type { FacadeInvokeRequest, LambdaFacade } from '../lambda/facade.js';
import { KinesisEngine, type StreamRecord } from './engine.js';
import { type KinesisMapping, kinesisMappingsOf } from './mapping.js';
import { type Checkpoint, firstFailure, KinesisPoller } from './poller.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
let dir: string;
let store: SqliteStore;
let clock: ManualClock;
let engine: KinesisEngine;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kinesis-poller-'));
  store = new SqliteStore(dir);
  clock = new ManualClock(Date.UTC(2026, 2, 1));
  engine = new KinesisEngine(store, clock, 'us-east-1');
  await engine.load();
  await engine.createStream('s', 1);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const rec = (seq: string): StreamRecord => ({
  sequenceNumber: seq,
  partitionKey: 'k',
  data: '',
  arrivedAt: 0,
});
const res = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('partial batch responses of stream functions', () => {
  const batch = ['1', '2', '3'].map(rec);
  it('is success for an empty or null response or list', () => {
    expect(firstFailure(Buffer.from(''), batch)).toBeUndefined();
    expect(firstFailure(res(null), batch)).toBeUndefined();
    expect(firstFailure(res({ batchItemFailures: [] }), batch)).toBeUndefined();
  });
  it('names the earliest failed record of the batch', () => {
    expect(
      firstFailure(res({ batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '2' }] }), batch),
    ).toBe('2');
  });
  it('fails the whole batch for an empty, null or unknown identifier', () => {
    expect(firstFailure(res({ batchItemFailures: [{ itemIdentifier: '' }] }), batch)).toBeNull();
    expect(firstFailure(res({ batchItemFailures: [{ itemIdentifier: null }] }), batch)).toBeNull();
    expect(firstFailure(res({ batchItemFailures: [{ itemIdentifier: '9' }] }), batch)).toBeNull();
  });
});

function fnSpec(events: Array<Record<string, unknown>>): FunctionSpec {
  return { key: 'fn', name: 'svc-dev-fn', events } as unknown as FunctionSpec;
}

function deployCtx(events: Array<Record<string, unknown>>, warnings: string[] = []): DeployContext {
  return {
    service: 'svc',
    stage: 'dev',
    region: 'us-east-1',
    spec: { functions: [fnSpec(events)] } as unknown as DeployContext['spec'],
    warn: (m) => warnings.push(m),
  };
}

const ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/s';

describe('stream event settings', () => {
  it("applies serverless.yml's defaults and skips dynamodb streams", () => {
    const [m, ...rest] = kinesisMappingsOf(
      deployCtx([
        { stream: { type: 'kinesis', arn: ARN } },
        { stream: 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2026' },
      ]),
      engine,
    );
    expect(rest).toEqual([]);
    expect(m).toMatchObject({
      uuid: `svc:dev/fn/${ARN}`,
      streamName: 's',
      batchSize: 10,
      startingPosition: 'TRIM_HORIZON',
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      enabled: true,
    });
  });

  it('refuses a missing stream and out-of-range settings, saying where', () => {
    const missing = () => kinesisMappingsOf(deployCtx([{ stream: `${ARN}x` }]), engine);
    expect(missing).toThrow(/stream\/sx, which does not exist/);
    const big = () => kinesisMappingsOf(deployCtx([{ stream: { arn: ARN, batchSize: 10_001 } }]), engine);
    expect(big).toThrow(/functions\.fn\.events\[0\]\.stream\.batchSize/);
    const age = () =>
      kinesisMappingsOf(deployCtx([{ stream: { arn: ARN, maximumRecordAgeInSeconds: 10 } }]), engine);
    expect(age).toThrow(/-1 or 60 to 604800/);
    const dest = () =>
      kinesisMappingsOf(
        deployCtx([{ stream: { arn: ARN, destinations: { onFailure: 'arn:aws:lambda:x' } } }]),
        engine,
      );
    expect(dest).toThrow(/SQS queue or SNS topic/);
  });

  it('warns about settings it does not honour', () => {
    const warnings: string[] = [];
    kinesisMappingsOf(deployCtx([{ stream: { arn: ARN, tumblingWindowInSeconds: 30 } }], warnings), engine);
    expect(warnings).toEqual([expect.stringContaining('tumblingWindowInSeconds')]);
  });
});

/** A poller over the engine with a function whose behaviour the test gives. */
function pollerWith(over: Partial<KinesisMapping>, fn: (records: string[]) => unknown | Promise<unknown>) {
  const seen: string[][] = [];
  const sent: unknown[] = [];
  const lambda = {
    async invoke(req: FacadeInvokeRequest) {
      const event = JSON.parse(String(req.payload)) as { Records: Array<{ kinesis: { data: string } }> };
      const items = event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());
      seen.push(items);
      const out = await fn(items);
      return out === 'throw'
        ? {
            statusCode: 200,
            payload: res({ errorMessage: 'x' }),
            functionError: 'Unhandled' as const,
            requestId: 'r',
          }
        : { statusCode: 200, payload: res(out ?? null), requestId: 'r' };
    },
    functionArn: (n: string) => `arn:aws:lambda:us-east-1:000000000000:function:${n}`,
  } as unknown as LambdaFacade;
  const mapping: KinesisMapping = {
    uuid: 'm',
    owner: 'svc:dev',
    functionKey: 'fn',
    functionName: 'svc-dev-fn',
    streamArn: ARN,
    streamName: 's',
    batchSize: 10,
    startingPosition: 'TRIM_HORIZON',
    batchWindow: 0,
    maximumRetryAttempts: -1,
    maximumRecordAgeInSeconds: -1,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: false,
    parallelizationFactor: 1,
    enabled: true,
    ...over,
  };
  const checkpoints = store.table<Checkpoint>('kinesis.checkpoints');
  const poller = new KinesisPoller(mapping, {
    engine,
    checkpoints,
    lambda: () => lambda,
    sqs: () => ({
      sendMessage: async (_q: string, input: { body: string }) => {
        sent.push(JSON.parse(input.body));
        return {} as never;
      },
    }),
    sns: () => ({ publish: async () => ({}) as never }),
    clock,
    log: quiet,
    role: 'arn:aws:iam::000000000000:role/lambda-role',
  });
  return { poller, seen, sent, checkpoints };
}

async function put(...items: string[]): Promise<void> {
  await engine.putRecords(
    's',
    items.map((i) => ({ data: Buffer.from(i), partitionKey: 'k' })),
  );
}

/** Steps the clock until `check` holds (bounded). */
async function until(check: () => boolean, stepMs = 1000): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) {
    await clock.advance(stepMs);
    await new Promise((r) => setImmediate(r));
  }
  expect(check()).toBe(true);
}

describe('the shard reader', () => {
  it('blocks the shard on a failing batch until maximumRecordAgeInSeconds, then reports RecordAgeExceeded', async () => {
    const { poller, seen, sent } = pollerWith(
      { maximumRecordAgeInSeconds: 60, onFailure: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
      (items) => (items.includes('bad') ? 'throw' : undefined),
    );
    poller.start();
    await put('bad');
    await until(() => seen.length >= 3);
    // Young enough to outlive the blocked record by half a minute.
    await clock.advance(30_000);
    await put('good');
    await until(() => seen.some((b) => b.includes('good')));
    expect(sent).toHaveLength(1);
    // Nothing behind the failing record ran before it was given up on.
    const firstGood = seen.findIndex((b) => b.includes('good'));
    expect(seen.slice(0, firstGood).every((b) => b.join() === 'bad')).toBe(true);
    expect(sent[0]).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', functionArn: expect.stringContaining('svc-dev-fn') },
      KinesisBatchInfo: { batchSize: 1, shardId: 'shardId-000000000000', streamArn: ARN },
    });
    expect(sent[0]).not.toHaveProperty('responseContext');
    await poller.stop();
  });

  it('gives up only on the records past the age limit and delivers the younger rest of the batch', async () => {
    const { poller, seen, sent } = pollerWith(
      { maximumRecordAgeInSeconds: 60, onFailure: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
      () => undefined,
    );
    await put('old');
    await clock.advance(50_000);
    await put('young');
    await clock.advance(11_000);
    poller.start();
    await until(() => seen.length === 1);
    expect(seen).toEqual([['young']]);
    expect(sent).toEqual([
      expect.objectContaining({ KinesisBatchInfo: expect.objectContaining({ batchSize: 1 }) }),
    ]);
    await poller.stop();
  });

  it('skips records that match no filter pattern without invoking, checkpointing past them', async () => {
    const { poller, seen, checkpoints } = pollerWith(
      { filterPatterns: [{ data: { kind: ['order'] } }] },
      () => undefined,
    );
    poller.start();
    await put(JSON.stringify({ kind: 'order', id: 1 }), JSON.stringify({ kind: 'click' }), 'plain text');
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual([JSON.stringify({ kind: 'order', id: 1 })]);
    await poller.stop();
    const [latest] = await engine.read('s', 'shardId-000000000000', '', 10).then((r) => r.slice(-1));
    expect((await checkpoints.get('m/shardId-000000000000'))?.after).toBe(latest.sequenceNumber);
  });

  it('with parallelizationFactor, runs batches of different partition keys at once, each key in order', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The slow key's first batch waits until a batch of the other lane has been delivered.
    const {
      poller,
      seen: invoked,
      checkpoints,
    } = pollerWith({ parallelizationFactor: 4, batchSize: 2 }, async (items) => {
      if (items[0].startsWith('slow')) await gate;
      else release();
    });
    const keys = ['slow', 'fast'];
    await engine.putRecords('s', [
      { data: Buffer.from('slow-1'), partitionKey: keys[0] },
      { data: Buffer.from('slow-2'), partitionKey: keys[0] },
      { data: Buffer.from('slow-3'), partitionKey: keys[0] },
      { data: Buffer.from('fast-1'), partitionKey: keys[1] },
    ]);
    poller.start();
    await until(() => invoked.length === 3);
    const slow = invoked.filter((b) => b[0].startsWith('slow'));
    expect(slow).toEqual([['slow-1', 'slow-2'], ['slow-3']]);
    expect(invoked).toContainEqual(['fast-1']);
    await poller.stop();
    const all = await engine.read('s', 'shardId-000000000000', '', 10);
    expect((await checkpoints.get('m/shardId-000000000000'))?.after).toBe(all[3].sequenceNumber);
  });

  it('does not read a disabled mapping', async () => {
    const { poller, seen } = pollerWith({ enabled: false }, () => undefined);
    poller.start();
    await put('x');
    await clock.advance(5000);
    expect(seen).toEqual([]);
    await poller.stop();
  });
});
