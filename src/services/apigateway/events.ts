/**
 * Parsing of `http` and `httpApi` events as written in serverless.yml (after variable resolution):
 * the string forms (`GET hello`, `*`) and the object forms. Shared by the gateway compiler and the
 * OpenAPI generator, so both read events exactly the same way.
 */
import { HTTP_INTEGRATIONS } from '../../config/events.js';
import type { HttpIntegration } from '../../config/types.js';
import { SelflessError } from '../../platform/errors.js';

type Obj = Record<string, unknown>;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'DELETE', 'ANY'];

/** An `http` event reduced to what routing and documentation need. */
export interface ParsedHttpEvent {
  /** Path without leading or trailing slashes ('' for the root). */
  path: string;
  /** Upper case; `*` becomes ANY. */
  method: string;
  integration: HttpIntegration;
  cors?: unknown;
  private: boolean;
  async: boolean;
  authorizer?: unknown;
  request?: Obj;
  response?: Obj;
  documentation?: Obj;
  operationId?: string;
}

/** An `httpApi` event reduced to its route. */
export interface ParsedHttpApiEvent {
  /** Upper case or ANY. */
  method: string;
  /** `/path` or '*'. */
  path: string;
  routeKey: string;
  authorizer?: unknown;
  payload?: '1.0' | '2.0';
  documentation?: Obj;
}

/** True for a plain object. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function methodOf(raw: unknown, where: string): string {
  const m = String(raw ?? '').toUpperCase();
  if (m === '*') return 'ANY';
  if (!METHODS.includes(m))
    throw new SelflessError('INVALID_EVENT', `Unsupported HTTP method '${raw}' at ${where}.`, {
      where,
      hint: `Use one of ${METHODS.join(', ')} or *.`,
    });
  return m;
}

/** Strips leading and trailing slashes and collapses doubles: `/users//{id}/` → `users/{id}`. */
export function trimPath(p: string): string {
  return p.split('/').filter(Boolean).join('/');
}

/** Parses one `http:` event value (string or object). */
export function parseHttpEvent(raw: unknown, where: string): ParsedHttpEvent {
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (s === '*')
      return { path: '{proxy+}', method: 'ANY', integration: 'AWS_PROXY', private: false, async: false };
    const m = /^(\S+)\s+(\S+)$/.exec(s);
    if (!m)
      throw new SelflessError('INVALID_EVENT', `Invalid http event '${raw}' at ${where}.`, {
        where,
        hint: "Write it as '<METHOD> <path>', e.g. 'GET hello/{name}'.",
      });
    return {
      path: trimPath(m[2]!),
      method: methodOf(m[1], where),
      integration: 'AWS_PROXY',
      private: false,
      async: false,
    };
  }
  if (!isObj(raw))
    throw new SelflessError('INVALID_EVENT', `The http event at ${where} must be a string or an object.`, {
      where,
    });
  if (typeof raw.path !== 'string')
    throw new SelflessError('INVALID_EVENT', `Missing "path" in the http event at ${where}.`, { where });
  const integrationRaw = String(raw.integration ?? 'lambda-proxy').toLowerCase();
  const asyncEvent = raw.async === true;
  const integration = asyncEvent ? 'AWS' : HTTP_INTEGRATIONS[integrationRaw];
  if (!integration)
    throw new SelflessError('INVALID_EVENT', `Unknown integration '${raw.integration}' at ${where}.`, {
      where,
      hint: 'Use lambda-proxy (default), lambda, http, http-proxy or mock.',
    });
  return {
    path: raw.path === '*' ? '{proxy+}' : trimPath(raw.path),
    method: methodOf(raw.method, `${where}.method`),
    integration,
    cors: raw.cors,
    private: raw.private === true,
    async: asyncEvent,
    authorizer: raw.authorizer,
    request: isObj(raw.request) ? raw.request : undefined,
    response: isObj(raw.response) ? raw.response : undefined,
    documentation: isObj(raw.documentation) ? raw.documentation : undefined,
    operationId: typeof raw.operationId === 'string' ? raw.operationId : undefined,
  };
}

/** Parses one `httpApi:` event value (string or object). */
export function parseHttpApiEvent(raw: unknown, where: string): ParsedHttpApiEvent {
  let method: string;
  let path: string;
  let extra: Obj = {};
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (s === '*') return { method: 'ANY', path: '*', routeKey: '$default' };
    const m = /^(\S+)\s+(\S+)$/.exec(s);
    if (!m)
      throw new SelflessError('INVALID_EVENT', `Invalid httpApi event '${raw}' at ${where}.`, {
        where,
        hint: "Write it as '<METHOD> /<path>' or '*'.",
      });
    method = methodOf(m[1], where);
    path = m[2]!;
  } else if (isObj(raw)) {
    extra = raw;
    path = typeof raw.path === 'string' ? raw.path : '';
    if (path === '*') {
      return {
        method: 'ANY',
        path: '*',
        routeKey: '$default',
        authorizer: raw.authorizer,
        payload: payloadOf(raw.payload),
        documentation: isObj(raw.documentation) ? raw.documentation : undefined,
      };
    }
    if (raw.method === undefined)
      throw new SelflessError(
        'INVALID_EVENT',
        `Missing "method" property in the httpApi event at ${where}.`,
        {
          where,
        },
      );
    method = methodOf(raw.method, `${where}.method`);
  } else {
    throw new SelflessError('INVALID_EVENT', `The httpApi event at ${where} must be a string or an object.`, {
      where,
    });
  }
  if (!path.startsWith('/'))
    throw new SelflessError('INVALID_EVENT', `The httpApi path '${path}' at ${where} must start with '/'.`, {
      where,
    });
  const clean = `/${trimPath(path)}`;
  return {
    method,
    path: clean,
    routeKey: `${method} ${clean}`,
    authorizer: extra.authorizer,
    payload: payloadOf(extra.payload),
    documentation: isObj(extra.documentation) ? extra.documentation : undefined,
  };
}

function payloadOf(v: unknown): '1.0' | '2.0' | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  return s === '1.0' || s === '1' ? '1.0' : '2.0';
}

/** The single event type key of an events[] entry and its value (`{ http: {...} }` → ['http', {...}]). */
export function eventEntry(ev: unknown): [string, unknown] | undefined {
  if (!isObj(ev)) return undefined;
  // Normalized config events carry `type` (or `eventType`) and the written value in `raw`;
  // spec events are `{ <type>: value }`.
  if (typeof ev.type === 'string' && 'raw' in ev && 'index' in ev)
    return [ev.type === 'other' && typeof ev.eventType === 'string' ? ev.eventType : ev.type, ev.raw];
  const keys = Object.keys(ev);
  if (keys.length !== 1) return undefined;
  return [keys[0]!, ev[keys[0]!]];
}
