/**
 * Payload format 2.0 (HTTP APIs): header names lower-cased and repeated values joined with commas,
 * cookies moved out of the headers, query values joined with commas, the raw query string kept,
 * absent optional fields omitted (never null).
 */
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import type { RouteContext } from './event-v1.js';
import { forwardedHeaders } from './event-v1.js';
import { clfTime, type GatewayRequest, headerValue, isTextMediaType, queryPairs } from './request.js';

/** Lower-cased headers (repeats joined with `,`) and the cookies split out of `Cookie`. */
export function headersV2(req: GatewayRequest): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of forwardedHeaders(req)) {
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      for (const c of value.split(';')) {
        const t = c.trim();
        if (t) cookies.push(t);
      }
      continue;
    }
    headers[lower] = lower in headers ? `${headers[lower]},${value}` : value;
  }
  return { headers, cookies };
}

/** The decoded request path of an HTTP API (HTTP APIs hand functions the path already decoded). */
export function decodedPath(rawPath: string): string {
  if (!rawPath.includes('%')) return rawPath;
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

/** The parts of a 2.0 event shared with the 2.0 authorizer event. */
export function baseEventV2(req: GatewayRequest, route: RouteContext, host: string): Record<string, unknown> {
  const { headers, cookies } = headersV2(req);
  const path = decodedPath(req.rawPath);
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: path,
    rawQueryString: req.rawQuery,
  };
  if (cookies.length > 0) event.cookies = cookies;
  event.headers = headers;
  const pairs = queryPairs(req.rawQuery);
  if (pairs.length > 0) {
    const q: Record<string, string> = {};
    for (const [k, v] of pairs) q[k] = k in q ? `${q[k]},${v}` : v;
    event.queryStringParameters = q;
  }
  const requestContext: Record<string, unknown> = {
    accountId: ACCOUNT_ID,
    apiId: route.apiId,
    domainName: host,
    domainPrefix: host.split(/[.:]/)[0] ?? host,
    http: {
      method: req.method,
      path,
      protocol: req.protocol,
      sourceIp: req.sourceIp,
      userAgent: headerValue(req.rawHeaders, 'user-agent') ?? '',
    },
    requestId: req.requestId,
    routeKey: route.routeKey,
    stage: '$default',
    time: clfTime(req.timeEpoch),
    timeEpoch: req.timeEpoch,
  };
  if (route.authorizer) requestContext.authorizer = route.authorizer;
  event.requestContext = requestContext;
  if (Object.keys(route.pathParameters).length > 0) event.pathParameters = route.pathParameters;
  return event;
}

/** Builds a payload 2.0 event. */
export function buildEventV2(
  req: GatewayRequest,
  route: RouteContext,
  host: string,
): Record<string, unknown> {
  const event = baseEventV2(req, route, host);
  if (req.body.length > 0) {
    const binary = !isTextMediaType(headerValue(req.rawHeaders, 'content-type'));
    event.body = binary ? req.body.toString('base64') : req.body.toString('utf8');
    event.isBase64Encoded = binary;
  } else {
    event.isBase64Encoded = false;
  }
  return event;
}
