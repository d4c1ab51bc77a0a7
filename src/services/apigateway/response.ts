/**
 * Turning a function's result into the HTTP response API Gateway sends, by payload format, and the
 * gateway's own error answers (exact statuses and bodies).
 */
import { matchesMediaTypes } from './request.js';

/** An HTTP response ready to write. Header names keep the function's casing. */
export interface GatewayResponse {
  statusCode: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A JSON error answer such as `{"message":"Missing Authentication Token"}`. */
export function jsonError(statusCode: number, body: unknown, errorType?: string): GatewayResponse {
  const headers: Array<[string, string]> = [['Content-Type', 'application/json']];
  if (errorType) headers.push(['x-amzn-ErrorType', errorType]);
  return { statusCode, headers, body: Buffer.from(JSON.stringify(body)) };
}

/** The gateway's standard answers. REST and HTTP APIs word some of them differently. */
export const answers = {
  missingToken: () =>
    jsonError(403, { message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException'),
  restForbidden: () => jsonError(403, { message: 'Forbidden' }, 'ForbiddenException'),
  notFound: () => jsonError(404, { message: 'Not Found' }),
  restInternal: () => jsonError(502, { message: 'Internal server error' }, 'InternalServerErrorException'),
  httpInternal: () => jsonError(500, { message: 'Internal Server Error' }),
  restTimeout: () => jsonError(504, { message: 'Endpoint request timed out' }, 'IntegrationTimeoutException'),
  httpTimeout: () => jsonError(503, { message: 'Service Unavailable' }),
  tooLarge: () => jsonError(413, { message: 'Request Too Long' }, 'RequestTooLongException'),
  badRequest: () => jsonError(400, { message: 'Bad Request' }, 'BadRequestException'),
  unauthorized: () => jsonError(401, { message: 'Unauthorized' }, 'UnauthorizedException'),
  restDenied: (explicit: boolean) =>
    jsonError(
      403,
      {
        Message: explicit
          ? 'User is not authorized to access this resource with an explicit deny'
          : 'User is not authorized to access this resource',
      },
      'AccessDeniedException',
    ),
  httpForbidden: () => jsonError(403, { message: 'Forbidden' }),
  authorizerFailure: () => jsonError(500, { message: null }, 'AuthorizerConfigurationException'),
  tooManyRequests: () => jsonError(429, { message: 'Too Many Requests' }, 'TooManyRequestsException'),
  limitExceeded: () => jsonError(429, { message: 'Limit Exceeded' }, 'LimitExceededException'),
  invalidBody: () => jsonError(400, { message: 'Invalid request body' }, 'BadRequestException'),
};

function headerPairs(headers: unknown, multi: unknown): Array<[string, string]> | undefined {
  const out = new Map<string, Array<[string, string]>>();
  if (headers !== undefined && headers !== null) {
    if (!isObj(headers)) return undefined;
    for (const [k, v] of Object.entries(headers)) {
      if (v === null) continue;
      if (!isScalar(v)) return undefined;
      out.set(k.toLowerCase(), [[k, String(v)]]);
    }
  }
  if (multi !== undefined && multi !== null) {
    if (!isObj(multi)) return undefined;
    for (const [k, v] of Object.entries(multi)) {
      if (!Array.isArray(v) || !v.every(isScalar)) return undefined;
      // The multi-value entry wins over `headers` for the same name.
      out.set(
        k.toLowerCase(),
        v.map((x): [string, string] => [k, String(x)]),
      );
    }
  }
  return [...out.values()].flat();
}

function hasHeader(headers: Array<[string, string]>, name: string): boolean {
  return headers.some(([k]) => k.toLowerCase() === name);
}

function statusOf(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{3}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

/**
 * Maps a payload 1.0 (proxy) result. Undefined means malformed (REST answers 502, HTTP APIs 500).
 * REST decodes a base64 body only when the request's Accept matches binaryMediaTypes.
 */
export function mapResponseV1(
  payload: Buffer,
  opts: { kind: 'rest' | 'http'; accept?: string; binaryMediaTypes: string[] },
): GatewayResponse | undefined {
  let result: unknown;
  try {
    result = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObj(result)) return undefined;
  const statusCode = statusOf(result.statusCode);
  if (statusCode === undefined) return undefined;
  const headers = headerPairs(result.headers, result.multiValueHeaders);
  if (!headers) return undefined;
  const body = result.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  if (result.isBase64Encoded !== undefined && typeof result.isBase64Encoded !== 'boolean') return undefined;
  const text = body ?? '';
  const decode =
    result.isBase64Encoded === true &&
    (opts.kind === 'http' || matchesMediaTypes(opts.accept, opts.binaryMediaTypes));
  if (!hasHeader(headers, 'content-type')) headers.push(['Content-Type', 'application/json']);
  return { statusCode, headers, body: decode ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
}

/** Maps a payload 2.0 result; undefined means malformed (500). */
export function mapResponseV2(payload: Buffer): GatewayResponse | undefined {
  const text = payload.toString('utf8');
  let result: unknown;
  try {
    result = JSON.parse(text);
  } catch {
    return undefined;
  }
  // Valid JSON without statusCode: 200, application/json, the result itself as the body.
  if (!isObj(result) || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : text;
    return { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(body) };
  }
  const statusCode = statusOf(result.statusCode);
  if (statusCode === undefined) return undefined;
  const headers = headerPairs(result.headers, result.multiValueHeaders);
  if (!headers) return undefined;
  if (result.cookies !== undefined && result.cookies !== null) {
    if (!Array.isArray(result.cookies) || !result.cookies.every((c) => typeof c === 'string'))
      return undefined;
    for (const c of result.cookies as string[]) headers.push(['set-cookie', c]);
  }
  const body = result.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  const decode = result.isBase64Encoded === true;
  return {
    statusCode,
    headers,
    body: body ? (decode ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8')) : Buffer.alloc(0),
  };
}
