/**
 * The DynamoDB engine: tables (key schema, attribute definitions, billing mode, secondary indexes)
 * and their items, durable in the Store before a write answers. Writes are serialised so a
 * condition is checked and the write applied with nothing in between, as DynamoDB's per-item
 * atomicity promises. Items live under `<table>\u0001<hash>\u0001<range>` keys, so a partition is one
 * prefix scan; sort order within it is DynamoDB's (numbers numerically, strings and binary by bytes).
 */
import { createHash, randomUUID } from 'node:crypto';
import { arn } from '../../platform/aws-account.js';
import type { Clock } from '../../platform/clock.js';
import type { Store, Table, Write } from '../../platform/store/port.js';
import { conditionFailed, dynamoError, tableNotFound, validationError } from './errors.js';
import { type Condition, evaluate, type UpdateActions } from './expressions.js';
import { applyUpdate } from './update.js';
import { type AttributeValue, compareScalars, type Item, itemSize, MAX_ITEM_SIZE, typeOf } from './values.js';

const TABLES = 'dynamodb.tables';
const ITEMS = 'dynamodb.items';
const RECORDS = 'dynamodb.stream-records';
const SEQUENCES = 'dynamodb.stream-sequences';
/** Stream sequence numbers: increasing decimal strings of fixed width, so key order is numeric order. */
const SEQ_WIDTH = 28;
const SEP = '\u0001';

export type KeyType = 'S' | 'N' | 'B';
export type BillingMode = 'PROVISIONED' | 'PAY_PER_REQUEST';

/** A key schema: the partition (HASH) attribute and the optional sort (RANGE) attribute. */
export interface KeySchema {
  hash: string;
  range?: string;
}

export interface Projection {
  ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  NonKeyAttributes?: string[];
}

/** A global or local secondary index. */
export interface IndexInfo {
  name: string;
  key: KeySchema;
  projection: Projection;
  throughput?: Throughput;
}

export interface Throughput {
  read: number;
  write: number;
}

/** A table as stored. */
export interface TableInfo {
  name: string;
  arn: string;
  id: string;
  /** Creation time, ms. */
  createdAt: number;
  key: KeySchema;
  attributes: Record<string, KeyType>;
  billingMode: BillingMode;
  throughput?: Throughput;
  gsis: IndexInfo[];
  lsis: IndexInfo[];
  tags?: Record<string, string>;
  /** Time to live: items whose `attribute` (epoch seconds) has passed are deleted by the sweeper. */
  ttl?: { attribute: string; enabled: boolean };
  /** DynamoDB Streams: change records kept for the table's stream, labelled by when it was enabled. */
  stream?: { viewType: StreamViewType; label: string };
}

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

/** One change record of a table's stream, as stored (Lambda's `dynamodb` member plus its name). */
export interface ChangeRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  sequenceNumber: string;
  /** Seconds. */
  createdAt: number;
  keys: Item;
  newImage?: Item;
  oldImage?: Item;
  sizeBytes: number;
  viewType: StreamViewType;
  /** TTL deletions are made by the service. */
  byService?: boolean;
}

export interface TableDefinition {
  name: string;
  key: KeySchema;
  attributes: Record<string, KeyType>;
  billingMode: BillingMode;
  throughput?: Throughput;
  gsis?: IndexInfo[];
  lsis?: IndexInfo[];
  tags?: Record<string, string>;
  stream?: { viewType: StreamViewType };
}

/** A write's optional condition (already parsed). */
export interface WriteOptions {
  condition?: Condition;
  /** ReturnValuesOnConditionCheckFailure ALL_OLD: a failed condition carries the current item. */
  returnItemOnFailure?: boolean;
}

/** One write of a TransactWriteItems request. */
export type TransactOp = (
  | { kind: 'put'; table: string; item: Item }
  | { kind: 'delete'; table: string; key: Item }
  | { kind: 'update'; table: string; key: Item; actions: UpdateActions }
  | { kind: 'check'; table: string; key: Item }
) &
  WriteOptions;

/** What a query or scan reads. */
export interface ReadRequest {
  index?: string;
  /** Query only: the partition value, and the key condition that also covers the sort key. */
  partition?: AttributeValue;
  keyCondition?: Condition;
  forward?: boolean;
  limit?: number;
  exclusiveStartKey?: Item;
  filter?: Condition;
  /** Scan only: this segment of a parallel scan. */
  segment?: { index: number; total: number };
}

