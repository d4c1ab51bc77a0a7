/**
 * Kinesis event source mappings: one reader per shard that takes records in order, invokes the
 * function synchronously with Lambda's Kinesis event, and checkpoints (durably) after success. A
 * failing batch blocks its shard and is retried (bisected when asked, or from the first failed item
 * of a partial batch response) until maximumRetryAttempts or maximumRecordAgeInSeconds give up on
 * it; the records given up on are described to the onFailure SQS queue or SNS topic.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../platform/clock.js';
import { isSelflessError } from '../../platform/errors.js';
import type { Logger } from '../../platform/service.js';
import type { Table } from '../../platform/store/port.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { matchPattern } from '../lambda/filter-criteria.js';
import type { SnsFacade } from '../sns/facade.js';
import type { SqsFacade } from '../sqs/facade.js';
import type { KinesisEngine, ShardInfo, StreamRecord } from './engine.js';
import type { KinesisMapping } from './mapping.js';
import { hashKeyOf } from './shards.js';

/** Where a mapping has got to in a shard: records after this sequence number are next. */
export interface Checkpoint {
  after: string;
}

export interface PollerDeps {
  engine: KinesisEngine;
  checkpoints: Table<Checkpoint>;
  lambda(): LambdaFacade;
  sqs(): Pick<SqsFacade, 'sendMessage'>;
  sns(): Pick<SnsFacade, 'publish'>;
  clock: Clock;
  log: Logger;
  /** The role ARN events carry as invokeIdentityArn. */
  role: string;
}

/** What one invocation of a batch came to. */
type Outcome =
  | { kind: 'ok' }
  | { kind: 'throttled' }
  | { kind: 'failed'; failedFrom?: string; statusCode: number; functionError?: string; version?: string };

/** Retry delays grow from 100 ms, doubling, to at most 10 s (Lambda retries a blocked shard promptly). */
function backoff(attempt: number): number {
  return Math.min(10_000, 100 * 2 ** Math.max(0, attempt - 1));
}

/** A Kinesis record as Lambda delivers it. */
export function kinesisEventRecord(
  r: StreamRecord,
  shardId: string,
  m: Pick<KinesisMapping, 'streamArn'>,
  region: string,
  role: string,
): Record<string, unknown> {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      data: r.data,
      approximateArrivalTimestamp: r.arrivedAt / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${r.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: role,
    awsRegion: region,
    eventSourceARN: m.streamArn,
  };
}

/**
 * The first failed item of a partial batch response, as a sequence number of the batch: undefined
 * when nothing failed, null when the response fails the whole batch (an unknown or empty id).
 */
export function firstFailure(payload: Buffer, batch: StreamRecord[]): string | undefined | null {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const list = (body as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) return null;
  let first = -1;
  for (const f of list) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const i = typeof id === 'string' ? batch.findIndex((r) => r.sequenceNumber === id) : -1;
    if (i < 0) return null;
    if (first < 0 || i < first) first = i;
  }
  return first < 0 ? undefined : batch[first].sequenceNumber;
}

/** Whether a record passes a mapping's filter patterns, matched on its metadata and JSON data. */
function passes(patterns: unknown[] | undefined, r: StreamRecord): boolean {
  if (!patterns || patterns.length === 0) return true;
  let data: unknown = Buffer.from(r.data, 'base64').toString('utf8');
  try {
    data = JSON.parse(data as string);
  } catch {
    // data that is not JSON only matches metadata filters
  }
  const subject = { partitionKey: r.partitionKey, sequenceNumber: r.sequenceNumber, data };
  return patterns.some((p) => {
    let pattern = p;
    if (typeof p === 'string')
      try {
        pattern = JSON.parse(p);
      } catch {
        return false;
      }
    // Lambda's FilterCriteria form: { pattern: '<json>' }.
    const inner = (pattern as { pattern?: unknown } | null)?.pattern;
    if (typeof inner === 'string')
      try {
        pattern = JSON.parse(inner);
      } catch {
        return false;
      }
    return matchPattern(pattern, subject);
  });
}

/** Runs one mapping: a reader per shard, until stopped. */
export class KinesisPoller {
  private readonly abort = new AbortController();
  private running: Array<Promise<void>> = [];
  private generation = 0;
  private waiters = new Set<() => void>();
  private unsubscribe?: () => void;

  constructor(
    readonly mapping: KinesisMapping,
    private readonly d: PollerDeps,
  ) {}

  /** Starts a reader per shard (no-op when the mapping is disabled). */
  start(): void {
    if (!this.mapping.enabled) return;
    this.unsubscribe = this.d.engine.onRecords(this.mapping.streamName, () => this.wake());
    for (const shard of this.d.engine.shards(this.mapping.streamArn))
      this.running.push(this.readShard(shard));
  }

