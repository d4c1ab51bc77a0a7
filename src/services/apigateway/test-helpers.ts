/** Helpers for the gateway's unit tests: sample events and shape comparison. */
import { readFileSync } from 'node:fs';
import type { GatewayRequest } from './request.js';

/** Reads a sample event from test/fixtures/aws-events (copied from ../shared/events). */
export function sampleEvent(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/aws-events/${name}`, import.meta.url), 'utf8'),
  );
}

/** The JSON type of a value, as shape comparison sees it. */
function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Differences between the shape of `actual` and `expected`: every key of `expected` must be in
 * `actual` with the same JSON type (recursing into objects), except the paths listed in `ignore`;
 * objects at the paths in `maps` are data maps whose keys are not compared.
 */
export function shapeDiff(
  expected: unknown,
  actual: unknown,
  ignore: string[] = [],
  maps: string[] = [],
  at = '',
): string[] {
  const out: string[] = [];
  if (ignore.includes(at)) return out;
  const te = typeOf(expected);
  const ta = typeOf(actual);
  if (te !== ta) return [`${at || '(root)'}: expected ${te}, got ${ta}`];
  // Maps of data (headers, query, path parameters): only the type matters, not the keys.
  if (te === 'object' && !maps.includes(at)) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      const p = at ? `${at}.${k}` : k;
      if (ignore.includes(p)) continue;
      if (!(k in a)) out.push(`${p}: missing`);
      else out.push(...shapeDiff(e[k], a[k], ignore, maps, p));
    }
  }
  return out;
}

/** A GatewayRequest as the listener would build it. */
export function gatewayRequest(
  p: Partial<GatewayRequest> & { headers?: Array<[string, string]> },
): GatewayRequest {
  const rawHeaders: string[] = [];
  for (const [k, v] of p.headers ?? [
    ['Host', '127.0.0.1:3000'],
    ['User-Agent', 'curl/8.0'],
  ])
    rawHeaders.push(k, v);
  return {
    method: p.method ?? 'GET',
    rawPath: p.rawPath ?? '/',
    rawQuery: p.rawQuery ?? '',
    rawHeaders: p.rawHeaders ?? rawHeaders,
    body: p.body ?? Buffer.alloc(0),
    sourceIp: p.sourceIp ?? '127.0.0.1',
    protocol: p.protocol ?? 'HTTP/1.1',
    port: p.port ?? 3000,
    timeEpoch: p.timeEpoch ?? Date.UTC(2026, 0, 2, 3, 4, 5),
    requestId: p.requestId ?? 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  };
}
