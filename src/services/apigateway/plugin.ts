/**
 * The apigateway service plugin: wires `http` / `httpApi` events of each deployment into a gateway
 * served on the service's own stable port, keeps the compiled APIs in the store so they are served
 * again after a restart, and exposes endpoints, API keys and OpenAPI documents through its facade.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateOpenApi } from '../../framework/openapi.js';
import { isSelflessError } from '../../platform/errors.js';
import type { DeployContext, PlatformContext, ServicePlugin } from '../../platform/service.js';
import type { Table } from '../../platform/store/port.js';
import type { LambdaFacade } from '../lambda/facade.js';
import type { StepFunctionsFacade } from '../stepfunctions/facade.js';
import { Authorizers } from './authorizers.js';
import { compileApis } from './compile.js';
import { isObj } from './events.js';
import { ServiceGateway } from './gateway.js';
import { type QuotaCount, UsagePlans } from './keys.js';
import { ApiListener } from './listener.js';
import type { ServiceApis } from './model.js';
import { choosePort } from './ports.js';
import { sourceFromSpec } from './source.js';
import { compileWebSocketApi } from './websocket-compile.js';
import { ConnectionRegistry, handleManagement, readManagementBody } from './websocket-connections.js';
import { WebSocketListener } from './websocket-listener.js';
import type { WebSocketApiModel } from './websocket-model.js';

export const APIS_TABLE = 'apigateway.apis';
export const PORTS_TABLE = 'apigateway.ports';
export const KEYS_TABLE = 'apigateway.keys';
export const QUOTAS_TABLE = 'apigateway.quotas';

/** What deploy and info print for a service's APIs. */
export interface ApiEndpoints {
  port: number;
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** REST base URL with the stage (`http://127.0.0.1:3000/dev`), when there is a REST API. */
  restUrl?: string;
  /** HTTP API base URL, when there is an HTTP API. */
  httpApiUrl?: string;
  /** Serverless-style lines: `GET - http://127.0.0.1:3000/dev/hello/{name}`. */
  endpoints: string[];
  /** `name: value[ - description]` lines for the `api keys:` section. */
  apiKeys: Array<{ name: string; value: string; description?: string }>;
  /** Where the OpenAPI document is served. */
  openapiUrl: string;
  /** The WebSocket API's URL with the stage (`ws://127.0.0.1:3001/dev`), when there is one. */
  websocketUrl?: string;
}

/** The facade other parts use: `ctx.service<ApiGatewayFacade>('apigateway')` / `platform.service(...)`. */
export interface ApiGatewayFacade {
  /** Endpoints of a deployed service and stage; undefined when it has no API. */
  endpoints(service: string, stage: string): ApiEndpoints | undefined;
  /** The OpenAPI document of a deployed API (`rest` first unless `kind` says otherwise). */
  openapi(service: string, stage: string, kind?: 'rest' | 'http'): unknown;
}