  /** Stops reading; resolves when in-flight batches finished (unfinished ones are read again later). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake();
    await Promise.allSettled(this.running);
    this.running = [];
    this.unsubscribe?.();
  }

  private wake(): void {
    this.generation++;
    for (const w of [...this.waiters]) w();
  }

  // Resolves when records arrive after `generation` was read, after `ms` of clock time, or on stop.
  private wait(generation: number, ms?: number): Promise<void> {
    if (this.generation !== generation || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = () => {
        this.waiters.delete(done);
        timer?.cancel();
        resolve();
      };
      this.waiters.add(done);
      if (ms !== undefined) timer = this.d.clock.setTimer(done, ms);
    });
  }

  private async readShard(shard: ShardInfo): Promise<void> {
    const { engine, log } = this.d;
    const m = this.mapping;
    const key = `${m.uuid}/${shard.shardId}`;
    const signal = this.abort.signal;
    let after: string | undefined;
    while (!signal.aborted) {
      try {
        if (after === undefined) after = await this.startingPoint(key, shard.shardId);
        const generation = this.generation;
        const size = m.batchSize * Math.max(1, m.parallelizationFactor);
        let batch = await engine.read(m.streamName, shard.shardId, after, size);
        if (batch.length === 0) {
          await this.wait(generation);
          continue;
        }
        if (m.batchWindow > 0 && batch.length < size) {
          await this.delay(m.batchWindow * 1000);
          if (signal.aborted) return;
          batch = await engine.read(m.streamName, shard.shardId, after, size);
        }
        const commit = async (r: StreamRecord) => {
          after = r.sequenceNumber;
          await this.d.checkpoints.put(key, { after });
        };
        if (m.parallelizationFactor <= 1) await this.deliver(shard.shardId, batch, commit);
        else await this.deliverInLanes(shard.shardId, batch, commit);
      } catch (e) {
        if (signal.aborted) return;
        if (isSelflessError(e) && e.code === 'ResourceNotFoundException') {
          log.warn(`The stream ${m.streamArn} of ${m.functionName}'s stream event is gone; polling stopped.`);
          return;
        }
        log.warn(`Kinesis poller for ${m.functionName} (${shard.shardId}): ${(e as Error).message}`);
        await this.delay(1000);
      }
    }
  }

  // A clock delay that stop cuts short but new records do not.
  private delay(ms: number): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => {
        timer.cancel();
        resolve();
      };
      const timer = this.d.clock.setTimer(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  // The stored checkpoint, or the mapping's starting position (stored at once, so a restart keeps it).
  private async startingPoint(key: string, shardId: string): Promise<string> {
    const stored = await this.d.checkpoints.get(key);
    if (stored) return stored.after;
    const m = this.mapping;
    const after = await this.d.engine.position(m.streamName, shardId, m.startingPosition, {
      timestamp: m.startingPositionTimestamp,
    });
    await this.d.checkpoints.put(key, { after });
    return after;
  }

  /**
   * parallelizationFactor > 1: the records are split into that many lanes by partition key (a key
   * always in the same lane, so its records stay in order), the lanes run at once in batches, and
   * the shard's checkpoint moves past all of them when every lane is done.
   */
  private async deliverInLanes(
    shardId: string,
    records: StreamRecord[],
    commit: (r: StreamRecord) => Promise<void>,
  ): Promise<void> {
    const m = this.mapping;
    const lanes = new Map<bigint, StreamRecord[]>();
    for (const r of records) {
      const lane = hashKeyOf(r.partitionKey) % BigInt(m.parallelizationFactor);
      lanes.set(lane, [...(lanes.get(lane) ?? []), r]);
    }
    const done = async () => {};
    await Promise.all(
      [...lanes.values()].map(async (lane) => {
        for (let i = 0; i < lane.length && !this.abort.signal.aborted; i += m.batchSize)
          await this.deliver(shardId, lane.slice(i, i + m.batchSize), done);
      }),
    );
    if (!this.abort.signal.aborted) await commit(records[records.length - 1]);
  }

