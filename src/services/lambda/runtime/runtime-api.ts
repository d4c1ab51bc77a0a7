/**
 * The Lambda Runtime API (2018-06-01) served by the platform process, so any runtime client works
 * unchanged (provided.* bootstraps, aws-lambda-ric, curl scripts). One HTTP server per manager; each
 * environment gets its own loopback listener feeding that server, because `/next` carries no
 * identity and AWS_LAMBDA_RUNTIME_API must stay a plain host:port for every client.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import {
  type Channel,
  type Delivery,
  type EndpointAnswer,
  MAX_RESPONSE_BYTES,
  type RuntimeEndpoint,
} from './channel.js';

const PREFIX = '/2018-06-01';

/** The Runtime API side of one environment. */
export class RuntimeApiChannel implements Channel {
  pendingNext: ServerResponse | null = null;
  queued: Delivery | null = null;
  closed = false;

  constructor(
    readonly endpoint: RuntimeEndpoint,
    private readonly listener: NetServer,
    readonly address: string,
    private readonly sockets: Set<Socket>,
  ) {}

  deliver(d: Delivery): void {
    const res = this.pendingNext;
    if (res && !res.writableEnded && !res.destroyed) {
      this.pendingNext = null;
      writeInvocation(res, d);
    } else {
      this.queued = d;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener.close();
    for (const s of this.sockets) s.destroy();
    this.pendingNext = null;
  }
}

function writeInvocation(res: ServerResponse, d: Delivery): void {
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Aws-Request-Id': d.requestId,
    'Lambda-Runtime-Deadline-Ms': String(d.deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn': d.invokedFunctionArn,
    'Content-Length': d.payload.length,
  };
  if (d.traceId) headers['Lambda-Runtime-Trace-Id'] = d.traceId;
  if (d.clientContext) headers['Lambda-Runtime-Client-Context'] = d.clientContext;
  if (d.identity) headers['Lambda-Runtime-Cognito-Identity'] = d.identity;
  if (d.tenantId) headers['Lambda-Runtime-Aws-Tenant-Id'] = d.tenantId;
  res.writeHead(200, headers);
  res.end(d.payload);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function answer(res: ServerResponse, a: EndpointAnswer): void {
  if (a === 'ok') json(res, 202, { status: 'OK' });
  else if (a === 'bad-request-id')
    json(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
  else if (a === 'too-large') {
    json(res, 413, {
      errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
      errorType: 'RequestEntityTooLarge',
    });
  } else
    json(res, 403, { errorMessage: 'State transition is not allowed', errorType: 'InvalidStateTransition' });
}

/** Reads a request body up to `limit` bytes; resolves null when it was larger. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      if (!over) chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** One Runtime API server for all environments of a manager. */
export class RuntimeApiServer {
  private readonly http: Server;
  private readonly owners = new WeakMap<Socket, RuntimeApiChannel>();

  constructor() {
    this.http = createHttpServer({ keepAliveTimeout: 0, requestTimeout: 0, headersTimeout: 0 }, (req, res) =>
      this.route(req, res),
    );
  }

  /** Opens a listener for one environment; AWS_LAMBDA_RUNTIME_API = the returned channel's address. */
  async open(endpoint: RuntimeEndpoint): Promise<RuntimeApiChannel> {
    const sockets = new Set<Socket>();
    let channel: RuntimeApiChannel | undefined;
    const listener = createNetServer((socket) => {
      if (!channel || channel.closed) {
        socket.destroy();
        return;
      }
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.setNoDelay(true);
      this.owners.set(socket, channel);
      this.http.emit('connection', socket);
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(0, '127.0.0.1', () => resolve());
    });
    listener.unref();
    const port = (listener.address() as { port: number }).port;
    channel = new RuntimeApiChannel(endpoint, listener, `127.0.0.1:${port}`, sockets);
    return channel;
  }

  /** Closes the shared server's state (listeners are closed with their channels). */
  close(): void {
    this.http.close();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const ch = this.owners.get(req.socket);
    if (!ch || ch.closed) {
      res.destroy();
      return;
    }
    const url = (req.url ?? '').split('?')[0];
    const method = req.method ?? 'GET';
    if (method === 'GET' && url === `${PREFIX}/runtime/invocation/next`) {
      const a = ch.endpoint.runtimeNext();
      if (a !== 'ok') {
        answer(res, a);
        return;
      }
      if (ch.queued) {
        const d = ch.queued;
        ch.queued = null;
        writeInvocation(res, d);
      } else {
        ch.pendingNext = res;
        res.on('close', () => {
          if (ch.pendingNext === res) ch.pendingNext = null;
        });
      }
      return;
    }
    if (method === 'GET' && url === '/ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('pong');
      return;
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (method === 'POST' && m) {
      const id = decodeURIComponent(m[1]);
      void readBody(req, MAX_RESPONSE_BYTES).then(
        (body) => {
          if (m[2] === 'response') {
            if (body === null) {
              ch.endpoint.runtimeResponseTooLarge(id);
              answer(res, 'too-large');
            } else answer(res, ch.endpoint.runtimeResponse(id, body));
            return;
          }
          const type = req.headers['lambda-runtime-function-error-type'];
          answer(
            res,
            ch.endpoint.runtimeError(
              id,
              Array.isArray(type) ? type[0] : (type ?? ''),
              body ?? Buffer.alloc(0),
            ),
          );
        },
        () => res.destroy(),
      );
      return;
    }
    if (method === 'POST' && url === `${PREFIX}/runtime/init/error`) {
      void readBody(req, MAX_RESPONSE_BYTES).then(
        (body) => {
          const type = req.headers['lambda-runtime-function-error-type'];
          answer(
            res,
            ch.endpoint.runtimeInitError(
              Array.isArray(type) ? type[0] : (type ?? ''),
              body ?? Buffer.alloc(0),
            ),
          );
        },
        () => res.destroy(),
      );
      return;
    }
    json(res, 404, { errorMessage: 'Not Found', errorType: 'NotFound' });
  }
}
