import { describe, expect, it } from 'vitest';
import { mapResponseV1, mapResponseV2 } from './response.js';
import { sampleEvent } from './test-helpers.js';

const v1 = (v: unknown, accept?: string, binaryMediaTypes: string[] = []) =>
  mapResponseV1(Buffer.from(JSON.stringify(v)), { kind: 'rest', accept, binaryMediaTypes });

describe('payload 1.0 responses', () => {
  it('maps the sample proxy response: status, headers and body', () => {
    const r = v1(sampleEvent('apigw-rest-v1-proxy-response.json'))!;
    expect(r.statusCode).toBe(200);
    expect(r.body.toString()).toBe('Hello World');
    expect(r.headers.filter(([k]) => k === 'Accept-Language')).toEqual([
      ['Accept-Language', 'en-US,en;q=0.8'],
    ]);
    expect(r.headers.some(([k]) => k === 'Content-Type')).toBe(true);
  });

  it('lets multiValueHeaders win over headers for the same name', () => {
    const r = v1({
      statusCode: 201,
      headers: { 'X-A': 'single' },
      multiValueHeaders: { 'x-a': ['m1', 'm2'] },
      body: '',
    })!;
    expect(r.headers.filter(([k]) => k.toLowerCase() === 'x-a').map(([, v]) => v)).toEqual(['m1', 'm2']);
    expect(r.statusCode).toBe(201);
  });

  it('rejects malformed responses (body not a string, missing statusCode, non-JSON)', () => {
    expect(v1({ statusCode: 200, body: { a: 1 } })).toBeUndefined();
    expect(v1({ body: 'x' })).toBeUndefined();
    expect(v1('just a string')).toBeUndefined();
    expect(v1({ statusCode: 200, headers: { a: { b: 1 } } })).toBeUndefined();
    expect(mapResponseV1(Buffer.from('not json'), { kind: 'rest', binaryMediaTypes: [] })).toBeUndefined();
  });

  it('decodes base64 bodies only when Accept matches binaryMediaTypes (REST)', () => {
    const res = { statusCode: 200, body: Buffer.from([1, 2, 3]).toString('base64'), isBase64Encoded: true };
    expect(v1(res, 'image/png', ['image/png'])!.body).toEqual(Buffer.from([1, 2, 3]));
    expect(v1(res, 'text/html', ['image/png'])!.body.toString()).toBe('AQID');
  });
});

describe('payload 2.0 responses', () => {
  const v2 = (v: unknown) => mapResponseV2(Buffer.from(JSON.stringify(v)));

  it('treats JSON without statusCode as a 200 application/json body', () => {
    const r = v2({ hello: 'world' })!;
    expect(r.statusCode).toBe(200);
    expect(r.body.toString()).toBe('{"hello":"world"}');
    expect(r.headers).toEqual([['content-type', 'application/json']]);
    expect(v2('plain')!.body.toString()).toBe('plain');
  });

  it('turns cookies into Set-Cookie headers and decodes base64 bodies', () => {
    const r = v2({
      statusCode: 302,
      cookies: ['a=1', 'b=2'],
      headers: { Location: '/x' },
      body: 'aGk=',
      isBase64Encoded: true,
    })!;
    expect(r.statusCode).toBe(302);
    expect(r.headers.filter(([k]) => k === 'set-cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2']);
    expect(r.body.toString()).toBe('hi');
  });

  it('rejects a structured response whose body is not a string', () => {
    expect(v2({ statusCode: 200, body: { a: 1 } })).toBeUndefined();
    expect(v2({ statusCode: 'abc' })).toBeUndefined();
  });
});