  /**
   * Delivers a batch until every record succeeded or was given up on, calling `commit` with the
   * last record of each part that is done; returns early (without committing) when stopped.
   */
  private async deliver(
    shardId: string,
    batch: StreamRecord[],
    commit: (r: StreamRecord) => Promise<void>,
  ): Promise<void> {
    const m = this.mapping;
    const pending: Array<{ records: StreamRecord[]; attempts: number }> = [{ records: batch, attempts: 0 }];
    while (pending.length > 0) {
      if (this.abort.signal.aborted) return;
      const item = pending[0];
      const last = item.records[item.records.length - 1];
      // Records arrive in order, so the ones past maximumRecordAgeInSeconds are a prefix.
      const expired = this.expired(item.records);
      if (expired > 0) {
        const old = item.records.slice(0, expired);
        if (!(await this.giveUp(shardId, old, 'RecordAgeExceeded', item.attempts))) return;
        await commit(old[old.length - 1]);
        if (expired === item.records.length) pending.shift();
        else item.records = item.records.slice(expired);
        continue;
      }
      const kept = item.records.filter((r) => passes(m.filterPatterns, r));
      const outcome: Outcome = kept.length === 0 ? { kind: 'ok' } : await this.invoke(shardId, kept);
      if (outcome.kind === 'ok') {
        await commit(last);
        pending.shift();
        continue;
      }
      if (outcome.kind === 'throttled') {
        await this.delay(1000);
        continue;
      }
      let remaining = item.records;
      if (outcome.failedFrom !== undefined) {
        // Lambda checkpoints before the first failed item and retries from there.
        const i = remaining.findIndex((r) => r.sequenceNumber === outcome.failedFrom);
        if (i > 0) await commit(remaining[i - 1]);
        remaining = remaining.slice(Math.max(0, i));
      }
      item.attempts += 1;
      if (m.maximumRetryAttempts >= 0 && item.attempts > m.maximumRetryAttempts) {
        if (!(await this.giveUp(shardId, remaining, 'RetryAttemptsExhausted', item.attempts, outcome)))
          return;
        await commit(remaining[remaining.length - 1]);
        pending.shift();
        continue;
      }
      if (m.bisectBatchOnFunctionError && outcome.failedFrom === undefined && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        pending.splice(
          0,
          1,
          { records: remaining.slice(0, half), attempts: item.attempts },
          { records: remaining.slice(half), attempts: item.attempts },
        );
      } else item.records = remaining;
      await this.delay(backoff(item.attempts));
    }
  }

  // How many records at the head of a batch are older than maximumRecordAgeInSeconds.
  private expired(records: StreamRecord[]): number {
    const max = this.mapping.maximumRecordAgeInSeconds;
    if (max < 0) return 0;
    const oldest = this.d.clock.now() - max * 1000;
    const i = records.findIndex((r) => r.arrivedAt >= oldest);
    return i < 0 ? records.length : i;
  }

  private async invoke(shardId: string, records: StreamRecord[]): Promise<Outcome> {
    const m = this.mapping;
    const region = this.d.engine.region;
    const payload = JSON.stringify({
      Records: records.map((r) => kinesisEventRecord(r, shardId, m, region, this.d.role)),
    });
    try {
      const result = await this.d
        .lambda()
        .invoke({ functionName: m.functionName, payload, invocationType: 'RequestResponse' });
      const failed = {
        kind: 'failed' as const,
        statusCode: result.statusCode,
        functionError: result.functionError,
        version: result.executedVersion,
      };
      if (result.functionError) return failed;
      if (!m.reportBatchItemFailures) return { kind: 'ok' };
      const first = firstFailure(result.payload, records);
      if (first === undefined) return { kind: 'ok' };
      return first === null ? failed : { ...failed, failedFrom: first };
    } catch (e) {
      this.d.log.warn(`Kinesis poller could not invoke ${m.functionName}: ${(e as Error).message}`);
      return { kind: 'throttled' };
    }
  }

  /**
   * Sends Lambda's on-failure record for records given up on, retrying while the target refuses;
   * false when stopped first (the records are then read again later).
   */
  private async giveUp(
    shardId: string,
    records: StreamRecord[],
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
    attempts: number,
    outcome?: Extract<Outcome, { kind: 'failed' }>,
  ): Promise<boolean> {
    const m = this.mapping;
    if (!m.onFailure) {
      this.d.log.warn(
        `${m.functionName}: ${records.length} record(s) of ${shardId} discarded (${condition}); no onFailure destination.`,
      );
      return true;
    }
    const first = records[0];
    const last = records[records.length - 1];
    const body = JSON.stringify({
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.d.lambda().functionArn(m.functionName),
        condition,
        approximateInvokeCount: attempts,
      },
      ...(outcome
        ? {
            responseContext: {
              statusCode: outcome.statusCode,
              executedVersion: outcome.version ?? '$LATEST',
              functionError: outcome.functionError ?? 'Unhandled',
            },
          }
        : {}),
      version: '1.0',
      timestamp: new Date(this.d.clock.now()).toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.arrivedAt).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.arrivedAt).toISOString(),
        batchSize: records.length,
        streamArn: m.streamArn,
      },
    });
    while (!this.abort.signal.aborted) {
      try {
        if (m.onFailure.startsWith('arn:aws:sqs:')) await this.d.sqs().sendMessage(m.onFailure, { body });
        else await this.d.sns().publish({ topicArn: m.onFailure, message: body });
        return true;
      } catch (e) {
        this.d.log.warn(
          `${m.functionName}: the onFailure destination ${m.onFailure} refused a record: ${(e as Error).message}`,
        );
        await this.delay(1000);
      }
    }
    return false;
  }
}
