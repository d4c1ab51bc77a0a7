/** Small HTTP helpers shared by the control API and the wire APIs. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SelflessError } from './errors.js';

/** Reads a whole request body, refusing more than `limit` bytes with BODY_TOO_LARGE (the stream is drained). */
export async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk);
  }
  if (tooLarge)
    throw new SelflessError('BODY_TOO_LARGE', `The request body is ${size} bytes; the limit is ${limit}.`, {
      details: { size, limit },
    });
  return Buffer.concat(chunks);
}

/** Parses a JSON body, throwing INVALID_JSON with the parser's message. */
export function parseJson(body: Buffer, what = 'request body'): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new SelflessError('INVALID_JSON', `The ${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A header's first value. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
