/**
 * Authorizers: REST Lambda authorizers (TOKEN, REQUEST) with result caching keyed on the identity
 * sources, HTTP API Lambda authorizers (simple and IAM-policy responses) and JWT authorizers that
 * always verify the signature against a key set, plus issuer, audience, expiry and scopes.
 */
import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import type { Clock } from '../../platform/clock.js';
import type { LambdaFacade } from '../lambda/facade.js';
import type { RouteContext } from './event-v1.js';
import { baseEventV2 } from './event-v2.js';
import type { HttpLambdaAuthorizerDef, JwtAuthorizerDef, RestAuthorizerDef } from './model.js';
import { evaluatePolicy } from './policy.js';
import { type GatewayRequest, headerValue, queryPairs } from './request.js';
import { answers, type GatewayResponse } from './response.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The result of running an authorizer: what goes into requestContext.authorizer, or the answer to send. */
export type AuthOutcome =
  | { ok: true; authorizer: Record<string, unknown>; usageIdentifierKey?: string }
  | { ok: false; response: GatewayResponse };

interface CachedPolicy {
  expiresAt: number;
  principalId: string;
  policyDocument: unknown;
  context: Record<string, unknown>;
  usageIdentifierKey?: string;
  simple?: boolean;
  isAuthorized?: boolean;
}

/** `execute-api` ARN of a call: `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`. */
export function executeApiArn(
  region: string,
  apiId: string,
  stage: string,
  method: string,
  path: string,
): string {
  return `arn:aws:execute-api:${region}:${ACCOUNT_ID}:${apiId}/${stage}/${method}/${path.replace(/^\//, '')}`;
}

/** Reads one REST identity source (`method.request.header.X`, `method.request.querystring.X`, ...). */
function restIdentityValue(source: string, req: GatewayRequest): string | undefined {
  let m = /^method\.request\.header\.(.+)$/i.exec(source);
  if (m) return headerValue(req.rawHeaders, m[1]!);
  m = /^method\.request\.querystring\.(.+)$/i.exec(source);
  if (m) {
    const name = m[1]!;
    return queryPairs(req.rawQuery).findLast(([k]) => k === name)?.[1];
  }
  if (/^context\.|^stageVariables\./.test(source)) return source;
  return undefined;
}

/** Reads one HTTP API identity source (`$request.header.X`, `$request.querystring.X`, `$context.X`). */
function httpIdentityValue(source: string, req: GatewayRequest): string | undefined {
  let m = /^\$request\.header\.(.+)$/i.exec(source);
  if (m) return headerValue(req.rawHeaders, m[1]!);
  m = /^\$request\.querystring\.(.+)$/i.exec(source);
  if (m) {
    const name = m[1]!;
    const vals = queryPairs(req.rawQuery)
      .filter(([k]) => k === name)
      .map(([, v]) => v);
    return vals.length > 0 ? vals.join(',') : undefined;
  }
  if (/^\$context\.|^\$stageVariables\./.test(source)) return source;
  return undefined;
}

/** Context values of an authorizer must be scalars; REST hands them on as strings. */
function scalarContext(ctx: unknown, stringify: boolean): Record<string, unknown> | undefined {
  if (ctx === undefined || ctx === null) return {};
  if (!isObj(ctx)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    out[k] = stringify ? String(v) : v;
  }
  return out;
}

function errorMessageOf(payload: Buffer): string {
  try {
    const p = JSON.parse(payload.toString('utf8')) as { errorMessage?: unknown };
    return typeof p?.errorMessage === 'string' ? p.errorMessage : '';
  } catch {
    return '';
  }
}

/** Upper bound of cached authorizer results across all APIs. */
export const MAX_CACHED_POLICIES = 10_000;

/** The authorizers of every API, sharing one policy cache and one key-set cache. */
export class Authorizers {
  private readonly cache = new Map<string, CachedPolicy>();
  private readonly keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(
    private readonly lambda: () => LambdaFacade,
    private readonly clock: Clock,
    private readonly region: string,
  ) {}

