/**
 * The API model: what the gateway serves for one service and stage, compiled from the `http` and
 * `httpApi` events of a deployment spec plus the provider sections. Plain JSON so it can be kept in
 * the store and re-served after a restart without the spec.
 */

import type { WebSocketApiModel } from './websocket-model.js';

export type ApiKind = 'rest' | 'http';

/** CORS settings of a REST path (serverless `cors:`), already defaulted. */
export interface RestCors {
  origins: string[];
  headers: string[];
  methods: string[];
  allowCredentials: boolean;
  maxAge?: number;
  cacheControl?: string;
}

/** CORS of an HTTP API (`provider.httpApi.cors`), already defaulted. */
export interface HttpApiCors {
  allowedOrigins: string[];
  allowedHeaders: string[];
  allowedMethods: string[];
  allowCredentials: boolean;
  exposedResponseHeaders: string[];
  maxAge?: number;
}

/** A Lambda authorizer of a REST API. */
export interface RestAuthorizerDef {
  kind: 'rest-lambda';
  name: string;
  type: 'TOKEN' | 'REQUEST';
  /** Deployed function name of the authorizer. */
  functionName: string;
  resultTtlInSeconds: number;
  /** `method.request.header.Authorization`, ... (several for REQUEST, comma separated in config). */
  identitySources: string[];
  identityValidationExpression?: string;
}

/** An HTTP API Lambda authorizer. */
export interface HttpLambdaAuthorizerDef {
  kind: 'http-lambda';
  name: string;
  functionName: string;
  resultTtlInSeconds: number;
  enableSimpleResponses: boolean;
  payloadVersion: '1.0' | '2.0';
  /** `$request.header.Authorization`, `$request.querystring.token`, ... */
  identitySources: string[];
}

/** Where a JWT authorizer gets its keys. */
export type JwksSource = { kind: 'inline'; jwks: { keys: unknown[] } } | { kind: 'url'; url: string };

/** An HTTP API JWT authorizer. */
export interface JwtAuthorizerDef {
  kind: 'jwt';
  name: string;
  issuerUrl: string;
  audience: string[];
  identitySources: string[];
  /** Explicit key set; without one the keys come from the issuer's OpenID discovery document. */
  jwks?: JwksSource;
}

export type HttpAuthorizerDef = HttpLambdaAuthorizerDef | JwtAuthorizerDef;

/** `request.parameters` of a REST method: name → required. */
export interface RequestParameters {
  querystrings: Record<string, boolean>;
  headers: Record<string, boolean>;
  paths: Record<string, boolean>;
}

/** A status-code mapping of a non-proxy (`integration: lambda`) method. */
export interface StatusCodeMapping {
  statusCode: number;
  /** Regex (anchored, as API Gateway's selection patterns are) over the error message; '' = default. */
  pattern: string;
  headers: Record<string, string>;
}

/**
 * The Step Functions side of a state machine's `http` event (serverless-step-functions): the method
 * calls StartExecution on the machine instead of invoking a function.
 */
export interface StateMachineTarget {
  /** The key under `stepFunctions.stateMachines`; the ARN is looked up per request (deploys may rename). */
  key: string;
  action: 'StartExecution';
  /** `default`: input is the request body JSON; `lambda_proxy`: input is the Lambda-proxy event. */
  template: 'default' | 'lambda_proxy';
}

/** One method on a REST resource. */
export interface RestRoute {
  /** What the method calls: a function (absent, for models stored before the field) or a state machine. */
  kind?: 'lambda' | 'stepfunctions';
  /** Set when `kind` is `stepfunctions`. */
  stateMachine?: StateMachineTarget;
  /** The function key, or the state machine key for `stepfunctions` routes. */
  functionKey: string;
  /** The deployed function name ('' for `stepfunctions` routes). */
  functionName: string;
  /** Upper case, or ANY. */
  method: string;
  /** `/hello/{name}` (the resource path, `/` for the root). */
  resourcePath: string;
  integration: 'AWS_PROXY' | 'AWS' | 'MOCK' | 'HTTP' | 'HTTP_PROXY';
  resourceId: string;
  private: boolean;
  async: boolean;
  authorizer?: RestAuthorizerDef;
  /** content type → JSON schema. */
  schemas: Record<string, unknown>;
  parameters?: RequestParameters;
  /** Non-proxy integrations: response headers (`response.headers`) and status-code mappings. */
  response?: { headers: Record<string, string>; statusCodes: StatusCodeMapping[] };
  operationId?: string;
}

/** A path's CORS preflight, answered by the gateway (serverless generates an OPTIONS MOCK method). */
export interface RestCorsPath {
  resourcePath: string;
  cors: RestCors;
  resourceId: string;
}

export interface ApiKeyDef {
  name: string;
  id: string;
  value: string;
  enabled: boolean;
  description?: string;
  /** Usage plan names this key belongs to. */
  usagePlans: string[];
}

export interface UsagePlanDef {
  name: string;
  id: string;
  throttle?: { rateLimit?: number; burstLimit?: number };
  quota?: { limit: number; offset: number; period: 'DAY' | 'WEEK' | 'MONTH' };
}

export interface RestApiModel {
  kind: 'rest';
  apiId: string;
  name: string;
  stage: string;
  deploymentId: string;
  routes: RestRoute[];
  corsPaths: RestCorsPath[];
  binaryMediaTypes: string[];
  apiKeySourceType: 'HEADER' | 'AUTHORIZER';
  apiKeys: ApiKeyDef[];
  usagePlans: UsagePlanDef[];
}

export interface HttpRoute {
  functionKey: string;
  functionName: string;
  /** Upper case or ANY; `$default` routes are ANY with path '*'. */
  method: string;
  /** `/pets/{id}`, `/{proxy+}` or '*'. */
  path: string;
  /** `GET /pets/{id}` or `$default`. */
  routeKey: string;
  payload: '1.0' | '2.0';
  authorizer?: HttpAuthorizerDef;
  scopes?: string[];
  iam?: boolean;
}

export interface HttpApiModel {
  kind: 'http';
  apiId: string;
  name: string;
  routes: HttpRoute[];
  cors?: HttpApiCors;
}

/** Everything the gateway serves for one service and stage. */
export interface ServiceApis {
  service: string;
  stage: string;
  region: string;
  rest?: RestApiModel;
  http?: HttpApiModel;
  websocket?: WebSocketApiModel;
  /** OpenAPI documents, generated at deploy time. */
  openapi?: { rest?: unknown; http?: unknown };
  /** `custom.selfless.integrationTimeoutMs`: a shorter integration timeout than AWS's 29 s (tests, impatient dev loops). */
  integrationTimeoutMs?: number;
  /** Problems found while compiling (unsupported options), each a printable line. */
  warnings: string[];
}
