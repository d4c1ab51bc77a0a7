/**
 * The non-proxy Lambda integration (`integration: lambda`) with the Serverless Framework's default
 * request mapping template and its status-code selection patterns, evaluated natively (no VTL).
 */
import type { RouteContext } from './event-v1.js';
import type { RestRoute, StatusCodeMapping } from './model.js';
import { type GatewayRequest, headerValue, mediaType, queryPairs } from './request.js';
import type { GatewayResponse } from './response.js';

/** Thrown when a JSON request body cannot be parsed (API Gateway answers 400). */
export class MappingError extends Error {}

function identityStrings(
  req: GatewayRequest,
  apiKey?: { value: string; id: string },
): Record<string, string> {
  return {
    cognitoIdentityPoolId: '',
    accountId: '',
    cognitoIdentityId: '',
    caller: '',
    sourceIp: req.sourceIp,
    principalOrgId: '',
    accessKey: '',
    cognitoAuthenticationType: '',
    cognitoAuthenticationProvider: '',
    userArn: '',
    userAgent: headerValue(req.rawHeaders, 'user-agent') ?? '',
    user: '',
    apiKey: apiKey?.value ?? '',
    apiKeyId: apiKey?.id ?? '',
  };
}

/** The request body as the default templates read it: JSON, form fields, or `{}` when empty. */
export function parseBody(req: GatewayRequest): unknown {
  const type = mediaType(headerValue(req.rawHeaders, 'content-type'));
  const text = req.body.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') {
    const out: Record<string, string> = {};
    for (const [k, v] of queryPairs(text.replace(/\+/g, '%20'))) out[k] = v;
    return out;
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MappingError(
      `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`,
    );
  }
}

/** The event Serverless's default request template produces. */
export function buildLambdaEvent(req: GatewayRequest, route: RouteContext): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!] = req.rawHeaders[i + 1]!;
  const query: Record<string, string> = {};
  for (const [k, v] of queryPairs(req.rawQuery)) query[k] = v;
  const auth = route.authorizer ?? {};
  const enhanced: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(auth)) if (k !== 'integrationLatency') enhanced[k] = v;
  const claims = (auth as { claims?: { sub?: string } }).claims;
  return {
    body: parseBody(req),
    method: req.method,
    principalId: typeof auth.principalId === 'string' ? auth.principalId : '',
    stage: route.stage,
    cognitoPoolClaims: { sub: claims?.sub ?? '' },
    enhancedAuthContext: enhanced,
    headers,
    query,
    path: { ...route.pathParameters },
    identity: identityStrings(req, route.apiKey),
    stageVariables: {},
    requestPath: route.resourcePath,
  };
}

/** A selection pattern matches the whole error message, as Java regexes do in API Gateway. */
function fullMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(text);
  } catch {
    return false;
  }
}

/** Picks the integration response for a result: errors by their message, success by the default. */
export function selectStatus(
  mappings: StatusCodeMapping[],
  errorMessage: string | undefined,
): StatusCodeMapping {
  const fallback = mappings.find((m) => m.pattern === '') ?? { statusCode: 200, pattern: '', headers: {} };
  if (errorMessage === undefined) return fallback;
  return mappings.find((m) => m.pattern !== '' && fullMatch(m.pattern, errorMessage)) ?? fallback;
}

/** A literal header mapping (`"'text/html'"`) → its value; other mapping expressions are not supported. */
function headerLiteral(v: string): string | undefined {
  const m = /^'(.*)'$/.exec(v.trim());
  return m ? m[1] : undefined;
}

/** The HTTP response of a non-proxy method for a function result. */
export function mapLambdaResponse(
  route: RestRoute,
  payload: Buffer,
  functionError: boolean,
): GatewayResponse {
  let errorMessage: string | undefined;
  if (functionError) {
    try {
      const parsed = JSON.parse(payload.toString('utf8')) as { errorMessage?: unknown };
      errorMessage =
        typeof parsed?.errorMessage === 'string' ? parsed.errorMessage : payload.toString('utf8');
    } catch {
      errorMessage = payload.toString('utf8');
    }
  }
  const mappings = route.response?.statusCodes ?? [];
  const chosen = selectStatus(mappings, errorMessage);
  const headers: Array<[string, string]> = [];
  for (const [k, v] of Object.entries({ ...(route.response?.headers ?? {}), ...chosen.headers })) {
    const lit = headerLiteral(v);
    if (lit !== undefined) headers.push([k, lit]);
  }
  if (!headers.some(([k]) => k.toLowerCase() === 'content-type'))
    headers.push(['Content-Type', 'application/json']);
  return { statusCode: chosen.statusCode, headers, body: payload };
}
