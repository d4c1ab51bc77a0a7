import { describe, expect, it } from 'vitest';
import { sampleEvent, shapeDiff } from './test-helpers.js';
import {
  connectEvent,
  disconnectEvent,
  messageEvent,
  selectRoute,
  type WsApiInfo,
} from './websocket-events.js';

const api: WsApiInfo = { apiId: 'abcdefghij', stage: 'dev', domainName: '127.0.0.1:3001' };
const conn = { connectionId: 'BFHPhfCWIAMCKlQ=', connectedAt: 1731324924553, sourceIp: '127.0.0.1' };
const maps = ['headers', 'multiValueHeaders', 'queryStringParameters', 'multiValueQueryStringParameters'];

describe('WebSocket events', () => {
  it('builds $connect like the sample, with the query string', () => {
    const e = connectEvent(
      api,
      conn,
      ['Host', 'h', 'X-A', '1', 'X-A', '2'],
      'token=t&x=1&x=2',
      1731324924561,
    );
    expect(shapeDiff(sampleEvent('apigw-websocket-connect.json'), e, [], maps)).toEqual([]);
    const ctx = e.requestContext as Record<string, unknown>;
    expect(ctx).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      stage: 'dev',
      apiId: 'abcdefghij',
      domainName: '127.0.0.1:3001',
      connectionId: 'BFHPhfCWIAMCKlQ=',
      connectedAt: 1731324924553,
      requestTimeEpoch: 1731324924561,
      requestTime: '11/Nov/2024:11:35:24 +0000',
      identity: { sourceIp: '127.0.0.1' },
    });
    expect(e.headers).toEqual({ Host: 'h', 'X-A': '2' });
    expect(e.multiValueHeaders).toEqual({ Host: ['h'], 'X-A': ['1', '2'] });
    expect(e.queryStringParameters).toEqual({ token: 't', x: '2' });
    expect(e.multiValueQueryStringParameters).toEqual({ token: ['t'], x: ['1', '2'] });
    expect(e.isBase64Encoded).toBe(false);
    expect('queryStringParameters' in connectEvent(api, conn, [], '', 1)).toBe(false);
  });

  it('builds messages like the sample, text as is and binary base64', () => {
    const text = messageEvent(api, conn, 'chat', Buffer.from('{"action":"chat"}'), false, 2);
    expect(shapeDiff(sampleEvent('apigw-websocket-message.json'), text)).toEqual([]);
    expect(text.body).toBe('{"action":"chat"}');
    expect((text.requestContext as Record<string, unknown>).eventType).toBe('MESSAGE');
    expect((text.requestContext as Record<string, unknown>).messageId).toMatch(/=$/);
    const bin = messageEvent(api, conn, '$default', Buffer.from([0xff, 0x00]), true, 2);
    expect(bin).toMatchObject({ body: '/wA=', isBase64Encoded: true });
  });

  it('builds $disconnect like the sample, with the close code and reason', () => {
    const e = disconnectEvent(api, { ...conn, userAgent: 'ua' }, 1001, 'bye', 3);
    expect(shapeDiff(sampleEvent('apigw-websocket-disconnect.json'), e, [], maps)).toEqual([]);
    expect(e.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: 1001,
      disconnectReason: 'bye',
      identity: { sourceIp: '127.0.0.1', userAgent: 'ua' },
    });
  });

  it('selects the route from the body, else $default', () => {
    const keys = new Set(['$default', 'chat', 'deep']);
    expect(selectRoute('$request.body.action', '{"action":"chat"}', keys)).toBe('chat');
    expect(selectRoute('$request.body.action', '{"action":"other"}', keys)).toBe('$default');
    expect(selectRoute('$request.body.action', 'not json', keys)).toBe('$default');
    expect(selectRoute('$request.body.action', undefined, keys)).toBe('$default');
    expect(selectRoute('${request.body.m.kind}', '{"m":{"kind":"deep"}}', keys)).toBe('deep');
  });
});
