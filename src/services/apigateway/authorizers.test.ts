import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import type { FacadeInvokeRequest, LambdaFacade } from '../lambda/facade.js';
import { Authorizers } from './authorizers.js';
import type { RouteContext } from './event-v1.js';
import type { HttpLambdaAuthorizerDef, JwtAuthorizerDef, RestAuthorizerDef } from './model.js';
import { gatewayRequest } from './test-helpers.js';

/** A facade whose "function" is a JS callback: enough to test caching and response handling in isolation. */
function facade(fn: (event: Record<string, unknown>) => unknown) {
  const calls: Array<Record<string, unknown>> = [];
  const lambda = {
    async invoke(req: FacadeInvokeRequest) {
      const event = JSON.parse(String(req.payload));
      calls.push(event);
      try {
        return { statusCode: 200, payload: Buffer.from(JSON.stringify(fn(event))), requestId: 'r' };
      } catch (e) {
        return {
          statusCode: 200,
          payload: Buffer.from(JSON.stringify({ errorMessage: (e as Error).message, errorType: 'Error' })),
          functionError: 'Unhandled' as const,
          requestId: 'r',
        };
      }
    },
  } as unknown as LambdaFacade;
  return { lambda, calls };
}

const route: RouteContext = {
  apiId: 'api1234567',
  stage: 'dev',
  path: '/pets/1',
  resourcePath: '/pets/{id}',
  resourceId: 'r1',
  routeKey: 'GET /pets/{id}',
  pathParameters: { id: '1' },
};

const tokenDef: RestAuthorizerDef = {
  kind: 'rest-lambda',
  name: 'auth',
  type: 'TOKEN',
  functionName: 'auth-fn',
  resultTtlInSeconds: 300,
  identitySources: ['method.request.header.Authorization'],
};

const allowAll = (event: Record<string, unknown>) => {
  if (event.authorizationToken === 'bad') throw new Error('Unauthorized');
  if (event.authorizationToken === 'broken') throw new Error('boom');
  return {
    principalId: 'user-1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: event.authorizationToken === 'deny' ? 'Deny' : 'Allow',
          Resource: '*',
        },
      ],
    },
    context: { n: 1, ok: true, s: 'x' },
  };
};

const req = (token?: string) =>
  gatewayRequest({ rawPath: '/dev/pets/1', headers: token ? [['Authorization', token]] : [['Host', 'h']] });

