/**
 * A WebSocket API on its own port: upgrades on `/{stage}` run the `$connect` authorizer and route
 * (a refusal answers the upgrade with an HTTP error, as API Gateway does), messages go to the route
 * the selection expression picks, closes run `$disconnect`; plain HTTP on the same port serves
 * `/{stage}/@connections/{id}`. Idle (10 min) and maximum age (2 h) are timed on the platform clock;
 * frames over 128 KB close the connection with 1009.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Clock, TimerHandle } from '../../platform/clock.js';
import type { Logger } from '../../platform/service.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { forwardedHeaders } from './event-v1.js';
import { newRequestId } from './request.js';
import { authorizeConnect } from './websocket-authorizer.js';
import {
  type ConnectionRegistry,
  handleManagement,
  type LiveConnection,
  MAX_FRAME_BYTES,
  readManagementBody,
} from './websocket-connections.js';
import {
  connectEvent,
  disconnectEvent,
  messageEvent,
  selectRoute,
  type WsApiInfo,
  type WsConnectionInfo,
} from './websocket-events.js';
import type { WebSocketApiModel, WebSocketRoute } from './websocket-model.js';

export const IDLE_TIMEOUT_MS = 10 * 60 * 1000;
export const MAX_CONNECTION_AGE_MS = 2 * 60 * 60 * 1000;
/** API Gateway's integration timeout. */
const INTEGRATION_TIMEOUT_MS = 29_000;

export interface WebSocketListenerOptions {
  lambda: () => LambdaFacade;
  clock: Clock;
  log: Logger;
  region: string;
  registry: ConnectionRegistry;
  idleTimeoutMs?: number;
  maxAgeMs?: number;
  integrationTimeoutMs?: number;
}

/** A connection id shaped like API Gateway's (`BFHPhfCWIAMCKlQ=`). */
function newConnectionId(): string {
  return randomBytes(10).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The integration did not answer in time. */
class IntegrationTimeout extends Error {}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
};