export interface ApiGatewayPluginOptions {
  /** First port tried for a service's API (default SELFLESS_API_PORT_BASE or 3000; 0 = any free port). */
  basePort?: number;
  host?: string;
  /** Integration timeout (default 29 s REST / 30 s HTTP API). */
  integrationTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

interface Served {
  apis: ServiceApis;
  port: number;
  listener: ApiListener;
}

interface ServedWebSocket {
  api: WebSocketApiModel;
  port: number;
  listener: WebSocketListener;
}

/** What the store keeps per service and stage: the compiled APIs and the ports they were served on. */
type StoredApis = ServiceApis & { port?: number; websocketPort?: number };

/** The Step Functions facade, or undefined when that service is not part of this platform. */
function optionalStepFunctions(c: PlatformContext): StepFunctionsFacade | undefined {
  try {
    return c.service<StepFunctionsFacade>('stepfunctions');
  } catch (e) {
    if (isSelflessError(e) && e.code === 'SERVICE_NOT_STARTED') return undefined;
    throw e;
  }
}

/** Formats Serverless's endpoint lines for a compiled service at a base URL. */
export function endpointLines(apis: ServiceApis, baseUrl: string): string[] {
  const lines: string[] = [];
  if (apis.rest) {
    const stageUrl = `${baseUrl}/${apis.rest.stage}`;
    for (const r of apis.rest.routes)
      lines.push(`${r.method} - ${stageUrl}${r.resourcePath === '/' ? '' : r.resourcePath}`);
  }
  if (apis.http) {
    for (const r of apis.http.routes)
      lines.push(r.routeKey === '$default' ? `ANY - ${baseUrl}` : `${r.method} - ${baseUrl}${r.path}`);
  }
  return lines;
}

/** Creates the apigateway plugin. */
export function apigatewayPlugin(opts: ApiGatewayPluginOptions = {}): ServicePlugin {
  const served = new Map<string, Served>();
  const servedWs = new Map<string, ServedWebSocket>();
  const registry = new ConnectionRegistry();
  let ctx: PlatformContext | undefined;
  let apisTable: Table<StoredApis>;
  let portsTable: Table<number>;
  let keysTable: Table<Record<string, string>>;
  let authorizers: Authorizers;
  let usage: UsagePlans;
  const host = opts.host ?? '127.0.0.1';
  const envBase = process.env.SELFLESS_API_PORT_BASE;
  const basePort = opts.basePort ?? (envBase !== undefined && /^\d+$/.test(envBase) ? Number(envBase) : 3000);

  const gatewayFor = (apis: ServiceApis) =>
    new ServiceGateway(apis, {
      lambda: () => ctx!.service<LambdaFacade>('lambda'),
      stepFunctions: () => optionalStepFunctions(ctx!),
      clock: ctx!.clock,
      authorizers,
      usage,
      log: ctx!.log,
      integrationTimeoutMs: apis.integrationTimeoutMs ?? opts.integrationTimeoutMs,
    });

  const openapiRoute = (key: string) => (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path !== '/_selfless/openapi.json' || req.method !== 'GET') return false;
    const s = served.get(key);
    const kind = new URL(req.url ?? '/', 'http://x').searchParams.get('api');
    const doc = kind === 'http' ? s?.apis.openapi?.http : (s?.apis.openapi?.rest ?? s?.apis.openapi?.http);
    const body = JSON.stringify(doc ?? { message: 'Not Found' }, null, 2);
    res.writeHead(doc ? 200 : 404, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    return true;
  };

  async function serve(
    key: string,
    apis: ServiceApis,
    wanted: number | undefined,
    warn: (m: string) => void,
  ) {
    const existing = served.get(key);
    const gateway = gatewayFor(apis);
    if (existing && (wanted === undefined || wanted === existing.port)) {
      existing.listener.setGateway(gateway);
      existing.apis = apis;
      return existing.port;
    }
    if (existing) {
      await existing.listener.close();
      served.delete(key);
    }
    const inUse = usedPorts();
    const { port: chosen, note } = await choosePort({
      key,
      table: portsTable,
      wanted,
      base: basePort,
      host,
      inUse,
    });
    if (note) warn(note);
    const listener = new ApiListener(gateway, {
      clock: ctx!.clock,
      headersTimeoutMs: opts.headersTimeoutMs,
      requestTimeoutMs: opts.requestTimeoutMs,
      extra: openapiRoute(key),
    });
    const port = await listener.listen(chosen, host).catch((e: NodeJS.ErrnoException) => {
      throw new Error(
        e.code === 'EADDRINUSE'
          ? `Port ${chosen} for the API of ${key} is already in use; set custom.selfless.httpPort to another port.`
          : `Cannot listen for the API of ${key}: ${e.message}`,
      );
    });
    await portsTable.put(key, port);
    served.set(key, { apis, port, listener });
    return port;
  }

  function usedPorts(): Set<number> {
    return new Set([
      ...[...served.values()].map((s) => s.port),
      ...[...servedWs.values()].map((s) => s.port),
    ]);
  }

  /** Serves (or re-routes) the WebSocket API of a service on its own stable port. */
  async function serveWebSocket(
    key: string,
    api: WebSocketApiModel,
    wanted: number | undefined,
    warn: (m: string) => void,
  ): Promise<number> {
    const existing = servedWs.get(key);
    if (existing && (wanted === undefined || wanted === existing.port)) {
      existing.listener.setApi(api);
      existing.api = api;
      return existing.port;
    }
    if (existing) {
      await existing.listener.close();
      servedWs.delete(key);
    }
    const portKey = `${key}:websocket`;
    const { port: chosen, note } = await choosePort({
      key: portKey,
      table: portsTable,
      wanted,
      base: basePort,
      host,
      inUse: usedPorts(),
    });
    if (note) warn(note);
    const listener = new WebSocketListener(api, {
      lambda: () => ctx!.service<LambdaFacade>('lambda'),
      clock: ctx!.clock,
      log: ctx!.log,
      region: ctx!.region,
      registry,
      integrationTimeoutMs: opts.integrationTimeoutMs,
    });
    const port = await listener.listen(chosen, host).catch((e: NodeJS.ErrnoException) => {
      throw new Error(
        e.code === 'EADDRINUSE'
          ? `Port ${chosen} for the WebSocket API of ${key} is already in use; set custom.selfless.websocketPort to another port.`
          : `Cannot listen for the WebSocket API of ${key}: ${e.message}`,
      );
    });
    await portsTable.put(portKey, port);
    servedWs.set(key, { api, port, listener });
    return port;
  }

  async function stopHttp(key: string): Promise<void> {
    const s = served.get(key);
    served.delete(key);
    await s?.listener.close();
  }

  async function stopWebSocket(key: string): Promise<void> {
    const s = servedWs.get(key);
    servedWs.delete(key);
    await s?.listener.close();
  }

  const facade: ApiGatewayFacade = {
    endpoints(service, stage) {
      const key = `${service}:${stage}`;
      const s = served.get(key);
      const ws = servedWs.get(key);
      if (!s && !ws) return undefined;
      const port = s?.port ?? ws!.port;
      const baseUrl = `http://${host}:${port}`;
      const websocketUrl = ws ? `ws://${host}:${ws.port}/${ws.api.stage}` : undefined;
      return {
        port,
        baseUrl,
        restUrl: s?.apis.rest ? `${baseUrl}/${s.apis.rest.stage}` : undefined,
        httpApiUrl: s?.apis.http ? baseUrl : undefined,
        endpoints: [...(s ? endpointLines(s.apis, baseUrl) : []), ...(websocketUrl ? [websocketUrl] : [])],
        apiKeys: (s?.apis.rest?.apiKeys ?? []).map((k) => ({
          name: k.name,
          value: k.value,
          description: k.description,
        })),
        openapiUrl: `${baseUrl}/_selfless/openapi.json`,
        websocketUrl,
      };
    },
    openapi(service, stage, kind) {
      const s = served.get(`${service}:${stage}`);
      if (!s) return undefined;
      return kind === 'http' ? s.apis.openapi?.http : (s.apis.openapi?.rest ?? s.apis.openapi?.http);
    },
  };

  return {
    name: 'apigateway',
    // The @connections management API (apigatewaymanagementapi, signed as execute-api) on the
    // platform port too, for clients that take their endpoint from AWS_ENDPOINT_URL.
    wire: {
      signingNames: ['execute-api'],
      claims: (w) => w.url.pathname.startsWith('/@connections/'),
      async handle(w) {
        const body = await readManagementBody(w.req);
        const r = handleManagement(registry, w.req.method ?? 'GET', w.url.pathname, body) ?? {
          statusCode: 404,
          headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'NotFoundException' },
          body: JSON.stringify({ message: 'Not Found' }),
        };
        w.res.writeHead(r.statusCode, r.headers);
        w.res.end(r.body);
      },
    },
    async start(c: PlatformContext) {
      ctx = c;
      apisTable = c.store.table(APIS_TABLE);
      portsTable = c.store.table(PORTS_TABLE);
      keysTable = c.store.table(KEYS_TABLE);
      authorizers = new Authorizers(() => c.service<LambdaFacade>('lambda'), c.clock, c.region);
      usage = new UsagePlans(c.clock, c.store.table<QuotaCount>(QUOTAS_TABLE));
      await usage.load();
      // Serve again what was deployed before a restart, on the same ports.
      for (const { key, value } of await apisTable.list()) {
        const { port, websocketPort, ...apis } = value;
        if (apis.websocket)
          await serveWebSocket(key, apis.websocket, websocketPort, (m) => c.log.warn(m))
            .catch(() => serveWebSocket(key, apis.websocket!, undefined, (m) => c.log.warn(m)))
            .catch((e) =>
              c.log.error(`apigateway: cannot serve the WebSocket API of ${key} again: ${e.message}`),
            );
        if (!apis.rest && !apis.http) continue;
        try {
          await serve(key, apis, port, (m) => c.log.warn(m));
        } catch (e) {
          try {
            await serve(key, apis, undefined, (m) => c.log.warn(m));
          } catch {
            c.log.error(`apigateway: cannot serve ${key} again: ${(e as Error).message}`);
          }
        }
      }
      return facade;
    },
    async stop() {
      await Promise.all([...served.values()].map((s) => s.listener.close()));
      await Promise.all([...servedWs.values()].map((s) => s.listener.close()));
      served.clear();
      servedWs.clear();
      await usage?.flush();
    },
    async wireEvents(d: DeployContext) {
      const key = `${d.service}:${d.stage}`;
      const src = sourceFromSpec(d.spec);
      const existingKeys = (await keysTable.get(key)) ?? {};
      const apis = compileApis(src, { existingKeyValues: existingKeys });
      apis.websocket = compileWebSocketApi(src);
      for (const w of apis.warnings) d.warn?.(w);
      if (!apis.rest && !apis.http && !apis.websocket) {
        await this.unwireEvents?.(d.service, d.stage);
        return;
      }
      const portSetting = (name: string) =>
        isObj(src.selfless) && typeof src.selfless[name] === 'number'
          ? (src.selfless[name] as number)
          : undefined;
      // The WebSocket API's port is chosen after the HTTP one, so HTTP APIs keep 3000 up.
      const wireWebSocket = async (): Promise<number | undefined> => {
        if (!apis.websocket) {
          await stopWebSocket(key);
          return undefined;
        }
        return serveWebSocket(
          key,
          apis.websocket,
          portSetting('websocketPort') ?? servedWs.get(key)?.port,
          (m) => d.warn?.(m),
        );
      };
      if (!apis.rest && !apis.http) {
        await stopHttp(key);
        await apisTable.put(key, { ...apis, websocketPort: await wireWebSocket() });
        return;
      }
      const wanted = portSetting('httpPort');
      const previous = served.get(key);
      const port = await serve(key, apis, wanted ?? previous?.port, (m) => d.warn?.(m));
      const websocketPort = await wireWebSocket();
      const baseUrl = `http://${host}:${port}`;
      apis.openapi = {
        rest: apis.rest
          ? generateOpenApi(src, { kind: 'rest', serverUrl: `${baseUrl}/${apis.rest.stage}` })
          : undefined,
        http: apis.http ? generateOpenApi(src, { kind: 'http', serverUrl: baseUrl }) : undefined,
      };
      const keyValues: Record<string, string> = {};
      for (const k of apis.rest?.apiKeys ?? []) keyValues[k.name] = k.value;
      await ctx!.store.batch([
        { table: APIS_TABLE, key, value: { ...apis, port, websocketPort } },
        { table: KEYS_TABLE, key, value: keyValues },
      ]);
      if (apis.rest) authorizers.reset(`${apis.rest.apiId}|`);
      if (apis.http) authorizers.reset(`${apis.http.apiId}|`);
    },
    async serviceOutputs(service: string, stage: string) {
      const e = facade.endpoints(service, stage);
      const out: Record<string, string | string[]> = {};
      if (!e) return out;
      if (e.apiKeys.length > 0)
        out['api keys'] = e.apiKeys.map(
          (k) => `${k.name}: ${k.value}${k.description ? ` - ${k.description}` : ''}`,
        );
      if (e.endpoints.length === 1) out.endpoint = e.endpoints[0]!;
      else if (e.endpoints.length > 1) out.endpoints = e.endpoints;
      return out;
    },
    async unwireEvents(service: string, stage: string) {
      const key = `${service}:${stage}`;
      await stopHttp(key);
      await stopWebSocket(key);
      await apisTable.delete(key);
    },
  };
}