  /** Caches a policy; past a bound, expired entries are swept (many distinct tokens must not grow memory forever). */
  private remember(key: string, entry: CachedPolicy): void {
    if (this.cache.size >= MAX_CACHED_POLICIES) {
      const now = this.clock.now();
      for (const [k, v] of this.cache) if (v.expiresAt <= now) this.cache.delete(k);
      // Still full of live entries: drop the oldest (Map keeps insertion order).
      while (this.cache.size >= MAX_CACHED_POLICIES)
        this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(key, entry);
  }

  /** Forgets cached policies and key sets (after a redeploy). */
  reset(prefix?: string): void {
    for (const k of [...this.cache.keys()]) if (!prefix || k.startsWith(prefix)) this.cache.delete(k);
    this.keySets.clear();
  }

  private async invoke(functionName: string, event: unknown): Promise<{ payload: Buffer; error: boolean }> {
    const r = await this.lambda().invoke({ functionName, payload: JSON.stringify(event) });
    return { payload: r.payload, error: r.functionError !== undefined };
  }

  /** Runs a REST TOKEN or REQUEST authorizer for a call whose v1 event (without body) is given. */
  async rest(
    def: RestAuthorizerDef,
    req: GatewayRequest,
    apiId: string,
    route: RouteContext,
    v1Event: () => Record<string, unknown>,
  ): Promise<AuthOutcome> {
    const methodArn = executeApiArn(this.region, apiId, route.stage, req.method, route.path);
    const values: string[] = [];
    for (const s of def.identitySources) {
      const v = restIdentityValue(s, req);
      if (v === undefined || v === '') return { ok: false, response: answers.unauthorized() };
      values.push(v);
    }
    if (def.type === 'TOKEN' && def.identityValidationExpression) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(`^(?:${def.identityValidationExpression})$`);
      } catch {
        re = undefined;
      }
      if (re && !re.test(values[0] ?? '')) return { ok: false, response: answers.unauthorized() };
    }
    const key = `${apiId}|${def.name}|${values.join('\u0000')}`;
    const started = this.clock.now();
    let entry = def.resultTtlInSeconds > 0 && values.length > 0 ? this.cache.get(key) : undefined;
    if (entry && entry.expiresAt <= started) {
      this.cache.delete(key);
      entry = undefined;
    }
    let latency = 0;
    if (!entry) {
      const event =
        def.type === 'TOKEN'
          ? { type: 'TOKEN', authorizationToken: values[0], methodArn }
          : (() => {
              const e = v1Event();
              delete e.body;
              delete e.isBase64Encoded;
              return { type: 'REQUEST', methodArn, ...e };
            })();
      const r = await this.invoke(def.functionName, event);
      latency = this.clock.now() - started;
      if (r.error) {
        return {
          ok: false,
          response:
            errorMessageOf(r.payload) === 'Unauthorized'
              ? answers.unauthorized()
              : answers.authorizerFailure(),
        };
      }
      const parsed = this.parsePolicyResponse(r.payload, true);
      if (!parsed) return { ok: false, response: answers.authorizerFailure() };
      entry = { ...parsed, expiresAt: started + def.resultTtlInSeconds * 1000 };
      if (def.resultTtlInSeconds > 0 && values.length > 0) this.remember(key, entry);
    }
    const decision = evaluatePolicy(entry.policyDocument, methodArn);
    if (decision !== 'allow')
      return { ok: false, response: answers.restDenied(decision === 'explicit-deny') };
    return {
      ok: true,
      authorizer: { ...entry.context, principalId: entry.principalId, integrationLatency: latency },
      usageIdentifierKey: entry.usageIdentifierKey,
    };
  }

  private parsePolicyResponse(
    payload: Buffer,
    stringify: boolean,
  ): Omit<CachedPolicy, 'expiresAt'> | undefined {
    let res: unknown;
    try {
      res = JSON.parse(payload.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isObj(res) || !isObj(res.policyDocument)) return undefined;
    const context = scalarContext(res.context, stringify);
    if (!context) return undefined;
    return {
      principalId: typeof res.principalId === 'string' ? res.principalId : String(res.principalId ?? ''),
      policyDocument: res.policyDocument,
      context,
      usageIdentifierKey: typeof res.usageIdentifierKey === 'string' ? res.usageIdentifierKey : undefined,
    };
  }

  /** Runs an HTTP API Lambda authorizer. */
  async httpLambda(
    def: HttpLambdaAuthorizerDef,
    req: GatewayRequest,
    apiId: string,
    route: RouteContext,
    host: string,
    v1Event: () => Record<string, unknown>,
  ): Promise<AuthOutcome> {
    const values: string[] = [];
    for (const s of def.identitySources) {
      const v = httpIdentityValue(s, req);
      if (v === undefined || v === '') return { ok: false, response: answers.unauthorized() };
      values.push(v);
    }
    const routeArn = executeApiArn(this.region, apiId, '$default', req.method, route.path);
    const key = `${apiId}|${def.name}|${values.join('\u0000')}`;
    const started = this.clock.now();
    let entry = def.resultTtlInSeconds > 0 ? this.cache.get(key) : undefined;
    if (entry && entry.expiresAt <= started) {
      this.cache.delete(key);
      entry = undefined;
    }
    if (!entry) {
      let event: Record<string, unknown>;
      if (def.payloadVersion === '2.0') {
        event = {
          ...baseEventV2(req, { ...route, authorizer: undefined }, host),
          type: 'REQUEST',
          routeArn,
          identitySource: values,
        };
      } else {
        const e = v1Event();
        delete e.body;
        delete e.isBase64Encoded;
        event = {
          version: '1.0',
          type: 'REQUEST',
          methodArn: routeArn,
          identitySource: values.join(','),
          authorizationToken: values[0],
          ...e,
        };
      }
      const r = await this.invoke(def.functionName, event);
      if (r.error) {
        return {
          ok: false,
          response:
            errorMessageOf(r.payload) === 'Unauthorized' ? answers.unauthorized() : answers.httpInternal(),
        };
      }
      let res: unknown;
      try {
        res = JSON.parse(r.payload.toString('utf8'));
      } catch {
        return { ok: false, response: answers.httpInternal() };
      }
      if (def.enableSimpleResponses && isObj(res) && typeof res.isAuthorized === 'boolean') {
        const context = scalarContext(res.context, false) ?? (isObj(res.context) ? res.context : {});
        entry = {
          expiresAt: started + def.resultTtlInSeconds * 1000,
          principalId: '',
          policyDocument: undefined,
          context,
          simple: true,
          isAuthorized: res.isAuthorized,
        };
      } else {
        const parsed = this.parsePolicyResponse(r.payload, false);
        if (!parsed) return { ok: false, response: answers.httpInternal() };
        entry = { ...parsed, expiresAt: started + def.resultTtlInSeconds * 1000 };
      }
      if (def.resultTtlInSeconds > 0) this.remember(key, entry);
    }
    const allowed = entry.simple
      ? entry.isAuthorized === true
      : evaluatePolicy(entry.policyDocument, routeArn) === 'allow';
    if (!allowed) return { ok: false, response: answers.httpForbidden() };
    const lambda: Record<string, unknown> = { ...entry.context };
    if (!entry.simple) lambda.principalId = entry.principalId;
    return { ok: true, authorizer: { lambda } };
  }

  private keySet(def: JwtAuthorizerDef): Promise<JWTVerifyGetKey> {
    const id = `${def.name}|${def.issuerUrl}`;
    let ks = this.keySets.get(id);
    if (!ks) {
      ks = this.loadKeySet(def);
      // A failed load is retried on the next request rather than cached forever.
      ks.catch(() => this.keySets.delete(id));
      this.keySets.set(id, ks);
    }
    return ks;
  }

  private async loadKeySet(def: JwtAuthorizerDef): Promise<JWTVerifyGetKey> {
    const src = def.jwks;
    if (src?.kind === 'inline') return createLocalJWKSet(src.jwks as Parameters<typeof createLocalJWKSet>[0]);
    if (src?.kind === 'url' && src.url.startsWith('file://')) {
      const text = await readFile(new URL(src.url), 'utf8');
      return createLocalJWKSet(JSON.parse(text));
    }
    if (src?.kind === 'url') return createRemoteJWKSet(new URL(src.url));
    // No explicit key set: OpenID discovery on the issuer, as API Gateway does.
    const base = def.issuerUrl.replace(/\/$/, '');
    const res = await fetch(`${base}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`OpenID discovery failed with ${res.status}`);
    const doc = (await res.json()) as { jwks_uri?: string };
    if (!doc.jwks_uri) throw new Error('The OpenID configuration has no jwks_uri');
    return createRemoteJWKSet(new URL(doc.jwks_uri));
  }

  /** Verifies a JWT for a route; scopes, when the route lists some, must include at least one. */
  async jwt(def: JwtAuthorizerDef, req: GatewayRequest, scopes: string[] | undefined): Promise<AuthOutcome> {
    const unauthorized = (): AuthOutcome => {
      const response = answers.unauthorized();
      response.headers = [
        ['Content-Type', 'application/json'],
        ['www-authenticate', 'Bearer'],
      ];
      return { ok: false, response };
    };
    const raw = httpIdentityValue(def.identitySources[0] ?? '$request.header.Authorization', req);
    if (!raw) return unauthorized();
    const token = raw.replace(/^Bearer\s+/i, '').trim();
    let payload: JWTPayload;
    try {
      const keys = await this.keySet(def);
      ({ payload } = await jwtVerify(token, keys, {
        issuer: def.issuerUrl,
        currentDate: new Date(this.clock.now()),
      }));
    } catch {
      return unauthorized();
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
    const clientId = typeof payload.client_id === 'string' ? [payload.client_id] : [];
    if (def.audience.length > 0 && ![...aud, ...clientId].some((a) => def.audience.includes(a)))
      return unauthorized();
    const tokenScopes =
      typeof payload.scope === 'string'
        ? payload.scope.split(' ').filter(Boolean)
        : Array.isArray(payload.scp)
          ? payload.scp.map(String)
          : [];
    if (scopes && scopes.length > 0 && !scopes.some((s) => tokenScopes.includes(s)))
      return { ok: false, response: answers.httpForbidden() };
    const claims: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload)) {
      claims[k] =
        typeof v === 'string'
          ? v
          : Array.isArray(v)
            ? `[${v.join(' ')}]`
            : typeof v === 'object'
              ? JSON.stringify(v)
              : String(v);
    }
    return { ok: true, authorizer: { jwt: { claims, scopes: tokenScopes.length > 0 ? tokenScopes : null } } };
  }
}
