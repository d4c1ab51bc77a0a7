/**
 * The S3 engine: buckets, objects, multipart uploads and notification settings. Object bytes are
 * blobs written through a temp file and renamed into place, streamed in and out (never held in
 * memory); metadata lives in Store tables. A new object becomes visible only when its metadata
 * record is written, after the bytes are complete and verified, so a failed or aborted upload
 * leaves nothing behind.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../../platform/clock.js';
import { isSelflessError } from '../../platform/errors.js';
import type { Store, Table, Write } from '../../platform/store/port.js';
import { type ChecksumAlgorithm, DigestStream } from './checksums.js';
import { s3Errors, validateBucketName, validateKey } from './errors.js';
import type {
  BucketRecord,
  NotificationTarget,
  ObjectEvent,
  ObjectRecord,
  PartRecord,
  UploadRecord,
} from './model.js';
import {
  isWellFormedVersionId,
  keyOfVersionRow,
  NULL_VERSION,
  newVersionId,
  utf8Compare,
  versionIdOf,
  versionRowKey,
  versionRowPrefix,
} from './versions.js';

const MAX_SINGLE_PUT = 5 * 1024 ** 3;
const MIN_PART = 5 * 1024 * 1024;
/** Objects up to this size live in their metadata record. */
const INLINE_MAX = 32 * 1024;

/** Where an event came from, for the notification record. */
export interface RequestInfo {
  sourceIp: string;
  requestId: string;
  hostId: string;
}

/** What to store with a new object besides its bytes. */
export interface ObjectAttributes {
  contentType?: string;
  headers?: Record<string, string>;
  metadata?: Record<string, string>;
  storageClass?: string;
}

export interface PutOptions extends ObjectAttributes {
  /** The declared (decoded) length; a different byte count fails with IncompleteBody. */
  contentLength?: number;
  /** Base64 Content-MD5 to verify. */
  contentMd5?: string;
  /** The flexible checksum to compute; `expected` may be known only after the body (trailers). */
  checksum?: { algorithm: ChecksumAlgorithm; expected?: () => string | undefined };
  /** `If-None-Match: *`: fail when the key exists. */
  ifNoneMatch?: string;
  /** `ObjectCreated:Put` (default) or `ObjectCreated:Post`. */
  eventName?: string;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  /** Exclusive: list keys after this one. */
  after?: string;
  maxKeys?: number;
}

export interface ListResult {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned, for the next page. */
  lastReturned?: string;
}

/** What a DELETE did: the delete marker it created, or the version it removed. */
export interface DeleteResult {
  /** True when a delete marker was created, or the version removed was one. */
  deleteMarker: boolean;
  /** The marker's or the removed version's id (absent in never-versioned buckets). */
  versionId?: string;
}

export interface ListVersionsOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  maxKeys?: number;
}

