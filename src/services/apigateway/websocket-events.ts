/**
 * The Lambda events of a WebSocket API (CONNECT, MESSAGE, DISCONNECT) in API Gateway's shapes, and
 * the route selection over a message body.
 */
import { clfTime, newShortRequestId, queryPairs } from './request.js';

/** What the events of one connection share. */
export interface WsConnectionInfo {
  connectionId: string;
  /** Epoch ms. */
  connectedAt: number;
  sourceIp: string;
  userAgent?: string;
  /** The `$connect` authorizer's principalId and context, passed on to every later event. */
  authorizer?: Record<string, unknown>;
}

/** The API side of the events. */
export interface WsApiInfo {
  apiId: string;
  stage: string;
  /** `127.0.0.1:PORT`: `http://{domainName}/{stage}` serves `@connections`. */
  domainName: string;
}

type Event = Record<string, unknown>;

function requestContext(
  api: WsApiInfo,
  conn: WsConnectionInfo,
  routeKey: string,
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
  timeEpoch: number,
  extra: Event = {},
): Event {
  const requestId = newShortRequestId();
  const identity: Event = { sourceIp: conn.sourceIp };
  if (conn.userAgent !== undefined) identity.userAgent = conn.userAgent;
  const ctx: Event = {
    routeKey,
    ...extra,
    eventType,
    extendedRequestId: requestId,
    requestTime: clfTime(timeEpoch),
    messageDirection: 'IN',
    stage: api.stage,
    connectedAt: conn.connectedAt,
    requestTimeEpoch: timeEpoch,
    identity,
    requestId,
    domainName: api.domainName,
    connectionId: conn.connectionId,
    apiId: api.apiId,
  };
  if (conn.authorizer) ctx.authorizer = conn.authorizer;
  return ctx;
}

/** Headers of a raw list: last value wins, and every value by name, client casing kept. */
export function headerMaps(rawHeaders: string[]): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const k = rawHeaders[i]!;
    const v = rawHeaders[i + 1]!;
    headers[k] = v;
    const list = multiValueHeaders[k] ?? [];
    list.push(v);
    multiValueHeaders[k] = list;
  }
  return { headers, multiValueHeaders };
}

/** Query parameters: last value wins, and every value by name; undefined when there are none. */
export function queryMaps(rawQuery: string):
  | {
      queryStringParameters: Record<string, string>;
      multiValueQueryStringParameters: Record<string, string[]>;
    }
  | undefined {
  const pairs = queryPairs(rawQuery);
  if (pairs.length === 0) return undefined;
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of pairs) {
    single[k] = v;
    const list = multi[k] ?? [];
    list.push(v);
    multi[k] = list;
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

/** The `$connect` event: the upgrade request's headers and query string. */
export function connectEvent(
  api: WsApiInfo,
  conn: WsConnectionInfo,
  rawHeaders: string[],
  rawQuery: string,
  timeEpoch: number,
): Event {
  const q = queryMaps(rawQuery);
  return {
    ...headerMaps(rawHeaders),
    ...(q ?? {}),
    requestContext: requestContext(api, conn, '$connect', 'CONNECT', timeEpoch),
    isBase64Encoded: false,
  };
}

/** A message event: text frames as they are, binary frames base64 encoded. */
export function messageEvent(
  api: WsApiInfo,
  conn: WsConnectionInfo,
  routeKey: string,
  data: Buffer,
  binary: boolean,
  timeEpoch: number,
): Event {
  return {
    requestContext: requestContext(api, conn, routeKey, 'MESSAGE', timeEpoch, {
      messageId: newShortRequestId(),
    }),
    body: binary ? data.toString('base64') : data.toString('utf8'),
    isBase64Encoded: binary,
  };
}

/** The `$disconnect` event, with the close code and reason. */
export function disconnectEvent(
  api: WsApiInfo,
  conn: WsConnectionInfo,
  statusCode: number,
  reason: string,
  timeEpoch: number,
): Event {
  const host = api.domainName;
  return {
    headers: { Host: host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
    multiValueHeaders: { Host: [host], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] },
    requestContext: requestContext(api, conn, '$disconnect', 'DISCONNECT', timeEpoch, {
      disconnectStatusCode: statusCode,
      disconnectReason: reason,
    }),
    isBase64Encoded: false,
  };
}

/**
 * The route key for a message: the value the selection expression (`$request.body.action`, also
 * written `${request.body.action}`) picks from a JSON body, when a route has that key; else `$default`.
 */
export function selectRoute(expression: string, body: string | undefined, routeKeys: Set<string>): string {
  const m = /^\$\{?request\.body\.([A-Za-z0-9_.$-]+)\}?$/.exec(expression.trim());
  if (!m || body === undefined) return '$default';
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return '$default';
  }
  for (const part of m[1]!.split('.')) {
    if (typeof value !== 'object' || value === null) return '$default';
    value = (value as Record<string, unknown>)[part];
  }
  const key =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : undefined;
  return key !== undefined && routeKeys.has(key) ? key : '$default';
}
