/**
 * The gateway's view of one HTTP request, taken from node:http before any AWS shaping, plus the
 * helpers the event builders share (query parsing, header folding, CLF time).
 */
import { randomUUID } from 'node:crypto';
import { randomBase64, randomHex } from '../../platform/random.js';

export interface GatewayRequest {
  method: string;
  /** Path as received, still percent-encoded, without the query (`/dev/hello/J%C3%BCrgen`). */
  rawPath: string;
  /** Query string as received, without `?`. */
  rawQuery: string;
  /** node's rawHeaders: name, value, name, value… with the client's casing. */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  /** `HTTP/1.1`. */
  protocol: string;
  /** The port the client connected to (for X-Forwarded-Port). */
  port: number;
  timeEpoch: number;
  requestId: string;
  /** Set on first use by extendedRequestId(): the event and the response headers share it. */
  extendedRequestId?: string;
  /** Set on first use by requestTraceId(). */
  traceId?: string;
}

/** A request id shaped like API Gateway's (a UUID for REST). */
export function newRequestId(): string {
  return randomUUID();
}

/** An extended request id / HTTP API request id, shaped like `LV7fzho-PHcEJPw=`. */
export function newShortRequestId(): string {
  return randomBase64(10);
}

/** The request's extended id (requestContext.extendedRequestId and the x-amz-apigw-id header). */
export function extendedRequestId(req: GatewayRequest): string {
  req.extendedRequestId ??= newShortRequestId();
  return req.extendedRequestId;
}

/** The request's X-Amzn-Trace-Id: the client's, else one made once for the event and the response. */
export function requestTraceId(req: GatewayRequest): string {
  req.traceId ??= headerValue(req.rawHeaders, 'x-amzn-trace-id') ?? traceId(req.timeEpoch);
  return req.traceId;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's request time: `17/Jun/2024:14:48:13 +0000`. */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** An X-Amzn-Trace-Id root: `Root=1-<8 hex epoch s>-<24 hex>`. */
export function traceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomHex(12)}`;
}

function decode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Query pairs in order, URL-decoded (`+` stays `+`, as API Gateway leaves it). */
export function queryPairs(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];
  const out: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    out.push([decode(k), decode(v)]);
  }
  return out;
}

/** The value of a header (case-insensitive), the last one when repeated. */
export function headerValue(rawHeaders: string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  let v: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === lower) v = rawHeaders[i + 1];
  return v;
}

/** The media type of a Content-Type (lower case, no parameters). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** API Gateway media-type patterns (`image/*`, `*\/*`, exact) against a Content-Type or Accept list. */
export function matchesMediaTypes(value: string | undefined, patterns: string[]): boolean {
  if (!value || patterns.length === 0) return false;
  for (const candidate of value.split(',')) {
    const type = mediaType(candidate);
    if (type === '') continue;
    for (const p of patterns) {
      const pat = p.toLowerCase();
      if (pat === '*/*' || pat === type) return true;
      if (pat.endsWith('/*') && type.startsWith(pat.slice(0, -1))) return true;
    }
  }
  return false;
}

/** Content types HTTP APIs pass as text; everything else arrives base64-encoded. */
export function isTextMediaType(contentType: string | undefined): boolean {
  const t = mediaType(contentType);
  if (t === '') return true;
  return (
    t.startsWith('text/') ||
    t === 'application/json' ||
    t.endsWith('+json') ||
    t === 'application/xml' ||
    t.endsWith('+xml') ||
    t === 'application/javascript' ||
    t === 'application/ecmascript' ||
    t === 'application/graphql'
  );
}
