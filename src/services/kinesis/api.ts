/**
 * Kinesis's wire API on the platform port: awsJson1_1, `X-Amz-Target: Kinesis_20131202.<Op>`,
 * over HTTP/1.1 or h2c (the JS v3 client's default). Inputs are checked here; timestamps are epoch
 * seconds as JSON numbers and record data is base64, as the service model says.
 */
import {
  AwsApiError,
  operationFromTarget,
  parseJsonBody,
  sendJsonError,
  sendJsonResult,
} from '../../aws/json-protocol.js';
import { readBody } from '../../aws/query-protocol.js';
import type { WireApi, WireRequest } from '../../platform/service.js';
import type { IteratorType, KinesisEngine, StreamInfo, StreamMode, StreamRecord } from './engine.js';
import { awsErrorFor, invalidArgument, validation } from './errors.js';

export const TARGET_PREFIX = 'Kinesis_20131202.';
const STYLE = { version: '1.1' as const };

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
type Operation = (engine: KinesisEngine, input: Input) => Promise<Output>;

/** Builds the Kinesis WireApi over an engine. */
export function kinesisWireApi(engine: KinesisEngine): WireApi {
  return {
    signingNames: ['kinesis'],
    targetPrefixes: [TARGET_PREFIX],
    handle: (w) => handle(engine, w),
  };
}

async function handle(engine: KinesisEngine, w: WireRequest): Promise<void> {
  try {
    const body = await readBody(w.req, 12 * 1024 * 1024);
    const op = operationFromTarget(w.target, TARGET_PREFIX);
    const run = op ? OPERATIONS[op] : undefined;
    if (!run)
      throw new AwsApiError(
        'UnknownOperationException',
        `Operation ${op ?? w.target ?? ''} is not supported.`,
        400,
      );
    sendJsonResult(w.res, await run(engine, parseJsonBody(body)), '1.1');
  } catch (e) {
    sendJsonError(w.res, awsErrorFor(e), STYLE);
  }
}

function str(input: Input, name: string, field: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AwsApiError('SerializationException', `${name} must be a string`, 400);
  if (v === '') throw validation(field, v, 'Member must have length greater than or equal to 1');
  return v;
}

function int(input: Input, name: string, field: string, min: number, max: number): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new AwsApiError('SerializationException', `${name} must be an integer`, 400);
  if (v < min) throw validation(field, v, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw validation(field, v, `Member must have value less than or equal to ${max}`);
  return v;
}

/** The stream an input names by StreamName or StreamARN. */
function streamRef(input: Input): string {
  const ref = str(input, 'StreamARN', 'streamARN') ?? str(input, 'StreamName', 'streamName');
  if (!ref) throw invalidArgument('Either StreamName or StreamARN should be provided.');
  return ref;
}

function required(input: Input, name: string, field: string): string {
  const v = str(input, name, field);
  if (v === undefined) throw validation(field, undefined, 'Member must not be null');
  return v;
}

function data(input: Input): Buffer {
  const v = input.Data;
  if (v === undefined || v === null) throw validation('data', undefined, 'Member must not be null');
  if (typeof v !== 'string') throw new AwsApiError('SerializationException', 'Data must be base64 text', 400);
  return Buffer.from(v, 'base64');
}

const seconds = (ms: number) => ms / 1000;

function modeDetails(s: StreamInfo): Output {
  return { StreamMode: s.mode };
}

function recordOut(r: StreamRecord): Output {
  return {
    SequenceNumber: r.sequenceNumber,
    ApproximateArrivalTimestamp: seconds(r.arrivedAt),
    Data: r.data,
    PartitionKey: r.partitionKey,
  };
}

function shardsOut(engine: KinesisEngine, ref: string): Output[] {
  return engine.shards(ref).map((sh) => ({
    ShardId: sh.shardId,
    HashKeyRange: { StartingHashKey: sh.startingHashKey, EndingHashKey: sh.endingHashKey },
    SequenceNumberRange: { StartingSequenceNumber: sh.startingSequenceNumber },
  }));
}

const ITERATOR_TYPES = new Set([
  'TRIM_HORIZON',
  'LATEST',
  'AT_SEQUENCE_NUMBER',
  'AFTER_SEQUENCE_NUMBER',
  'AT_TIMESTAMP',
]);