describe('REST Lambda authorizers', () => {
  it('passes a TOKEN event and puts principalId and stringified context into requestContext.authorizer', async () => {
    const { lambda, calls } = facade(allowAll);
    const auth = new Authorizers(() => lambda, new ManualClock(), 'us-east-1');
    const out = await auth.rest(tokenDef, req('good'), 'api1234567', route, () => ({}));
    expect(calls[0]).toEqual({
      type: 'TOKEN',
      authorizationToken: 'good',
      methodArn: 'arn:aws:execute-api:us-east-1:000000000000:api1234567/dev/GET/pets/1',
    });
    expect(out).toEqual({
      ok: true,
      authorizer: { principalId: 'user-1', integrationLatency: 0, n: '1', ok: 'true', s: 'x' },
      usageIdentifierKey: undefined,
    });
  });

  it('answers 401 without calling when the token is missing, 401 for Unauthorized, 403 for Deny, 500 otherwise', async () => {
    const { lambda, calls } = facade(allowAll);
    const auth = new Authorizers(() => lambda, new ManualClock(), 'us-east-1');
    const code = async (t?: string) => {
      const o = await auth.rest(tokenDef, req(t), 'api1234567', route, () => ({}));
      return o.ok ? 200 : o.response.statusCode;
    };
    expect(await code(undefined)).toBe(401);
    expect(calls).toHaveLength(0);
    expect(await code('bad')).toBe(401);
    expect(await code('deny')).toBe(403);
    expect(await code('broken')).toBe(500);
    const denied = await auth.rest(tokenDef, req('deny'), 'api1234567', route, () => ({}));
    expect(!denied.ok && JSON.parse(denied.response.body.toString())).toEqual({
      Message: 'User is not authorized to access this resource with an explicit deny',
    });
  });

  it('caches the policy per token for resultTtlInSeconds on the clock', async () => {
    const clock = new ManualClock();
    const { lambda, calls } = facade(allowAll);
    const auth = new Authorizers(() => lambda, clock, 'us-east-1');
    await auth.rest(tokenDef, req('good'), 'api1234567', route, () => ({}));
    await auth.rest(tokenDef, req('good'), 'api1234567', route, () => ({}));
    expect(calls).toHaveLength(1);
    await auth.rest(tokenDef, req('other'), 'api1234567', route, () => ({}));
    expect(calls).toHaveLength(2);
    await clock.advance(300_000);
    await auth.rest(tokenDef, req('good'), 'api1234567', route, () => ({}));
    expect(calls).toHaveLength(3);
    const noCache = { ...tokenDef, resultTtlInSeconds: 0 };
    await auth.rest(noCache, req('good'), 'api1234567', route, () => ({}));
    await auth.rest(noCache, req('good'), 'api1234567', route, () => ({}));
    expect(calls).toHaveLength(5);
  });

  it('rejects tokens that fail identityValidationExpression without calling the function', async () => {
    const { lambda, calls } = facade(allowAll);
    const auth = new Authorizers(() => lambda, new ManualClock(), 'us-east-1');
    const out = await auth.rest(
      { ...tokenDef, identityValidationExpression: '^Bearer .+$' },
      req('good'),
      'a',
      route,
      () => ({}),
    );
    expect(out.ok).toBe(false);
    expect(calls).toHaveLength(0);
  });
});

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('JWT authorizers', () => {
  let privateKey: PrivateKey;
  let otherKey: PrivateKey;
  let def: JwtAuthorizerDef;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const now = Math.floor(Date.UTC(2026, 0, 1) / 1000);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
    def = {
      kind: 'jwt',
      name: 'jwt',
      issuerUrl: 'https://issuer.example',
      audience: ['my-api'],
      identitySources: ['$request.header.Authorization'],
      jwks: { kind: 'inline', jwks: { keys: [jwk] } },
    };
  });

  const sign = (
    claims: Record<string, unknown>,
    key = privateKey,
    over: { iss?: string; aud?: string; exp?: number } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(over.iss ?? 'https://issuer.example')
      .setAudience(over.aud ?? 'my-api')
      .setIssuedAt(now)
      .setExpirationTime(over.exp ?? now + 3600)
      .sign(key);

  const check = async (token: string | undefined, scopes?: string[]) => {
    const auth = new Authorizers(() => ({}) as LambdaFacade, clock, 'us-east-1');
    const r = gatewayRequest({ headers: token ? [['Authorization', `Bearer ${token}`]] : [] });
    return auth.jwt(def, r, scopes);
  };

  it('accepts a token signed by the key set, and exposes claims and scopes', async () => {
    const out = await check(await sign({ sub: 'u1', scope: 'read write', groups: ['a', 'b'] }));
    expect(out.ok).toBe(true);
    const jwt = out.ok
      ? (out.authorizer.jwt as { claims: Record<string, string>; scopes: string[] })
      : undefined;
    expect(jwt?.claims.sub).toBe('u1');
    expect(jwt?.claims.iss).toBe('https://issuer.example');
    expect(jwt?.claims.groups).toBe('[a b]');
    expect(jwt?.claims.exp).toBe(String(now + 3600));
    expect(jwt?.scopes).toEqual(['read', 'write']);
  });

  it('always checks the signature, issuer, audience and expiry (401)', async () => {
    const codes = async (t: string | undefined) => {
      const o = await check(t);
      return o.ok ? 200 : o.response.statusCode;
    };
    expect(await codes(undefined)).toBe(401);
    expect(await codes(await sign({ sub: 'u' }, otherKey))).toBe(401);
    expect(await codes(await sign({ sub: 'u' }, privateKey, { iss: 'https://evil' }))).toBe(401);
    expect(await codes(await sign({ sub: 'u' }, privateKey, { aud: 'other' }))).toBe(401);
    expect(await codes(await sign({ sub: 'u' }, privateKey, { exp: now - 10 }))).toBe(401);
    const [h, p] = (await sign({ sub: 'u' })).split('.');
    expect(await codes(`${h}.${p}.`)).toBe(401);
    const tampered = Buffer.from(
      JSON.stringify({ sub: 'admin', iss: 'https://issuer.example', aud: 'my-api', exp: now + 99 }),
    ).toString('base64url');
    const sig = (await sign({ sub: 'u' })).split('.')[2];
    expect(await codes(`${h}.${tampered}.${sig}`)).toBe(401);
  });

  it('answers 403 when the route wants scopes the token does not have', async () => {
    const token = await sign({ sub: 'u1', scope: 'read' });
    expect((await check(token, ['read'])).ok).toBe(true);
    const out = await check(token, ['admin']);
    expect(!out.ok && out.response.statusCode).toBe(403);
  });
});

