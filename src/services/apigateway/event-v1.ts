/**
 * Payload format 1.0: the REST API Lambda-proxy event (and HTTP APIs configured with payload 1.0),
 * filled as API Gateway fills it: client header casing kept, last value wins in `headers`, nulls (not
 * empty objects) for absent maps, `path` still percent-encoded, path parameters decoded.
 */
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import {
  clfTime,
  extendedRequestId,
  type GatewayRequest,
  headerValue,
  isTextMediaType,
  matchesMediaTypes,
  queryPairs,
  requestTraceId,
} from './request.js';

/** What the route match contributes to an event. */
export interface RouteContext {
  apiId: string;
  /** REST stage, or `$default` for HTTP APIs. */
  stage: string;
  /** Request path with the stage removed, still percent-encoded (`/hello/J%C3%BCrgen`). */
  path: string;
  /** Resource template (`/hello/{name}`) or HTTP API route path. */
  resourcePath: string;
  /** REST resource id; HTTP APIs use the route key. */
  resourceId: string;
  routeKey: string;
  pathParameters: Record<string, string>;
  deploymentId?: string;
  /** Lambda authorizer output (REST: flat, stringified; HTTP API: `{ lambda }` / `{ jwt }`). */
  authorizer?: Record<string, unknown>;
  apiKey?: { value: string; id: string };
}

/** Headers as API Gateway forwards them: the client's plus X-Forwarded-* and a trace id. */
export function forwardedHeaders(req: GatewayRequest): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let xff: string | undefined;
  let trace = false;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') {
      xff = xff ? `${xff}, ${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
      continue;
    }
    if (lower === 'x-forwarded-port' || lower === 'x-forwarded-proto') continue;
    if (lower === 'x-amzn-trace-id') trace = true;
    out.push([name, req.rawHeaders[i + 1]!]);
  }
  if (!trace) out.push(['X-Amzn-Trace-Id', requestTraceId(req)]);
  out.push(['X-Forwarded-For', xff ? `${xff}, ${req.sourceIp}` : req.sourceIp]);
  out.push(['X-Forwarded-Port', String(req.port)]);
  out.push(['X-Forwarded-Proto', 'http']);
  return out;
}

function singleAndMulti(pairs: Array<[string, string]>): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if (pairs.length === 0) return { single: null, multi: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of pairs) {
    single[k] = v;
    const list = multi[k];
    if (list) list.push(v);
    else multi[k] = [v];
  }
  return { single, multi };
}

/** The body as a 1.0 event carries it, and whether it is base64. */
export function bodyV1(
  req: GatewayRequest,
  kind: 'rest' | 'http',
  binaryMediaTypes: string[],
): { body: string | null; isBase64Encoded: boolean } {
  if (req.body.length === 0) return { body: null, isBase64Encoded: false };
  const contentType = headerValue(req.rawHeaders, 'content-type');
  const binary =
    kind === 'rest' ? matchesMediaTypes(contentType, binaryMediaTypes) : !isTextMediaType(contentType);
  return binary
    ? { body: req.body.toString('base64'), isBase64Encoded: true }
    : { body: req.body.toString('utf8'), isBase64Encoded: false };
}

/** `requestContext.identity` of a 1.0 event: every field present, null when unknown. */
function identityV1(req: GatewayRequest, kind: 'rest' | 'http', apiKey?: { value: string; id: string }) {
  const userAgent = headerValue(req.rawHeaders, 'user-agent') ?? null;
  const base: Record<string, unknown> = {
    cognitoIdentityPoolId: null,
    accountId: null,
    cognitoIdentityId: null,
    caller: null,
    sourceIp: req.sourceIp,
    principalOrgId: null,
    accessKey: null,
    cognitoAuthenticationType: null,
    cognitoAuthenticationProvider: null,
    userArn: null,
    userAgent,
    user: null,
  };
  if (kind === 'http') base.cognitoAmr = null;
  if (apiKey) {
    base.apiKey = apiKey.value;
    base.apiKeyId = apiKey.id;
  }
  return base;
}

/** Builds a payload 1.0 event. */
export function buildEventV1(
  req: GatewayRequest,
  route: RouteContext,
  opts: { kind: 'rest' | 'http'; binaryMediaTypes: string[]; host: string },
): Record<string, unknown> {
  const headers = singleAndMulti(forwardedHeaders(req));
  const query = singleAndMulti(queryPairs(req.rawQuery));
  const hasParams = Object.keys(route.pathParameters).length > 0;
  const domainPrefix = opts.host.split(/[.:]/)[0] ?? opts.host;
  const requestContext: Record<string, unknown> = {
    resourceId: route.resourceId,
    resourcePath: route.resourcePath,
    httpMethod: req.method,
    extendedRequestId: extendedRequestId(req),
    requestTime: clfTime(req.timeEpoch),
    path: opts.kind === 'rest' ? `/${route.stage}${route.path}` : route.path,
    accountId: ACCOUNT_ID,
    protocol: req.protocol,
    stage: route.stage,
    domainPrefix,
    requestTimeEpoch: req.timeEpoch,
    requestId: req.requestId,
    identity: identityV1(req, opts.kind, route.apiKey),
    domainName: opts.host,
    ...(route.deploymentId ? { deploymentId: route.deploymentId } : {}),
    apiId: route.apiId,
  };
  if (route.authorizer) requestContext.authorizer = route.authorizer;
  const { body, isBase64Encoded } = bodyV1(req, opts.kind, opts.binaryMediaTypes);
  const event: Record<string, unknown> = {};
  if (opts.kind === 'http') event.version = '1.0';
  Object.assign(event, {
    resource: route.resourcePath,
    path: route.path,
    httpMethod: req.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: hasParams ? route.pathParameters : null,
    stageVariables: null,
    requestContext,
    body,
    isBase64Encoded,
  });
  return event;
}
