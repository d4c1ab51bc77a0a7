import { randomUUID } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { SelflessError } from '../errors.js';
import type { BlobStore, DurableQueue, QueueItem, Store, Table, TableOptions, Write } from './port.js';

/** The embedded store: one SQLite database plus a blob folder in the data dir. */
export class SqliteStore implements Store {
  readonly blobs: BlobStore;
  private readonly db: Database.Database;
  private readonly tables = new Map<string, SqliteTable<unknown>>();

  /** Opens (creating if needed) the store in dataDir; ':memory:' keeps state in memory and blobs in a temp dir. */
  constructor(readonly dataDir: string) {
    try {
      mkdirSync(dataDir, { recursive: true });
      this.db = new Database(join(dataDir, 'selfless.db'));
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (ns, k)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS queue (
          id TEXT PRIMARY KEY, name TEXT NOT NULL, item TEXT NOT NULL,
          available_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS queue_ready ON queue (name, available_at, seq);
      `);
      this.db.prepare('SELECT count(*) FROM kv').get();
    } catch (e) {
      throw new SelflessError(
        'STORE_UNAVAILABLE',
        `Cannot open the data dir ${dataDir}: ${(e as Error).message}`,
        {
          kind: 'system',
          where: dataDir,
          hint: 'Check that the folder is writable and the disk is not full; move a corrupt selfless.db aside to start afresh.',
          cause: e,
        },
      );
    }
    this.blobs = new FileBlobStore(join(dataDir, 'blobs'));
  }

  table<T>(name: string, opts: TableOptions = {}): Table<T> {
    let t = this.tables.get(name);
    if (!t) {
      t = new SqliteTable(this.db, name);
      this.tables.set(name, t);
    }
    if (opts.cached) t.cacheValues();
    return t as Table<T>;
  }

  queue<T>(name: string): DurableQueue<T> {
    return new SqliteQueue<T>(this.db, name);
  }

  async batch(writes: Write[]): Promise<void> {
    // Statements and the transaction are prepared once: batches are on hot paths (logs, deploys).
    this.batchTx ??= this.db.transaction((ws: Write[]) => {
      this.batchPut ??= this.db.prepare('INSERT OR REPLACE INTO kv (ns, k, v) VALUES (?, ?, ?)');
      this.batchDel ??= this.db.prepare('DELETE FROM kv WHERE ns = ? AND k = ?');
      for (const w of ws) {
        if (w.value === undefined) this.batchDel.run(w.table, w.key);
        else this.batchPut.run(w.table, w.key, JSON.stringify(w.value));
      }
    });
    try {
      this.batchTx(writes);
    } finally {
      // Forgetting is always safe, also when the transaction rolled back.
      for (const w of writes) this.tables.get(w.table)?.forget(w.key);
    }
  }
  private batchTx: ((ws: Write[]) => void) | undefined;
  private batchPut: Database.Statement | undefined;
  private batchDel: Database.Statement | undefined;

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

class SqliteTable<T> implements Table<T> {
  private readonly sGet: Database.Statement;
  private readonly sPut: Database.Statement;
  private readonly sDel: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly ns: string,
  ) {
    this.sGet = db.prepare('SELECT v FROM kv WHERE ns = ? AND k = ?');
    this.sPut = db.prepare('INSERT OR REPLACE INTO kv (ns, k, v) VALUES (?, ?, ?)');
    this.sDel = db.prepare('DELETE FROM kv WHERE ns = ? AND k = ?');
  }
  /** Parsed values of a cached table (see TableOptions.cached); undefined = not cached. */
  private cache: Map<string, T | undefined> | undefined;

  cacheValues(): void {
    this.cache ??= new Map();
  }

  forget(key: string): void {
    this.cache?.delete(key);
  }

  async get(key: string): Promise<T | undefined> {
    const cache = this.cache;
    if (cache?.has(key)) return cache.get(key);
    const row = this.sGet.get(this.ns, key) as { v: string } | undefined;
    const value = row ? (JSON.parse(row.v) as T) : undefined;
    if (cache) cache.set(key, value === undefined ? undefined : deepFreeze(value));
    return value;
  }
  async put(key: string, value: T): Promise<void> {
    this.cache?.delete(key);
    this.sPut.run(this.ns, key, JSON.stringify(value));
  }
  async delete(key: string): Promise<boolean> {
    this.cache?.delete(key);
    return this.sDel.run(this.ns, key).changes > 0;
  }
  async list(opts: { prefix?: string; after?: string; limit?: number } = {}) {
    const prefix = opts.prefix ?? '';
    // Range scan on the primary key: keys >= prefix and < prefix + U+10FFFF (the highest code point, so
    // keys with emoji or other astral characters after the prefix are still inside the range).
    const lower = opts.after !== undefined && opts.after >= prefix ? opts.after : prefix;
    const op = opts.after !== undefined && opts.after >= prefix ? '>' : '>=';
    const rows = this.db
      .prepare(`SELECT k, v FROM kv WHERE ns = ? AND k ${op} ? AND k < ? ORDER BY k LIMIT ?`)
      .all(this.ns, lower, `${prefix}\u{10FFFF}`, opts.limit ?? -1) as Array<{ k: string; v: string }>;
    return rows.map((r) => ({ key: r.k, value: JSON.parse(r.v) as T }));
  }
}

class SqliteQueue<T> implements DurableQueue<T> {
  constructor(
    private readonly db: Database.Database,
    private readonly name: string,
  ) {}

  async enqueue(item: T, opts: { availableAt?: number; id?: string } = {}): Promise<string> {
    const id = opts.id ?? randomUUID();
    this.db
      .prepare(
        `INSERT OR IGNORE INTO queue (id, name, item, available_at, seq)
         VALUES (?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM queue))`,
      )
      .run(id, this.name, JSON.stringify(item), opts.availableAt ?? 0);
    return id;
  }

  async claim(now: number, leaseMs: number, max: number): Promise<Array<QueueItem<T>>> {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(
          'SELECT id, item, attempts FROM queue WHERE name = ? AND available_at <= ? ORDER BY available_at, seq LIMIT ?',
        )
        .all(this.name, now, max) as Array<{ id: string; item: string; attempts: number }>;
      const lease = this.db.prepare(
        'UPDATE queue SET available_at = ?, attempts = attempts + 1 WHERE id = ?',
      );
      for (const r of rows) lease.run(now + leaseMs, r.id);
      return rows.map((r) => ({ id: r.id, item: JSON.parse(r.item) as T, attempts: r.attempts }));
    })();
  }

  async ack(id: string): Promise<void> {
    this.db.prepare('DELETE FROM queue WHERE id = ?').run(id);
  }

  async retry(id: string, availableAt: number, item?: T): Promise<void> {
    if (item === undefined)
      this.db.prepare('UPDATE queue SET available_at = ? WHERE id = ?').run(availableAt, id);
    else
      this.db
        .prepare('UPDATE queue SET available_at = ?, item = ? WHERE id = ?')
        .run(availableAt, JSON.stringify(item), id);
  }

  async nextAvailableAt(): Promise<number | undefined> {
    const row = this.db.prepare('SELECT min(available_at) AS t FROM queue WHERE name = ?').get(this.name) as {
      t: number | null;
    };
    return row.t ?? undefined;
  }

  async size(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM queue WHERE name = ?').get(this.name) as { n: number })
      .n;
  }
}

/** Blobs as files; a write goes to a temp file first and is renamed into place. */
export class FileBlobStore implements BlobStore {
  constructor(private readonly root: string) {
    mkdirSync(join(root, '.tmp'), { recursive: true });
  }
  path(key: string): string {
    if (key.includes('..') || key.startsWith('/'))
      throw new SelflessError('INVALID_BLOB_KEY', `Invalid blob key ${key}`);
    return join(this.root, key);
  }
  async put(key: string, data: Buffer | NodeJS.ReadableStream): Promise<{ size: number }> {
    const target = this.path(key);
    const tmp = join(this.root, '.tmp', randomUUID());
    try {
      const source = Buffer.isBuffer(data) ? Readable.from([data]) : data;
      await pipeline(source, createWriteStream(tmp));
      mkdirSync(dirname(target), { recursive: true });
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    return { size: (await stat(target)).size };
  }
  async get(key: string): Promise<Buffer | undefined> {
    const p = this.path(key);
    return existsSync(p) ? readFileSync(p) : undefined;
  }
  stream(key: string, range?: { start: number; end: number }): NodeJS.ReadableStream | undefined {
    const p = this.path(key);
    if (!existsSync(p)) return undefined;
    return createReadStream(p, range);
  }
  async has(key: string): Promise<boolean> {
    return existsSync(this.path(key));
  }
  async delete(key: string): Promise<void> {
    await unlink(this.path(key)).catch(() => undefined);
  }
}

/** Freezes a parsed JSON value and everything in it (cached values are shared by all readers). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
