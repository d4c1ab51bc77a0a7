/**
 * The REQUEST authorizer of a WebSocket API's `$connect` route: identity sources checked first
 * (a missing one refuses with 401 without calling the function), then the function's IAM policy
 * decides; its principalId and context reach every later event as `requestContext.authorizer`.
 */
import type { LambdaFacade } from '../lambda/facade.js';
import { executeApiArn } from './authorizers.js';
import { evaluatePolicy, isPolicyDocument } from './policy.js';
import { headerValue, queryPairs } from './request.js';
import type { WebSocketAuthorizerDef } from './websocket-model.js';

/** The authorizer's verdict: accept with a context, or refuse with an HTTP status. */
export type WsAuthOutcome =
  | { ok: true; authorizer: Record<string, unknown> }
  | { ok: false; statusCode: number };

/** Reads one identity source (`route.request.header.X`, `route.request.querystring.X`). */
export function identityValue(source: string, rawHeaders: string[], rawQuery: string): string | undefined {
  let m = /^route\.request\.header\.(.+)$/i.exec(source);
  if (m) return headerValue(rawHeaders, m[1]!);
  m = /^route\.request\.querystring\.(.+)$/i.exec(source);
  if (m) return queryPairs(rawQuery).findLast(([k]) => k === m![1])?.[1];
  return undefined;
}

/** Runs the authorizer for an upgrade request whose `$connect` event is `connectEvent`. */
export async function authorizeConnect(opts: {
  def: WebSocketAuthorizerDef;
  lambda: LambdaFacade;
  region: string;
  apiId: string;
  stage: string;
  rawHeaders: string[];
  rawQuery: string;
  connectEvent: Record<string, unknown>;
  now: () => number;
}): Promise<WsAuthOutcome> {
  for (const s of opts.def.identitySources) {
    const v = identityValue(s, opts.rawHeaders, opts.rawQuery);
    if (v === undefined || v === '') return { ok: false, statusCode: 401 };
  }
  const methodArn = executeApiArn(opts.region, opts.apiId, opts.stage, '$connect', '').replace(/\/$/, '');
  const event = {
    type: 'REQUEST',
    methodArn,
    headers: opts.connectEvent.headers,
    multiValueHeaders: opts.connectEvent.multiValueHeaders,
    queryStringParameters: opts.connectEvent.queryStringParameters ?? {},
    multiValueQueryStringParameters: opts.connectEvent.multiValueQueryStringParameters ?? {},
    stageVariables: {},
    requestContext: opts.connectEvent.requestContext,
  };
  const started = opts.now();
  const r = await opts.lambda.invoke({
    functionName: opts.def.functionName,
    payload: JSON.stringify(event),
    invocationType: 'RequestResponse',
  });
  if (r.functionError) return { ok: false, statusCode: 500 };
  let out: { principalId?: unknown; policyDocument?: unknown; context?: unknown };
  try {
    out = JSON.parse(r.payload.toString('utf8'));
  } catch {
    return { ok: false, statusCode: 500 };
  }
  if (!out || !isPolicyDocument(out.policyDocument)) return { ok: false, statusCode: 500 };
  if (evaluatePolicy(out.policyDocument, methodArn) !== 'allow') return { ok: false, statusCode: 403 };
  const context = typeof out.context === 'object' && out.context !== null ? out.context : {};
  return {
    ok: true,
    authorizer: {
      ...context,
      principalId: typeof out.principalId === 'string' ? out.principalId : '',
      integrationLatency: opts.now() - started,
    },
  };
}
