/**
 * The platform's HTTP server: one port for the control API (/_selfless/), and the AWS wire APIs of
 * every service plugin. A request nobody owns gets an AWS-shaped error; a handler that throws gets
 * a 500 of the same shape; the server keeps serving.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { describeRequest, type Route, routeRequest } from './router.js';
import type { Logger, WireRequest } from './service.js';

export interface ServerHandlers {
  /** Handles /_selfless/... requests. */
  control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** The wire APIs in registry order (empty until the plugins have started). */
  routes(): Route[];
  ready(): boolean;
  region: string;
  log: Logger;
  /** How long a new connection may stay silent before it is closed (default: the headers timeout). */
  firstBytesTimeoutMs?: number;
}

/** How long a client may take to send its request headers (HTTP/1.1) or first bytes (any). */
const HEADERS_TIMEOUT_MS = 60_000;

/** Writes an AWS-style JSON error that every protocol's SDK parses into a named exception. */
export function sendAwsError(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ __type: type, message, Type: status >= 500 ? 'Service' : 'User' });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': type,
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(body);
}

/** The client connection preface of HTTP/2 with prior knowledge (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * An HTTP/1.1 server that also serves cleartext HTTP/2 (h2c with prior knowledge) on the same port:
 * the JS v3 Kinesis client speaks HTTP/2 by default. Closing all connections closes the h2 ones too.
 */
class DualProtocolServer extends Server {
  readonly h2Sessions = new Set<Http2Session>();
  override closeAllConnections(): void {
    super.closeAllConnections();
    for (const s of this.h2Sessions) s.destroy();
  }
}

/**
 * Reads a connection's first bytes and hands it to HTTP/2 when they are the h2 preface, to
 * HTTP/1.1 otherwise; the bytes read are put back first. A connection that sends nothing within
 * `timeoutMs` is closed: neither protocol's own timeouts apply before it is handed over.
 */
function sniffProtocol(socket: Socket, timeoutMs: number, route: (h2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const h2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (h2 && seen.length < H2_PREFACE.length) return;
    socket.off('data', onData);
    socket.setTimeout(0);
    socket.off('timeout', onSilent);
    socket.pause();
    socket.unshift(seen);
    route(h2);
  };
  const onSilent = () => socket.destroy();
  socket.setTimeout(timeoutMs);
  socket.once('timeout', onSilent);
  socket.on('data', onData);
}

/** Creates (not yet listening) the platform's server. */
export function createPlatformServer(h: ServerHandlers): Server {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((e) => {
      h.log.error(`request ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? e}`);
      sendAwsError(res, 500, 'InternalFailure', 'The platform failed to process the request.');
    });
  };
  const server = new DualProtocolServer(
    { keepAlive: true, requestTimeout: 0, headersTimeout: HEADERS_TIMEOUT_MS },
    onRequest,
  );
  // The compatibility API's request and response carry what the handlers use (headers, url,
  // method, body stream, writeHead/end), so both protocols share one handler.
  const h2 = createH2Server({}, onRequest as unknown as Parameters<typeof createH2Server>[1]);
  h2.on('session', (session) => {
    server.h2Sessions.add(session);
    session.on('close', () => server.h2Sessions.delete(session));
  });
  const http1 = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) =>
    sniffProtocol(socket, h.firstBytesTimeoutMs ?? HEADERS_TIMEOUT_MS, (isH2) => {
      if (isH2) h2.emit('connection', socket);
      else for (const l of http1) l.call(server, socket);
      process.nextTick(() => socket.resume());
    }),
  );
  server.on('clientError', (err, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy(err);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendAwsError(res, 400, 'InvalidRequest', `Malformed request target ${req.url}`);
    }
    if (url.pathname === '/_selfless' || url.pathname.startsWith('/_selfless/'))
      return h.control(req, res, url);
    if (!h.ready())
      return sendAwsError(res, 503, 'ServiceUnavailable', 'The platform is starting; retry shortly.');
    const info = describeRequest(req, url, h.region);
    const w: WireRequest = { req, res, url, ...info };
    const route = routeRequest(w, h.routes());
    if (!route) {
      req.resume();
      const what = info.target
        ? `operation ${info.target}`
        : info.signingService
          ? `service ${info.signingService}`
          : `${req.method} ${url.pathname}`;
      return sendAwsError(
        res,
        400,
        info.target ? 'UnknownOperationException' : 'UnrecognizedClientException',
        `Selfless does not serve ${what}.`,
      );
    }
    await route.api.handle(w);
  }

  return server;
}

/** Listens on host:port (0 for a free port); resolves with the bound port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
