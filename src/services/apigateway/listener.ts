/**
 * The HTTP listener of one service's APIs on its own port: reads requests defensively (10 MB body
 * limit, header and body timeouts against slow or half-open clients), hands them to the current
 * gateway and writes the answer. The gateway can be swapped on redeploy without dropping requests.
 */
import http, {
  type IncomingMessage,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../platform/clock.js';
import type { ServiceGateway } from './gateway.js';
import type { GatewayRequest } from './request.js';
import { newRequestId } from './request.js';
import { answers, type GatewayResponse } from './response.js';

const EMPTY = Buffer.alloc(0);

/** API Gateway's payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface ListenerOptions {
  clock: Clock;
  /** Time a client has to send its headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request (default 30 s). */
  requestTimeoutMs?: number;
  maxBodyBytes?: number;
  /** Extra routes the platform serves on the API port (`/_selfless/...`); return false to pass. */
  extra?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}

function writeResponse(res: ServerResponse, r: GatewayResponse): void {
  // One raw header list for writeHead: node then sends head and body in one write (setHeader per
  // header costs a second pass and a writev). Headers set earlier (Connection: close) take the
  // merging path.
  const raw: string[] = [];
  for (const [k, v] of r.headers) {
    const lower = k.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') continue;
    try {
      validateHeaderName(k);
      validateHeaderValue(k, v);
    } catch {
      // A header the function produced that HTTP cannot carry is dropped, not fatal.
      continue;
    }
    raw.push(k, v);
  }
  raw.push('Content-Length', String(r.body.length));
  if (res.getHeaderNames().length > 0) {
    for (let i = 0; i < raw.length; i += 2) res.appendHeader(raw[i]!, raw[i + 1]!);
    res.writeHead(r.statusCode);
  } else res.writeHead(r.statusCode, raw);
  res.end(r.body);
}

/** One HTTP server in front of one service's gateway. */
export class ApiListener {
  private readonly server: http.Server;
  private gateway: ServiceGateway;
  private port = 0;

  constructor(
    gateway: ServiceGateway,
    private readonly opts: ListenerOptions,
  ) {
    this.gateway = gateway;
    const headersTimeout = opts.headersTimeoutMs ?? 10_000;
    // Node checks the header and request timeouts on this interval (30 s by default): keep it tight.
    const connectionsCheckingInterval = Math.max(20, Math.min(1_000, Math.floor(headersTimeout / 4)));
    this.server = http.createServer({ keepAliveTimeout: 5_000, connectionsCheckingInterval }, (req, res) => {
      this.onRequest(req, res).catch(() => {
        if (!res.headersSent) writeResponse(res, answers.restInternal());
        else res.destroy();
      });
    });
    this.server.headersTimeout = headersTimeout;
    this.server.requestTimeout = opts.requestTimeoutMs ?? 30_000;
  }

  /** Swaps the routes served (after a redeploy); requests in flight finish on the old ones. */
  setGateway(g: ServiceGateway): void {
    this.gateway = g;
  }

  current(): ServiceGateway {
    return this.gateway;
  }

  /** Starts listening on 127.0.0.1:port (0 for any free port); resolves to the port. */
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

  /** Stops accepting and closes every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const timeEpoch = this.opts.clock.now();
    let url = req.url ?? '/';
    // Absolute-form request targets (proxies) carry scheme and host: keep only path and query.
    if (!url.startsWith('/')) {
      const m = /^[a-z]+:\/\/[^/]*(\/.*)?$/i.exec(url);
      url = m?.[1] ?? '/';
    }
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    if (this.opts.extra?.(req, res, rawPath)) return;
    const limit = this.opts.maxBodyBytes ?? MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      res.setHeader('Connection', 'close');
      writeResponse(res, answers.tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 §6.3):
    // most API calls are such GETs, and they skip the stream machinery.
    const bodyless = declared === 0 && req.headers['transfer-encoding'] === undefined;
    if (bodyless) req.resume();
    else
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) {
          res.setHeader('Connection', 'close');
          writeResponse(res, answers.tooLarge());
          req.resume();
          return;
        }
        chunks.push(chunk);
      }
    const greq: GatewayRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      rawPath,
      rawQuery,
      rawHeaders: req.rawHeaders,
      body: chunks.length === 1 ? chunks[0]! : bodyless ? EMPTY : Buffer.concat(chunks),
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      protocol: `HTTP/${req.httpVersion}`,
      port: this.port,
      timeEpoch,
      requestId: newRequestId(),
    };
    const host = req.headers.host ?? `127.0.0.1:${this.port}`;
    const answer = await this.gateway.handle(greq, host);
    if (res.destroyed) return;
    writeResponse(res, answer);
  }
}
