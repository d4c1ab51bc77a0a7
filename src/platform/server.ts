/**
 * The platform's HTTP server: one port for the control API (/_selfless/), and the AWS wire APIs of
 * every service plugin. A request nobody owns gets an AWS-shaped error; a handler that throws gets
 * a 500 of the same shape; the server keeps serving.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
}

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

/** Creates (not yet listening) the platform's server. */
export function createPlatformServer(h: ServerHandlers): Server {
  const server = createServer({ keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
    void handle(req, res).catch((e) => {
      h.log.error(`request ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? e}`);
      sendAwsError(res, 500, 'InternalFailure', 'The platform failed to process the request.');
    });
  });
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