export interface ReadResult {
  items: Item[];
  scanned: number;
  /** Bytes of the items read (before the filter), for consumed capacity. */
  bytes: number;
  lastEvaluatedKey?: Item;
}

/** How often (clock time) expired items are swept; DynamoDB itself takes up to days. */
export const TTL_SWEEP_MS = 60_000;
/** Stream records are kept for 24 hours, as DynamoDB Streams keeps them. */
export const STREAM_RETENTION_MS = 24 * 3600 * 1000;
/** DynamoDB ignores expiry times more than five years in the past. */
const TTL_MAX_AGE_S = 5 * 365 * 24 * 3600;

/** DynamoDB stops a query or scan page after 1 MB of items read. */
const PAGE_BYTES = 1024 * 1024;

function canonical(v: AttributeValue): string {
  return JSON.stringify(v);
}

/** A stream label: the ISO time it was enabled, without the zone, as DynamoDB writes it. */
export function streamLabel(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '');
}

/** The parallel-scan segment a partition falls in: a stable hash of its key, as DynamoDB spreads them. */
function segmentOf(partition: AttributeValue, total: number): number {
  const h = createHash('md5').update(canonical(partition)).digest();
  return h.readUInt32BE(0) % total;
}

/** The DynamoDB engine over the Store. */
export class DynamoEngine {
  private readonly tables = new Map<string, TableInfo>();
  private readonly tableStore: Table<TableInfo>;
  private readonly itemStore: Table<Item>;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly sequences = new Map<string, bigint>();
  private readonly listeners: Array<(table: string) => void> = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly region: string,
  ) {
    this.tableStore = store.table<TableInfo>(TABLES);
    this.itemStore = store.table<Item>(ITEMS);
  }

  /** Reads the tables from the store (at start). */
  async load(): Promise<void> {
    for (const { value } of await this.tableStore.list()) this.tables.set(value.name, value);
    for (const { key, value } of await this.store.table<string>(SEQUENCES).list())
      this.sequences.set(key, BigInt(value));
  }

  /** Calls `fn` with a table's name after change records were added to its stream. */
  onChange(fn: (table: string) => void): void {
    this.listeners.push(fn);
  }

  /** The ARN of a table's stream, when it has one. */
  streamArnOf(t: TableInfo): string | undefined {
    return t.stream ? `${t.arn}/stream/${t.stream.label}` : undefined;
  }

  /** Change records of a table's stream after a sequence number ('' = from the start). */
  async records(table: string, after: string, limit: number): Promise<ChangeRecord[]> {
    const prefix = `${table}${SEP}`;
    const rows = await this.store
      .table<ChangeRecord>(RECORDS)
      .list({ prefix, after: after === '' ? undefined : `${prefix}${after}`, limit });
    return rows.map((r) => r.value);
  }

  /** The last sequence number of a table's stream ('' when it has none). */
  lastSequence(table: string): string {
    const n = this.sequences.get(table);
    return n === undefined ? '' : n.toString().padStart(SEQ_WIDTH, '0');
  }

  /**
   * The writes that store an item change, with its stream record when the table has a stream (one
   * batch, so a change and its record are durable together).
   */
  private changeWrites(
    t: TableInfo,
    storeKey: string,
    before: Item | undefined,
    after: Item | undefined,
    byService = false,
  ): Write[] {
    const writes: Write[] = [{ table: ITEMS, key: storeKey, value: after }];
    if (!t.stream || (before === undefined && after === undefined)) return writes;
    const next = (this.sequences.get(t.name) ?? 0n) + 1n;
    this.sequences.set(t.name, next);
    const seq = next.toString().padStart(SEQ_WIDTH, '0');
    const view = t.stream.viewType;
    const keys = this.keyOf(t, (after ?? before)!);
    const record: ChangeRecord = {
      eventID: createHash('md5').update(`${t.arn}/${t.stream.label}/${seq}`).digest('hex'),
      eventName: before === undefined ? 'INSERT' : after === undefined ? 'REMOVE' : 'MODIFY',
      sequenceNumber: seq,
      createdAt: Math.floor(this.clock.now() / 1000),
      keys,
      sizeBytes: itemSize(keys) + (after ? itemSize(after) : 0) + (before ? itemSize(before) : 0),
      viewType: view,
    };
    if (after && (view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES')) record.newImage = after;
    if (before && (view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES')) record.oldImage = before;
    if (byService) record.byService = true;
    writes.push({ table: RECORDS, key: `${t.name}${SEP}${seq}`, value: record });
    writes.push({ table: SEQUENCES, key: t.name, value: next.toString() });
    return writes;
  }

  /** Applies change writes and tells stream listeners. */
  private async commit(writes: Write[], tables: Iterable<string>): Promise<void> {
    await this.store.batch(writes);
    if (!writes.some((w) => w.table === RECORDS)) return;
    for (const name of new Set(tables)) for (const fn of this.listeners) fn(name);
  }

  /** Runs writes one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** The engine clock's time, ms. */
  now(): number {
    return this.clock.now();
  }

  /** The table's ARN. */
  arnOf(name: string): string {
    return arn('dynamodb', this.region, `table/${name}`);
  }

  find(name: string): TableInfo | undefined {
    return this.tables.get(name);
  }

  /** The table, or ResourceNotFoundException in the control-plane wording. */
  describe(name: string): TableInfo {
    const t = this.tables.get(name);
    if (!t) throw tableNotFound(name);
    return t;
  }

  private table(name: string): TableInfo {
    const t = this.tables.get(name);
    if (!t) throw tableNotFound();
    return t;
  }

  /** Table names in order, paged as ListTables pages them. */
  list(exclusiveStart?: string, limit = 100): { names: string[]; last?: string } {
    const all = [...this.tables.keys()].sort();
    const from = exclusiveStart === undefined ? 0 : all.findIndex((n) => n > exclusiveStart);
    const names = from < 0 ? [] : all.slice(from, from + limit);
    const more = from >= 0 && from + limit < all.length;
    return { names, last: more ? names[names.length - 1] : undefined };
  }

  /** Creates a table (ACTIVE at once). */
  createTable(def: TableDefinition): Promise<TableInfo> {
    return this.serial(async () => {
      if (this.tables.has(def.name))
        throw dynamoError('ResourceInUseException', `Table already exists: ${def.name}`);
      const info: TableInfo = {
        name: def.name,
        arn: this.arnOf(def.name),
        id: randomUUID(),
        createdAt: this.clock.now(),
        key: def.key,
        attributes: def.attributes,
        billingMode: def.billingMode,
        throughput: def.throughput,
        gsis: def.gsis ?? [],
        lsis: def.lsis ?? [],
        tags: def.tags,
      };
      if (def.stream) info.stream = { viewType: def.stream.viewType, label: streamLabel(this.clock.now()) };
      await this.tableStore.put(info.name, info);
      this.tables.set(info.name, info);
      return info;
    });
  }

  /** Changes a table's settings (billing, indexes, TTL, tags) through `change`, durably. */
  alterTable(name: string, change: (t: TableInfo) => TableInfo): Promise<TableInfo> {
    return this.serial(async () => {
      const next = change(structuredClone(this.describe(name)));
      await this.tableStore.put(name, next);
      this.tables.set(name, next);
      return next;
    });
  }

  /** Deletes stream records older than the retention period; returns how many. */
  trimStreams(): Promise<number> {
    return this.serial(async () => {
      const oldest = (this.clock.now() - STREAM_RETENTION_MS) / 1000;
      const writes: Write[] = [];
      for (const t of this.tables.values()) {
        if (!this.sequences.has(t.name)) continue;
        // Records are in sequence (and so time) order: stop at the first one young enough.
        for (const { key, value } of await this.store
          .table<ChangeRecord>(RECORDS)
          .list({ prefix: `${t.name}${SEP}` })) {
          if (value.createdAt >= oldest) break;
          writes.push({ table: RECORDS, key });
        }
      }
      if (writes.length > 0) await this.store.batch(writes);
      return writes.length;
    });
  }

  /** Deletes every item whose TTL has passed (on tables with TTL enabled); returns how many. */
  sweepExpired(): Promise<number> {
    return this.serial(async () => {
      const now = this.clock.now() / 1000;
      let deleted = 0;
      for (const t of this.tables.values()) {
        if (!t.ttl?.enabled) continue;
        const writes: Write[] = [];
        let expired = 0;
        for (const { key, value } of await this.itemStore.list({ prefix: `${t.name}${SEP}` })) {
          const v = value[t.ttl.attribute];
          if (!v || !('N' in v)) continue;
          const at = Number(v.N);
          if (at >= now || at <= now - TTL_MAX_AGE_S) continue;
          writes.push(...this.changeWrites(t, key, value, undefined, true));
          expired++;
        }
        if (writes.length > 0) await this.commit(writes, [t.name]);
        deleted += expired;
      }
      return deleted;
    });
  }

  /** Deletes a table and its items. */
  deleteTable(name: string): Promise<TableInfo> {
    return this.serial(async () => {
      const t = this.describe(name);
      const items = await this.itemStore.list({ prefix: `${name}${SEP}` });
      const writes: Write[] = items.map(({ key }) => ({ table: ITEMS, key }));
      writes.push({ table: TABLES, key: name });
      for (const { key } of await this.store.table(RECORDS).list({ prefix: `${name}${SEP}` }))
        writes.push({ table: RECORDS, key });
      writes.push({ table: SEQUENCES, key: name });
      await this.store.batch(writes);
      this.tables.delete(name);
      this.sequences.delete(name);
      return t;
    });
  }

  /** Item count and size of a table (computed, as DynamoDB's are approximate anyway). */
  async stats(name: string): Promise<{ count: number; bytes: number }> {
    const items = await this.itemStore.list({ prefix: `${name}${SEP}` });
    return { count: items.length, bytes: items.reduce((s, e) => s + itemSize(e.value), 0) };
  }

  /** Checks an item's key (and index key) attributes for a write; returns its store key. */
  /** Checks an item for a write (key and index key attributes, size) without writing it. */
  checkWrite(t: TableInfo, item: Item): void {
    this.checkItemKey(t, item);
    if (itemSize(item) > MAX_ITEM_SIZE)
      throw validationError('Item size has exceeded the maximum allowed size');
  }

  private checkItemKey(t: TableInfo, item: Item): string {
    for (const attr of [t.key.hash, t.key.range]) {
      if (attr === undefined) continue;
      const v = item[attr];
      if (v === undefined)
        throw validationError(
          `One or more parameter values were invalid: Missing the key ${attr} in the item`,
        );
      this.checkKeyValue(t, attr, v);
    }
    for (const ix of [...t.gsis, ...t.lsis])
      for (const attr of [ix.key.hash, ix.key.range]) {
        const v = attr === undefined ? undefined : item[attr];
        if (v === undefined || attr === undefined) continue;
        if (typeOf(v) !== t.attributes[attr])
          throw validationError(
            `One or more parameter values were invalid: Type mismatch for Index Key ${attr} Expected: ${t.attributes[attr]} Actual: ${typeOf(v)} IndexName: ${ix.name}`,
          );
      }
    return this.storeKey(t, item);
  }

  private checkKeyValue(t: TableInfo, attr: string, v: AttributeValue): void {
    const expected = t.attributes[attr]!;
    if (typeOf(v) !== expected)
      throw validationError(
        `One or more parameter values were invalid: Type mismatch for key ${attr} expected: ${expected} actual: ${typeOf(v)}`,
      );
    if (('S' in v && v.S === '') || ('B' in v && v.B === ''))
      throw validationError(
        `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${'S' in v ? 'string' : 'binary'} value. Key: ${attr}`,
      );
  }

  /** Checks a Key parameter: exactly the table's key attributes. */
  checkKey(t: TableInfo, key: Item): string {
    const names = [t.key.hash, t.key.range].filter((n): n is string => n !== undefined);
    const given = Object.keys(key);
    if (given.length !== names.length || !names.every((n) => key[n] !== undefined))
      throw validationError('The provided key element does not match the schema');
    for (const n of names) {
      const v = key[n]!;
      if (typeOf(v) !== t.attributes[n])
        throw validationError('The provided key element does not match the schema');
      this.checkKeyValue(t, n, v);
    }
    return this.storeKey(t, key);
  }

  private storeKey(t: TableInfo, item: Item): string {
    const range = t.key.range === undefined ? '' : canonical(item[t.key.range]!);
    return `${t.name}${SEP}${canonical(item[t.key.hash]!)}${SEP}${range}`;
  }

  /** The key attributes of an item. */
  keyOf(t: TableInfo, item: Item): Item {
    const key: Item = { [t.key.hash]: item[t.key.hash]! };
    if (t.key.range !== undefined) key[t.key.range] = item[t.key.range]!;
    return key;
  }

  private check(opts: WriteOptions, current: Item | undefined): void {
    if (opts.condition && !evaluate(opts.condition, current ?? {}))
      throw conditionFailed(opts.returnItemOnFailure ? current : undefined);
  }

  /** Writes an item; returns the item it replaced. */
  putItem(tableName: string, item: Item, opts: WriteOptions = {}): Promise<Item | undefined> {
    return this.serial(async () => {
      const t = this.table(tableName);
      const key = this.checkItemKey(t, item);
      if (itemSize(item) > MAX_ITEM_SIZE)
        throw validationError('Item size has exceeded the maximum allowed size');
      const old = await this.itemStore.get(key);
      this.check(opts, old);
      await this.commit(this.changeWrites(t, key, old, item), [t.name]);
      return old;
    });
  }

  /** Reads an item by its key. */
  async getItem(tableName: string, key: Item): Promise<Item | undefined> {
    const t = this.table(tableName);
    return this.itemStore.get(this.checkKey(t, key));
  }

  /** Deletes an item; returns the item it removed. */
  deleteItem(tableName: string, key: Item, opts: WriteOptions = {}): Promise<Item | undefined> {
    return this.serial(async () => {
      const t = this.table(tableName);
      const storeKey = this.checkKey(t, key);
      const old = await this.itemStore.get(storeKey);
      this.check(opts, old);
      if (old) await this.commit(this.changeWrites(t, storeKey, old, undefined), [t.name]);
      return old;
    });
  }

  /** Updates (or creates) an item; returns it before and after. */
  updateItem(
    tableName: string,
    key: Item,
    actions: UpdateActions,
    opts: WriteOptions = {},
  ): Promise<{ before?: Item; after: Item }> {
    return this.serial(async () => {
      const t = this.table(tableName);
      const storeKey = this.checkKey(t, key);
      const before = await this.itemStore.get(storeKey);
      this.check(opts, before);
      const keyNames = [t.key.hash, t.key.range].filter((n): n is string => n !== undefined);
      const after = applyUpdate(before ?? { ...key }, actions, keyNames);
      this.checkItemKey(t, after);
      if (itemSize(after) > MAX_ITEM_SIZE)
        throw validationError('Item size has exceeded the maximum allowed size');
      await this.commit(this.changeWrites(t, storeKey, before, after), [t.name]);
      return { before, after };
    });
  }

  /**
   * Applies several writes all or nothing (TransactWriteItems): every condition is checked first;
   * `failed` holds the reason per item when any condition fails.
   */
  transact(ops: TransactOp[]): Promise<void> {
    return this.serial(async () => {
      const planned: Array<{ t: TableInfo; storeKey: string; before?: Item; after?: Item }> = [];
      const reasons: Array<Record<string, unknown>> = [];
      const seen = new Set<string>();
      let failed = false;
      for (const op of ops) {
        const t = this.table(op.table);
        const storeKey = op.kind === 'put' ? this.checkItemKey(t, op.item) : this.checkKey(t, op.key);
        if (seen.has(storeKey))
          throw validationError('Transaction request cannot include multiple operations on one item');
        seen.add(storeKey);
        const current = await this.itemStore.get(storeKey);
        if (op.condition && !evaluate(op.condition, current ?? {})) {
          failed = true;
          const reason: Record<string, unknown> = {
            Code: 'ConditionalCheckFailed',
            Message: 'The conditional request failed',
          };
          if (op.returnItemOnFailure && current) reason.Item = current;
          reasons.push(reason);
          continue;
        }
        reasons.push({ Code: 'None' });
        if (op.kind === 'put') {
          if (itemSize(op.item) > MAX_ITEM_SIZE)
            throw validationError('Item size has exceeded the maximum allowed size');
          planned.push({ t, storeKey, before: current, after: op.item });
        } else if (op.kind === 'delete') {
          if (current) planned.push({ t, storeKey, before: current, after: undefined });
        } else if (op.kind === 'update') {
          const keyNames = [t.key.hash, t.key.range].filter((n): n is string => n !== undefined);
          const after = applyUpdate(current ?? { ...op.key }, op.actions, keyNames);
          this.checkItemKey(t, after);
          planned.push({ t, storeKey, before: current, after });
        }
      }
      if (failed)
        throw dynamoError(
          'TransactionCanceledException',
          `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
          { CancellationReasons: reasons },
        );
      const writes = planned.flatMap((p) => this.changeWrites(p.t, p.storeKey, p.before, p.after));
      await this.commit(
        writes,
        planned.map((p) => p.t.name),
      );
    });
  }

  /** The key schema a read uses: the table's or an index's. */
  indexOf(t: TableInfo, index?: string): IndexInfo | undefined {
    if (index === undefined) return undefined;
    const ix = [...t.gsis, ...t.lsis].find((i) => i.name === index);
    if (!ix) throw validationError(`The table does not have the specified index: ${index}`);
    return ix;
  }

  /** Runs a Query (partition given) or a Scan (none) page. */
  async read(tableName: string, r: ReadRequest): Promise<ReadResult> {
    const t = this.table(tableName);
    const ix = this.indexOf(t, r.index);
    const key = ix?.key ?? t.key;
    let candidates: Item[];
    if (r.partition !== undefined && !ix) {
      const prefix = `${t.name}${SEP}${canonical(r.partition)}${SEP}`;
      candidates = (await this.itemStore.list({ prefix })).map((e) => e.value);
    } else {
      candidates = (await this.itemStore.list({ prefix: `${t.name}${SEP}` })).map((e) => e.value);
      if (ix)
        candidates = candidates.filter(
          (i) =>
            i[ix.key.hash] !== undefined && (ix.key.range === undefined || i[ix.key.range] !== undefined),
        );
    }
    const query = r.partition !== undefined;
    const order = (a: Item, b: Item): number => {
      if (query) {
        const byRange = key.range === undefined ? 0 : (compareScalars(a[key.range]!, b[key.range]!) ?? 0);
        if (byRange !== 0 || !ix) return byRange;
      } else if (ix) {
        const byHash = canonical(a[ix.key.hash]!).localeCompare(canonical(b[ix.key.hash]!));
        if (byHash !== 0) return byHash;
        const byRange =
          ix.key.range === undefined ? 0 : (compareScalars(a[ix.key.range]!, b[ix.key.range]!) ?? 0);
        if (byRange !== 0) return byRange;
      }
      const x = this.storeKey(t, a);
      const y = this.storeKey(t, b);
      return x < y ? -1 : x > y ? 1 : 0;
    };
    if (query) candidates = candidates.filter((i) => evaluate(r.keyCondition!, i));
    const segment = r.segment;
    if (segment)
      candidates = candidates.filter((i) => segmentOf(i[key.hash]!, segment.total) === segment.index);
    candidates.sort(order);
    if (r.forward === false) candidates.reverse();
    if (r.exclusiveStartKey) {
      const esk = r.exclusiveStartKey;
      const dir = r.forward === false ? -1 : 1;
      candidates = candidates.filter((i) => order(i, esk) * dir > 0);
    }
    const items: Item[] = [];
    let scanned = 0;
    let bytes = 0;
    let last: Item | undefined;
    for (const item of candidates) {
      scanned++;
      bytes += itemSize(item);
      if (!r.filter || evaluate(r.filter, item)) items.push(item);
      const full = (r.limit !== undefined && scanned >= r.limit) || bytes >= PAGE_BYTES;
      if (full) {
        last = item;
        break;
      }
    }
    let lastEvaluatedKey: Item | undefined;
    if (last) {
      lastEvaluatedKey = this.keyOf(t, last);
      if (ix) {
        lastEvaluatedKey[ix.key.hash] = last[ix.key.hash]!;
        if (ix.key.range !== undefined) lastEvaluatedKey[ix.key.range] = last[ix.key.range]!;
      }
    }
    return { items, scanned, bytes, lastEvaluatedKey };
  }
}