describe('HTTP API Lambda authorizers', () => {
  const def: HttpLambdaAuthorizerDef = {
    kind: 'http-lambda',
    name: 'auth',
    functionName: 'auth-fn',
    resultTtlInSeconds: 0,
    enableSimpleResponses: false,
    payloadVersion: '2.0',
    identitySources: ['$request.header.Authorization'],
  };
  const v2route: RouteContext = { ...route, stage: '$default', path: '/pets/1' };
  const call = async (fn: (e: Record<string, unknown>) => unknown, token = 't') => {
    const { lambda, calls } = facade(fn);
    const auth = new Authorizers(() => lambda, new ManualClock(), 'us-east-1');
    const out = await auth.httpLambda(def, req(token), 'api1234567', v2route, 'h', () => ({}));
    return { out, calls };
  };

  it('sends the 2.0 authorizer event and evaluates IAM-policy responses against the route ARN', async () => {
    const { out, calls } = await call((e) => ({
      principalId: 'p1',
      policyDocument: {
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: e.routeArn }],
      },
      context: { tier: 'gold' },
    }));
    expect(calls[0]).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:us-east-1:000000000000:api1234567/$default/GET/pets/1',
      identitySource: ['t'],
    });
    expect(out).toEqual({ ok: true, authorizer: { lambda: { tier: 'gold', principalId: 'p1' } } });
  });

  it('answers 403 Forbidden for a Deny and 500 for a malformed response', async () => {
    const deny = await call(() => ({
      principalId: 'p',
      policyDocument: { Statement: [{ Action: '*', Effect: 'Deny', Resource: '*' }] },
    }));
    expect(!deny.out.ok && deny.out.response.statusCode).toBe(403);
    const bad = await call(() => 'yes');
    expect(!bad.out.ok && bad.out.response.statusCode).toBe(500);
  });
});

describe('JWT key sets from a file', () => {
  it('reads a JWKS file given as an absolute path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jwks-'));
    try {
      const pair = await generateKeyPair('ES256');
      const file = path.join(dir, 'jwks.json');
      writeFileSync(
        file,
        JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'f1', alg: 'ES256' }] }),
      );
      const def: JwtAuthorizerDef = {
        kind: 'jwt',
        name: 'file',
        issuerUrl: 'https://iss',
        audience: ['a'],
        identitySources: ['$request.header.Authorization'],
        jwks: { kind: 'url', url: `file://${file}` },
      };
      const token = await new SignJWT({ sub: 's' })
        .setProtectedHeader({ alg: 'ES256', kid: 'f1' })
        .setIssuer('https://iss')
        .setAudience('a')
        .setExpirationTime(Math.floor(Date.UTC(2026, 0, 1) / 1000) + 60)
        .sign(pair.privateKey);
      const auth = new Authorizers(
        () => ({}) as LambdaFacade,
        new ManualClock(Date.UTC(2026, 0, 1)),
        'us-east-1',
      );
      const out = await auth.jwt(
        def,
        gatewayRequest({ headers: [['Authorization', `Bearer ${token}`]] }),
        undefined,
      );
      expect(out.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
