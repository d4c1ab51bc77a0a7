/**
 * The MD5 digests SQS returns (MD5OfMessageBody, MD5OfMessageAttributes,
 * MD5OfMessageSystemAttributes), computed exactly as AWS does so SDK checksum validation passes.
 */
import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from './types.js';

/** Hex MD5 of a message body's UTF-8 bytes. */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([len, bytes]);
}

/**
 * Hex MD5 of message attributes: for each name in sorted order, the length-prefixed name, the
 * length-prefixed data type, a transport byte (1 string, 2 binary, 3 string list, 4 binary list)
 * and the length-prefixed value(s). Undefined when there are no attributes.
 */
export function md5OfMessageAttributes(attrs: Record<string, MessageAttributeValue>): string | undefined {
  const names = Object.keys(attrs).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const a = attrs[name];
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(a.DataType, 'utf8')));
    if (a.StringValue !== undefined) {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(a.StringValue, 'utf8')));
    } else if (a.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(Buffer.from(a.BinaryValue, 'base64')));
    } else if (a.StringListValues !== undefined) {
      hash.update(Buffer.from([3]));
      for (const v of a.StringListValues) hash.update(lengthPrefixed(Buffer.from(v, 'utf8')));
    } else if (a.BinaryListValues !== undefined) {
      hash.update(Buffer.from([4]));
      for (const v of a.BinaryListValues) hash.update(lengthPrefixed(Buffer.from(v, 'base64')));
    }
  }
  return hash.digest('hex');
}
