import { afterAll, describe, expect, it } from 'vitest';
import { load, removeServiceDirs } from '../../config/test-helpers.js';
import { compileDeployment } from '../../framework/compile.js';
import { isSelflessError, type SelflessError } from '../../platform/errors.js';
import { compileApis, stableId } from './compile.js';
import { type ApiSource, type ConfigLike, sourceFromConfig, sourceFromSpec } from './source.js';

const source = (over: Partial<ApiSource>): ApiSource => ({
  service: 'shop',
  stage: 'dev',
  region: 'us-east-1',
  functions: [],
  apiGateway: {},
  httpApi: {},
  documentation: {},
  selfless: {},
  ...over,
});

describe('compiling http and httpApi events', () => {
  it('reads the string and object forms, with lambda-proxy as the default integration', () => {
    const apis = compileApis(
      source({
        functions: [
          {
            key: 'hello',
            name: 'shop-dev-hello',
            events: [
              { http: 'GET hello/{name}' },
              { http: { path: '/users/', method: 'post', integration: 'lambda' } },
            ],
          },
        ],
      }),
    );
    expect(apis.rest?.routes.map((r) => [r.method, r.resourcePath, r.integration])).toEqual([
      ['GET', '/hello/{name}', 'AWS_PROXY'],
      ['POST', '/users', 'AWS'],
    ]);
    expect(apis.rest?.stage).toBe('dev');
    expect(apis.rest?.apiId).toBe(stableId('shop/dev/rest'));
    expect(apis.rest?.apiId).toMatch(/^[a-z0-9]{10}$/);
    expect(apis.rest?.routes[1]?.response?.statusCodes.find((s) => s.statusCode === 400)?.pattern).toBe(
      '[\\s\\S]*\\[400\\][\\s\\S]*',
    );
    expect(apis.http).toBeUndefined();
  });

  it('builds HTTP API routes with payload versions, $default and authorizers', () => {
    const apis = compileApis(
      source({
        httpApi: {
          payload: '1.0',
          cors: true,
          authorizers: {
            jwtAuth: {
              identitySource: '$request.header.Authorization',
              issuerUrl: 'https://issuer',
              audience: ['aud1'],
            },
            fnAuth: { type: 'request', functionName: 'auth', enableSimpleResponses: true },
          },
        },
        functions: [
          {
            key: 'api',
            name: 'shop-dev-api',
            events: [
              { httpApi: '*' },
              { httpApi: { method: 'GET', path: '/me', authorizer: { name: 'jwtAuth', scopes: ['read'] } } },
              { httpApi: { method: 'GET', path: '/x', authorizer: 'fnAuth', payload: '2.0' } },
            ],
          },
          { key: 'auth', name: 'shop-dev-auth', events: [] },
        ],
      }),
    );
    const routes = apis.http!.routes;
    expect(routes.map((r) => [r.routeKey, r.payload])).toEqual([
      ['$default', '1.0'],
      ['GET /me', '1.0'],
      ['GET /x', '2.0'],
    ]);
    expect(routes[1]!.authorizer).toMatchObject({
      kind: 'jwt',
      issuerUrl: 'https://issuer',
      audience: ['aud1'],
    });
    expect(routes[1]!.scopes).toEqual(['read']);
    expect(routes[2]!.authorizer).toMatchObject({
      kind: 'http-lambda',
      functionName: 'shop-dev-auth',
      resultTtlInSeconds: 300,
    });
    expect(apis.http!.cors).toMatchObject({ allowedOrigins: ['*'], allowedMethods: ['*'] });
  });

  it('resolves REST authorizers by function key and defaults TOKEN to the Authorization header', () => {
    const apis = compileApis(
      source({
        functions: [
          {
            key: 'a',
            name: 'shop-dev-a',
            events: [
              { http: { path: 'p', method: 'get', authorizer: 'auth' } },
              {
                http: {
                  path: 'q',
                  method: 'get',
                  authorizer: {
                    name: 'auth',
                    type: 'request',
                    identitySource: 'method.request.header.X, method.request.querystring.t',
                    resultTtlInSeconds: 0,
                  },
                },
              },
            ],
          },
          { key: 'auth', name: 'shop-dev-auth', events: [] },
        ],
      }),
    );
    expect(apis.rest!.routes[0]!.authorizer).toMatchObject({
      type: 'TOKEN',
      functionName: 'shop-dev-auth',
      identitySources: ['method.request.header.Authorization'],
      resultTtlInSeconds: 300,
    });
    expect(apis.rest!.routes[1]!.authorizer?.identitySources).toEqual([
      'method.request.header.X',
      'method.request.querystring.t',
    ]);
  });

  it('creates API keys with a default usage plan and keeps earlier generated values', () => {
    const src = source({
      apiGateway: {
        apiKeys: ['free', { name: 'fixed', value: 'v'.repeat(30) }],
        usagePlan: { throttle: { rateLimit: 5, burstLimit: 2 } },
      },
      functions: [{ key: 'a', name: 'a', events: [{ http: { path: 'p', method: 'get', private: true } }] }],
    });
    const first = compileApis(src);
    const keys = first.rest!.apiKeys;
    expect(keys.map((k) => [k.name, k.usagePlans])).toEqual([
      ['free', ['default']],
      ['fixed', ['default']],
    ]);
    expect(keys[0]!.value).toHaveLength(40);
    expect(first.rest!.usagePlans).toEqual([
      expect.objectContaining({ name: 'default', throttle: { rateLimit: 5, burstLimit: 2 } }),
    ]);
    const again = compileApis(src, { existingKeyValues: { free: keys[0]!.value } });
    expect(again.rest!.apiKeys[0]!.value).toBe(keys[0]!.value);
  });

  it('resolves request schemas by content type, including shared provider schemas', () => {
    const apis = compileApis(
      source({
        apiGateway: { request: { schemas: { order: { schema: { type: 'object', required: ['id'] } } } } },
        functions: [
          {
            key: 'a',
            name: 'a',
            events: [
              { http: { path: 'o', method: 'post', request: { schemas: { 'application/json': 'order' } } } },
            ],
          },
        ],
      }),
    );
    expect(apis.rest!.routes[0]!.schemas).toEqual({
      'application/json': { type: 'object', required: ['id'] },
    });
  });

  it('rejects duplicate routes and unknown authorizers with where and what to do', () => {
    expect(() =>
      compileApis(
        source({ functions: [{ key: 'a', name: 'a', events: [{ http: 'GET x' }, { http: 'get /x/' }] }] }),
      ),
    ).toThrow(/Duplicate http route 'GET \/x'/);
    expect(() =>
      compileApis(
        source({
          functions: [
            { key: 'a', name: 'a', events: [{ httpApi: { method: 'get', path: '/x', authorizer: 'nope' } }] },
          ],
        }),
      ),
    ).toThrow(/Unknown httpApi authorizer 'nope'/);
    expect(() =>
      compileApis(source({ functions: [{ key: 'a', name: 'a', events: [{ httpApi: { path: '/x' } }] }] })),
    ).toThrow(/Missing "method"/);
  });

  it('merges cors of every method on a path into one preflight', () => {
    const apis = compileApis(
      source({
        functions: [
          {
            key: 'a',
            name: 'a',
            events: [
              { http: { path: 'x', method: 'get', cors: true } },
              {
                http: {
                  path: 'x',
                  method: 'post',
                  cors: { origins: ['https://a.com', 'https://*.b.com'], allowCredentials: true },
                },
              },
            ],
          },
        ],
      }),
    );
    expect(apis.rest!.corsPaths).toHaveLength(1);
    expect(apis.rest!.corsPaths[0]!.cors.methods.sort()).toEqual(['GET', 'OPTIONS', 'POST']);
    expect(apis.rest!.corsPaths[0]!.cors.origins).toEqual(['https://a.com', 'https://*.b.com']);
  });

  it('rejects an unsupported method or integration in a written event, naming the property', () => {
    const failure = (http: unknown): SelflessError => {
      try {
        compileApis(source({ functions: [{ key: 'a', name: 'a', events: [{ http }] }] }));
      } catch (e) {
        if (isSelflessError(e)) return e;
        throw e;
      }
      throw new Error('compiled');
    };
    expect(failure({ path: 'users', method: 'FETCH' })).toMatchObject({
      code: 'INVALID_EVENT',
      where: 'functions.a.events[0].http.method',
      message:
        'Unsupported method "FETCH" in function a for http event: use GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, ANY or *',
    });
    expect(failure('FETCH /users')).toMatchObject({ where: 'functions.a.events[0].http' });
    expect(failure({ path: 'users', method: 'get', integration: 'bogus' })).toMatchObject({
      where: 'functions.a.events[0].http.integration',
      message:
        'Unsupported integration "bogus" in function a for http event: use lambda-proxy (the default), lambda, http, http-proxy or mock',
    });
  });

  it("serves 'GET users//{id}/' on /users/{id}, the resource the config names", () => {
    const apis = compileApis(
      source({
        functions: [
          {
            key: 'a',
            name: 'a',
            events: [{ http: 'GET users//{id}/' }, { httpApi: 'GET /users//{id}/' }],
          },
        ],
      }),
    );
    expect(apis.rest!.routes.map((r) => r.resourcePath)).toEqual(['/users/{id}']);
    expect(apis.http!.routes.map((r) => r.routeKey)).toEqual(['GET /users/{id}']);
    expect(() =>
      compileApis(
        source({
          functions: [
            { key: 'a', name: 'a', events: [{ http: 'GET users//{id}/' }, { http: 'GET /users/{id}' }] },
          ],
        }),
      ),
    ).toThrow(/Duplicate http route 'GET \/users\/\{id\}'/);
  });

  it("defaults httpApi routes to the function's payload version, then the provider's", () => {
    const apis = compileApis(
      source({
        httpApi: { payload: '2.0' },
        functions: [
          { key: 'a', name: 'a', events: [{ httpApi: 'GET /a' }], httpApiPayload: '1.0' },
          { key: 'b', name: 'b', events: [{ httpApi: 'GET /b' }] },
        ],
      }),
    );
    expect(apis.http!.routes.map((r) => [r.routeKey, r.payload])).toEqual([
      ['GET /a', '1.0'],
      ['GET /b', '2.0'],
    ]);
  });
});

