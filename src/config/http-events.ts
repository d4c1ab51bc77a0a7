/**
 * The one parser of `http` (REST API) and `httpApi` (HTTP API) events as written in serverless.yml,
 * after variable resolution: the string forms (`GET /hello`, `*`) and the object forms, into the
 * typed HttpEvent / HttpApiEvent. normalizeEvent calls it at config time; the gateway compiler and
 * the OpenAPI generator take its output (or call it on a deployment spec's written events), so an
 * event means the same thing everywhere. A value that cannot be wired is reported through `problem`,
 * saying where and what to write instead, never replaced by a default.
 */
import { trimPath } from './naming.js';
import type {
  CfValue,
  HttpApiEvent,
  HttpCors,
  HttpEvent,
  HttpIntegration,
  RawObject,
  RestAuthorizer,
} from './types.js';

/** Methods an http or httpApi event may name; `*` stands for ANY. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'DELETE', 'ANY'];

/** Headers `cors: true` allows, for REST and HTTP APIs. */
export const DEFAULT_CORS_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
  'X-Amzn-Trace-Id',
];

/** serverless.yml `integration:` values of http events (any case) and the API Gateway types they stand for. */
export const HTTP_INTEGRATIONS: Record<string, HttpIntegration> = {
  'lambda-proxy': 'AWS_PROXY',
  aws_proxy: 'AWS_PROXY',
  lambda: 'AWS',
  aws: 'AWS',
  http: 'HTTP',
  'http-proxy': 'HTTP_PROXY',
  http_proxy: 'HTTP_PROXY',
  mock: 'MOCK',
};

const AUTHORIZER_TYPES = ['TOKEN', 'REQUEST', 'COGNITO_USER_POOLS', 'AWS_IAM', 'CUSTOM'] as const;

export interface HttpEventContext {
  /** Who declares the event, for messages: `function hello`, `state machine orders`. */
  owner: string;
  /** Payload version of httpApi events that set none (the function's, else the provider's). */
  httpApiPayload: '1.0' | '2.0';
  /** Reports a problem at a path relative to the event (`['http', 'method']`). */
  problem: (relPath: string[], message: string) => void;
}

function isObject(v: unknown): v is RawObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown[]): string[] {
  return v.map(String);
}

/** `<METHOD> <path>` split in two, or undefined when the text is not of that form. */
function splitRoute(s: string): { method: string; path: string } | undefined {
  const m = /^(\S+)\s+(\S+)$/.exec(s.trim());
  return m ? { method: m[1]!, path: m[2]! } : undefined;
}

/** The upper-case method (`*` → ANY), or undefined for one API Gateway does not have. */
function methodOf(raw: unknown): string | undefined {
  const m = String(raw).toUpperCase();
  if (m === '*') return 'ANY';
  return HTTP_METHODS.includes(m) ? m : undefined;
}

const METHOD_CHOICES = `${HTTP_METHODS.join(', ')} or *`;

function httpCors(raw: unknown, method: string): HttpCors | undefined {
  if (raw === undefined || raw === false || raw === null) return undefined;
  const o = isObject(raw) ? raw : {};
  const origins = Array.isArray(o.origins)
    ? strings(o.origins)
    : typeof o.origin === 'string'
      ? [o.origin]
      : ['*'];
  // Serverless's order: the listed methods, then OPTIONS, then the event's own.
  const methods = new Set(Array.isArray(o.methods) ? o.methods.map((m) => String(m).toUpperCase()) : []);
  methods.add('OPTIONS');
  methods.add(method);
  return {
    origin: typeof o.origin === 'string' ? o.origin : undefined,
    origins,
    headers: Array.isArray(o.headers) ? strings(o.headers) : [...DEFAULT_CORS_HEADERS],
    methods: [...methods],
    allowCredentials: o.allowCredentials === true,
    maxAge: typeof o.maxAge === 'number' ? o.maxAge : undefined,
    cacheControl: typeof o.cacheControl === 'string' ? o.cacheControl : undefined,
  };
}

