import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseRange } from './api.js';
import { AwsChunkedDecoder } from './chunked.js';
import type { ObjectEvent } from './model.js';
import {
  buildTarget,
  encodeEventKey,
  eventTypeMatches,
  matchingTargets,
  validateTargets,
} from './notifications.js';

async function decode(parts: string[]): Promise<{ body: string; trailers: Record<string, string> }> {
  const d = new AwsChunkedDecoder();
  const chunks: Buffer[] = [];
  const out = Readable.from(parts.map((p) => Buffer.from(p))).pipe(d);
  for await (const c of out) chunks.push(c as Buffer);
  return { body: Buffer.concat(chunks).toString(), trailers: d.trailers };
}

describe('aws-chunked decoding', () => {
  it('decodes the SDK framing with a trailing checksum, however the bytes are split', async () => {
    const wire = 'b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n';
    for (const cut of [1, 3, 7, 13, 20, wire.length]) {
      const parts: string[] = [];
      for (let i = 0; i < wire.length; i += cut) parts.push(wire.slice(i, i + cut));
      expect(await decode(parts)).toEqual({
        body: 'hello world',
        trailers: { 'x-amz-checksum-crc32': 'DUoRhQ==' },
      });
    }
  });

  it('accepts signed chunk extensions and bodies without trailers', async () => {
    const sig = ';chunk-signature=0123456789abcdef';
    expect((await decode([`5${sig}\r\nhello\r\n6${sig}\r\n world\r\n0${sig}\r\n\r\n`])).body).toBe(
      'hello world',
    );
  });

  it('rejects malformed framing', async () => {
    await expect(decode(['zz\r\nhello\r\n0\r\n\r\n'])).rejects.toThrow('aws-chunked');
    await expect(decode(['3\r\nhello\r\n0\r\n\r\n'])).rejects.toThrow('longer than its declared size');
    await expect(decode(['5\r\nhel'])).rejects.toThrow('ended before the final chunk');
  });
});

describe('Range headers', () => {
  it('parses single ranges as S3 does', () => {
    expect(parseRange('bytes=0-4', 10)).toEqual({ start: 0, end: 4 });
    expect(parseRange('bytes=5-', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 });
    expect(parseRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    // Syntax S3 ignores: the whole object is served.
    expect(parseRange('bytes=0-1,3-4', 10)).toBeUndefined();
    expect(parseRange('items=0-1', 10)).toBeUndefined();
    expect(parseRange('bytes=5-2', 10)).toBeUndefined();
  });
});

describe('notification keys and filters', () => {
  it('form-encodes keys as S3 event records do, keeping slashes', () => {
    expect(encodeEventKey('red flower.jpg')).toBe('red+flower.jpg');
    expect(encodeEventKey('a/b c/d=1&x+y.txt')).toBe('a/b+c/d%3D1%26x%2By.txt');
    expect(encodeEventKey('ü (1).txt')).toBe('%C3%BC+%281%29.txt');
    expect(encodeEventKey('Happy Face.jpg')).toBe('Happy+Face.jpg');
  });

  it('matches event types with wildcards and prefix/suffix rules', () => {
    expect(eventTypeMatches('s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventTypeMatches('s3:ObjectCreated:Put', 'ObjectCreated:Copy')).toBe(false);
    expect(eventTypeMatches('s3:ObjectRemoved:*', 'ObjectCreated:Put')).toBe(false);
    const t = buildTarget({
      kind: 'lambda',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      events: ['s3:ObjectCreated:*'],
      rules: [
        { name: 'prefix', value: 'in/' },
        { name: 'Suffix', value: '.csv' },
      ],
    });
    const e = (key: string, eventName = 'ObjectCreated:Put'): ObjectEvent => ({
      eventName,
      bucket: 'b',
      key,
      sequencer: '1',
      time: 0,
      sourceIp: '',
      requestId: '',
      hostId: '',
    });
    expect(matchingTargets([t], e('in/a.csv'))).toHaveLength(1);
    expect(matchingTargets([t], e('in/a.txt'))).toHaveLength(0);
    expect(matchingTargets([t], e('out/a.csv'))).toHaveLength(0);
    expect(matchingTargets([t], e('in/a.csv', 'ObjectRemoved:Delete'))).toHaveLength(0);
  });

  it('rejects bad event types, rules and overlapping configurations', () => {
    const base = { kind: 'sqs' as const, arn: 'arn:aws:sqs:us-east-1:000000000000:q', rules: [] };
    expect(() => buildTarget({ ...base, events: ['s3:ObjectMade:*'] })).toThrow('not supported');
    expect(() =>
      buildTarget({ ...base, events: ['s3:ObjectCreated:*'], rules: [{ name: 'middle', value: 'x' }] }),
    ).toThrow('prefix or suffix');
    expect(() => buildTarget({ ...base, kind: 'lambda', events: ['s3:ObjectCreated:*'] })).toThrow('ARN');
    const a = buildTarget({
      ...base,
      id: 'a',
      events: ['s3:ObjectCreated:*'],
      rules: [{ name: 'prefix', value: 'in/' }],
    });
    const b = buildTarget({
      ...base,
      id: 'b',
      events: ['s3:ObjectCreated:Put'],
      rules: [{ name: 'prefix', value: 'in/x/' }],
    });
    const c = buildTarget({
      ...base,
      id: 'c',
      events: ['s3:ObjectCreated:Put'],
      rules: [{ name: 'prefix', value: 'out/' }],
    });
    const d = buildTarget({
      ...base,
      id: 'd',
      events: ['s3:ObjectRemoved:*'],
      rules: [{ name: 'prefix', value: 'in/' }],
    });
    expect(() => validateTargets([a, b])).toThrow('Configurations overlap');
    expect(() => validateTargets([a, c, d])).not.toThrow();
  });
});
