/**
 * Object versions: ids, ordering and the keys of the version table. The current, non-deleted version
 * of a key stays in `s3.objects` (so plain listings never see history); every other version and every
 * delete marker lives in `s3.versions`, keyed `bucket/key\0<inverted order>` so a key's rows sort
 * right after its current one, newest first.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectRecord } from './model.js';

/** The version id of objects written while versioning was never enabled or is suspended. */
export const NULL_VERSION = 'null';

const ORDER_DIGITS = 18;
const ORDER_MAX = (1n << BigInt(ORDER_DIGITS * 4)) - 1n;

/** A new opaque version id (32 URL-safe characters, like S3's). */
export function newVersionId(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether a client-supplied version id has a shape this store could have issued. */
export function isWellFormedVersionId(id: string): boolean {
  return id === NULL_VERSION || /^[A-Za-z0-9_-]{32}$/.test(id);
}

/** The version id a record answers to ('null' for unversioned writes). */
export function versionIdOf(o: Pick<ObjectRecord, 'versionId'>): string {
  return o.versionId ?? NULL_VERSION;
}

/** Creation order of a record (older records without one order by their modification time). */
export function orderOf(o: Pick<ObjectRecord, 'order' | 'lastModified'>): bigint {
  return o.order !== undefined ? BigInt(`0x${o.order}`) : BigInt(o.lastModified) * 65536n;
}

/** The `s3.versions` row key of a record: newest versions of a key sort first. */
export function versionRowKey(
  bucket: string,
  o: Pick<ObjectRecord, 'key' | 'order' | 'lastModified' | 'versionId'>,
): string {
  const inverted = (ORDER_MAX - orderOf(o)).toString(16).toUpperCase().padStart(ORDER_DIGITS, '0');
  // The version id keeps rows distinct even if two orders ever collide (a restart within a millisecond).
  return `${versionRowPrefix(bucket, o.key)}${inverted}:${versionIdOf(o)}`;
}

/** The prefix of every `s3.versions` row of one key. */
export function versionRowPrefix(bucket: string, key: string): string {
  return `${bucket}/${key}\0`;
}

/** The object key of an `s3.versions` row key. */
export function keyOfVersionRow(bucket: string, rowKey: string): string {
  return rowKey.slice(bucket.length + 1, rowKey.lastIndexOf('\0'));
}

/** Compares strings in UTF-8 byte order, the order the store keeps keys in. */
export function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
