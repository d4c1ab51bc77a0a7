import { describe, expect, it } from 'vitest';
import { applyHttpCors, httpPreflight, originAllowed, restPreflight } from './cors.js';
import type { HttpApiCors } from './model.js';

const header = (h: Array<[string, string]>, name: string) => h.find(([k]) => k.toLowerCase() === name)?.[1];

describe('CORS', () => {
  it('matches origins exactly, by * and by wildcard patterns', () => {
    expect(originAllowed('https://a.com', ['*'])).toBe(true);
    expect(originAllowed('https://a.com', ['https://a.com'])).toBe(true);
    expect(originAllowed('https://x.b.com', ['https://*.b.com'])).toBe(true);
    expect(originAllowed('https://b.com.evil', ['https://*.b.com'])).toBe(false);
  });

  it('answers REST preflights like the OPTIONS mock method serverless generates', () => {
    const r = restPreflight(
      {
        origins: ['https://a.com', 'https://b.com'],
        headers: ['Content-Type'],
        methods: ['GET', 'OPTIONS'],
        allowCredentials: true,
        maxAge: 86400,
        cacheControl: 'max-age=600',
      },
      'https://b.com',
    );
    expect(r.statusCode).toBe(200);
    expect(header(r.headers, 'access-control-allow-origin')).toBe('https://b.com');
    expect(header(r.headers, 'access-control-allow-methods')).toBe('OPTIONS,GET');
    expect(header(r.headers, 'access-control-allow-credentials')).toBe('true');
    expect(header(r.headers, 'access-control-max-age')).toBe('86400');
    expect(header(r.headers, 'cache-control')).toBe('max-age=600');
    const other = restPreflight(
      { origins: ['https://a.com', 'https://b.com'], headers: [], methods: [], allowCredentials: false },
      'https://c.com',
    );
    expect(header(other.headers, 'access-control-allow-origin')).toBe('https://a.com');
    expect(header(other.headers, 'access-control-allow-credentials')).toBeUndefined();
  });

  const cors: HttpApiCors = {
    allowedOrigins: ['https://app.com'],
    allowedHeaders: ['Content-Type'],
    allowedMethods: ['GET', 'OPTIONS'],
    allowCredentials: false,
    exposedResponseHeaders: ['X-Id'],
    maxAge: 60,
  };

  it('answers HTTP API preflights with 204, with CORS headers only for allowed origins', () => {
    const ok = httpPreflight(cors, 'https://app.com');
    expect(ok.statusCode).toBe(204);
    expect(header(ok.headers, 'access-control-allow-origin')).toBe('https://app.com');
    expect(header(ok.headers, 'access-control-allow-headers')).toBe('content-type');
    expect(httpPreflight(cors, 'https://evil.com').headers).toEqual([]);
  });

  it('replaces the function CORS headers on HTTP API responses for allowed origins', () => {
    const res = {
      statusCode: 200,
      headers: [['Access-Control-Allow-Origin', '*'] as [string, string]],
      body: Buffer.alloc(0),
    };
    applyHttpCors(res, cors, 'https://app.com');
    expect(header(res.headers, 'access-control-allow-origin')).toBe('https://app.com');
    expect(header(res.headers, 'access-control-expose-headers')).toBe('X-Id');
  });
});
