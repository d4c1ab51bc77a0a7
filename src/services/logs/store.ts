/**
 * The logs engine: log groups, streams and events persisted in the Store, with a size-based
 * retention per group (the oldest streams go first). Writes are buffered and flushed in one batch
 * so a chatty function costs one transaction per tick, not one per line.
 */
import type { Clock } from '../../platform/clock.js';
import type { Store, Table, Write } from '../../platform/store/port.js';
import type { LogLine, LogSink } from '../lambda/runtime/types.js';

export interface LogGroupRecord {
  logGroupName: string;
  creationTime: number;
  storedBytes: number;
}

export interface LogStreamRecord {
  logGroupName: string;
  logStreamName: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes: number;
  /** Sequence of the next event, so keys stay unique and ordered within one millisecond. */
  nextSeq: number;
}

export interface LogEventRecord {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/** An event as queries return it. */
export interface StoredLogEvent extends LogEventRecord {
  logStreamName: string;
  eventId: string;
}

export interface LogQuery {
  logGroupName: string;
  logStreamNames?: string[];
  startTime?: number;
  endTime?: number;
  /** CloudWatch filter pattern subset: terms (all must match), `"quoted phrase"`, `?a ?b` (any). */
  filterPattern?: string;
  limit?: number;
  /** Return events after this one (an eventId from a previous page). */
  after?: string;
}

const SEP = '\u0000';
/**
 * How long written lines may wait in memory before they are persisted together. Events of many
 * streams interleave in the key space, so each transaction rewrites about one page per stream it
 * touches: 40 lines per transaction cost ~80 µs each, 500 ~25 µs (a warm invocation writes three).
 * Queries flush first, so readers never miss lines; a crash loses at most this window's lines.
 */
const FLUSH_WINDOW_MS = 250;
/** Pending lines that trigger a flush before the window ends (bounds memory under a flood). */
const FLUSH_LINES = 5000;
const TS_WIDTH = 15;
const SEQ_WIDTH = 10;

const streamKey = (group: string, stream: string) => `${group}${SEP}${stream}`;
const eventKey = (group: string, stream: string, ts: number, seq: number) =>
  `${group}${SEP}${stream}${SEP}${String(ts).padStart(TS_WIDTH, '0')}${SEP}${String(seq).padStart(SEQ_WIDTH, '0')}`;

/** Bytes an event counts for retention: message plus CloudWatch's 26-byte overhead. */
const eventSize = (message: string) => Buffer.byteLength(message) + 26;

/** Persists log events and answers queries; implements LogSink for execution environments. */
export class LogStore implements LogSink {
  private readonly groups: Table<LogGroupRecord>;
  private readonly streams: Table<LogStreamRecord>;
  private readonly events: Table<LogEventRecord>;
  private pending: Array<{ group: string; stream: string; lines: LogLine[] }> = [];
  private pendingLines = 0;
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Bytes kept per log group before the oldest streams are deleted. */
    private readonly retentionBytes = 64 * 1024 * 1024,
    /** Where a failed background flush is reported (nobody awaits those). */
    private readonly onFlushError: (e: unknown) => void = (e) =>
      process.stderr.write(`selfless error: writing logs: ${(e as Error).message}\n`),
    /** How long written lines wait to be persisted together (FLUSH_WINDOW_MS). */
    private readonly flushWindowMs = FLUSH_WINDOW_MS,
  ) {
    this.groups = store.table('logs.groups');
    this.streams = store.table('logs.streams');
    this.events = store.table('logs.events');
  }

