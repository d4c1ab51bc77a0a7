/**
 * API Gateway end to end: a real platform in this process, the fixture service loaded, packaged and
 * deployed through the real config loader and framework, real function processes, real HTTP.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployLocal } from '../../src/cli/commands/dev.js';
import { loadService } from '../../src/config/index.js';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import type { ApiGatewayFacade } from '../../src/services/apigateway/plugin.js';
import { sampleEvent, shapeDiff } from '../../src/services/apigateway/test-helpers.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
let dir: string;
let platform: Platform;
let base: string;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

// biome-ignore lint/suspicious/noExplicitAny: assertions navigate the events the echo function returns.
type Json = Record<string, any>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'apigw-it-'));
  const serviceDir = path.join(dir, 'service');
  cpSync(path.resolve('test/fixtures/services/apigw'), serviceDir, { recursive: true });
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  writeFileSync(path.join(serviceDir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  process.env.SELFLESS_API_PORT_BASE = '0';
  platform = await startPlatform({ port: 0, dataDir: path.join(dir, 'data'), log: quiet });
  const loaded = await loadService({ cwd: serviceDir });
  await deployLocal(platform, loaded, path.join(dir, 'pkg'));
  const endpoints = platform.service<ApiGatewayFacade>('apigateway').endpoints('apigw', 'dev');
  base = endpoints!.baseUrl;
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  delete process.env.SELFLESS_API_PORT_BASE;
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  p: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; text: string; json: Json }> {
  const res = await fetch(`${base}${p}`, init);
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe('REST API (http events, payload 1.0)', () => {
  // First, so the abandoned invocation finishes while the other tests run.
  it('answers 504 when the integration times out, and keeps serving', async () => {
    const r = await call('/dev/slow');
    expect(r.status).toBe(504);
    expect(r.json).toEqual({ message: 'Endpoint request timed out' });
    expect((await call('/dev/hello/x')).status).toBe(200);
  }, 15_000);

  it('prints Serverless-style endpoints for the REST API and the HTTP API', () => {
    const e = platform.service<ApiGatewayFacade>('apigateway').endpoints('apigw', 'dev')!;
    expect(e.endpoints).toContain(`GET - ${base}/dev/hello/{name}`);
    expect(e.endpoints).toContain(`ANY - ${base}/dev/echo/{proxy+}`);
    expect(e.endpoints).toContain(`GET - ${base}/v2/items/{id}`);
    expect(e.apiKeys).toEqual([
      { name: 'partner', value: 'partner-key-0123456789abcdefghij', description: undefined },
    ]);
  });

  it('delivers a proxy event shaped like a real capture, with decoded path parameters and query values', async () => {
    const r = await call('/dev/hello/J%C3%BCrgen?a=1&a=2&b=x%20y', {
      headers: { 'X-Multi': 'one', 'User-Agent': 'it' },
    });
    expect(r.status).toBe(200);
    const event = r.json;
    expect(
      shapeDiff(
        sampleEvent('apigw-rest-v1-proxy-request-nulls.json'),
        event,
        ['queryStringParameters', 'multiValueQueryStringParameters', 'pathParameters'],
        ['headers', 'multiValueHeaders'],
      ),
    ).toEqual([]);
    expect(event.resource).toBe('/hello/{name}');
    expect(event.path).toBe('/hello/J%C3%BCrgen');
    expect(event.pathParameters).toEqual({ name: 'Jürgen' });
    expect(event.queryStringParameters).toEqual({ a: '2', b: 'x y' });
    expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '2'], b: ['x y'] });
    expect(event.headers['X-Multi']).toBe('one');
    expect(event.requestContext).toMatchObject({
      stage: 'dev',
      path: '/dev/hello/J%C3%BCrgen',
      resourcePath: '/hello/{name}',
      httpMethod: 'GET',
      accountId: '000000000000',
      identity: { sourceIp: '127.0.0.1', userAgent: 'it' },
    });
    expect(r.headers.get('x-amzn-requestid')).toBe(event.requestContext.requestId);
    // One request, one set of ids: the response headers repeat what the event carried.
    expect(r.headers.get('x-amz-apigw-id')).toBe(event.requestContext.extendedRequestId);
    expect(r.headers.get('x-amzn-trace-id')).toBe(event.headers['X-Amzn-Trace-Id']);
    expect(r.headers.get('x-calls')).toMatch(/^\d+$/);
  });

  it('routes ANY and greedy {proxy+} paths, bodies included', async () => {
    const r = await call('/dev/echo/a/b/c', {
      method: 'PUT',
      body: '{"x":1}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.json.pathParameters).toEqual({ proxy: 'a/b/c' });
    expect(r.json.httpMethod).toBe('PUT');
    expect(r.json.body).toBe('{"x":1}');
    expect(r.json.isBase64Encoded).toBe(false);
  });

  it('answers unknown routes and methods 403 Missing Authentication Token', async () => {
    for (const [p, method] of [
      ['/dev/nowhere', 'GET'],
      ['/dev/hello', 'GET'],
      ['/dev/hello/x', 'DELETE'],
    ]) {
      const r = await call(p!, { method });
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ message: 'Missing Authentication Token' });
      expect(r.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
  });

  it('answers the CORS preflight of a cors: true path', async () => {
    const r = await call('/dev/echo/x', { method: 'OPTIONS', headers: { Origin: 'https://x.example' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-methods')).toBe('OPTIONS,DELETE,GET,HEAD,PATCH,POST,PUT');
    expect(r.headers.get('access-control-allow-headers')).toContain('X-Amz-Date');
  });

  it('validates bodies against request.schemas (400 Invalid request body) before the function runs', async () => {
    const ok = await call('/dev/items', {
      method: 'POST',
      body: '{"name":"a"}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(ok.status).toBe(200);
    const bad = await call('/dev/items', {
      method: 'POST',
      body: '{"nope":1}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ message: 'Invalid request body' });
    const broken = await call('/dev/items', {
      method: 'POST',
      body: '{"name":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(broken.status).toBe(400);
  });

  it('requires request.parameters (400 Missing required request parameters)', async () => {
    const bad = await call('/dev/search');
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ message: 'Missing required request parameters: [q]' });
    expect((await call('/dev/search?q=x')).status).toBe(200);
  });

  it('guards private methods with API keys and throttles them by the usage plan', async () => {
    expect((await call('/dev/partner')).status).toBe(403);
    expect((await call('/dev/partner', { headers: { 'x-api-key': 'wrong' } })).json).toEqual({
      message: 'Forbidden',
    });
    const key = { headers: { 'x-api-key': 'partner-key-0123456789abcdefghij' } };
    const first = await call('/dev/partner', key);
    expect(first.status).toBe(200);
    expect(first.json.requestContext.identity.apiKey).toBe('partner-key-0123456789abcdefghij');
    expect((await call('/dev/partner', key)).status).toBe(200);
    const third = await call('/dev/partner', key);
    expect(third.status).toBe(429);
    expect(third.json).toEqual({ message: 'Too Many Requests' });
  });

  it('runs TOKEN authorizers: 401 without or with a bad token, 403 on Deny, context and caching on Allow', async () => {
    expect((await call('/dev/secure')).json).toEqual({ message: 'Unauthorized' });
    expect((await call('/dev/secure', { headers: { Authorization: 'nope' } })).status).toBe(401);
    const denied = await call('/dev/secure', { headers: { Authorization: 'deny' } });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({
      Message: 'User is not authorized to access this resource with an explicit deny',
    });
    const a = await call('/dev/secure', { headers: { Authorization: 'allow' } });
    expect(a.status).toBe(200);
    expect(a.json.requestContext.authorizer).toMatchObject({
      principalId: 'user-1',
      role: 'admin',
      level: '3',
    });
    const b = await call('/dev/secure', { headers: { Authorization: 'allow' } });
    // Cached for resultTtlInSeconds: the authorizer did not run again.
    expect(b.json.requestContext.authorizer.authorizerCalls).toBe(
      a.json.requestContext.authorizer.authorizerCalls,
    );
  });

  it('runs REQUEST authorizers with every identity source (401 when one is missing)', async () => {
    expect((await call('/dev/secure-request?tenant=t1')).status).toBe(401);
    const ok = await call('/dev/secure-request?tenant=t1', { headers: { 'X-User': 'alice' } });
    expect(ok.status).toBe(200);
    expect(ok.json.requestContext.authorizer).toMatchObject({ principalId: 'alice', tenant: 't1' });
    expect((await call('/dev/secure-request?tenant=t2', { headers: { 'X-User': 'alice' } })).status).toBe(
      403,
    );
  });

  it('passes binary bodies base64-encoded and returns binary when Accept matches binaryMediaTypes', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const res = await fetch(`${base}/dev/binary`, {
      method: 'POST',
      body: bytes,
      headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/octet-stream' },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it('answers 502 Internal server error for malformed proxy responses and function errors', async () => {
    const m = await call('/dev/malformed');
    expect(m.status).toBe(502);
    expect(m.json).toEqual({ message: 'Internal server error' });
    const c = await call('/dev/crash');
    expect(c.status).toBe(502);
  });

  it('maps integration: lambda requests with the default template and errors by selection pattern', async () => {
    const ok = await call('/dev/classic/7?q=1', {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.got).toMatchObject({
      body: { a: 1 },
      method: 'POST',
      stage: 'dev',
      path: { id: '7' },
      query: { q: '1' },
      requestPath: '/classic/{id}',
    });
    const bad = await call('/dev/classic/7', {
      method: 'POST',
      body: '{"fail":"x"}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.errorMessage).toBe('[400] Bad input: x');
  });

  it('refuses bodies over 10 MB with 413', async () => {
    const r = await call('/dev/items', { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1, 97) });
    expect(r.status).toBe(413);
  });
});

describe('HTTP API (httpApi events, payload 2.0)', () => {
  it('delivers a 2.0 event shaped like the AWS example, with cookies and joined values', async () => {
    const r = await call('/v2/items/42?x=1&x=2', { headers: { Cookie: 'a=1; b=2', 'X-Dup': 'v' } });
    expect(r.status).toBe(200);
    const e = r.json;
    expect(
      shapeDiff(
        sampleEvent('apigw-http-v2-request-full.json'),
        e,
        ['requestContext.authentication', 'requestContext.authorizer', 'stageVariables', 'body'],
        ['headers', 'queryStringParameters', 'pathParameters'],
      ),
    ).toEqual([]);
    expect(e.version).toBe('2.0');
    expect(e.routeKey).toBe('GET /v2/items/{id}');
    expect(e.rawQueryString).toBe('x=1&x=2');
    expect(e.queryStringParameters).toEqual({ x: '1,2' });
    expect(e.cookies).toEqual(['a=1', 'b=2']);
    expect(e.headers['x-dup']).toBe('v');
    expect(e.pathParameters).toEqual({ id: '42' });
    expect(e.requestContext.stage).toBe('$default');
    expect(r.headers.get('apigw-requestid')).toBe(e.requestContext.requestId);
  });

  it('answers unknown routes 404 Not Found', async () => {
    const r = await call('/v2/none');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ message: 'Not Found' });
  });

  it('serves payload 1.0 when a route asks for it', async () => {
    const r = await call('/v2/legacy?a=1');
    expect(r.json.version).toBe('1.0');
    expect(r.json.multiValueQueryStringParameters).toEqual({ a: ['1'] });
    expect(r.json.requestContext.stage).toBe('$default');
  });

  it('treats a result without statusCode as a JSON body and errors as 500', async () => {
    const raw = await call('/v2/raw');
    expect(raw.status).toBe(500);
    const crash = await call('/v2/crash');
    expect(crash.status).toBe(500);
    expect(crash.json).toEqual({ message: 'Internal Server Error' });
  });

  it('answers preflights and sets CORS headers for allowed origins only', async () => {
    const pre = await call('/v2/items/1', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(pre.headers.get('access-control-max-age')).toBe('600');
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    const actual = await call('/v2/items/1', { headers: { Origin: 'https://app.example.com' } });
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(actual.headers.get('access-control-expose-headers')).toBe('X-Custom');
    const other = await call('/v2/items/1', { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBe('https://wrong.example');
  });

  it('verifies JWTs against the configured key set (signature, issuer, audience, scopes)', async () => {
    const sign = (claims: Record<string, unknown>, aud = 'selfless-tests') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer('https://issuer.example.com')
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    expect((await call('/v2/me')).status).toBe(401);
    const good = await call('/v2/me', {
      headers: { Authorization: `Bearer ${await sign({ sub: 'u1', scope: 'profile' })}` },
    });
    expect(good.status).toBe(200);
    expect(good.json.requestContext.authorizer.jwt.claims.sub).toBe('u1');
    expect(good.json.requestContext.authorizer.jwt.scopes).toEqual(['profile']);
    const forged = (await sign({ sub: 'u1', scope: 'profile' })).replace(/\.[^.]+$/, '.AAAA');
    expect((await call('/v2/me', { headers: { Authorization: `Bearer ${forged}` } })).status).toBe(401);
    expect(
      (
        await call('/v2/me', {
          headers: { Authorization: `Bearer ${await sign({ scope: 'profile' }, 'other')}` },
        })
      ).status,
    ).toBe(401);
    expect(
      (await call('/v2/me', { headers: { Authorization: `Bearer ${await sign({ scope: 'email' })}` } }))
        .status,
    ).toBe(403);
  });

  it('runs Lambda authorizers with simple responses (401 without identity, 403 when not authorized)', async () => {
    expect((await call('/v2/simple')).status).toBe(401);
    const no = await call('/v2/simple', { headers: { 'X-Token': 'wrong' } });
    expect(no.status).toBe(403);
    expect(no.json).toEqual({ message: 'Forbidden' });
    const yes = await call('/v2/simple', { headers: { 'X-Token': 'open-sesame' } });
    expect(yes.status).toBe(200);
    expect(yes.json.requestContext.authorizer.lambda.who).toBe('sesame');
    expect(yes.json.requestContext.authorizer.lambda.routeArn).toMatch(
      /^arn:aws:execute-api:us-east-1:000000000000:[a-z0-9]{10}\/\$default\/GET\/v2\/simple$/,
    );
  });

  it('serves the OpenAPI document of the deployed API', async () => {
    const doc = await call('/_selfless/openapi.json?api=http');
    expect(doc.json.openapi).toBe('3.1.0');
    expect(Object.keys(doc.json.paths)).toContain('/v2/items/{id}');
  });
});
