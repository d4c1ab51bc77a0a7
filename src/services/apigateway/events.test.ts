import { describe, expect, it } from 'vitest';
import { parseHttpEvent } from '../../config/http-events.js';
import { buildEventV1, type RouteContext } from './event-v1.js';
import { buildEventV2 } from './event-v2.js';
import { apiEventOf } from './events.js';
import { gatewayRequest, sampleEvent, shapeDiff } from './test-helpers.js';

const restRoute: RouteContext = {
  apiId: 'abcdefghij',
  stage: 'dev',
  path: '/hello/J%C3%BCrgen',
  resourcePath: '/hello/{name}',
  resourceId: 'a1b2c3',
  routeKey: 'GET /hello/{name}',
  pathParameters: { name: 'Jürgen' },
  deploymentId: 'd1e2f3',
};

describe('payload 1.0 (REST proxy) events', () => {
  const req = gatewayRequest({
    method: 'POST',
    rawPath: '/dev/hello/J%C3%BCrgen',
    rawQuery: 'a=1&a=2&b=x%20y&c',
    headers: [
      ['Host', '127.0.0.1:3000'],
      ['User-Agent', 'curl/8.0'],
      ['X-Multi', 'one'],
      ['X-Multi', 'two'],
      ['Content-Type', 'application/json'],
    ],
    body: Buffer.from('{"a":1}'),
  });
  const event = buildEventV1(req, restRoute, { kind: 'rest', binaryMediaTypes: [], host: '127.0.0.1:3000' });

  it('has every field of a real capture, with the same types', () => {
    const sample = sampleEvent('apigw-rest-v1-proxy-request-nulls.json');
    const diff = shapeDiff(sample, event, [
      // null in the capture, filled here (or the other way round)
      'queryStringParameters',
      'multiValueQueryStringParameters',
      'pathParameters',
      'body',
      'headers',
      'multiValueHeaders',
    ]);
    expect(diff).toEqual([]);
    const maps = ['queryStringParameters', 'multiValueQueryStringParameters', 'pathParameters', 'headers'];
    const full = sampleEvent('apigw-rest-v1-proxy-request.json');
    expect(
      shapeDiff(
        full,
        event,
        [
          'headers',
          'multiValueHeaders',
          'stageVariables',
          'requestContext.identity',
          'requestContext.authorizer',
        ],
        maps,
      ),
    ).toEqual([]);
  });

  it('keeps the path encoded, decodes path parameters and query values', () => {
    expect(event.path).toBe('/hello/J%C3%BCrgen');
    expect(event.resource).toBe('/hello/{name}');
    expect(event.pathParameters).toEqual({ name: 'Jürgen' });
    expect(event.queryStringParameters).toEqual({ a: '2', b: 'x y', c: '' });
    expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '2'], b: ['x y'], c: [''] });
    const rc = event.requestContext as Record<string, unknown>;
    expect(rc.path).toBe('/dev/hello/J%C3%BCrgen');
    expect(rc.stage).toBe('dev');
    expect(rc.resourcePath).toBe('/hello/{name}');
    expect(rc.httpMethod).toBe('POST');
    expect(rc.requestTime).toBe('02/Jan/2026:03:04:05 +0000');
    expect(rc.requestTimeEpoch).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect((rc.identity as Record<string, unknown>).sourceIp).toBe('127.0.0.1');
  });

  it('keeps header casing, lets the last value win in headers and keeps all in multiValueHeaders', () => {
    const h = event.headers as Record<string, string>;
    const mh = event.multiValueHeaders as Record<string, string[]>;
    expect(h['X-Multi']).toBe('two');
    expect(mh['X-Multi']).toEqual(['one', 'two']);
    expect(h['X-Forwarded-For']).toBe('127.0.0.1');
    expect(h['X-Forwarded-Proto']).toBe('http');
    expect(h['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(event.body).toBe('{"a":1}');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('uses null (not {}) for absent maps and body', () => {
    const e = buildEventV1(
      gatewayRequest({ rawPath: '/dev/' }),
      { ...restRoute, pathParameters: {} },
      {
        kind: 'rest',
        binaryMediaTypes: [],
        host: 'h',
      },
    );
    expect(e.queryStringParameters).toBeNull();
    expect(e.multiValueQueryStringParameters).toBeNull();
    expect(e.pathParameters).toBeNull();
    expect(e.stageVariables).toBeNull();
    expect(e.body).toBeNull();
  });

  it('base64-encodes bodies whose type is in binaryMediaTypes', () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const r = gatewayRequest({ method: 'POST', body: bytes, headers: [['Content-Type', 'image/png']] });
    const e = buildEventV1(r, restRoute, { kind: 'rest', binaryMediaTypes: ['image/*'], host: 'h' });
    expect(e.isBase64Encoded).toBe(true);
    expect(Buffer.from(e.body as string, 'base64')).toEqual(bytes);
    const text = buildEventV1(r, restRoute, { kind: 'rest', binaryMediaTypes: [], host: 'h' });
    expect(text.isBase64Encoded).toBe(false);
  });

  it('is a version 1.0 event on HTTP APIs configured for payload 1.0', () => {
    const e = buildEventV1(
      req,
      { ...restRoute, stage: '$default', path: '/hello/x' },
      { kind: 'http', binaryMediaTypes: [], host: 'h' },
    );
    expect(e.version).toBe('1.0');
    expect((e.requestContext as Record<string, unknown>).stage).toBe('$default');
    expect((e.requestContext as Record<string, unknown>).path).toBe('/hello/x');
  });
});

