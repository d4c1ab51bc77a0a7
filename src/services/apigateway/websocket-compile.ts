/**
 * Compiles the `websocket` events of an API source into a WebSocket API model, as the Serverless
 * Framework does (one API per service and stage, one route per route key).
 */
import { SelflessError } from '../../platform/errors.js';
import { stableId } from './compile.js';
import { eventEntry, isObj } from './events.js';
import type { ApiSource } from './source.js';
import type { WebSocketApiModel, WebSocketAuthorizerDef, WebSocketRoute } from './websocket-model.js';

const DEFAULT_IDENTITY = ['route.request.header.Auth'];

/** The function name an authorizer reference (function key or Lambda ARN) points at. */
function authorizerFunction(ref: string, fnNames: Map<string, string>, where: string): string {
  if (ref.startsWith('arn:')) return ref.split(':')[6] ?? ref;
  const name = fnNames.get(ref);
  if (!name)
    throw new SelflessError(
      'INVALID_EVENT',
      `The websocket authorizer "${ref}" is not a function of this service.`,
      {
        where,
        hint: 'Name a function key of this service or give a Lambda ARN.',
      },
    );
  return name;
}

function compileAuthorizer(
  raw: unknown,
  fnNames: Map<string, string>,
  where: string,
): WebSocketAuthorizerDef | undefined {
  if (typeof raw === 'string')
    return {
      name: raw,
      functionName: authorizerFunction(raw, fnNames, where),
      identitySources: DEFAULT_IDENTITY,
    };
  if (!isObj(raw)) return undefined;
  const ref = typeof raw.arn === 'string' ? raw.arn : typeof raw.name === 'string' ? raw.name : undefined;
  if (!ref)
    throw new SelflessError('INVALID_EVENT', 'A websocket authorizer needs "name" or "arn".', { where });
  const ids = raw.identitySource;
  return {
    name: typeof raw.name === 'string' ? raw.name : ref,
    functionName: authorizerFunction(ref, fnNames, where),
    identitySources: Array.isArray(ids)
      ? ids.map(String)
      : typeof ids === 'string'
        ? [ids]
        : DEFAULT_IDENTITY,
  };
}

/** `custom.selfless.integrationTimeoutMs`, capped at AWS's 29 s. */
function integrationTimeout(v: unknown): number | undefined {
  return typeof v === 'number' && v > 0 ? Math.min(v, 29_000) : undefined;
}

/** The WebSocket API of a source, or undefined when no function has a `websocket` event. */
export function compileWebSocketApi(src: ApiSource): WebSocketApiModel | undefined {
  const fnNames = new Map(src.functions.map((f) => [f.key, f.name]));
  const routes: WebSocketRoute[] = [];
  let authorizer: WebSocketAuthorizerDef | undefined;
  for (const f of src.functions) {
    f.events.forEach((ev, i) => {
      const entry = eventEntry(ev);
      if (entry?.[0] !== 'websocket') return;
      const where = `functions.${f.key}.events[${i}].websocket`;
      const raw = entry[1];
      const routeKey = typeof raw === 'string' ? raw : isObj(raw) ? raw.route : undefined;
      if (typeof routeKey !== 'string' || routeKey === '')
        throw new SelflessError(
          'INVALID_EVENT',
          `Missing "route" in the websocket event of function ${f.key}.`,
          {
            where,
          },
        );
      if (routes.some((r) => r.routeKey === routeKey))
        throw new SelflessError('INVALID_EVENT', `Duplicate websocket route '${routeKey}'.`, { where });
      routes.push({
        routeKey,
        functionKey: f.key,
        functionName: f.name,
        routeResponse: isObj(raw) && typeof raw.routeResponseSelectionExpression === 'string',
      });
      if (isObj(raw) && raw.authorizer !== undefined) {
        if (routeKey !== '$connect')
          throw new SelflessError(
            'INVALID_EVENT',
            'Websocket authorizers can only be set on the $connect route.',
            {
              where: `${where}.authorizer`,
            },
          );
        authorizer = compileAuthorizer(raw.authorizer, fnNames, `${where}.authorizer`);
      }
    });
  }
  if (routes.length === 0) return undefined;
  return {
    kind: 'websocket',
    apiId: stableId(`${src.service}/${src.stage}/websocket`),
    name: src.websocketsApiName ?? `${src.stage}-${src.service}-websockets`,
    stage: src.stage,
    routeSelectionExpression: src.websocketsApiRouteSelectionExpression ?? '$request.body.action',
    routes,
    authorizer,
    integrationTimeoutMs: integrationTimeout(src.selfless.integrationTimeoutMs),
  };
}
