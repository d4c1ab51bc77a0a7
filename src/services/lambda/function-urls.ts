/**
 * Function URLs (`url: true` or `url: { cors, authorizer, invokeMode }`): each function with a URL
 * gets its own HTTP listener on a stable port (remembered in the Store, from a base port up), at
 * `http://127.0.0.1:<port>/`, standing for `https://<url-id>.lambda-url.<region>.on.aws/`. Requests
 * become payload 2.0 events (routeKey `$default`, accountId `anonymous` without auth) and the
 * function's answer is mapped as HTTP APIs map 2.0 results; CORS preflights are answered by the
 * URL itself; `aws_iam` requires a SigV4-signed request.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import { SelflessError } from '../../platform/errors.js';
import type { DeployContext, PlatformContext } from '../../platform/service.js';
import type { Table } from '../../platform/store/port.js';
import { baseEventV2 } from '../apigateway/event-v2.js';
import { choosePort } from '../apigateway/ports.js';
import {
  type GatewayRequest,
  headerValue,
  isTextMediaType,
  newShortRequestId,
} from '../apigateway/request.js';
import { mapResponseV2 } from '../apigateway/response.js';
import type { LambdaEngine } from './engine.js';

export const FUNCTION_URLS = 'lambda.functionUrls';
export const FUNCTION_URL_PORTS = 'lambda.functionUrlPorts';
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** The CORS settings of a URL (AWS's Cors object). */
export interface UrlCors {
  allowOrigins: string[];
  allowHeaders: string[];
  allowMethods: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAge?: number;
}

/** One function URL's configuration. */
export interface FunctionUrlConfig {
  functionName: string;
  service: string;
  stage: string;
  /** The deployment's region (the URL's domain and ARNs follow it). */
  region: string;
  key: string;
  urlId: string;
  authType: 'NONE' | 'AWS_IAM';
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  cors?: UrlCors;
}

/** Normalises serverless.yml `url:` (true or an object); undefined when absent or false. */
export function parseUrlSetting(
  value: unknown,
  where: string,
): Pick<FunctionUrlConfig, 'authType' | 'invokeMode' | 'cors'> | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true) return { authType: 'NONE', invokeMode: 'BUFFERED' };
  if (typeof value !== 'object' || Array.isArray(value))
    throw new SelflessError('INVALID_URL_CONFIG', `${where} must be true or an object`, {
      where,
      hint: 'Write url: true, or url: { cors: true, authorizer: aws_iam, invokeMode: BUFFERED }.',
    });
  const v = value as Record<string, unknown>;
  const auth = v.authorizer ?? 'none';
  if (auth !== 'none' && auth !== 'aws_iam')
    throw new SelflessError(
      'INVALID_URL_CONFIG',
      `${where}.authorizer must be none or aws_iam, not ${String(auth)}`,
      {
        where: `${where}.authorizer`,
      },
    );
  const mode = v.invokeMode ?? 'BUFFERED';
  if (mode !== 'BUFFERED' && mode !== 'RESPONSE_STREAM')
    throw new SelflessError(
      'INVALID_URL_CONFIG',
      `${where}.invokeMode must be BUFFERED or RESPONSE_STREAM, not ${String(mode)}`,
      { where: `${where}.invokeMode` },
    );
  return {
    authType: auth === 'aws_iam' ? 'AWS_IAM' : 'NONE',
    invokeMode: mode,
    ...(v.cors ? { cors: corsOf(v.cors) } : {}),
  };
}

/** Serverless's `cors: true` defaults, or the settings written. */
function corsOf(c: unknown): UrlCors {
  const o = c === true ? {} : (c as Record<string, unknown>);
  const list = (x: unknown, d: string[]) => (Array.isArray(x) ? x.map(String) : d);
  return {
    allowOrigins: list(o.allowedOrigins, ['*']),
    allowHeaders: list(o.allowedHeaders, [
      'Content-Type',
      'X-Amz-Date',
      'Authorization',
      'X-Api-Key',
      'X-Amz-Security-Token',
    ]),
    allowMethods: list(o.allowedMethods, ['*']),
    exposeHeaders: list(o.exposedResponseHeaders, []),
    allowCredentials: o.allowCredentials === true,
    ...(typeof o.maxAge === 'number' ? { maxAge: o.maxAge } : {}),
  };
}

/** The URL id AWS would show (32 lowercase alphanumerics), stable per function name. */
export function urlIdOf(functionName: string): string {
  return createHash('sha256')
    .update(`function-url:${functionName}`)
    .digest('hex')
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 32);
}

/** The listeners of every function URL. */
export class FunctionUrls {
  private readonly configs: Table<FunctionUrlConfig>;
  private readonly ports: Table<number>;
  private readonly listeners = new Map<string, { server: http.Server; port: number }>();
  private readonly host = '127.0.0.1';