/** An http event's `authorizer:` (function key, ARN, `aws_iam` or object), defaulted as Serverless does. */
function restAuthorizer(raw: unknown, report: (message: string) => void): RestAuthorizer | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = isObject(raw) ? raw : {};
  const ref = typeof raw === 'string' ? raw : undefined;
  if (ref?.toLowerCase() === 'aws_iam' || String(o.type ?? '').toLowerCase() === 'aws_iam')
    return { name: 'aws_iam', type: 'AWS_IAM', resultTtlInSeconds: 0 };
  const arn = ref?.startsWith('arn:') ? ref : (o.arn as CfValue | undefined);
  const arnName = typeof arn === 'string' ? (arn.split(':').pop() ?? arn) : undefined;
  const functionKey = ref && !ref.startsWith('arn:') ? ref : undefined;
  const ownName = typeof o.name === 'string' ? o.name : undefined;
  const written = String(o.type ?? '').toUpperCase();
  if (written && !(AUTHORIZER_TYPES as readonly string[]).includes(written)) {
    report(`Unsupported authorizer type "${String(o.type)}"`);
    return undefined;
  }
  const type = (written ||
    (typeof arn === 'string' && arn.includes(':cognito-idp:')
      ? 'COGNITO_USER_POOLS'
      : 'TOKEN')) as RestAuthorizer['type'];
  const ttl = typeof o.resultTtlInSeconds === 'number' ? o.resultTtlInSeconds : 300;
  const identitySource =
    typeof o.identitySource === 'string'
      ? o.identitySource
      : type === 'REQUEST' && ttl === 0
        ? undefined
        : 'method.request.header.Authorization';
  return {
    functionKey: arn === undefined && o.authorizerId === undefined ? (functionKey ?? ownName) : undefined,
    name: ownName ?? functionKey ?? arnName ?? 'authorizer',
    arn,
    authorizerId: o.authorizerId as CfValue | undefined,
    type,
    resultTtlInSeconds: ttl,
    identitySource,
    identityValidationExpression:
      typeof o.identityValidationExpression === 'string' ? o.identityValidationExpression : undefined,
    scopes: Array.isArray(o.scopes) ? (o.scopes as string[]) : undefined,
    claims: Array.isArray(o.claims) ? strings(o.claims) : undefined,
    managedExternally: typeof o.managedExternally === 'boolean' ? o.managedExternally : undefined,
  };
}

/** Parses `events[index].http` (string or object); undefined when a problem was reported. */
export function parseHttpEvent(raw: unknown, index: number, ctx: HttpEventContext): HttpEvent | undefined {
  const fail = (rel: string[], message: string): undefined => {
    ctx.problem(['http', ...rel], message);
    return undefined;
  };
  const o = isObject(raw) ? raw : {};
  let methodRaw: unknown;
  let pathRaw: string;
  if (typeof raw === 'string') {
    const route = raw.trim() === '*' ? { method: '*', path: '*' } : splitRoute(raw);
    if (!route)
      return fail(
        [],
        `Invalid http event "${raw}" in ${ctx.owner}: write "<METHOD> /<path>", e.g. "GET /hello/{name}"`,
      );
    methodRaw = route.method;
    pathRaw = route.path;
  } else if (isObject(raw)) {
    if (typeof raw.path !== 'string')
      return fail(
        [],
        `Missing "path" property in ${ctx.owner} for http event in serverless.yml: add one, e.g. path: /hello/{name}`,
      );
    if (raw.method === undefined)
      return fail(
        [],
        `Missing "method" property in ${ctx.owner} for http event in serverless.yml: add one of ${METHOD_CHOICES}`,
      );
    methodRaw = raw.method;
    pathRaw = raw.path;
  } else {
    return fail(
      [],
      `The http event in ${ctx.owner} must be "<METHOD> /<path>" or an object with "path" and "method"`,
    );
  }
  const method = methodOf(methodRaw);
  if (!method)
    return fail(
      typeof raw === 'string' ? [] : ['method'],
      `Unsupported method "${String(methodRaw)}" in ${ctx.owner} for http event: use ${METHOD_CHOICES}`,
    );
  const written = o.integration === undefined ? 'lambda-proxy' : String(o.integration);
  const integration = HTTP_INTEGRATIONS[written.toLowerCase()];
  if (!integration)
    return fail(
      ['integration'],
      `Unsupported integration "${written}" in ${ctx.owner} for http event: use lambda-proxy (the default), lambda, http, http-proxy or mock`,
    );
  let authorizerProblem: string | undefined;
  const authorizer = restAuthorizer(o.authorizer, (m) => {
    authorizerProblem = m;
  });
  if (authorizerProblem)
    return fail(
      ['authorizer', 'type'],
      `${authorizerProblem} in ${ctx.owner} for http event: use token, request, cognito_user_pools, aws_iam or custom`,
    );
  const isAsync = o.async === true;
  return {
    type: 'http',
    index,
    raw,
    path: pathRaw === '*' ? '{proxy+}' : trimPath(pathRaw),
    method,
    // `async: true` is a Lambda (non-proxy) integration invoked with X-Amz-Invocation-Type: Event.
    integration: isAsync ? 'AWS' : integration,
    cors: httpCors(o.cors, method),
    private: o.private === true,
    async: isAsync,
    authorizer,
    request: isObject(o.request) ? o.request : undefined,
    response: isObject(o.response) ? o.response : undefined,
    documentation: isObject(o.documentation) ? o.documentation : undefined,
    operationId: typeof o.operationId === 'string' ? o.operationId : undefined,
  };
}

