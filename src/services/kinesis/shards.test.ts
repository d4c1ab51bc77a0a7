import { describe, expect, it } from 'vitest';
import {
  hashKeyOf,
  hashRange,
  parseSequenceNumber,
  sequenceNumber,
  shardIdOf,
  shardIndexOf,
} from './shards.js';

describe('shard arithmetic', () => {
  it('splits the 128-bit hash key space into adjacent, covering ranges', () => {
    for (const count of [1, 3, 4, 7]) {
      let next = 0n;
      for (let i = 0; i < count; i++) {
        const r = hashRange(i, count);
        expect(r.start).toBe(next);
        expect(r.end >= r.start).toBe(true);
        next = r.end + 1n;
      }
      expect(next).toBe(1n << 128n);
    }
  });

  it('hashes partition keys with MD5 read big-endian', () => {
    // md5("") = d41d8cd98f00b204e9800998ecf8427e
    expect(hashKeyOf('')).toBe(0xd41d8cd98f00b204e9800998ecf8427en);
  });

  it('formats shard ids and 56-digit sequence numbers that order numerically', () => {
    expect(shardIdOf(6)).toBe('shardId-000000000006');
    expect(shardIndexOf('shardId-000000000006')).toBe(6);
    expect(shardIndexOf('shard-6')).toBeUndefined();
    const a = sequenceNumber(1767225600, 2, 9n);
    const b = sequenceNumber(1767225600, 2, 10n);
    expect(a).toMatch(/^\d{56}$/);
    expect(a < b && BigInt(a) < BigInt(b)).toBe(true);
    expect(parseSequenceNumber(b)).toEqual({ epoch: 1767225600, shardIndex: 2, counter: 10n });
    expect(parseSequenceNumber('123')).toBeUndefined();
  });
});
