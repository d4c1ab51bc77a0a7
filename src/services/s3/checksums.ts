/**
 * Streaming digests for object bodies: the MD5 behind every ETag, plus the flexible checksum an
 * SDK sends (`x-amz-checksum-crc32|crc32c|sha1|sha256`), computed while the bytes pass through.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256' | 'CRC64NVME';
export const CHECKSUM_ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'];

/** CRC-32C (Castagnoli) lookup table. */
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(data: Buffer, prev = 0): number {
  let c = ~prev >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

interface Running {
  update(data: Buffer): void;
  /** Base64 of the digest, as the x-amz-checksum-* headers carry it; undefined when not computable. */
  digest(): string | undefined;
}

function u32(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
}

function running(algo: ChecksumAlgorithm): Running {
  if (algo === 'SHA1' || algo === 'SHA256') {
    const h: Hash = createHash(algo === 'SHA1' ? 'sha1' : 'sha256');
    return { update: (d) => h.update(d), digest: () => h.digest('base64') };
  }
  if (algo === 'CRC32') {
    let c = 0;
    return { update: (d) => (c = crc32(d, c)), digest: () => u32(c) };
  }
  if (algo === 'CRC32C') {
    let c = 0;
    return { update: (d) => (c = crc32c(d, c)), digest: () => u32(c) };
  }
  // CRC64NVME is accepted but not verified.
  return { update: () => undefined, digest: () => undefined };
}

/** A pass-through stream that counts bytes and computes the MD5 and (optionally) one checksum. */
export class DigestStream extends Transform {
  size = 0;
  private readonly md5 = createHash('md5');
  private readonly extra?: Running;
  private md5Hex?: string;
  private checksumValue?: string;

  constructor(readonly algorithm?: ChecksumAlgorithm) {
    super();
    if (algorithm) this.extra = running(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    this.md5.update(chunk);
    this.extra?.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.md5Hex = this.md5.digest('hex');
    this.checksumValue = this.extra?.digest();
    cb();
  }
  /** The hex MD5 of everything that passed (after the stream finished). */
  get md5HexDigest(): string {
    return this.md5Hex ?? '';
  }
  /** The base64 checksum of the chosen algorithm (after the stream finished). */
  get checksum(): string | undefined {
    return this.checksumValue;
  }
}

/** The algorithm named by an `x-amz-checksum-<algo>` header name, if it is one. */
export function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const m = /^x-amz-checksum-(crc32|crc32c|sha1|sha256|crc64nvme)$/i.exec(name);
  return m ? (m[1].toUpperCase() as ChecksumAlgorithm) : undefined;
}