function httpApiAuthorizer(raw: unknown): HttpApiEvent['authorizer'] {
  if (typeof raw === 'string') return { name: raw };
  if (!isObject(raw)) return undefined;
  return {
    name: typeof raw.name === 'string' ? raw.name : undefined,
    id: raw.id as CfValue | undefined,
    type: raw.type === 'aws_iam' ? 'aws_iam' : undefined,
    scopes: Array.isArray(raw.scopes) ? strings(raw.scopes) : undefined,
  };
}

/** Parses `events[index].httpApi` (string or object); undefined when a problem was reported. */
export function parseHttpApiEvent(
  raw: unknown,
  index: number,
  ctx: HttpEventContext,
): HttpApiEvent | undefined {
  const fail = (rel: string[], message: string): undefined => {
    ctx.problem(['httpApi', ...rel], message);
    return undefined;
  };
  const o = isObject(raw) ? raw : {};
  let methodRaw: unknown;
  let path: string;
  if (typeof raw === 'string') {
    const route = raw.trim() === '*' ? { method: '*', path: '*' } : splitRoute(raw);
    if (!route)
      return fail(
        [],
        `Invalid httpApi event "${raw}" in ${ctx.owner}: write "<METHOD> /<path>" (e.g. "GET /users/{id}") or "*"`,
      );
    methodRaw = route.method;
    path = route.path;
  } else if (isObject(raw)) {
    if (typeof raw.path !== 'string')
      return fail(
        [],
        `Missing "path" property in ${ctx.owner} for httpApi event in serverless.yml: add one, e.g. path: /users/{id}`,
      );
    path = raw.path;
    if (raw.method === undefined && path !== '*')
      return fail([], `Missing "method" property in ${ctx.owner} for httpApi event in serverless.yml`);
    methodRaw = raw.method ?? '*';
  } else {
    return fail(
      [],
      `The httpApi event in ${ctx.owner} must be "<METHOD> /<path>", "*" or an object with "method" and "path"`,
    );
  }
  const method = methodOf(methodRaw);
  if (!method)
    return fail(
      typeof raw === 'string' ? [] : ['method'],
      `Unsupported method "${String(methodRaw)}" in ${ctx.owner} for httpApi event: use ${METHOD_CHOICES}`,
    );
  // `payload` on the event itself is a Selfless extension; Serverless sets it per function or provider.
  const payload =
    o.payload === undefined ? ctx.httpApiPayload : ['1', '1.0'].includes(String(o.payload)) ? '1.0' : '2.0';
  const common = {
    type: 'httpApi' as const,
    index,
    raw,
    authorizer: httpApiAuthorizer(o.authorizer),
    payload,
    documentation: isObject(o.documentation) ? o.documentation : undefined,
  };
  // The catch-all route: whatever method is written, it matches every method.
  if (path === '*') return { ...common, method: 'ANY', path: '*', routeKey: '$default' };
  if (!path.startsWith('/'))
    return fail(
      typeof raw === 'string' ? [] : ['path'],
      `Invalid httpApi path "${path}" in ${ctx.owner}: paths start with "/", e.g. /users/{id}`,
    );
  const clean = `/${trimPath(path)}`;
  return { ...common, method, path: clean, routeKey: `${method} ${clean}` };
}