describe('the same events read from a loaded config and from its deployment spec', () => {
  const yml = [
    'service: shop',
    'provider: {name: aws, httpApi: {payload: "2.0"}}',
    'functions:',
    '  a:',
    '    handler: h.a',
    '    httpApi: {payload: "1.0"}',
    '    events:',
    '      - http: GET users//{id}/',
    '      - http: {path: /orders, method: post, integration: LAMBDA, cors: {origins: [https://a.com]}}',
    '      - http: {path: /secret, method: get, authorizer: auth}',
    '      - httpApi: {method: "*", path: /any//thing}',
    '  auth:',
    '    handler: h.auth',
  ].join('\n');

  afterAll(removeServiceDirs);

  it('compile to the same APIs', async () => {
    const loaded = await load(yml);
    const fromConfig = sourceFromConfig(loaded.config as unknown as ConfigLike);
    const artifact = { path: '/tmp/x.zip', sha256: '0'.repeat(64), size: 1, shared: false };
    const spec = compileDeployment(loaded, { functions: { a: artifact, auth: artifact } });
    const fromSpec = sourceFromSpec(spec);
    const a = compileApis(fromConfig);
    const b = compileApis(fromSpec);
    expect(b).toEqual(a);
    expect(a.rest!.routes.map((r) => [r.method, r.resourcePath, r.integration])).toEqual([
      ['GET', '/users/{id}', 'AWS_PROXY'],
      ['POST', '/orders', 'AWS'],
      ['GET', '/secret', 'AWS_PROXY'],
    ]);
    expect(a.rest!.routes[2]!.authorizer).toMatchObject({ functionName: 'shop-dev-auth', type: 'TOKEN' });
    expect(a.rest!.corsPaths[0]).toMatchObject({
      resourcePath: '/orders',
      cors: { origins: ['https://a.com'], methods: ['OPTIONS', 'POST'] },
    });
    expect(a.http!.routes.map((r) => [r.routeKey, r.payload])).toEqual([['ANY /any/thing', '1.0']]);
  });
});
