/**
 * The `http` and `httpApi` events of an API source as the config's one parser (config/http-events.ts)
 * types them, for the gateway compiler and the OpenAPI generator. Events of a loaded ServiceConfig
 * are already parsed; events as a deployment spec carries them (as written) are parsed here, where a
 * problem becomes a SelflessError naming the property (`functions.hello.events[0].http.method`).
 */
import { type HttpEventContext, parseHttpApiEvent, parseHttpEvent } from '../../config/http-events.js';
import type { HttpApiEvent, HttpEvent } from '../../config/types.js';
import { SelflessError } from '../../platform/errors.js';

type Obj = Record<string, unknown>;

/** An http or httpApi event, typed. */
export type ApiEvent = HttpEvent | HttpApiEvent;

/** True for a plain object. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for an event the config has already typed (`{ type, index, raw, ... }`). */
function isTyped(ev: Obj): ev is Obj & { type: string } {
  return typeof ev.type === 'string' && 'raw' in ev && 'index' in ev;
}

/** The single event type key of an events[] entry and its value (`{ http: {...} }` → ['http', {...}]). */
export function eventEntry(ev: unknown): [string, unknown] | undefined {
  if (!isObj(ev)) return undefined;
  // Typed config events carry `type` (or `eventType`) and the written value in `raw`;
  // spec events are `{ <type>: value }`.
  if (isTyped(ev))
    return [ev.type === 'other' && typeof ev.eventType === 'string' ? ev.eventType : ev.type, ev.raw];
  const keys = Object.keys(ev);
  if (keys.length !== 1) return undefined;
  return [keys[0]!, ev[keys[0]!]];
}

/** A parser context whose first problem throws, at `where` (`functions.hello.events[0]`) plus its path. */
export function throwingContext(
  where: string,
  owner: string,
  httpApiPayload: '1.0' | '2.0',
): HttpEventContext {
  return {
    owner,
    httpApiPayload,
    problem: (rel, message) => {
      throw new SelflessError('INVALID_EVENT', message, { where: [where, ...rel].join('.') });
    },
  };
}

/** The parser's result under a throwing context, which is never undefined. */
function parsed<T>(e: T | undefined, ctx: HttpEventContext): T {
  if (e === undefined) throw new SelflessError('INVALID_EVENT', `Invalid event in ${ctx.owner}.`);
  return e;
}

/** Parses a written `http` event; a problem throws (see throwingContext). */
export function httpEventOrThrow(value: unknown, index: number, ctx: HttpEventContext): HttpEvent {
  return parsed(parseHttpEvent(value, index, ctx), ctx);
}

/**
 * The typed http/httpApi event at `events[index]` of function `fnKey`, or undefined for other
 * event types. `httpApiPayload` is the payload version the function's httpApi events default to.
 */
export function apiEventOf(
  ev: unknown,
  index: number,
  fnKey: string,
  httpApiPayload: '1.0' | '2.0',
): ApiEvent | undefined {
  if (!isObj(ev)) return undefined;
  if (isTyped(ev))
    return ev.type === 'http' || ev.type === 'httpApi' ? (ev as unknown as ApiEvent) : undefined;
  const entry = eventEntry(ev);
  if (entry?.[0] !== 'http' && entry?.[0] !== 'httpApi') return undefined;
  const ctx = throwingContext(`functions.${fnKey}.events[${index}]`, `function ${fnKey}`, httpApiPayload);
  return entry[0] === 'http'
    ? httpEventOrThrow(entry[1], index, ctx)
    : parsed(parseHttpApiEvent(entry[1], index, ctx), ctx);
}