  /**
   * LogSink: buffers lines and persists them within FLUSH_WINDOW_MS. Lines arriving after close() (a
   * function killed at shutdown still has output in its pipes) are dropped: the store is gone.
   */
  write(logGroup: string, logStream: string, lines: LogLine[]): void {
    if (lines.length === 0 || this.closed) return;
    this.pending.push({ group: logGroup, stream: logStream, lines });
    this.pendingLines += lines.length;
    if (this.pendingLines >= FLUSH_LINES) {
      this.flush().catch((e) => this.onFlushError(e));
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => {
        this.scheduled = false;
        // Nobody awaits this flush; a failure must not become an unhandled rejection.
        this.flush().catch((e) => this.onFlushError(e));
      }, this.flushWindowMs).unref();
    }
  }

  /** Persists everything written so far; resolves when it is durable. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingLines = 0;
    this.flushing = this.persist(batch).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /**
   * Flushes what was written, then refuses further writes. The platform calls it (through the logs
   * plugin's stop) after every other service has stopped and before the Store closes.
   */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.pending = [];
    this.pendingLines = 0;
  }

  private async persist(batch: Array<{ group: string; stream: string; lines: LogLine[] }>): Promise<void> {
    const now = this.clock.now();
    const groups = new Map<string, LogGroupRecord>();
    const streams = new Map<string, LogStreamRecord>();
    const writes: Write[] = [];
    for (const { group, stream, lines } of batch) {
      let g = groups.get(group) ?? (await this.groups.get(group));
      if (!g) g = { logGroupName: group, creationTime: now, storedBytes: 0 };
      groups.set(group, g);
      const sk = streamKey(group, stream);
      let s = streams.get(sk) ?? (await this.streams.get(sk));
      if (!s)
        s = { logGroupName: group, logStreamName: stream, creationTime: now, storedBytes: 0, nextSeq: 0 };
      streams.set(sk, s);
      for (const line of lines) {
        const size = eventSize(line.message);
        writes.push({
          table: 'logs.events',
          key: eventKey(group, stream, line.timestamp, s.nextSeq++),
          value: {
            timestamp: line.timestamp,
            message: line.message,
            ingestionTime: now,
          } satisfies LogEventRecord,
        });
        s.storedBytes += size;
        g.storedBytes += size;
        s.firstEventTimestamp = Math.min(s.firstEventTimestamp ?? line.timestamp, line.timestamp);
        s.lastEventTimestamp = Math.max(s.lastEventTimestamp ?? line.timestamp, line.timestamp);
        s.lastIngestionTime = now;
      }
    }
    for (const [k, s] of streams) writes.push({ table: 'logs.streams', key: k, value: s });
    for (const [k, g] of groups) writes.push({ table: 'logs.groups', key: k, value: g });
    await this.store.batch(writes);
    for (const g of groups.values()) if (g.storedBytes > this.retentionBytes) await this.enforceRetention(g);
  }

  /** Deletes the oldest streams of a group until it fits its retention size (keeping the newest one). */
  private async enforceRetention(group: LogGroupRecord): Promise<void> {
    const streams = (await this.streams.list({ prefix: `${group.logGroupName}${SEP}` })).map((r) => r.value);
    streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0));
    let bytes = group.storedBytes;
    for (const s of streams.slice(0, -1)) {
      if (bytes <= this.retentionBytes) break;
      await this.deleteStream(group.logGroupName, s.logStreamName);
      bytes -= s.storedBytes;
    }
    await this.groups.put(group.logGroupName, { ...group, storedBytes: Math.max(0, bytes) });
  }

  private async deleteStream(group: string, stream: string): Promise<void> {
    const prefix = `${streamKey(group, stream)}${SEP}`;
    for (;;) {
      const page = await this.events.list({ prefix, limit: 1000 });
      if (page.length === 0) break;
      await this.store.batch(page.map((e) => ({ table: 'logs.events', key: e.key })));
    }
    await this.streams.delete(streamKey(group, stream));
  }

  /** Log groups in name order, optionally under a prefix. */
  async describeGroups(prefix = ''): Promise<LogGroupRecord[]> {
    await this.flush();
    return (await this.groups.list({ prefix })).map((r) => r.value);
  }

  /** One group, or undefined. */
  async group(name: string): Promise<LogGroupRecord | undefined> {
    await this.flush();
    return this.groups.get(name);
  }

  /** Streams of a group, optionally under a name prefix. */
  async describeStreams(group: string, prefix = ''): Promise<LogStreamRecord[]> {
    await this.flush();
    return (await this.streams.list({ prefix: streamKey(group, prefix) })).map((r) => r.value);
  }

  /** Events of one stream in time order, within [startTime, endTime). */
  async streamEvents(
    group: string,
    stream: string,
    startTime?: number,
    endTime?: number,
  ): Promise<StoredLogEvent[]> {
    await this.flush();
    const prefix = `${streamKey(group, stream)}${SEP}`;
    const after =
      startTime !== undefined && startTime > 0
        ? `${prefix}${String(startTime - 1).padStart(TS_WIDTH, '0')}${SEP}\uffff`
        : undefined;
    const rows = await this.events.list({ prefix, after });
    const out: StoredLogEvent[] = [];
    for (const r of rows) {
      if (endTime !== undefined && r.value.timestamp >= endTime) break;
      out.push({ ...r.value, logStreamName: stream, eventId: encodeEventId(r.key) });
    }
    return out;
  }

  /** Events across streams of a group, interleaved in time order, filtered by pattern. */
  async filter(q: LogQuery): Promise<{ events: StoredLogEvent[]; searched: string[]; more: boolean }> {
    const streams = await this.describeStreams(q.logGroupName);
    const names = q.logStreamNames ?? streams.map((s) => s.logStreamName);
    const match = compileFilterPattern(q.filterPattern);
    let all: StoredLogEvent[] = [];
    for (const name of names) {
      const s = streams.find((x) => x.logStreamName === name);
      if (!s) continue;
      if (q.startTime !== undefined && (s.lastEventTimestamp ?? 0) < q.startTime) continue;
      all.push(...(await this.streamEvents(q.logGroupName, name, q.startTime, q.endTime)));
    }
    all = all.filter((e) => match(e.message));
    all.sort((a, b) => a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : 1));
    if (q.after) {
      const i = all.findIndex((e) => e.eventId === q.after);
      if (i >= 0) all = all.slice(i + 1);
    }
    const limit = q.limit ?? 10_000;
    return { events: all.slice(0, limit), searched: names, more: all.length > limit };
  }

  /** Deletes a whole log group (used when a function is removed for good). */
  async deleteGroup(name: string): Promise<boolean> {
    await this.flush();
    const streams = await this.describeStreams(name);
    for (const s of streams) await this.deleteStream(name, s.logStreamName);
    return this.groups.delete(name);
  }
}

function encodeEventId(key: string): string {
  return Buffer.from(key).toString('base64url');
}

/**
 * The subset of CloudWatch filter patterns people type at a CLI: an empty pattern matches all;
 * `"a phrase"` matches the phrase; space-separated terms must all appear; `?a ?b` matches any;
 * `-term` excludes. Matching is case-sensitive, as in CloudWatch.
 */
export function compileFilterPattern(pattern: string | undefined): (message: string) => boolean {
  const p = (pattern ?? '').trim();
  if (!p) return () => true;
  const tokens = p.match(/[?-]?"[^"]*"|\S+/g) ?? [];
  const unquote = (t: string) => (t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t);
  const any = tokens.filter((t) => t.startsWith('?')).map((t) => unquote(t.slice(1)));
  const none = tokens.filter((t) => t.startsWith('-') && t.length > 1).map((t) => unquote(t.slice(1)));
  const all = tokens.filter((t) => !t.startsWith('?') && !(t.startsWith('-') && t.length > 1)).map(unquote);
  return (m) =>
    all.every((t) => m.includes(t)) &&
    !none.some((t) => m.includes(t)) &&
    (any.length === 0 || any.some((t) => m.includes(t)));
}
