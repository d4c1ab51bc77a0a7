/**
 * Random identifiers for hot paths. crypto.randomBytes costs a call into OpenSSL per id (four per
 * API Gateway request); these take slices of one pooled buffer, refilled when used up.
 */
import { randomFillSync } from 'node:crypto';

const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;

function take(bytes: number): Buffer {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return out;
}

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return take(bytes).toString('hex');
}

/** `bytes` random bytes as standard base64 (with padding). */
export function randomBase64(bytes: number): string {
  return take(bytes).toString('base64');
}
