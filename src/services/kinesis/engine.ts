/**
 * The Kinesis Data Streams engine: streams split into shards over the 128-bit hash key space,
 * records placed by the MD5 of their partition key, numbered with increasing sequence numbers and
 * durable in the Store before a put answers; shard iterators as opaque, expiring positions.
 */
import { arn } from '../../platform/aws-account.js';
import type { Clock } from '../../platform/clock.js';
import type { Store, Table, Write } from '../../platform/store/port.js';
import { invalidArgument, kinesisError, streamNotFound, validation } from './errors.js';
import {
  hashKeyOf,
  hashRange,
  parseSequenceNumber,
  sequenceNumber,
  shardIdOf,
  shardIndexOf,
} from './shards.js';

const STREAMS = 'kinesis.streams';
const RECORDS = 'kinesis.records';
const COUNTERS = 'kinesis.counters';
/** Kinesis refuses iterators older than five minutes. */
export const ITERATOR_TTL_MS = 300_000;
/** Shards of an on-demand stream created without a count, as AWS starts them. */
const ON_DEMAND_SHARDS = 4;
const MAX_DATA = 1024 * 1024;
const TRIM_EVERY = 4096n;

export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type IteratorType =
  | 'TRIM_HORIZON'
  | 'LATEST'
  | 'AT_SEQUENCE_NUMBER'
  | 'AFTER_SEQUENCE_NUMBER'
  | 'AT_TIMESTAMP';

/** A stream as stored. */
export interface StreamInfo {
  name: string;
  arn: string;
  /** Creation time, ms. */
  createdAt: number;
  shardCount: number;
  mode: StreamMode;
  retentionHours: number;
  tags?: Record<string, string>;
}

/** A shard's identity and ranges. */
export interface ShardInfo {
  shardId: string;
  index: number;
  startingHashKey: string;
  endingHashKey: string;
  startingSequenceNumber: string;
}

/** A record as stored and read. */
export interface StreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  /** Base64 of the record bytes. */
  data: string;
  /** Arrival time, ms. */
  arrivedAt: number;
}

export interface PutEntry {
  data: Buffer;
  partitionKey: string;
  explicitHashKey?: string;
}

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
}

interface IteratorState {
  stream: string;
  created: number;
  shardId: string;
  /** Records strictly after this sequence number ('' = from the start of the shard). */
  after: string;
  issuedAt: number;
}