  constructor(
    private readonly ctx: PlatformContext,
    private readonly engine: LambdaEngine,
    private readonly portBase: number,
  ) {
    this.configs = ctx.store.table(FUNCTION_URLS);
    this.ports = ctx.store.table(FUNCTION_URL_PORTS);
  }

  /** Opens the listeners of URLs deployed before a restart. */
  async init(): Promise<void> {
    for (const { value } of await this.configs.list())
      await this.open(value).catch((e) =>
        this.ctx.log.warn(`Function URL of ${value.functionName}: ${(e as Error).message}`),
      );
  }

  /** Applies the `url` settings of a deployment: opens new URLs, updates and closes old ones. */
  async wire(ctx: DeployContext): Promise<void> {
    const wanted = new Map<string, FunctionUrlConfig>();
    for (const fn of ctx.spec.functions) {
      const setting = parseUrlSetting(fn.extra?.url, `functions.${fn.key}.url`);
      if (!setting) continue;
      wanted.set(fn.name, {
        functionName: fn.name,
        service: ctx.service,
        stage: ctx.stage,
        region: ctx.region,
        key: fn.key,
        urlId: urlIdOf(fn.name),
        ...setting,
      });
    }
    for (const c of await this.of(ctx.service, ctx.stage))
      if (!wanted.has(c.functionName)) await this.drop(c.functionName);
    for (const c of wanted.values()) {
      await this.configs.put(c.functionName, c);
      await this.open(c);
    }
  }

  /** Closes every URL of a service and stage. */
  async unwire(service: string, stage: string): Promise<void> {
    for (const c of await this.of(service, stage)) await this.drop(c.functionName);
  }

  /** `key: url` lines for deploy and info. */
  async outputs(service: string, stage: string): Promise<string[]> {
    return (await this.of(service, stage))
      .filter((c) => this.listeners.has(c.functionName))
      .map((c) => `${c.key}: ${this.url(c.functionName)}`);
  }

  /** The URL configuration of a function, if it has one. */
  config(functionName: string): Promise<FunctionUrlConfig | undefined> {
    return this.configs.get(functionName);
  }

  /** The URL of a function, if it has one. */
  url(functionName: string): string | undefined {
    const l = this.listeners.get(functionName);
    return l ? `http://${this.host}:${l.port}/` : undefined;
  }

