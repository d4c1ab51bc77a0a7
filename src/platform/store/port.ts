/**
 * The store port. Services keep all durable state through it and never know which adapter runs:
 * embedded (better-sqlite3 + files, ./sqlite.ts) or, later, cluster (PostgreSQL + NATS JetStream).
 * Every method is async so a networked adapter fits the same shape.
 */

/** A namespace of JSON documents keyed by string, owned by one service. */
export interface Table<T> {
  get(key: string): Promise<T | undefined>;
  put(key: string, value: T): Promise<void>;
  /** Returns whether the key existed. */
  delete(key: string): Promise<boolean>;
  /** Entries in key order, optionally under a prefix and after a key (for pagination). */
  list(opts?: { prefix?: string; after?: string; limit?: number }): Promise<Array<{ key: string; value: T }>>;
}

/** One write of an atomic batch: value undefined deletes. */
export interface Write {
  table: string;
  key: string;
  value?: unknown;
}

export interface QueueItem<T> {
  id: string;
  item: T;
  /** How many times the item has been claimed before this claim. */
  attempts: number;
}

/**
 * An at-least-once work queue: an item stays until acked; a claimed item is hidden for a lease and
 * reappears if the claimer dies (or the platform restarts) before acking it.
 */
export interface DurableQueue<T> {
  enqueue(item: T, opts?: { availableAt?: number; id?: string }): Promise<string>;
  /** Claims up to `max` items available at `now`, hiding them until `now + leaseMs`. */
  claim(now: number, leaseMs: number, max: number): Promise<Array<QueueItem<T>>>;
  ack(id: string): Promise<void>;
  /** Makes a claimed item available again at `availableAt`, optionally with a new payload. */
  retry(id: string, availableAt: number, item?: T): Promise<void>;
  /** The earliest time any item becomes available, if there is one. */
  nextAvailableAt(): Promise<number | undefined>;
  size(): Promise<number>;
}

/** Large immutable payloads (code artifacts, objects) kept as files; writes are atomic. */
export interface BlobStore {
  /** Writes the whole buffer or stream under key atomically (a crash leaves no partial blob). */
  put(key: string, data: Buffer | NodeJS.ReadableStream): Promise<{ size: number }>;
  get(key: string): Promise<Buffer | undefined>;
  /** A readable stream of the blob, or undefined when missing. */
  stream(key: string, range?: { start: number; end: number }): NodeJS.ReadableStream | undefined;
  /** The absolute file path of a blob (embedded adapter only; used to unpack code). */
  path(key: string): string;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export interface TableOptions {
  /**
   * Read on hot paths and rarely written (configuration read by every request): the adapter keeps
   * parsed values in memory, frozen so no caller can change them, and forgets a key whenever it is
   * written through the store (put, delete or batch). A cluster adapter must also forget keys other
   * nodes write.
   */
  cached?: boolean;
}

export interface Store {
  table<T>(name: string, opts?: TableOptions): Table<T>;
  queue<T>(name: string): DurableQueue<T>;
  /** Applies all writes in one transaction: all or nothing. */
  batch(writes: Write[]): Promise<void>;
  readonly blobs: BlobStore;
  close(): Promise<void>;
}