/** The Kinesis engine over the Store and the injected clock. */
export class KinesisEngine {
  private readonly streams = new Map<string, StreamInfo>();
  private readonly counters = new Map<string, bigint>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly streamTable: Table<StreamInfo>;
  private readonly recordTable: Table<StreamRecord>;
  // Puts commit one after another, so a reader never sees a later number before an earlier one.
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly region: string,
  ) {
    this.streamTable = store.table<StreamInfo>(STREAMS);
    this.recordTable = store.table<StreamRecord>(RECORDS);
  }

  /** Loads the streams and their record counters from the Store. */
  async load(): Promise<void> {
    for (const { value } of await this.streamTable.list()) this.streams.set(value.name, value);
    for (const { key, value } of await this.store.table<string>(COUNTERS).list())
      this.counters.set(key, BigInt(value));
  }

  /** The ARN of a stream name in this region. */
  arnOf(name: string): string {
    return arn('kinesis', this.region, `stream/${name}`);
  }

  /** A stream by name or ARN. */
  find(ref: string): StreamInfo | undefined {
    const name = ref.startsWith('arn:') ? /:stream\/([^/]+)$/.exec(ref)?.[1] : ref;
    return name === undefined ? undefined : this.streams.get(name);
  }

  /** A stream by name or ARN, or ResourceNotFoundException. */
  get(ref: string): StreamInfo {
    const s = this.find(ref);
    if (!s) throw streamNotFound(ref.startsWith('arn:') ? (ref.split('/').pop() ?? ref) : ref);
    return s;
  }

  /** Every stream, by name. */
  list(): StreamInfo[] {
    return [...this.streams.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Creates a stream; ON_DEMAND streams without a count get 4 shards. */
  async createStream(name: string, shardCount?: number, mode?: StreamMode): Promise<StreamInfo> {
    if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(name))
      throw validation('streamName', name, 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+');
    const streamMode = mode ?? (shardCount === undefined ? 'ON_DEMAND' : 'PROVISIONED');
    if (streamMode === 'PROVISIONED' && shardCount === undefined)
      throw invalidArgument('ShardCount is required for a PROVISIONED stream.');
    const count = shardCount ?? ON_DEMAND_SHARDS;
    if (!Number.isInteger(count) || count < 1)
      throw validation('shardCount', count, 'Member must have value greater than or equal to 1');
    if (this.streams.has(name))
      throw kinesisError(
        'ResourceInUseException',
        `Stream ${name} under account ${this.arnOf(name).split(':')[4]} already exists.`,
      );
    const info: StreamInfo = {
      name,
      arn: this.arnOf(name),
      createdAt: this.clock.now(),
      shardCount: count,
      mode: streamMode,
      retentionHours: 24,
    };
    await this.store.batch([
      { table: STREAMS, key: name, value: info },
      { table: COUNTERS, key: name, value: '0' },
    ]);
    this.streams.set(name, info);
    this.counters.set(name, 0n);
    return info;
  }

  /** Lengthens (`increase`) or shortens a stream's retention period, within 24 to 8760 hours. */
  async setRetention(ref: string, hours: number, direction: 'increase' | 'decrease'): Promise<void> {
    const s = this.get(ref);
    if (hours < 24)
      throw invalidArgument(
        `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`,
      );
    if (hours > 8760)
      throw invalidArgument(
        `Maximum allowed retention period is 8760 hours. Requested retention period (${hours} hours) is too long.`,
      );
    if (direction === 'increase' && hours < s.retentionHours)
      throw invalidArgument(
        `Requested retention period (${hours} hours) for stream ${s.name} can not be shorter than existing retention period (${s.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
      );
    if (direction === 'decrease' && hours > s.retentionHours)
      throw invalidArgument(
        `Requested retention period (${hours} hours) for stream ${s.name} can not be longer than existing retention period (${s.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
      );
    await this.save({ ...s, retentionHours: hours });
  }

  /** Adds or replaces tags of a stream (at most 50 in all). */
  async tag(ref: string, tags: Record<string, string>): Promise<void> {
    const s = this.get(ref);
    const merged = { ...(s.tags ?? {}), ...tags };
    if (Object.keys(merged).length > 50)
      throw invalidArgument(
        `Failed to add tags to stream ${s.name} under account ${s.arn.split(':')[4]} because a given stream cannot have more than 50 tags.`,
      );
    await this.save({ ...s, tags: merged });
  }

  /** Removes tags of a stream by key. */
  async untag(ref: string, keys: string[]): Promise<void> {
    const s = this.get(ref);
    const tags = { ...(s.tags ?? {}) };
    for (const k of keys) delete tags[k];
    await this.save({ ...s, tags });
  }

  private async save(s: StreamInfo): Promise<void> {
    await this.streamTable.put(s.name, s);
    this.streams.set(s.name, s);
  }

  /** Deletes a stream and its records. */
  async deleteStream(ref: string): Promise<void> {
    const s = this.get(ref);
    this.streams.delete(s.name);
    await this.serial(async () => {
      const writes: Write[] = [
        { table: STREAMS, key: s.name },
        { table: COUNTERS, key: s.name },
      ];
      for (const { key } of await this.recordTable.list({ prefix: `${s.name}/` }))
        writes.push({ table: RECORDS, key });
      await this.store.batch(writes);
    });
    this.counters.delete(s.name);
    this.notify(s.name);
  }

  /** A stream's shards with their hash key ranges. */
  shards(ref: string): ShardInfo[] {
    const s = this.get(ref);
    return Array.from({ length: s.shardCount }, (_, index) => {
      const r = hashRange(index, s.shardCount);
      return {
        shardId: shardIdOf(index),
        index,
        startingHashKey: r.start.toString(),
        endingHashKey: r.end.toString(),
        startingSequenceNumber: sequenceNumber(epochOf(s), index, 0n),
      };
    });
  }

  /** Puts records (all or none); resolves once they are durable. */
  async putRecords(ref: string, entries: PutEntry[]): Promise<PutResult[]> {
    const s = this.get(ref);
    const placed = entries.map((e) => {
      if (e.data.length > MAX_DATA)
        throw validation('data', '...', `Member must have length less than or equal to ${MAX_DATA}`);
      if (e.partitionKey.length < 1 || e.partitionKey.length > 256)
        throw validation(
          'partitionKey',
          e.partitionKey,
          'Member must have length between 1 and 256 inclusive',
        );
      return { entry: e, index: this.shardFor(s, e) };
    });
    const run = async (): Promise<PutResult[]> => {
      if (this.streams.get(s.name)?.createdAt !== s.createdAt) throw streamNotFound(s.name);
      const now = this.clock.now();
      let counter = this.counters.get(s.name) ?? 0n;
      const writes: Write[] = [];
      const results: PutResult[] = [];
      for (const { entry, index } of placed) {
        counter += 1n;
        const seq = sequenceNumber(epochOf(s), index, counter);
        const shardId = shardIdOf(index);
        const record: StreamRecord = {
          sequenceNumber: seq,
          partitionKey: entry.partitionKey,
          data: entry.data.toString('base64'),
          arrivedAt: now,
        };
        writes.push({ table: RECORDS, key: `${s.name}/${shardId}/${seq}`, value: record });
        results.push({ shardId, sequenceNumber: seq });
      }
      writes.push({ table: COUNTERS, key: s.name, value: counter.toString() });
      await this.store.batch(writes);
      this.counters.set(s.name, counter);
      return results;
    };
    const before = this.counters.get(s.name) ?? 0n;
    const results = await this.serial(run);
    this.notify(s.name);
    // Every few thousand records, drop what has outlived the retention period.
    if (before / TRIM_EVERY !== (this.counters.get(s.name) ?? 0n) / TRIM_EVERY)
      void this.trim(s.name).catch(() => undefined);
    return results;
  }

  /** A shard iterator for a starting position. */
  async shardIterator(
    ref: string,
    shardId: string,
    type: IteratorType,
    opts: { sequenceNumber?: string; timestamp?: number } = {},
  ): Promise<string> {
    const s = this.get(ref);
    const after = await this.position(s.name, shardId, type, opts);
    return encodeIterator({
      stream: s.name,
      created: s.createdAt,
      shardId,
      after,
      issuedAt: this.clock.now(),
    });
  }

  /**
   * A starting position as the sequence number records are read after ('' = the shard's start):
   * what iterators and event source mappings keep.
   */
  async position(
    ref: string,
    shardId: string,
    type: IteratorType,
    opts: { sequenceNumber?: string; timestamp?: number } = {},
  ): Promise<string> {
    const s = this.get(ref);
    const index = this.shardIndex(s, shardId);
    switch (type) {
      case 'TRIM_HORIZON':
        return '';
      case 'LATEST':
        return sequenceNumber(epochOf(s), index, this.counters.get(s.name) ?? 0n);
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const seq = opts.sequenceNumber;
        if (seq === undefined)
          throw invalidArgument(`StartingSequenceNumber must be provided for ShardIteratorType ${type}.`);
        const parsed = parseSequenceNumber(seq);
        if (!parsed || parsed.shardIndex !== index || parsed.epoch !== epochOf(s))
          throw invalidArgument(
            `StartingSequenceNumber ${seq} used in GetShardIterator on shard ${shardId} in stream ${s.name} under account ${s.arn.split(':')[4]} is invalid.`,
          );
        if (type === 'AFTER_SEQUENCE_NUMBER') return seq;
        return parsed.counter === 0n ? '' : sequenceNumber(parsed.epoch, index, parsed.counter - 1n);
      }
      case 'AT_TIMESTAMP':
        if (opts.timestamp === undefined)
          throw invalidArgument('Timestamp must be provided for ShardIteratorType AT_TIMESTAMP.');
        return this.positionAt(s, shardId, index, opts.timestamp);
      default:
        throw validation(
          'shardIteratorType',
          type,
          'Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]',
        );
    }
  }

  /** Reads from an iterator: the records, the next iterator and how far behind the tip it is. */
  async getRecords(
    iterator: string,
    limit = 10_000,
  ): Promise<{ records: StreamRecord[]; next: string; millisBehindLatest: number }> {
    const state = decodeIterator(iterator);
    const now = this.clock.now();
    if (now - state.issuedAt > ITERATOR_TTL_MS)
      throw kinesisError(
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${new Date(state.issuedAt).toUTCString()} while right now it is ${new Date(now).toUTCString()} which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`,
      );
    const s = this.streams.get(state.stream);
    if (!s || s.createdAt !== state.created) throw streamNotFound(state.stream);
    const records = await this.read(s.name, state.shardId, state.after, limit);
    const after = records.length > 0 ? records[records.length - 1].sequenceNumber : state.after;
    const next = encodeIterator({ ...state, after, issuedAt: now });
    const millisBehindLatest =
      records.length < limit || records.length === 0
        ? 0
        : Math.max(0, now - records[records.length - 1].arrivedAt);
    return { records, next, millisBehindLatest };
  }

  /** Up to `limit` records of a shard after a sequence number ('' = the oldest), within retention. */
  async read(stream: string, shardId: string, after: string, limit: number): Promise<StreamRecord[]> {
    const s = this.streams.get(stream);
    if (!s) throw streamNotFound(stream);
    const prefix = `${stream}/${shardId}/`;
    const oldest = this.clock.now() - s.retentionHours * 3_600_000;
    const out: StreamRecord[] = [];
    const expired: string[] = [];
    let cursor = `${prefix}${after}`;
    while (out.length < limit) {
      const page = await this.recordTable.list({ prefix, after: cursor, limit: limit - out.length });
      if (page.length === 0) break;
      for (const { key, value } of page) {
        if (value.arrivedAt >= oldest) out.push(value);
        else expired.push(key);
      }
      cursor = page[page.length - 1].key;
    }
    if (expired.length > 0) void this.forget(expired);
    return out;
  }

  /** Deletes a stream's records older than its retention period, shard by shard (oldest first). */
  async trim(stream: string): Promise<number> {
    const s = this.streams.get(stream);
    if (!s) return 0;
    const oldest = this.clock.now() - s.retentionHours * 3_600_000;
    let count = 0;
    for (const shard of this.shards(s.name)) {
      const prefix = `${s.name}/${shard.shardId}/`;
      for (;;) {
        const page = await this.recordTable.list({ prefix, limit: 500 });
        const expired = page.filter((e) => e.value.arrivedAt < oldest).map((e) => e.key);
        if (expired.length > 0) await this.forget(expired);
        count += expired.length;
        if (expired.length < page.length || page.length < 500) break;
      }
    }
    return count;
  }

  // Deletes expired records (in the write order, so a put and a trim never interleave).
  private forget(keys: string[]): Promise<void> {
    return this.serial(() => this.store.batch(keys.map((key) => ({ table: RECORDS, key })))).catch(
      () => undefined,
    );
  }

  /** Calls `fn` whenever records are put into (or the stream is deleted); returns the unsubscriber. */
  onRecords(stream: string, fn: () => void): () => void {
    const set = this.listeners.get(stream) ?? new Set();
    this.listeners.set(stream, set);
    set.add(fn);
    return () => set.delete(fn);
  }

  // Runs a write after the writes before it (whether they failed or not).
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const done = this.writes.then(fn, fn);
    this.writes = done.catch(() => undefined);
    return done;
  }

  private notify(stream: string): void {
    for (const fn of [...(this.listeners.get(stream) ?? [])]) fn();
  }

  private shardFor(s: StreamInfo, e: PutEntry): number {
    let key: bigint;
    if (e.explicitHashKey !== undefined) {
      const ok = /^\d{1,39}$/.test(e.explicitHashKey) && BigInt(e.explicitHashKey) < 1n << 128n;
      if (!ok)
        throw invalidArgument(
          `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${e.explicitHashKey}`,
        );
      key = BigInt(e.explicitHashKey);
    } else key = hashKeyOf(e.partitionKey);
    for (let i = 0; i < s.shardCount; i++) if (key <= hashRange(i, s.shardCount).end) return i;
    return s.shardCount - 1;
  }

  private shardIndex(s: StreamInfo, shardId: string): number {
    const index = shardIndexOf(shardId);
    if (index === undefined || index >= s.shardCount)
      throw kinesisError(
        'ResourceNotFoundException',
        `Shard ${shardId} in stream ${s.name} under account ${s.arn.split(':')[4]} does not exist`,
      );
    return index;
  }

  // The position just before the first record that arrived at or after `at` (LATEST when none did).
  private async positionAt(s: StreamInfo, shardId: string, index: number, at: number): Promise<string> {
    let after = '';
    for (;;) {
      const page = await this.read(s.name, shardId, after, 1000);
      if (page.length === 0) return sequenceNumber(epochOf(s), index, this.counters.get(s.name) ?? 0n);
      const hit = page.find((r) => r.arrivedAt >= at);
      if (hit) {
        const counter = parseSequenceNumber(hit.sequenceNumber)?.counter ?? 1n;
        return counter <= 1n ? '' : sequenceNumber(epochOf(s), index, counter - 1n);
      }
      after = page[page.length - 1].sequenceNumber;
    }
  }
}

/** The creation second that prefixes a stream's sequence numbers. */
function epochOf(s: StreamInfo): number {
  return Math.floor(s.createdAt / 1000);
}

function encodeIterator(state: IteratorState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64');
}

function decodeIterator(iterator: string): IteratorState {
  try {
    const v = JSON.parse(Buffer.from(iterator, 'base64').toString('utf8')) as IteratorState;
    if (typeof v.stream === 'string' && typeof v.shardId === 'string' && typeof v.after === 'string')
      return v;
  } catch {
    // falls through to the error below
  }
  throw invalidArgument(`Invalid ShardIterator: ${iterator.slice(0, 64)}`);
}