  /** Closes every listener (platform stop). */
  async close(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((name) => this.closeListener(name)));
  }

  private async of(service: string, stage: string): Promise<FunctionUrlConfig[]> {
    return (await this.configs.list())
      .map((r) => r.value)
      .filter((c) => c.service === service && c.stage === stage);
  }

  private async drop(functionName: string): Promise<void> {
    await this.configs.delete(functionName);
    await this.closeListener(functionName);
  }

  private async closeListener(functionName: string): Promise<void> {
    const l = this.listeners.get(functionName);
    if (!l) return;
    this.listeners.delete(functionName);
    await new Promise<void>((resolve) => {
      l.server.close(() => resolve());
      l.server.closeAllConnections();
    });
  }

  private async open(c: FunctionUrlConfig): Promise<void> {
    if (this.listeners.has(c.functionName)) return;
    const inUse = new Set([...this.listeners.values()].map((l) => l.port));
    const server = http.createServer((req, res) => {
      void this.handle(c.functionName, req, res).catch((e) => {
        this.ctx.log.error(`Function URL of ${c.functionName}: ${(e as Error).message}`);
        if (!res.headersSent) send(res, 500, { Message: 'Internal Server Error' });
        else res.destroy();
      });
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    // Another process may take a port between the check and the bind: then try the next one.
    for (let attempt = 0; ; attempt++) {
      const { port } = await choosePort({
        key: c.functionName,
        table: this.ports,
        base: this.portBase,
        host: this.host,
        inUse,
      });
      try {
        const bound = await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, this.host, () => {
            server.off('error', reject);
            resolve((server.address() as AddressInfo).port);
          });
        });
        await this.ports.put(c.functionName, bound);
        this.listeners.set(c.functionName, { server, port: bound });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw e;
        inUse.add(port);
      }
    }
  }

  private async handle(functionName: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const c = await this.configs.get(functionName);
    if (!c) return send(res, 404, { Message: null });
    const origin = req.headers.origin;
    if (c.cors && req.method === 'OPTIONS' && req.headers['access-control-request-method'])
      return preflight(res, c.cors, origin);
    if (c.authType === 'AWS_IAM' && !signed(req)) return send(res, 403, { Message: 'Forbidden' });
    const body = await readLimited(req, MAX_BODY_BYTES);
    if (!body)
      return send(res, 413, {
        Message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const timeEpoch = this.ctx.clock.now();
    const greq: GatewayRequest = {
      method: req.method ?? 'GET',
      rawPath: url.pathname,
      rawQuery: url.search.slice(1),
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      protocol: `HTTP/${req.httpVersion}`,
      port: req.socket.localPort ?? 0,
      timeEpoch,
      requestId: newShortRequestId(),
    };
    const domain = `${c.urlId}.lambda-url.${c.region ?? this.ctx.region}.on.aws`;
    const event = baseEventV2(
      greq,
      {
        apiId: c.urlId,
        stage: '$default',
        path: url.pathname,
        resourcePath: url.pathname,
        resourceId: '$default',
        routeKey: '$default',
        pathParameters: {},
      },
      domain,
    );
    const rc = event.requestContext as Record<string, unknown>;
    rc.accountId = c.authType === 'AWS_IAM' ? ACCOUNT_ID : 'anonymous';
    if (c.authType === 'AWS_IAM')
      rc.authorizer = {
        iam: {
          accessKey: accessKeyOf(req) ?? '',
          accountId: ACCOUNT_ID,
          callerId: ACCOUNT_ID,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
          userId: ACCOUNT_ID,
        },
      };
    (event.headers as Record<string, string>).host = domain;
    if (body.length > 0) {
      const binary = !isTextMediaType(headerValue(req.rawHeaders, 'content-type'));
      event.body = binary ? body.toString('base64') : body.toString('utf8');
      event.isBase64Encoded = binary;
    } else event.isBase64Encoded = false;
    let result: Awaited<ReturnType<LambdaEngine['invoke']>>;
    try {
      result = await this.engine.invoke({ functionName, payload: JSON.stringify(event) });
    } catch (e) {
      if (e instanceof SelflessError && (e.code === 'TOO_MANY_REQUESTS' || e.code === 'FUNCTION_DISABLED'))
        return send(res, 429, { Message: 'Rate Exceeded.' });
      throw e;
    }
    const mapped = result.functionError ? undefined : mapResponseV2(result.payload);
    if (!mapped) return send(res, 502, { Message: null }, c.cors, origin);
    const headers = new Map<string, string[]>();
    for (const [k, v] of mapped.headers)
      headers.set(k.toLowerCase(), [...(headers.get(k.toLowerCase()) ?? []), v]);
    if (c.cors) for (const [k, v] of corsHeaders(c.cors, origin)) if (!headers.has(k)) headers.set(k, [v]);
    headers.set('x-amzn-requestid', [result.requestId]);
    for (const [k, v] of headers) {
      if (k === 'content-length' || k === 'transfer-encoding' || k === 'connection') continue;
      try {
        res.setHeader(k, v.length === 1 ? v[0]! : v);
      } catch {
        // a header HTTP cannot carry is dropped
      }
    }
    res.statusCode = mapped.statusCode;
    res.setHeader('Content-Length', mapped.body.length);
    res.end(mapped.body);
  }
}

function send(res: ServerResponse, status: number, body: unknown, cors?: UrlCors, origin?: string): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-ErrorType':
      status === 403 ? 'AccessDeniedException' : status === 429 ? 'TooManyRequestsException' : 'Error',
  };
  if (cors) for (const [k, v] of corsHeaders(cors, origin)) headers[k] = v;
  res.writeHead(status, headers);
  res.end(text);
}

function allowedOrigin(cors: UrlCors, origin: string | undefined): string | undefined {
  if (cors.allowOrigins.includes('*')) return cors.allowCredentials && origin ? origin : '*';
  return origin && cors.allowOrigins.includes(origin) ? origin : undefined;
}

function corsHeaders(cors: UrlCors, origin: string | undefined): Array<[string, string]> {
  const allow = allowedOrigin(cors, origin);
  if (!allow) return [];
  const out: Array<[string, string]> = [['access-control-allow-origin', allow]];
  if (cors.allowCredentials) out.push(['access-control-allow-credentials', 'true']);
  if (cors.exposeHeaders.length) out.push(['access-control-expose-headers', cors.exposeHeaders.join(',')]);
  return out;
}

function preflight(res: ServerResponse, cors: UrlCors, origin: string | undefined): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of corsHeaders(cors, origin)) headers[k] = v;
  if (headers['access-control-allow-origin']) {
    headers['access-control-allow-methods'] = cors.allowMethods.join(',');
    headers['access-control-allow-headers'] = cors.allowHeaders.join(',');
    if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
  }
  res.writeHead(200, { ...headers, 'Content-Length': 0 });
  res.end();
}

/** A SigV4-signed request (header or presigned query), as `aws_iam` URLs require. */
function signed(req: IncomingMessage): boolean {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('AWS4-HMAC-SHA256 ') || /[?&]X-Amz-Signature=/.test(req.url ?? '');
}

function accessKeyOf(req: IncomingMessage): string | undefined {
  const m = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '');
  return m?.[1];
}

async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) return undefined;
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
