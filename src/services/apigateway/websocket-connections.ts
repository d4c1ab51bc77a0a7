/**
 * The live WebSocket connections of every API on the platform, and the `@connections` management
 * API over them (PostToConnection, GetConnection, DeleteConnection). Connection ids are unique
 * across APIs, so the platform port can answer for any API without knowing which one.
 */
import type { IncomingMessage } from 'node:http';
import type { WsConnectionInfo } from './websocket-events.js';

/** API Gateway's frame (and PostToConnection payload) limit: 128 KB. */
export const MAX_FRAME_BYTES = 128 * 1024;

/** One open connection, as the management API sees it. */
export interface LiveConnection {
  info: WsConnectionInfo;
  apiId: string;
  stage: string;
  /** Epoch ms of the last frame in either direction. */
  lastActiveAt(): number;
  send(data: Buffer, binary: boolean): void;
  /** Closes from the server side; `$disconnect` follows. */
  close(code?: number, reason?: string): void;
}

/** Connection ids → live connections. */
export class ConnectionRegistry {
  private readonly byId = new Map<string, LiveConnection>();

  add(c: LiveConnection): void {
    this.byId.set(c.info.connectionId, c);
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  get(id: string): LiveConnection | undefined {
    return this.byId.get(id);
  }

  /** How many connections are open for an API. */
  countFor(apiId: string): number {
    let n = 0;
    for (const c of this.byId.values()) if (c.apiId === apiId) n++;
    return n;
  }
}

/** An answer of the management API. */
export interface ManagementResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function error(statusCode: number, type: string, message: string): ManagementResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type },
    body: JSON.stringify({ message }),
  };
}

/**
 * Reads a management request's body, stopping past the frame limit (PayloadTooLargeException
 * follows): an oversized upload is not buffered whole.
 */
export async function readManagementBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_FRAME_BYTES) {
      req.resume();
      return Buffer.alloc(MAX_FRAME_BYTES + 1);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** True when a buffer is valid UTF-8 (it goes to the client as a text frame then). */
function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Answers `POST|GET|DELETE [/{stage}]/@connections/{id}`. A stage in the path, and `apiId` when
 * given (on an API's own port), must be the connection's, else it is gone for this caller.
 */
export function handleManagement(
  registry: ConnectionRegistry,
  method: string,
  path: string,
  body: Buffer,
  apiId?: string,
): ManagementResponse | undefined {
  const m = /^(?:\/([^/]+))?\/@connections\/([^/]+)\/?$/.exec(path);
  if (!m) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(m[2]!);
  } catch {
    return error(400, 'BadRequestException', 'Invalid connection id');
  }
  const conn = registry.get(id);
  if (
    !conn ||
    (apiId !== undefined && conn.apiId !== apiId) ||
    (m[1] !== undefined && decodeURIComponent(m[1]) !== conn.stage)
  )
    return error(410, 'GoneException', `Connection ${id} is gone`);
  switch (method) {
    case 'POST':
      if (body.length > MAX_FRAME_BYTES) return error(413, 'PayloadTooLargeException', 'Message too long');
      conn.send(body, !isUtf8(body));
      return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '' };
    case 'GET': {
      const identity: Record<string, string> = { sourceIp: conn.info.sourceIp };
      if (conn.info.userAgent !== undefined) identity.userAgent = conn.info.userAgent;
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          connectedAt: new Date(conn.info.connectedAt).toISOString(),
          identity,
          lastActiveAt: new Date(conn.lastActiveAt()).toISOString(),
        }),
      };
    }
    case 'DELETE':
      conn.close();
      return { statusCode: 204, headers: {}, body: '' };
    default:
      return error(403, 'ForbiddenException', `Method ${method} is not allowed on @connections`);
  }
}
