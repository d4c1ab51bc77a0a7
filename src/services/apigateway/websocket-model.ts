/**
 * The WebSocket API model (serverless `websocket` events): routes by route key, the route selection
 * expression and the `$connect` authorizer. Plain JSON, kept in the store with the other APIs.
 */

/** One route of a WebSocket API. */
export interface WebSocketRoute {
  /** `$connect`, `$disconnect`, `$default` or a custom key such as `sendMessage`. */
  routeKey: string;
  functionKey: string;
  /** The deployed function name. */
  functionName: string;
  /** Set when the event has `routeResponseSelectionExpression`: the function's result goes back to the client. */
  routeResponse: boolean;
}

/** A REQUEST authorizer on `$connect`. */
export interface WebSocketAuthorizerDef {
  name: string;
  functionName: string;
  /** `route.request.header.Auth`, `route.request.querystring.token`, ... */
  identitySources: string[];
}

export interface WebSocketApiModel {
  kind: 'websocket';
  apiId: string;
  name: string;
  stage: string;
  /** `$request.body.action` unless `provider.websocketsApiRouteSelectionExpression` says otherwise. */
  routeSelectionExpression: string;
  routes: WebSocketRoute[];
  authorizer?: WebSocketAuthorizerDef;
  /** `custom.selfless.integrationTimeoutMs`: shorter than AWS's 29 s (tests, impatient dev loops). */
  integrationTimeoutMs?: number;
}
