import { describe, expect, it } from 'vitest';
import type { ApiSource } from './source.js';
import { compileWebSocketApi } from './websocket-compile.js';

function source(functions: ApiSource['functions'], extra: Partial<ApiSource> = {}): ApiSource {
  return {
    service: 'chat',
    stage: 'dev',
    region: 'us-east-1',
    functions,
    apiGateway: {},
    httpApi: {},
    documentation: {},
    selfless: {},
    ...extra,
  };
}

describe('compileWebSocketApi', () => {
  it('is undefined without websocket events', () => {
    expect(compileWebSocketApi(source([{ key: 'a', name: 'chat-dev-a', events: [{ http: 'GET /' }] }]))).toBe(
      undefined,
    );
  });

  it('compiles one route per key with the default selection expression and name', () => {
    const api = compileWebSocketApi(
      source([
        { key: 'connect', name: 'chat-dev-connect', events: [{ websocket: '$connect' }] },
        {
          key: 'send',
          name: 'chat-dev-send',
          events: [{ websocket: { route: 'send', routeResponseSelectionExpression: '$default' } }],
        },
      ]),
    )!;
    expect(api.name).toBe('dev-chat-websockets');
    expect(api.stage).toBe('dev');
    expect(api.routeSelectionExpression).toBe('$request.body.action');
    expect(api.routes).toEqual([
      {
        routeKey: '$connect',
        functionKey: 'connect',
        functionName: 'chat-dev-connect',
        routeResponse: false,
      },
      { routeKey: 'send', functionKey: 'send', functionName: 'chat-dev-send', routeResponse: true },
    ]);
    expect(api.apiId).toMatch(/^[a-z0-9]{10}$/);
  });

  it('takes the provider name and selection expression, and a $connect authorizer', () => {
    const api = compileWebSocketApi(
      source(
        [
          {
            key: 'connect',
            name: 'chat-dev-connect',
            events: [
              {
                websocket: {
                  route: '$connect',
                  authorizer: { name: 'auth', identitySource: ['route.request.querystring.token'] },
                },
              },
            ],
          },
          { key: 'auth', name: 'chat-dev-auth', events: [] },
        ],
        {
          websocketsApiName: 'custom',
          websocketsApiRouteSelectionExpression: '$request.body.type',
          selfless: { integrationTimeoutMs: 60_000 },
        },
      ),
    )!;
    expect(api.name).toBe('custom');
    expect(api.routeSelectionExpression).toBe('$request.body.type');
    expect(api.integrationTimeoutMs).toBe(29_000);
    expect(api.authorizer).toEqual({
      name: 'auth',
      functionName: 'chat-dev-auth',
      identitySources: ['route.request.querystring.token'],
    });
  });

  it('refuses duplicate routes, authorizers off $connect and unknown authorizer functions', () => {
    const dup = source([
      { key: 'a', name: 'a', events: [{ websocket: 'x' }] },
      { key: 'b', name: 'b', events: [{ websocket: { route: 'x' } }] },
    ]);
    expect(() => compileWebSocketApi(dup)).toThrow(/Duplicate websocket route 'x'/);
    const off = source([{ key: 'a', name: 'a', events: [{ websocket: { route: 'x', authorizer: 'a' } }] }]);
    expect(() => compileWebSocketApi(off)).toThrow(/only be set on the \$connect route/);
    const unknown = source([
      { key: 'a', name: 'a', events: [{ websocket: { route: '$connect', authorizer: 'nope' } }] },
    ]);
    expect(() => compileWebSocketApi(unknown)).toThrow(/"nope" is not a function/);
  });
});