export interface ListVersionsResult {
  /** Versions and delete markers in key order, newest first per key. */
  versions: Array<ObjectRecord & { isLatest: boolean }>;
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** Sequencers order events per key, as hex strings that sort by time. */
class Sequencer {
  private last = 0n;
  next(now: number): string {
    let v = BigInt(now) * 65536n;
    if (v <= this.last) v = this.last + 1n;
    this.last = v;
    return v.toString(16).toUpperCase().padStart(18, '0');
  }
}

/** Serializes async work per key (metadata swaps of one object). */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export class S3Engine {
  private readonly buckets: Table<BucketRecord>;
  private readonly objects: Table<ObjectRecord>;
  private readonly uploads: Table<UploadRecord>;
  private readonly parts: Table<PartRecord>;
  private readonly versions: Table<ObjectRecord>;
  private readonly sequencer = new Sequencer();
  /** Orders versions of a key by creation. */
  private readonly versionOrder = new Sequencer();
  private readonly mutex = new KeyedMutex();
  /** Known bucket names, for claiming unsigned path-style requests synchronously. */
  readonly bucketNames = new Set<string>();
  private listeners: Array<(e: ObjectEvent, notifications: NotificationTarget[]) => Promise<void> | void> =
    [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly region: string,
  ) {
    this.buckets = store.table('s3.buckets');
    this.objects = store.table('s3.objects');
    this.uploads = store.table('s3.uploads');
    this.parts = store.table('s3.parts');
    this.versions = store.table('s3.versions');
  }

  /** Loads the bucket name cache. */
  async start(): Promise<void> {
    for (const b of await this.buckets.list()) this.bucketNames.add(b.key);
  }

  /** Subscribes to object events (with the bucket's notification targets at that moment). */
  onEvent(fn: (e: ObjectEvent, notifications: NotificationTarget[]) => Promise<void> | void): void {
    this.listeners.push(fn);
  }

  private now(): number {
    return this.clock.now();
  }

  /** Reports an event; listeners queue notifications durably before the request is answered. */
  private async emit(
    bucket: BucketRecord,
    e: Omit<ObjectEvent, 'sequencer' | 'time' | 'bucket'>,
  ): Promise<void> {
    const time = this.now();
    const event: ObjectEvent = { ...e, bucket: bucket.name, time, sequencer: this.sequencer.next(time) };
    // The bucket record read at the start of the request may predate a notification change; re-read it.
    const current = (await this.buckets.get(bucket.name)) ?? bucket;
    for (const l of this.listeners) await l(event, current.notifications);
  }

  // ---- buckets ----

  /** Creates a bucket; false when it already existed (the caller decides between 200 and 409). */
  async createBucket(name: string, opts: { region?: string; owner?: string } = {}): Promise<boolean> {
    validateBucketName(name);
    return this.mutex.run(`bucket:${name}`, async () => {
      if (await this.buckets.get(name)) return false;
      await this.buckets.put(name, {
        name,
        createdAt: this.now(),
        region: opts.region ?? this.region,
        notifications: [],
        owner: opts.owner,
      });
      this.bucketNames.add(name);
      return true;
    });
  }

  /** The bucket, or NoSuchBucket. */
  async bucket(name: string): Promise<BucketRecord> {
    const b = await this.buckets.get(name);
    if (!b) throw s3Errors.noSuchBucket(name);
    return b;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return (await this.buckets.list()).map((r) => r.value);
  }

  /** Deletes an empty bucket; BucketNotEmpty otherwise. Open multipart uploads are aborted. */
  async deleteBucket(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.bucket(name);
    const first = await this.list(name, { maxKeys: 1 });
    const history = await this.versions.list({ after: `${name}/`, limit: 1 });
    const hasHistory = history.length > 0 && history[0].key.startsWith(`${name}/`);
    if (first.contents.length > 0 || hasHistory) {
      if (!opts.force) throw s3Errors.bucketNotEmpty(name);
      for (;;) {
        const page = await this.list(name, { maxKeys: 1000 });
        if (page.contents.length === 0) break;
        for (const o of page.contents) await this.purgeKey(name, o.key);
      }
      for (;;) {
        const rows = await this.versions.list({ after: `${name}/`, limit: 500 });
        const mine = rows.filter((r) => r.key.startsWith(`${name}/`));
        if (mine.length === 0) break;
        for (const r of mine) await this.purgeKey(name, keyOfVersionRow(name, r.key));
      }
    }
    for (const u of await this.listUploads(name)) await this.abortUpload(name, u.key, u.uploadId);
    await this.buckets.delete(name);
    this.bucketNames.delete(name);
  }

  /** Sets the bucket's versioning state (PutBucketVersioning); it can be suspended, never removed. */
  async setVersioning(name: string, status: 'Enabled' | 'Suspended'): Promise<void> {
    await this.mutex.run(`bucket:${name}`, async () => {
      const b = await this.bucket(name);
      await this.buckets.put(name, { ...b, versioning: status });
    });
  }

  /** Replaces the bucket's notification targets. */
  async setNotifications(name: string, targets: NotificationTarget[]): Promise<void> {
    await this.mutex.run(`bucket:${name}`, async () => {
      const b = await this.bucket(name);
      await this.buckets.put(name, { ...b, notifications: targets });
    });
  }

  // ---- objects ----

  private objectKey(bucket: string, key: string): string {
    return `${bucket}/${key}`;
  }

  /**
   * The object's metadata (the current version, or the version named), or NoSuchKey / NoSuchVersion.
   * A key whose latest version is a delete marker is NoSuchKey carrying `x-amz-delete-marker`; a delete
   * marker asked for by id is MethodNotAllowed, as S3 answers.
   */
  async head(bucket: string, key: string, versionId?: string): Promise<ObjectRecord> {
    const b = await this.bucket(bucket);
    const id = this.objectKey(bucket, key);
    // Objects written before versioning was first enabled are the `null` version from then on.
    const named = (o: ObjectRecord) => (b.versioning && !o.versionId ? { ...o, versionId: NULL_VERSION } : o);
    if (versionId === undefined) {
      const current = await this.objects.get(id);
      if (current) return named(current);
    } else if (!isWellFormedVersionId(versionId)) throw s3Errors.invalidVersionId(versionId);
    // History is read under the key's lock, so a version moving between the tables is never missed.
    const found = await this.mutex.run(id, async () => {
      const current = await this.objects.get(id);
      if (current && (versionId === undefined || versionIdOf(current) === versionId)) return current;
      const rows = await this.versionRows(bucket, key);
      if (versionId === undefined) {
        const latest = rows[0]?.value;
        const e = s3Errors.noSuchKey(key);
        if (latest?.deleteMarker)
          e.details.headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': versionIdOf(latest) };
        throw e;
      }
      return rows.find((r) => versionIdOf(r.value) === versionId)?.value;
    });
    if (!found) throw s3Errors.noSuchVersion(key, versionId ?? NULL_VERSION);
    if (found.deleteMarker) throw s3Errors.deleteMarkerNotAllowed(found.lastModified, versionIdOf(found));
    return named(found);
  }

  /** Every `s3.versions` row of a key (noncurrent versions and delete markers), newest first. */
  private async versionRows(
    bucket: string,
    key: string,
  ): Promise<Array<{ key: string; value: ObjectRecord }>> {
    const prefix = versionRowPrefix(bucket, key);
    const rows: Array<{ key: string; value: ObjectRecord }> = [];
    let after = prefix;
    for (;;) {
      // Scanned by `after` rather than the store's prefix bound, which stops at U+FFFF.
      const page = await this.versions.list({ after, limit: 500 });
      for (const r of page) {
        if (!r.key.startsWith(prefix)) return rows;
        rows.push(r);
      }
      if (page.length < 500) return rows;
      after = page[page.length - 1].key;
    }
  }

  /** Removes every version, marker and blob of a key, without events (forced bucket removal). */
  private async purgeKey(bucket: string, key: string): Promise<void> {
    const id = this.objectKey(bucket, key);
    const blobs = await this.mutex.run(id, async () => {
      const current = await this.objects.get(id);
      const rows = await this.versionRows(bucket, key);
      await this.store.batch([
        { table: 's3.objects', key: id },
        ...rows.map((r) => ({ table: 's3.versions', key: r.key })),
      ]);
      return [current?.blob, ...rows.map((r) => r.value.blob)];
    });
    for (const b of blobs) if (b) await this.store.blobs.delete(b);
  }

  /** A stream of the object's bytes (optionally a byte range, inclusive). */
  openObject(
    o: Pick<ObjectRecord, 'key' | 'blob' | 'size' | 'inline'>,
    range?: { start: number; end: number },
  ): NodeJS.ReadableStream {
    if (o.size === 0) return Readable.from([]);
    if (o.inline !== undefined) {
      const bytes = Buffer.from(o.inline, 'base64');
      return Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]);
    }
    const s = this.store.blobs.stream(o.blob, range);
    if (!s) throw s3Errors.internal(`the bytes of ${o.key} are missing from the data dir`);
    return s;
  }

  /**
   * Streams a body into a new blob, verifying length and digests; removes the blob on any failure.
   * Small bodies of a declared length are kept inline in the metadata record instead: one Store
   * write instead of a file create and rename, which dominates the cost of small PUTs.
   */
  private async writeBlob(
    body: NodeJS.ReadableStream,
    opts: Pick<PutOptions, 'contentLength' | 'contentMd5' | 'checksum'>,
    allowInline = true,
  ): Promise<{
    blob: string;
    inline?: string;
    size: number;
    md5: string;
    checksum?: { algorithm: string; value: string };
  }> {
    const inline = allowInline && opts.contentLength !== undefined && opts.contentLength <= INLINE_MAX;
    const blob = inline ? '' : `s3/${randomUUID()}`;
    const digest = new DigestStream(opts.checksum?.algorithm);
    const kept: Buffer[] = [];
    const keep = async () => {
      let size = 0;
      for await (const c of digest) {
        size += (c as Buffer).length;
        // More bytes than declared: stop buffering; the length check below reports it.
        if (size <= INLINE_MAX) kept.push(c as Buffer);
      }
    };
    try {
      await Promise.all([pipeline(body, digest), inline ? keep() : this.store.blobs.put(blob, digest)]);
    } catch (e) {
      if (blob) await this.store.blobs.delete(blob);
      if (isSelflessError(e)) throw e;
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOSPC' || err.code === 'EDQUOT')
        throw s3Errors.internal('the platform data dir is out of disk space; the upload was discarded');
      if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.message === 'aborted')
        throw s3Errors.incompleteBody();
      throw e;
    }
    const fail = async (e: Error) => {
      if (blob) await this.store.blobs.delete(blob);
      throw e;
    };
    if (opts.contentLength !== undefined && digest.size !== opts.contentLength)
      await fail(s3Errors.incompleteBody());
    if (opts.contentMd5 !== undefined) {
      const calculated = Buffer.from(digest.md5HexDigest, 'hex').toString('base64');
      if (calculated !== opts.contentMd5) await fail(s3Errors.badDigest(opts.contentMd5, calculated));
    }
    let checksum: { algorithm: string; value: string } | undefined;
    if (opts.checksum) {
      const expected = opts.checksum.expected?.();
      const actual = digest.checksum;
      if (expected !== undefined && actual !== undefined && expected !== actual)
        await fail(s3Errors.badChecksum(opts.checksum.algorithm));
      const value = actual ?? expected;
      if (value) checksum = { algorithm: opts.checksum.algorithm, value };
    }
    return {
      blob,
      ...(inline ? { inline: Buffer.concat(kept).toString('base64') } : {}),
      size: digest.size,
      md5: digest.md5HexDigest,
      checksum,
    };
  }

  /** Makes a written blob the current object under key, replacing (and deleting) the previous one. */
  private async commit(
    bucket: BucketRecord,
    record: ObjectRecord,
    opts: { ifNoneMatch?: string } = {},
  ): Promise<void> {
    const id = this.objectKey(bucket.name, record.key);
    const garbage = await this.mutex
      .run(id, async () => {
        const b = await this.buckets.get(bucket.name);
        if (!b) throw s3Errors.noSuchBucket(bucket.name);
        const old = await this.objects.get(id);
        if (opts.ifNoneMatch === '*' && old) throw s3Errors.preconditionFailed('If-None-Match');
        record.order = this.versionOrder.next(this.now());
        if (!b.versioning) {
          await this.objects.put(id, record);
          return [old?.blob];
        }
        // Versioned: the previous current version becomes noncurrent; a suspended bucket replaces
        // whichever version is `null` (current or not) instead.
        record.versionId = b.versioning === 'Enabled' ? newVersionId() : NULL_VERSION;
        const writes: Write[] = [{ table: 's3.objects', key: id, value: record }];
        const removed: Array<string | undefined> = [];
        if (old && b.versioning === 'Suspended' && versionIdOf(old) === NULL_VERSION) removed.push(old.blob);
        else if (old) writes.push({ table: 's3.versions', key: versionRowKey(b.name, old), value: old });
        if (b.versioning === 'Suspended') {
          const nullRow = (await this.versionRows(b.name, record.key)).find(
            (r) => versionIdOf(r.value) === NULL_VERSION,
          );
          if (nullRow) {
            writes.push({ table: 's3.versions', key: nullRow.key });
            removed.push(nullRow.value.blob);
          }
        }
        await this.store.batch(writes);
        return removed;
      })
      .catch(async (e) => {
        if (record.blob) await this.store.blobs.delete(record.blob);
        throw e;
      });
    for (const blob of garbage) if (blob && blob !== record.blob) await this.store.blobs.delete(blob);
  }

  private wholeSeconds(ms: number): number {
    return Math.floor(ms / 1000) * 1000;
  }

  /** Stores an object from a stream (PutObject / POST upload). */
  async putObject(
    bucketName: string,
    key: string,
    body: NodeJS.ReadableStream,
    opts: PutOptions,
    info: RequestInfo,
  ): Promise<ObjectRecord> {
    const bucket = await this.bucket(bucketName);
    validateKey(key);
    if (opts.contentLength !== undefined && opts.contentLength > MAX_SINGLE_PUT)
      throw s3Errors.entityTooLarge(opts.contentLength);
    if (opts.ifNoneMatch !== undefined && opts.ifNoneMatch !== '*')
      throw s3Errors.notImplemented('If-None-Match');
    if (opts.ifNoneMatch === '*' && (await this.objects.get(this.objectKey(bucketName, key))))
      throw s3Errors.preconditionFailed('If-None-Match');
    const written = await this.writeBlob(body, opts);
    const record: ObjectRecord = {
      key,
      blob: written.blob,
      ...(written.inline !== undefined ? { inline: written.inline } : {}),
      size: written.size,
      etag: written.md5,
      lastModified: this.wholeSeconds(this.now()),
      contentType: opts.contentType || 'binary/octet-stream',
      headers: opts.headers ?? {},
      metadata: opts.metadata ?? {},
      storageClass: opts.storageClass ?? 'STANDARD',
      checksum: written.checksum,
    };
    await this.commit(bucket, record, { ifNoneMatch: opts.ifNoneMatch });
    await this.emit(bucket, {
      eventName: opts.eventName ?? 'ObjectCreated:Put',
      key,
      size: record.size,
      etag: record.etag,
      ...(record.versionId ? { versionId: record.versionId } : {}),
      ...info,
    });
    return record;
  }

  /** Copies an object (CopyObject); `replace` carries new attributes for metadata-directive REPLACE. */
  async copyObject(
    src: { bucket: string; key: string; versionId?: string },
    dst: { bucket: string; key: string },
    opts: { replace?: ObjectAttributes; storageClass?: string },
    info: RequestInfo,
  ): Promise<ObjectRecord> {
    const { versionId: _v, order: _o, ...source } = await this.head(src.bucket, src.key, src.versionId);
    const bucket = await this.bucket(dst.bucket);
    validateKey(dst.key);
    if (src.bucket === dst.bucket && src.key === dst.key && !opts.replace && !opts.storageClass)
      throw s3Errors.invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    // Inline sources are copied inline; others get a blob of their own.
    const blob = source.inline !== undefined || source.size === 0 ? '' : `s3/${randomUUID()}`;
    if (blob)
      try {
        await this.store.blobs.put(blob, this.openObject(source));
      } catch (e) {
        await this.store.blobs.delete(blob);
        throw s3Errors.internal(`copying failed: ${(e as Error).message}`);
      }
    const record: ObjectRecord = {
      ...source,
      key: dst.key,
      blob,
      lastModified: this.wholeSeconds(this.now()),
      storageClass: opts.storageClass ?? source.storageClass,
      ...(opts.replace
        ? {
            contentType: opts.replace.contentType || 'binary/octet-stream',
            headers: opts.replace.headers ?? {},
            metadata: opts.replace.metadata ?? {},
          }
        : {}),
    };
    await this.commit(bucket, record);
    await this.emit(bucket, {
      eventName: 'ObjectCreated:Copy',
      key: dst.key,
      size: record.size,
      etag: record.etag,
      ...(record.versionId ? { versionId: record.versionId } : {}),
      ...info,
    });
    return record;
  }

  /**
   * Deletes an object (DeleteObject; S3 answers 204 whether or not it existed). Without a version id a
   * versioned bucket gets a delete marker (the `null` one while suspended); with one, exactly that
   * version or marker is removed for good, and the next newest version becomes current.
   */
  async deleteObject(
    bucketName: string,
    key: string,
    info?: RequestInfo,
    opts: { quiet?: boolean; versionId?: string } = {},
  ): Promise<DeleteResult | undefined> {
    await this.bucket(bucketName);
    if (opts.versionId !== undefined && !isWellFormedVersionId(opts.versionId))
      throw s3Errors.invalidVersionId(opts.versionId);
    const id = this.objectKey(bucketName, key);
    const outcome = await this.mutex.run(id, async () => {
      const b = await this.bucket(bucketName);
      const current = await this.objects.get(id);
      if (opts.versionId !== undefined) return this.removeVersion(b, key, current, opts.versionId);
      if (!b.versioning) {
        if (!current) return undefined;
        await this.objects.delete(id);
        return { result: { deleteMarker: false }, blobs: [current.blob], eventName: 'ObjectRemoved:Delete' };
      }
      const marker: ObjectRecord = {
        key,
        blob: '',
        size: 0,
        etag: '',
        lastModified: this.wholeSeconds(this.now()),
        contentType: '',
        headers: {},
        metadata: {},
        storageClass: 'STANDARD',
        versionId: b.versioning === 'Enabled' ? newVersionId() : NULL_VERSION,
        deleteMarker: true,
        order: this.versionOrder.next(this.now()),
      };
      const writes: Write[] = [{ table: 's3.objects', key: id }];
      const blobs: Array<string | undefined> = [];
      if (current && b.versioning === 'Suspended' && versionIdOf(current) === NULL_VERSION)
        blobs.push(current.blob);
      else if (current)
        writes.push({ table: 's3.versions', key: versionRowKey(b.name, current), value: current });
      if (b.versioning === 'Suspended') {
        const nullRow = (await this.versionRows(b.name, key)).find(
          (r) => versionIdOf(r.value) === NULL_VERSION,
        );
        if (nullRow) {
          writes.push({ table: 's3.versions', key: nullRow.key });
          blobs.push(nullRow.value.blob);
        }
      }
      writes.push({ table: 's3.versions', key: versionRowKey(b.name, marker), value: marker });
      await this.store.batch(writes);
      return {
        result: { deleteMarker: true, versionId: marker.versionId },
        blobs,
        eventName: 'ObjectRemoved:DeleteMarkerCreated',
      };
    });
    if (!outcome) return undefined;
    for (const blob of outcome.blobs) if (blob) await this.store.blobs.delete(blob);
    if (!opts.quiet && info)
      await this.emit(await this.bucket(bucketName), {
        eventName: outcome.eventName,
        key,
        ...(outcome.result.versionId ? { versionId: outcome.result.versionId } : {}),
        ...info,
      });
    return outcome.result;
  }

  /** Removes one version for good (under the key's lock); the newest remaining one becomes current. */
  private async removeVersion(
    b: BucketRecord,
    key: string,
    current: ObjectRecord | undefined,
    versionId: string,
  ): Promise<{ result: DeleteResult; blobs: Array<string | undefined>; eventName: string } | undefined> {
    const id = this.objectKey(b.name, key);
    const rows = await this.versionRows(b.name, key);
    const writes: Write[] = [];
    let removed: ObjectRecord;
    if (current && versionIdOf(current) === versionId) {
      removed = current;
      writes.push({ table: 's3.objects', key: id });
      // The next newest version is current again, unless it is a delete marker (which stays latest).
      const next = rows[0];
      if (next && !next.value.deleteMarker)
        writes.push(
          { table: 's3.versions', key: next.key },
          { table: 's3.objects', key: id, value: next.value },
        );
    } else {
      const row = rows.find((r) => versionIdOf(r.value) === versionId);
      if (!row) return undefined;
      removed = row.value;
      writes.push({ table: 's3.versions', key: row.key });
      const next = rows.find((r) => r !== row);
      // Removing the latest delete marker makes the version under it current again.
      if (!current && row === rows[0] && next && !next.value.deleteMarker)
        writes.push(
          { table: 's3.versions', key: next.key },
          { table: 's3.objects', key: id, value: next.value },
        );
    }
    await this.store.batch(writes);
    return {
      result: {
        deleteMarker: removed.deleteMarker === true,
        ...(b.versioning || removed.versionId ? { versionId } : {}),
      },
      blobs: [removed.blob],
      eventName: 'ObjectRemoved:Delete',
    };
  }

  /**
   * ListObjectVersions: every version and delete marker in key order (newest first per key), rolled
   * up to common prefixes at the delimiter, after the key (and version) markers.
   */
  async listVersions(bucketName: string, opts: ListVersionsOptions = {}): Promise<ListVersionsResult> {
    await this.bucket(bucketName);
    const base = `${bucketName}/`;
    const prefix = opts.prefix ?? '';
    const maxKeys = opts.maxKeys ?? 1000;
    const result: ListVersionsResult = { versions: [], commonPrefixes: [], isTruncated: false };
    if (maxKeys === 0) return result;
    const keyMarker = opts.keyMarker ?? '';
    const start = utf8Compare(keyMarker, prefix) > 0 ? keyMarker : prefix;
    // Per key: its current version (from s3.objects) first, then its other rows newest first.
    const rows = this.mergedRows(base + start, base + prefix);
    let lastKey: string | undefined;
    let skipPrefix: string | undefined;
    let passedVersionMarker = false;
    let count = 0;
    for await (const o of rows) {
      const isLatest = o.key !== lastKey;
      lastKey = o.key;
      if (skipPrefix !== undefined && o.key.startsWith(skipPrefix)) continue;
      if (keyMarker && utf8Compare(o.key, keyMarker) < 0) continue;
      if (keyMarker && o.key === keyMarker) {
        // Without a version marker the whole marker key was listed; with one, resume after it.
        if (!opts.versionIdMarker) continue;
        if (!passedVersionMarker) {
          if (versionIdOf(o) === opts.versionIdMarker) passedVersionMarker = true;
          continue;
        }
      }
      if (opts.delimiter) {
        const at = o.key.indexOf(opts.delimiter, prefix.length);
        if (at >= 0) {
          const cp = o.key.slice(0, at + opts.delimiter.length);
          skipPrefix = cp;
          if (keyMarker && utf8Compare(cp, keyMarker) <= 0) continue;
          if (count >= maxKeys) {
            result.isTruncated = true;
            break;
          }
          result.commonPrefixes.push(cp);
          result.nextKeyMarker = cp;
          result.nextVersionIdMarker = undefined;
          count++;
          continue;
        }
      }
      if (count >= maxKeys) {
        result.isTruncated = true;
        break;
      }
      result.versions.push({ ...o, isLatest });
      result.nextKeyMarker = o.key;
      result.nextVersionIdMarker = versionIdOf(o);
      count++;
    }
    if (!result.isTruncated) {
      result.nextKeyMarker = undefined;
      result.nextVersionIdMarker = undefined;
    }
    return result;
  }

  /** Rows of s3.objects and s3.versions from `from` (inclusive) while under `prefix`, merged in key order. */
  private async *mergedRows(from: string, prefix: string): AsyncGenerator<ObjectRecord> {
    const scan = async function* (table: Table<ObjectRecord>, exact: boolean) {
      if (exact) {
        const first = await table.get(from);
        if (first) yield { key: from, value: first };
      }
      let after = from;
      for (;;) {
        const page = await table.list({ after, limit: 500 });
        for (const r of page) {
          if (!r.key.startsWith(prefix)) return;
          yield r;
        }
        if (page.length < 500) return;
        after = page[page.length - 1].key;
      }
    };
    const a = scan(this.objects, true);
    const b = scan(this.versions, false);
    let x = await a.next();
    let y = await b.next();
    for (;;) {
      const left = x.done ? undefined : x.value;
      const right = y.done ? undefined : y.value;
      if (!left && !right) return;
      if (left && (!right || utf8Compare(left.key, right.key) < 0)) {
        yield left.value;
        x = await a.next();
      } else if (right) {
        yield right.value;
        y = await b.next();
      }
    }
  }

  /** Lists keys in UTF-8 binary order, rolling keys up to common prefixes at the delimiter. */
  async list(bucketName: string, opts: ListOptions = {}): Promise<ListResult> {
    await this.bucket(bucketName);
    const base = `${bucketName}/`;
    const prefix = opts.prefix ?? '';
    const maxKeys = opts.maxKeys ?? 1000;
    const result: ListResult = { contents: [], commonPrefixes: [], isTruncated: false };
    if (maxKeys === 0) return result;
    // Start just before the prefix (or after the marker, whichever is later).
    let after: string;
    let includeExact = false;
    if (opts.after !== undefined && opts.after >= prefix) after = base + opts.after;
    else {
      after = base + prefix;
      includeExact = prefix !== '';
    }
    const take = (key: string, value?: ObjectRecord): boolean => {
      if (result.contents.length + result.commonPrefixes.length >= maxKeys) {
        result.isTruncated = true;
        return false;
      }
      if (value) result.contents.push(value);
      else result.commonPrefixes.push(key);
      result.lastReturned = key;
      return true;
    };
    if (includeExact) {
      const exact = await this.objects.get(base + prefix);
      if (exact && !take(exact.key, exact)) return result;
    }
    for (;;) {
      // The store's own prefix bound stops at U+FFFF; scanning by `after` and checking the prefix here
      // keeps keys with characters beyond it (emoji) in the listing.
      const page = await this.objects.list({ after, limit: 500 });
      if (page.length === 0) return result;
      for (const row of page) {
        if (!row.key.startsWith(base + prefix)) return result;
        const key = row.key.slice(base.length);
        after = row.key;
        if (opts.delimiter) {
          const at = key.indexOf(opts.delimiter, prefix.length);
          if (at >= 0) {
            const cp = key.slice(0, at + opts.delimiter.length);
            // A marker equal to a common prefix (the last page ended on it) skips the whole prefix.
            if (!(opts.after !== undefined && cp <= opts.after) && !take(cp)) return result;
            // Skip everything else under this common prefix.
            after = `${base}${cp}\u{10FFFF}`;
            break;
          }
        }
        if (!take(key, row.value)) return result;
      }
    }
  }

  // ---- multipart ----

  /** Starts a multipart upload; returns its id. */
  async createUpload(bucketName: string, key: string, attrs: ObjectAttributes): Promise<UploadRecord> {
    await this.bucket(bucketName);
    validateKey(key);
    const uploadId = randomBytes(32).toString('base64url');
    const upload: UploadRecord = {
      uploadId,
      bucket: bucketName,
      key,
      initiated: this.now(),
      contentType: attrs.contentType || 'binary/octet-stream',
      headers: attrs.headers ?? {},
      metadata: attrs.metadata ?? {},
      storageClass: attrs.storageClass ?? 'STANDARD',
    };
    await this.uploads.put(uploadId, upload);
    return upload;
  }

  private async upload(bucket: string, key: string, uploadId: string): Promise<UploadRecord> {
    await this.bucket(bucket);
    const u = await this.uploads.get(uploadId);
    if (!u || u.bucket !== bucket || u.key !== key) throw s3Errors.noSuchUpload(uploadId);
    return u;
  }

  private partKey(uploadId: string, n: number): string {
    return `${uploadId}/${String(n).padStart(5, '0')}`;
  }

  /** Stores one part (replacing a previous part with the same number). */
  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: NodeJS.ReadableStream,
    opts: Pick<PutOptions, 'contentLength' | 'contentMd5' | 'checksum'>,
  ): Promise<PartRecord> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000)
      throw s3Errors.invalidArgument(
        'Part number must be an integer between 1 and 10000, inclusive',
        'partNumber',
        String(partNumber),
      );
    await this.upload(bucket, key, uploadId);
    const written = await this.writeBlob(body, opts, false);
    const part: PartRecord = {
      partNumber,
      etag: written.md5,
      size: written.size,
      blob: written.blob,
      lastModified: this.wholeSeconds(this.now()),
    };
    const id = this.partKey(uploadId, partNumber);
    const old = await this.mutex.run(id, async () => {
      if (!(await this.uploads.get(uploadId))) {
        await this.store.blobs.delete(written.blob);
        throw s3Errors.noSuchUpload(uploadId);
      }
      const prev = await this.parts.get(id);
      await this.parts.put(id, part);
      return prev;
    });
    if (old) await this.store.blobs.delete(old.blob);
    return part;
  }

  /** The uploaded parts, ascending, after `marker`. */
  async listParts(
    bucket: string,
    key: string,
    uploadId: string,
    opts: { after?: number; max?: number } = {},
  ) {
    const upload = await this.upload(bucket, key, uploadId);
    const rows = await this.parts.list({ prefix: `${uploadId}/` });
    const all = rows.map((r) => r.value).filter((p) => p.partNumber > (opts.after ?? 0));
    const max = opts.max ?? 1000;
    return { upload, parts: all.slice(0, max), isTruncated: all.length > max };
  }

  /** Open multipart uploads of a bucket. */
  async listUploads(bucket: string): Promise<UploadRecord[]> {
    await this.bucket(bucket);
    return (await this.uploads.list())
      .map((r) => r.value)
      .filter((u) => u.bucket === bucket)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated));
  }

  /** Aborts an upload and deletes its parts. */
  async abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.upload(bucket, key, uploadId);
    await this.uploads.delete(uploadId);
    for (const r of await this.parts.list({ prefix: `${uploadId}/` })) {
      await this.parts.delete(r.key);
      await this.store.blobs.delete(r.value.blob);
    }
  }

  /** Completes an upload from the listed parts: concatenates them into the object (streamed). */
  async completeUpload(
    bucketName: string,
    key: string,
    uploadId: string,
    requested: Array<{ partNumber: number; etag: string }>,
    info: RequestInfo,
  ): Promise<ObjectRecord> {
    const upload = await this.upload(bucketName, key, uploadId);
    const bucket = await this.bucket(bucketName);
    if (requested.length === 0) throw s3Errors.malformedXml();
    const parts: PartRecord[] = [];
    for (let i = 0; i < requested.length; i++) {
      const r = requested[i];
      if (i > 0 && r.partNumber <= requested[i - 1].partNumber) throw s3Errors.invalidPartOrder();
      const p = await this.parts.get(this.partKey(uploadId, r.partNumber));
      const etag = r.etag.replace(/^"|"$/g, '');
      if (!p || p.etag !== etag) throw s3Errors.invalidPart(r.partNumber, r.etag);
      parts.push(p);
    }
    for (const p of parts.slice(0, -1)) if (p.size < MIN_PART) throw s3Errors.entityTooSmall(p.size);
    const md5s = createHash('md5');
    for (const p of parts) md5s.update(Buffer.from(p.etag, 'hex'));
    const blobs = this.store.blobs;
    const open = (p: PartRecord) =>
      this.openObject({ key: `part ${p.partNumber}`, blob: p.blob, size: p.size });
    async function* concat() {
      for (const p of parts) for await (const chunk of open(p)) yield chunk as Buffer;
    }
    const blob = `s3/${randomUUID()}`;
    try {
      await blobs.put(blob, Readable.from(concat()));
    } catch (e) {
      await blobs.delete(blob);
      const err = e as NodeJS.ErrnoException;
      throw s3Errors.internal(
        err.code === 'ENOSPC'
          ? 'the platform data dir is out of disk space'
          : `assembling parts failed: ${err.message}`,
      );
    }
    const record: ObjectRecord = {
      key,
      blob,
      size: parts.reduce((n, p) => n + p.size, 0),
      etag: `${md5s.digest('hex')}-${parts.length}`,
      lastModified: this.wholeSeconds(this.now()),
      contentType: upload.contentType,
      headers: upload.headers,
      metadata: upload.metadata,
      storageClass: upload.storageClass,
      partsCount: parts.length,
    };
    await this.commit(bucket, record);
    await this.uploads.delete(uploadId);
    for (const r of await this.parts.list({ prefix: `${uploadId}/` })) {
      await this.parts.delete(r.key);
      await blobs.delete(r.value.blob);
    }
    await this.emit(bucket, {
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      key,
      size: record.size,
      etag: record.etag,
      ...(record.versionId ? { versionId: record.versionId } : {}),
      ...info,
    });
    return record;
  }
}
