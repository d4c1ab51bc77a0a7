import { describe, expect, it } from 'vitest';
import { type HttpEventContext, parseHttpApiEvent, parseHttpEvent } from './http-events.js';

/** A context that collects problems, as the config loader does. */
function context(httpApiPayload: '1.0' | '2.0' = '2.0') {
  const problems: Array<{ path: string; message: string }> = [];
  const ctx: HttpEventContext = {
    owner: 'function hello',
    httpApiPayload,
    problem: (rel, message) => problems.push({ path: rel.join('.'), message }),
  };
  return { ctx, problems };
}

function http(raw: unknown) {
  const { ctx, problems } = context();
  return { event: parseHttpEvent(raw, 3, ctx), problems };
}

function httpApi(raw: unknown, payload: '1.0' | '2.0' = '2.0') {
  const { ctx, problems } = context(payload);
  return { event: parseHttpApiEvent(raw, 3, ctx), problems };
}

const METHODS = 'GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, ANY or *';

describe('http events (REST API)', () => {
  it('reads the string form: upper-case method, path without outer slashes, lambda-proxy', () => {
    expect(http('get /hello/{name}/').event).toMatchObject({
      type: 'http',
      index: 3,
      raw: 'get /hello/{name}/',
      method: 'GET',
      path: 'hello/{name}',
      integration: 'AWS_PROXY',
      private: false,
      async: false,
    });
    expect(http('GET /').event).toMatchObject({ method: 'GET', path: '' });
    // The docs' form without a leading slash: the schema only warns, and the event is wired.
    expect(http('POST hello').event).toMatchObject({ method: 'POST', path: 'hello' });
    expect(http('* /x').event).toMatchObject({ method: 'ANY', path: 'x' });
  });

  it("collapses doubled slashes: 'GET users//{id}/' is the resource users/{id}", () => {
    expect(http('GET users//{id}/').event).toMatchObject({ method: 'GET', path: 'users/{id}' });
    expect(http({ path: '//users//{id}//', method: 'get' }).event).toMatchObject({ path: 'users/{id}' });
  });

  it("reads '*' (string or path) as ANY on the greedy {proxy+} resource", () => {
    expect(http('*').event).toMatchObject({ method: 'ANY', path: '{proxy+}' });
    expect(http({ path: '*', method: 'post' }).event).toMatchObject({ method: 'POST', path: '{proxy+}' });
  });

  it('maps every Serverless integration name, in any case; async is a Lambda integration', () => {
    const of = (integration: string) => http({ path: 'x', method: 'get', integration }).event?.integration;
    expect(of('lambda-proxy')).toBe('AWS_PROXY');
    expect(of('AWS_PROXY')).toBe('AWS_PROXY');
    expect(of('lambda')).toBe('AWS');
    expect(of('aws')).toBe('AWS');
    expect(of('http')).toBe('HTTP');
    expect(of('HTTP-PROXY')).toBe('HTTP_PROXY');
    expect(of('http_proxy')).toBe('HTTP_PROXY');
    expect(of('mock')).toBe('MOCK');
    expect(http({ path: 'x', method: 'post', async: true }).event).toMatchObject({
      integration: 'AWS',
      async: true,
    });
  });

  it('rejects a method API Gateway does not have, naming where and what to write (no default)', () => {
    const s = http('FETCH /users');
    expect(s.event).toBeUndefined();
    expect(s.problems).toEqual([
      {
        path: 'http',
        message: `Unsupported method "FETCH" in function hello for http event: use ${METHODS}`,
      },
    ]);
    const o = http({ path: 'users', method: 'fetch' });
    expect(o.event).toBeUndefined();
    expect(o.problems).toEqual([
      {
        path: 'http.method',
        message: `Unsupported method "fetch" in function hello for http event: use ${METHODS}`,
      },
    ]);
  });

  it('rejects an unknown integration instead of serving it as lambda-proxy', () => {
    const r = http({ path: 'x', method: 'get', integration: 'bogus' });
    expect(r.event).toBeUndefined();
    expect(r.problems).toEqual([
      {
        path: 'http.integration',
        message:
          'Unsupported integration "bogus" in function hello for http event: use lambda-proxy (the default), lambda, http, http-proxy or mock',
      },
    ]);
  });

  it('rejects malformed strings and objects missing path or method', () => {
    expect(http('GET').problems[0]?.message).toBe(
      'Invalid http event "GET" in function hello: write "<METHOD> /<path>", e.g. "GET /hello/{name}"',
    );
    expect(http({ method: 'get' }).problems[0]?.message).toMatch(
      /^Missing "path" property in function hello/,
    );
    expect(http({ path: 'x' }).problems[0]?.message).toBe(
      `Missing "method" property in function hello for http event in serverless.yml: add one of ${METHODS}`,
    );
    expect(http(42).problems[0]).toMatchObject({ path: 'http' });
  });

  it('defaults cors: true as Serverless does, listed methods first, then OPTIONS and its own', () => {
    expect(http({ path: 'x', method: 'get', cors: true }).event?.cors).toEqual({
      origin: undefined,
      origins: ['*'],
      headers: [
        'Content-Type',
        'X-Amz-Date',
        'Authorization',
        'X-Api-Key',
        'X-Amz-Security-Token',
        'X-Amz-User-Agent',
        'X-Amzn-Trace-Id',
      ],
      methods: ['OPTIONS', 'GET'],
      allowCredentials: false,
      maxAge: undefined,
      cacheControl: undefined,
    });
    const cors = http({
      path: 'x',
      method: 'post',
      cors: { origin: 'https://a.com', headers: ['X-A'], methods: ['put'], maxAge: 60 },
    }).event?.cors;
    expect(cors).toMatchObject({
      origins: ['https://a.com'],
      headers: ['X-A'],
      methods: ['PUT', 'OPTIONS', 'POST'],
      maxAge: 60,
    });
    expect(http({ path: 'x', method: 'get', cors: false }).event?.cors).toBeUndefined();
  });

  it('reads authorizers: function key, ARN, Cognito pool, aws_iam, REQUEST without cache', () => {
    const auth = (authorizer: unknown) => http({ path: 'x', method: 'get', authorizer }).event?.authorizer;
    expect(auth('checker')).toMatchObject({
      functionKey: 'checker',
      name: 'checker',
      type: 'TOKEN',
      resultTtlInSeconds: 300,
      identitySource: 'method.request.header.Authorization',
    });
    expect(auth('arn:aws:lambda:us-east-1:123456789012:function:ext')).toMatchObject({
      functionKey: undefined,
      name: 'ext',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:ext',
      type: 'TOKEN',
    });
    expect(auth({ arn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/p1' })).toMatchObject({
      type: 'COGNITO_USER_POOLS',
    });
    expect(auth('AWS_IAM')).toMatchObject({ type: 'AWS_IAM' });
    expect(auth({ type: 'aws_iam' })).toMatchObject({ type: 'AWS_IAM' });
    const request = auth({ name: 'checker', type: 'request', resultTtlInSeconds: 0 });
    expect(request).toMatchObject({ functionKey: 'checker', type: 'REQUEST', resultTtlInSeconds: 0 });
    expect(request?.identitySource).toBeUndefined();
  });

  it('rejects an unknown authorizer type', () => {
    const r = http({ path: 'x', method: 'get', authorizer: { name: 'a', type: 'oauth' } });
    expect(r.event).toBeUndefined();
    expect(r.problems).toEqual([
      {
        path: 'http.authorizer.type',
        message:
          'Unsupported authorizer type "oauth" in function hello for http event: use token, request, cognito_user_pools, aws_iam or custom',
      },
    ]);
  });

  it('keeps request, response, documentation and operationId as written', () => {
    const e = http({
      path: 'x',
      method: 'post',
      private: true,
      request: { schemas: { 'application/json': 'm' } },
      response: { headers: { A: "'b'" } },
      documentation: { summary: 'S' },
      operationId: 'createX',
    }).event;
    expect(e).toMatchObject({
      private: true,
      request: { schemas: { 'application/json': 'm' } },
      response: { headers: { A: "'b'" } },
      documentation: { summary: 'S' },
      operationId: 'createX',
    });
  });
});

describe('httpApi events (HTTP API)', () => {
  it("reads '<METHOD> /path' and '*' (the $default route)", () => {
    expect(httpApi('get /users/{id}').event).toMatchObject({
      type: 'httpApi',
      index: 3,
      method: 'GET',
      path: '/users/{id}',
      routeKey: 'GET /users/{id}',
      payload: '2.0',
    });
    expect(httpApi('*').event).toMatchObject({ method: 'ANY', path: '*', routeKey: '$default' });
    expect(httpApi('* /any').event).toMatchObject({ routeKey: 'ANY /any' });
    expect(httpApi({ path: '*' }).event).toMatchObject({ routeKey: '$default' });
    expect(httpApi({ path: '*', method: 'get' }).event).toMatchObject({
      method: 'ANY',
      routeKey: '$default',
    });
  });

  it("collapses doubled and trailing slashes: 'GET /users//{id}/' is the route GET /users/{id}", () => {
    expect(httpApi('GET /users//{id}/').event).toMatchObject({
      path: '/users/{id}',
      routeKey: 'GET /users/{id}',
    });
    expect(httpApi({ method: 'post', path: '/' }).event).toMatchObject({ routeKey: 'POST /' });
  });

  it('takes the payload version from the event, else the function or provider default', () => {
    expect(httpApi('GET /x', '1.0').event?.payload).toBe('1.0');
    expect(httpApi({ method: 'get', path: '/x', payload: '2.0' }, '1.0').event?.payload).toBe('2.0');
    expect(httpApi({ method: 'get', path: '/x', payload: 1 }).event?.payload).toBe('1.0');
  });

  it('reads authorizers by name, with scopes, or aws_iam', () => {
    expect(httpApi({ method: 'get', path: '/x', authorizer: 'jwt' }).event?.authorizer).toEqual({
      name: 'jwt',
    });
    expect(
      httpApi({ method: 'get', path: '/x', authorizer: { name: 'jwt', scopes: ['read'] } }).event?.authorizer,
    ).toMatchObject({ name: 'jwt', scopes: ['read'] });
    expect(
      httpApi({ method: 'get', path: '/x', authorizer: { type: 'aws_iam' } }).event?.authorizer,
    ).toMatchObject({ type: 'aws_iam' });
  });

  it('rejects a missing or unsupported method, a relative path and malformed strings', () => {
    expect(httpApi({ path: '/x' }).problems).toEqual([
      {
        path: 'httpApi',
        message: 'Missing "method" property in function hello for httpApi event in serverless.yml',
      },
    ]);
    const fetch = httpApi({ method: 'FETCH', path: '/x' });
    expect(fetch.event).toBeUndefined();
    expect(fetch.problems).toEqual([
      {
        path: 'httpApi.method',
        message: `Unsupported method "FETCH" in function hello for httpApi event: use ${METHODS}`,
      },
    ]);
    expect(httpApi('FETCH /x').problems[0]).toMatchObject({ path: 'httpApi' });
    expect(httpApi({ method: 'get', path: 'x' }).problems).toEqual([
      {
        path: 'httpApi.path',
        message: 'Invalid httpApi path "x" in function hello: paths start with "/", e.g. /users/{id}',
      },
    ]);
    expect(httpApi('GET').problems[0]?.message).toMatch(/^Invalid httpApi event "GET" in function hello/);
  });
});
