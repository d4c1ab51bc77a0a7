/**
 * Shard arithmetic: the 128-bit hash key space split evenly over a stream's shards, partition keys
 * placed by the MD5 of the key (as Kinesis does), shard ids, and sequence numbers.
 */
import { createHash } from 'node:crypto';

/** 2^128: the size of the hash key space. */
const SPACE = 1n << 128n;

export interface HashRange {
  start: bigint;
  end: bigint;
}

/** The hash key range of shard `index` of `count`: equal slices, the last one ending at 2^128-1. */
export function hashRange(index: number, count: number): HashRange {
  const start = (SPACE * BigInt(index)) / BigInt(count);
  const end = index === count - 1 ? SPACE - 1n : (SPACE * BigInt(index + 1)) / BigInt(count) - 1n;
  return { start, end };
}

/** The hash key of a partition key: its MD5 read as an unsigned 128-bit big-endian integer. */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/** `shardId-000000000007`. */
export function shardIdOf(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/** The shard index in a shard id, or undefined when the id is not one. */
export function shardIndexOf(shardId: string): number | undefined {
  const m = /^shardId-(\d{12})$/.exec(shardId);
  return m ? Number(m[1]) : undefined;
}

/**
 * A sequence number: 56 decimal digits, `49`, the stream's creation second (10), the shard index
 * (4) and the stream's record counter (40). Fixed width, so string order is numeric order and a
 * shard's numbers only grow.
 */
export function sequenceNumber(streamEpochSeconds: number, shardIndex: number, counter: bigint): string {
  return `49${String(streamEpochSeconds).padStart(10, '0')}${String(shardIndex).padStart(4, '0')}${counter
    .toString()
    .padStart(40, '0')}`;
}

/** The parts of a sequence number made by `sequenceNumber`, or undefined for anything else. */
export function parseSequenceNumber(
  seq: string,
): { epoch: number; shardIndex: number; counter: bigint } | undefined {
  const m = /^49(\d{10})(\d{4})(\d{40})$/.exec(seq);
  if (!m) return undefined;
  return { epoch: Number(m[1]), shardIndex: Number(m[2]), counter: BigInt(m[3]) };
}