const OPERATIONS: Record<string, Operation> = {
  async CreateStream(engine, input) {
    const name = required(input, 'StreamName', 'streamName');
    const shardCount = int(input, 'ShardCount', 'shardCount', 1, 100_000);
    const mode = (input.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode;
    if (mode !== undefined && mode !== 'PROVISIONED' && mode !== 'ON_DEMAND')
      throw validation(
        'streamModeDetails.streamMode',
        mode,
        'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]',
      );
    await engine.createStream(name, shardCount, mode as StreamMode | undefined);
    return {};
  },
  async DeleteStream(engine, input) {
    await engine.deleteStream(streamRef(input));
    return {};
  },
  async DescribeStream(engine, input) {
    const s = engine.get(streamRef(input));
    const limit = int(input, 'Limit', 'limit', 1, 10_000) ?? 100;
    const start = str(input, 'ExclusiveStartShardId', 'exclusiveStartShardId');
    const all = shardsOut(engine, s.name).filter((sh) => start === undefined || String(sh.ShardId) > start);
    return {
      StreamDescription: {
        StreamName: s.name,
        StreamARN: s.arn,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: modeDetails(s),
        Shards: all.slice(0, limit),
        HasMoreShards: all.length > limit,
        RetentionPeriodHours: s.retentionHours,
        StreamCreationTimestamp: seconds(s.createdAt),
        EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
        EncryptionType: 'NONE',
      },
    };
  },
  async DescribeStreamSummary(engine, input) {
    const s = engine.get(streamRef(input));
    return {
      StreamDescriptionSummary: {
        StreamName: s.name,
        StreamARN: s.arn,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: modeDetails(s),
        RetentionPeriodHours: s.retentionHours,
        StreamCreationTimestamp: seconds(s.createdAt),
        EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
        EncryptionType: 'NONE',
        OpenShardCount: s.shardCount,
        ConsumerCount: 0,
      },
    };
  },
  async ListStreams(engine, input) {
    const limit = int(input, 'Limit', 'limit', 1, 10_000) ?? 100;
    const token = str(input, 'NextToken', 'nextToken');
    const start =
      token !== undefined
        ? Buffer.from(token, 'base64').toString('utf8')
        : str(input, 'ExclusiveStartStreamName', 'exclusiveStartStreamName');
    const all = engine.list().filter((s) => start === undefined || s.name > start);
    const page = all.slice(0, limit);
    const out: Output = {
      StreamNames: page.map((s) => s.name),
      HasMoreStreams: all.length > limit,
      StreamSummaries: page.map((s) => ({
        StreamName: s.name,
        StreamARN: s.arn,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: modeDetails(s),
        StreamCreationTimestamp: seconds(s.createdAt),
      })),
    };
    if (all.length > limit) out.NextToken = Buffer.from(page[page.length - 1].name).toString('base64');
    return out;
  },
  async ListShards(engine, input) {
    const token = str(input, 'NextToken', 'nextToken');
    let ref: string;
    let after: string | undefined;
    if (token !== undefined) {
      if (input.StreamName !== undefined || input.StreamARN !== undefined)
        throw invalidArgument('NextToken and StreamName cannot be provided together.');
      const parsed = /^([^\n]+)\n(.*)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
      if (!parsed) throw invalidArgument(`Invalid NextToken: ${token}`);
      ref = parsed[1];
      after = parsed[2];
    } else {
      ref = streamRef(input);
      after = str(input, 'ExclusiveStartShardId', 'exclusiveStartShardId');
    }
    const limit = int(input, 'MaxResults', 'maxResults', 1, 10_000) ?? 1000;
    const s = engine.get(ref);
    const all = shardsOut(engine, s.name).filter((sh) => after === undefined || String(sh.ShardId) > after);
    const page = all.slice(0, limit);
    const out: Output = { Shards: page };
    if (all.length > limit)
      out.NextToken = Buffer.from(`${s.name}\n${String(page[page.length - 1].ShardId)}`).toString('base64');
    return out;
  },
  async PutRecord(engine, input) {
    const ref = streamRef(input);
    const [r] = await engine.putRecords(ref, [
      {
        data: data(input),
        partitionKey: required(input, 'PartitionKey', 'partitionKey'),
        explicitHashKey: str(input, 'ExplicitHashKey', 'explicitHashKey'),
      },
    ]);
    return { ShardId: r.shardId, SequenceNumber: r.sequenceNumber, EncryptionType: 'NONE' };
  },
  async PutRecords(engine, input) {
    const ref = streamRef(input);
    const list = input.Records;
    if (!Array.isArray(list)) throw validation('records', undefined, 'Member must not be null');
    if (list.length < 1)
      throw validation('records', '[]', 'Member must have length greater than or equal to 1');
    if (list.length > 500)
      throw validation(
        'records',
        `${list.length} records`,
        'Member must have length less than or equal to 500',
      );
    const results = await engine.putRecords(
      ref,
      list.map((raw) => {
        const r = (raw ?? {}) as Input;
        return {
          data: data(r),
          partitionKey: required(r, 'PartitionKey', 'partitionKey'),
          explicitHashKey: str(r, 'ExplicitHashKey', 'explicitHashKey'),
        };
      }),
    );
    return {
      FailedRecordCount: 0,
      Records: results.map((r) => ({ SequenceNumber: r.sequenceNumber, ShardId: r.shardId })),
      EncryptionType: 'NONE',
    };
  },
  async GetShardIterator(engine, input) {
    const ref = streamRef(input);
    const shardId = required(input, 'ShardId', 'shardId');
    const type = required(input, 'ShardIteratorType', 'shardIteratorType');
    if (!ITERATOR_TYPES.has(type))
      throw validation(
        'shardIteratorType',
        type,
        'Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]',
      );
    const ts = input.Timestamp;
    if (ts !== undefined && typeof ts !== 'number')
      throw new AwsApiError('SerializationException', 'Timestamp must be epoch seconds', 400);
    const iterator = await engine.shardIterator(ref, shardId, type as IteratorType, {
      sequenceNumber: str(input, 'StartingSequenceNumber', 'startingSequenceNumber'),
      timestamp: ts === undefined ? undefined : Math.round(ts * 1000),
    });
    return { ShardIterator: iterator };
  },
  async IncreaseStreamRetentionPeriod(engine, input) {
    const hours = int(input, 'RetentionPeriodHours', 'retentionPeriodHours', 1, 8760);
    if (hours === undefined) throw validation('retentionPeriodHours', undefined, 'Member must not be null');
    await engine.setRetention(streamRef(input), hours, 'increase');
    return {};
  },
  async DecreaseStreamRetentionPeriod(engine, input) {
    const hours = int(input, 'RetentionPeriodHours', 'retentionPeriodHours', 1, 8760);
    if (hours === undefined) throw validation('retentionPeriodHours', undefined, 'Member must not be null');
    await engine.setRetention(streamRef(input), hours, 'decrease');
    return {};
  },
  async AddTagsToStream(engine, input) {
    const tags = input.Tags;
    if (tags === null || typeof tags !== 'object' || Array.isArray(tags))
      throw validation('tags', undefined, 'Member must not be null');
    const entries = Object.entries(tags as Record<string, unknown>);
    if (entries.length < 1 || entries.length > 10)
      throw validation(
        'tags',
        `${entries.length} tags`,
        'Member must have length between 1 and 10 inclusive',
      );
    await engine.tag(streamRef(input), Object.fromEntries(entries.map(([k, v]) => [k, String(v ?? '')])));
    return {};
  },
  async RemoveTagsFromStream(engine, input) {
    const keys = input.TagKeys;
    if (!Array.isArray(keys)) throw validation('tagKeys', undefined, 'Member must not be null');
    await engine.untag(streamRef(input), keys.map(String));
    return {};
  },
  async ListTagsForStream(engine, input) {
    const s = engine.get(streamRef(input));
    const limit = int(input, 'Limit', 'limit', 1, 50) ?? 50;
    const start = str(input, 'ExclusiveStartTagKey', 'exclusiveStartTagKey');
    const all = Object.entries(s.tags ?? {})
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .filter(([k]) => start === undefined || k > start);
    return {
      Tags: all.slice(0, limit).map(([Key, Value]) => ({ Key, Value })),
      HasMoreTags: all.length > limit,
    };
  },
  async GetRecords(engine, input) {
    const iterator = required(input, 'ShardIterator', 'shardIterator');
    const limit = int(input, 'Limit', 'limit', 1, 10_000) ?? 10_000;
    const r = await engine.getRecords(iterator, limit);
    return {
      Records: r.records.map(recordOut),
      NextShardIterator: r.next,
      MillisBehindLatest: r.millisBehindLatest,
    };
  },
};