describe('payload 2.0 (HTTP API) events', () => {
  const route: RouteContext = {
    apiId: 'abcdefghij',
    stage: '$default',
    path: '/my/path',
    resourcePath: '/my/{p}',
    resourceId: 'POST /my/{p}',
    routeKey: 'POST /my/{p}',
    pathParameters: { p: 'path' },
  };
  const req = gatewayRequest({
    method: 'POST',
    rawPath: '/my/path',
    rawQuery: 'parameter1=value1&parameter1=value2&parameter2=value',
    headers: [
      ['Host', '127.0.0.1:3000'],
      ['User-Agent', 'agent'],
      ['Header2', 'value1'],
      ['Header2', 'value2'],
      ['Cookie', 'cookie1=a; cookie2=b'],
      ['Content-Type', 'application/json'],
    ],
    body: Buffer.from('{"message":"hello world"}'),
  });
  const event = buildEventV2(req, route, '127.0.0.1:3000');

  it('has every field of the AWS example, with the same types', () => {
    const sample = sampleEvent('apigw-http-v2-request-full.json');
    expect(
      shapeDiff(
        sample,
        event,
        ['requestContext.authentication', 'requestContext.authorizer', 'stageVariables'],
        ['headers', 'queryStringParameters', 'pathParameters'],
      ),
    ).toEqual([]);
    expect(
      shapeDiff(
        sampleEvent('apigw-http-v2-request.json'),
        event,
        ['requestContext.authentication'],
        ['headers'],
      ),
    ).toEqual([]);
  });

  it('joins repeated query values and headers with commas, lower-cases names and splits cookies', () => {
    expect(event.rawQueryString).toBe('parameter1=value1&parameter1=value2&parameter2=value');
    expect(event.queryStringParameters).toEqual({ parameter1: 'value1,value2', parameter2: 'value' });
    const h = event.headers as Record<string, string>;
    expect(h.header2).toBe('value1,value2');
    expect(h.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['cookie1=a', 'cookie2=b']);
    const rc = event.requestContext as Record<string, Record<string, unknown>>;
    expect(rc.http).toEqual({
      method: 'POST',
      path: '/my/path',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'agent',
    });
    expect(rc.stage).toBe('$default');
    expect(event.pathParameters).toEqual({ p: 'path' });
  });

  it('omits absent optional fields instead of sending null', () => {
    const e = buildEventV2(gatewayRequest({ rawPath: '/' }), { ...route, pathParameters: {} }, 'h');
    expect('queryStringParameters' in e).toBe(false);
    expect('pathParameters' in e).toBe(false);
    expect('cookies' in e).toBe(false);
    expect('body' in e).toBe(false);
    expect(e.isBase64Encoded).toBe(false);
  });

  it('base64-encodes non-text bodies (form posts included) and decodes the raw path', () => {
    const e = buildEventV2(
      gatewayRequest({
        method: 'POST',
        rawPath: '/a%20b',
        body: Buffer.from('x=1'),
        headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      }),
      route,
      'h',
    );
    expect(e.isBase64Encoded).toBe(true);
    expect(Buffer.from(e.body as string, 'base64').toString()).toBe('x=1');
    expect(e.rawPath).toBe('/a b');
  });
});

describe('http and httpApi events as the gateway reads them', () => {
  it("takes a config's typed events as they are and parses written ones with the same parser", () => {
    const typed = parseHttpEvent({ path: '/users//{id}', method: 'get' }, 0, {
      owner: 'function a',
      httpApiPayload: '2.0',
      problem: () => {
        throw new Error('no problem expected');
      },
    });
    expect(apiEventOf(typed, 0, 'a', '2.0')).toBe(typed);
    expect(apiEventOf({ http: { path: '/users//{id}', method: 'get' } }, 0, 'a', '2.0')).toEqual(typed);
    expect(apiEventOf({ httpApi: 'GET /x' }, 1, 'a', '1.0')).toMatchObject({
      routeKey: 'GET /x',
      payload: '1.0',
    });
    expect(apiEventOf({ sqs: 'arn:aws:sqs:us-east-1:1:q' }, 2, 'a', '2.0')).toBeUndefined();
    expect(
      apiEventOf({ type: 'sqs', index: 2, raw: 'arn:aws:sqs:us-east-1:1:q' }, 2, 'a', '2.0'),
    ).toBeUndefined();
  });

  it('throws the first problem of a written event, at its property', () => {
    expect(() => apiEventOf({ httpApi: { method: 'FETCH', path: '/x' } }, 4, 'a', '2.0')).toThrow(
      expect.objectContaining({ code: 'INVALID_EVENT', where: 'functions.a.events[4].httpApi.method' }),
    );
  });
});