/** Answers an upgrade request with an HTTP error and drops the socket. */
function refuseUpgrade(socket: Socket, statusCode: number): void {
  if (socket.destroyed) return;
  const text = STATUS_TEXT[statusCode] ?? 'Forbidden';
  const body = JSON.stringify({ message: text });
  socket.end(
    `HTTP/1.1 ${statusCode} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The body a route response carries: the function result's `body`, else the result itself. */
function routeResponseBody(payload: Buffer): string | undefined {
  const text = payload.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return text;
  }
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'object' && !Array.isArray(v) && 'body' in v) {
    const b = (v as { body: unknown }).body;
    return b === undefined || b === null ? undefined : typeof b === 'string' ? b : JSON.stringify(b);
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Whether a `$connect` result accepts the connection: no error and a 2xx (or no) statusCode. */
export function connectAccepted(payload: Buffer, functionError: boolean): boolean {
  if (functionError) return false;
  try {
    const v = JSON.parse(payload.toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null && 'statusCode' in v) {
      const code = Number((v as { statusCode: unknown }).statusCode);
      return code >= 200 && code < 300;
    }
    return true;
  } catch {
    return true;
  }
}

/** One WebSocket API served on one port. */
export class WebSocketListener {
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private api: WebSocketApiModel;
  private port = 0;
  private readonly sockets = new Set<WebSocket>();

  constructor(
    api: WebSocketApiModel,
    private readonly opts: WebSocketListenerOptions,
  ) {
    this.api = api;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
    this.server = http.createServer((req, res) => {
      readManagementBody(req).then(
        (body) => {
          const path = (req.url ?? '/').split('?')[0]!;
          const r = handleManagement(this.opts.registry, req.method ?? 'GET', path, body, this.api.apiId);
          if (!r) {
            res.writeHead(426, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ message: 'Upgrade Required' }));
            return;
          }
          res.writeHead(r.statusCode, r.headers);
          res.end(r.body);
        },
        () => res.destroy(),
      );
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.onUpgrade(req, socket, head).catch((e) => {
        this.opts.log.error(`apigateway websocket: ${(e as Error).stack ?? e}`);
        refuseUpgrade(socket, 500);
      });
    });
  }

  /** Swaps the routes (after a redeploy); open connections stay open. */
  setApi(api: WebSocketApiModel): void {
    this.api = api;
  }

  /** Starts listening; resolves to the port. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** Closes every connection (1001, as a deployment going away) and stops listening. */
  close(): Promise<void> {
    for (const ws of this.sockets) ws.close(1001, 'Going away');
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const ws of this.sockets) ws.terminate();
    });
  }

  private apiInfo(): WsApiInfo {
    return { apiId: this.api.apiId, stage: this.api.stage, domainName: `127.0.0.1:${this.port}` };
  }

  private route(key: string): WebSocketRoute | undefined {
    return this.api.routes.find((r) => r.routeKey === key);
  }

  private async invoke(functionName: string, event: Record<string, unknown>) {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.opts.clock.setTimer(
        () => reject(new IntegrationTimeout('Endpoint request timed out')),
        this.api.integrationTimeoutMs ?? this.opts.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([
        this.opts
          .lambda()
          .invoke({ functionName, payload: JSON.stringify(event), invocationType: 'RequestResponse' }),
        timeout,
      ]);
    } finally {
      timer?.cancel();
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const api = this.api;
    if (path.replace(/\/$/, '') !== `/${api.stage}`) return refuseUpgrade(socket, 403);
    const now = this.opts.clock.now();
    const info: WsConnectionInfo = {
      connectionId: newConnectionId(),
      connectedAt: now,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
    };
    const apiInfo = this.apiInfo();
    // The client's headers plus X-Forwarded-* and a trace id, as API Gateway forwards them.
    const forwarded = forwardedHeaders({
      method: 'GET',
      rawPath: path,
      rawQuery,
      rawHeaders: req.rawHeaders,
      body: Buffer.alloc(0),
      sourceIp: info.sourceIp,
      protocol: `HTTP/${req.httpVersion}`,
      port: this.port,
      timeEpoch: now,
      requestId: newRequestId(),
    }).flat();
    const event = connectEvent(apiInfo, info, forwarded, rawQuery, now);
    if (api.authorizer) {
      const outcome = await authorizeConnect({
        def: api.authorizer,
        lambda: this.opts.lambda(),
        region: this.opts.region,
        apiId: api.apiId,
        stage: api.stage,
        rawHeaders: req.rawHeaders,
        rawQuery,
        connectEvent: event,
        now: () => this.opts.clock.now(),
      });
      if (!outcome.ok) return refuseUpgrade(socket, outcome.statusCode);
      info.authorizer = outcome.authorizer;
      (event.requestContext as Record<string, unknown>).authorizer = outcome.authorizer;
    }
    const connect = this.route('$connect');
    if (connect) {
      const r = await this.invoke(connect.functionName, event).catch(() => undefined);
      if (!r || !connectAccepted(r.payload, r.functionError !== undefined)) return refuseUpgrade(socket, 403);
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onOpen(ws, info));
  }

  private onOpen(ws: WebSocket, info: WsConnectionInfo): void {
    const clock = this.opts.clock;
    const apiInfo = this.apiInfo();
    let lastActive = clock.now();
    let idle: TimerHandle | undefined;
    const touch = () => {
      lastActive = clock.now();
      idle?.cancel();
      idle = clock.setTimer(() => ws.close(1001, 'Going away'), this.opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
    };
    touch();
    const maxAge = clock.setTimer(
      () => ws.close(1001, 'Going away'),
      this.opts.maxAgeMs ?? MAX_CONNECTION_AGE_MS,
    );
    const live: LiveConnection = {
      info,
      apiId: apiInfo.apiId,
      stage: apiInfo.stage,
      lastActiveAt: () => lastActive,
      send: (data, binary) => {
        touch();
        ws.send(data, { binary });
      },
      close: (code, reason) => {
        // Gone for the management API at once, not after the closing handshake.
        this.opts.registry.remove(info.connectionId);
        ws.close(code, reason);
      },
    };
    this.sockets.add(ws);
    this.opts.registry.add(live);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      touch();
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.onMessage(ws, info, buf, isBinary).catch((e) =>
        this.opts.log.error(`apigateway websocket: ${(e as Error).stack ?? e}`),
      );
    });
    ws.on('error', () => {
      // A protocol error (an oversized frame) is followed by 'close' with its code.
    });
    ws.on('close', (code: number, reason: Buffer) => {
      idle?.cancel();
      maxAge.cancel();
      this.sockets.delete(ws);
      this.opts.registry.remove(info.connectionId);
      const disconnect = this.route('$disconnect');
      if (!disconnect) return;
      const event = disconnectEvent(this.apiInfo(), info, code, reason.toString('utf8'), clock.now());
      // $disconnect is best effort, as on AWS: its result and errors go nowhere.
      this.invoke(disconnect.functionName, event).catch(() => undefined);
    });
  }

  private async onMessage(
    ws: WebSocket,
    info: WsConnectionInfo,
    data: Buffer,
    binary: boolean,
  ): Promise<void> {
    const api = this.api;
    const keys = new Set(api.routes.map((r) => r.routeKey));
    const key = selectRoute(api.routeSelectionExpression, binary ? undefined : data.toString('utf8'), keys);
    const route = this.route(key);
    const event = messageEvent(this.apiInfo(), info, key, data, binary, this.opts.clock.now());
    const requestId = (event.requestContext as { requestId: string }).requestId;
    const reply = (message: string) => {
      if (ws.readyState === WebSocket.OPEN)
        ws.send(JSON.stringify({ message, connectionId: info.connectionId, requestId }));
    };
    if (!route) return reply('Forbidden');
    const r = await this.invoke(route.functionName, event).catch((e: unknown) =>
      e instanceof IntegrationTimeout ? ('timeout' as const) : undefined,
    );
    if (r === 'timeout') return reply('Endpoint request timed out');
    if (!r || r.functionError) return reply('Internal server error');
    if (!route.routeResponse) return;
    const body = routeResponseBody(r.payload);
    if (body !== undefined && ws.readyState === WebSocket.OPEN) ws.send(body);
  }
}
