/**
 * CORS as API Gateway does it. REST: `cors:` makes serverless generate an OPTIONS mock method that
 * answers preflights (proxy responses carry only what the function returns). HTTP APIs: the gateway
 * answers preflights itself and sets the CORS headers on every response for allowed origins.
 */
import type { HttpApiCors, RestCors } from './model.js';
import type { GatewayResponse } from './response.js';

/** Whether `origin` matches an allowed origin (`*`, exact, or with `*` wildcards such as `https://*.x.com`). */
export function originAllowed(origin: string, allowed: string[]): boolean {
  return allowed.some((a) => {
    if (a === '*') return true;
    if (!a.includes('*')) return a === origin;
    const re = new RegExp(`^${a.split('*').map(escapeRe).join('.*')}$`);
    return re.test(origin);
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The Access-Control-Allow-Origin value of a REST cors config for a request Origin. */
export function restAllowOrigin(cors: RestCors, origin: string | undefined): string {
  if (cors.origins.includes('*')) return '*';
  if (origin && originAllowed(origin, cors.origins)) return origin;
  return cors.origins[0] ?? '*';
}

/** The response of the OPTIONS mock method serverless generates for a REST path with `cors:`. */
export function restPreflight(cors: RestCors, origin: string | undefined): GatewayResponse {
  // Browsers know no ANY: an ANY method allows every method, as serverless's generated OPTIONS does.
  const listed = cors.methods.includes('ANY')
    ? ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT']
    : cors.methods.filter((m) => m !== 'OPTIONS');
  const methods = ['OPTIONS', ...listed];
  const headers: Array<[string, string]> = [
    ['Content-Type', 'application/json'],
    ['Access-Control-Allow-Origin', restAllowOrigin(cors, origin)],
    ['Access-Control-Allow-Headers', cors.headers.join(',')],
    ['Access-Control-Allow-Methods', methods.join(',')],
  ];
  if (cors.allowCredentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
  if (cors.maxAge !== undefined) headers.push(['Access-Control-Max-Age', String(cors.maxAge)]);
  if (cors.cacheControl) headers.push(['Cache-Control', cors.cacheControl]);
  return { statusCode: 200, headers, body: Buffer.alloc(0) };
}

function httpAllowOrigin(cors: HttpApiCors, origin: string): string | undefined {
  if (!originAllowed(origin, cors.allowedOrigins)) return undefined;
  return cors.allowedOrigins.includes('*') && !cors.allowCredentials ? '*' : origin;
}

/** An HTTP API preflight answer (204); CORS headers only for an allowed origin. */
export function httpPreflight(cors: HttpApiCors, origin: string): GatewayResponse {
  const headers: Array<[string, string]> = [];
  const allow = httpAllowOrigin(cors, origin);
  if (allow) {
    headers.push(['access-control-allow-origin', allow]);
    headers.push(['access-control-allow-methods', cors.allowedMethods.join(',')]);
    headers.push(['access-control-allow-headers', cors.allowedHeaders.join(',').toLowerCase()]);
    if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
    if (cors.maxAge !== undefined) headers.push(['access-control-max-age', String(cors.maxAge)]);
  }
  return { statusCode: 204, headers, body: Buffer.alloc(0) };
}

/** Replaces any CORS headers of a response with the HTTP API's, for an allowed origin. */
export function applyHttpCors(res: GatewayResponse, cors: HttpApiCors, origin: string | undefined): void {
  if (!origin) return;
  const allow = httpAllowOrigin(cors, origin);
  if (!allow) return;
  res.headers = res.headers.filter(([k]) => !k.toLowerCase().startsWith('access-control-'));
  res.headers.push(['access-control-allow-origin', allow]);
  if (cors.allowCredentials) res.headers.push(['access-control-allow-credentials', 'true']);
  if (cors.exposedResponseHeaders.length > 0)
    res.headers.push(['access-control-expose-headers', cors.exposedResponseHeaders.join(',')]);
  res.headers.push(['vary', 'Origin']);
}
