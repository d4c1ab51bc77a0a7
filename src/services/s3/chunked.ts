/**
 * Decodes `Content-Encoding: aws-chunked` bodies as the AWS SDKs stream them:
 * `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n … 0[;…]\r\n[trailer: value\r\n…]\r\n`.
 * Only chunk headers are buffered (bounded), so any object size streams through in constant memory.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { SelflessError } from '../../platform/errors.js';

type State = 'size' | 'data' | 'data-crlf' | 'trailers' | 'done';

const MAX_LINE = 8 * 1024;

function malformed(what: string): SelflessError {
  return new SelflessError('IncompleteBody', `The aws-chunked request body is malformed: ${what}.`, {
    details: { status: 400 },
  });
}

/** A transform from an aws-chunked body to the object's bytes; trailers are collected in `trailers`. */
export class AwsChunkedDecoder extends Transform {
  readonly trailers: Record<string, string> = {};
  private state: State = 'size';
  private line = Buffer.alloc(0);
  private remaining = 0;
  /** Bytes of the trailing CRLF after a chunk still to skip. */
  private crlfLeft = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.consume(chunk);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    // Some clients end right after the last trailer line without the blank line.
    if (this.state === 'trailers' && this.line.length > 0) this.trailerLine(this.line.toString('latin1'));
    else if (this.state !== 'done' && !(this.state === 'trailers' && this.line.length === 0)) {
      cb(malformed('the body ended before the final chunk'));
      return;
    }
    cb();
  }

  private consume(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - i);
        this.push(buf.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) {
          this.state = 'data-crlf';
          this.crlfLeft = 2;
        }
        continue;
      }
      if (this.state === 'data-crlf') {
        const expected = this.crlfLeft === 2 ? 0x0d : 0x0a;
        if (buf[i] !== expected) throw malformed('a chunk is longer than its declared size');
        i++;
        if (--this.crlfLeft === 0) this.state = 'size';
        continue;
      }
      if (this.state === 'done') {
        i = buf.length;
        continue;
      }
      // 'size' or 'trailers': read a CRLF-terminated line.
      const nl = buf.indexOf(0x0a, i);
      const end = nl < 0 ? buf.length : nl + 1;
      this.line = Buffer.concat([this.line, buf.subarray(i, end)]);
      i = end;
      if (this.line.length > MAX_LINE) throw malformed('a chunk header line is too long');
      if (nl < 0) continue;
      const text = this.line.toString('latin1').replace(/\r?\n$/, '');
      this.line = Buffer.alloc(0);
      if (this.state === 'size') this.sizeLine(text);
      else this.trailerLine(text);
    }
  }

  private sizeLine(text: string): void {
    const hex = text.split(';')[0].trim();
    if (!/^[0-9a-fA-F]+$/.test(hex)) throw malformed(`"${text.slice(0, 40)}" is not a chunk size`);
    const size = Number.parseInt(hex, 16);
    if (size === 0) this.state = 'trailers';
    else {
      this.remaining = size;
      this.state = 'data';
    }
  }

  private trailerLine(text: string): void {
    if (text === '') {
      this.state = 'done';
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw malformed(`"${text.slice(0, 40)}" is not a trailer`);
    this.trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
}
