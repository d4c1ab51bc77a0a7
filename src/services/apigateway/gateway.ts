/**
 * The request pipeline of one service's APIs: route → CORS preflight → authorizer → API key and usage
 * plan → validation → integration (Lambda proxy 1.0/2.0 or the non-proxy mapping) → response mapping,
 * answering every failure the way API Gateway does.
 */
import type { Clock } from '../../platform/clock.js';
import { isSelflessError } from '../../platform/errors.js';
import type { Logger } from '../../platform/service.js';
import type { FacadeInvokeResult, LambdaFacade } from '../lambda/facade.js';
import type { StepFunctionsFacade } from '../stepfunctions/facade.js';
import type { AuthOutcome, Authorizers } from './authorizers.js';
import { applyHttpCors, httpPreflight, restAllowOrigin, restPreflight } from './cors.js';
import { buildEventV1, type RouteContext } from './event-v1.js';
import { buildEventV2 } from './event-v2.js';
import type { UsagePlans } from './keys.js';
import { buildLambdaEvent, MappingError, mapLambdaResponse } from './lambda-integration.js';
import type { HttpApiModel, HttpRoute, RestApiModel, RestCorsPath, RestRoute, ServiceApis } from './model.js';
import {
  extendedRequestId,
  type GatewayRequest,
  headerValue,
  newShortRequestId,
  requestTraceId,
} from './request.js';
import { answers, type GatewayResponse, jsonError, mapResponseV1, mapResponseV2 } from './response.js';
import { decodeSegments, PathTable } from './router.js';
import { startExecutionIntegration } from './stepfunctions-integration.js';
import { validateRequest } from './validation.js';

interface RestResource {
  methods: Map<string, RestRoute>;
  cors?: RestCorsPath;
  resourcePath: string;
}

interface HttpResource {
  methods: Map<string, HttpRoute>;
}

export interface GatewayDeps {
  lambda: () => LambdaFacade;
  /** Step Functions for state machines' `http` events; undefined when that service is not running. */
  stepFunctions?: () => StepFunctionsFacade | undefined;
  clock: Clock;
  authorizers: Authorizers;
  usage: UsagePlans;
  log: Logger;
  /** Integration timeout (API Gateway: 29 s for REST, 30 s for HTTP APIs). */
  integrationTimeoutMs?: number;
}

class TimeoutError extends Error {}

/** Serves the REST API and the HTTP API of one service and stage. */
export class ServiceGateway {
  private readonly restTable = new PathTable<RestResource>();
  private readonly httpTable = new PathTable<HttpResource>();
  private readonly httpDefault?: HttpRoute;

  constructor(
    readonly apis: ServiceApis,
    private readonly deps: GatewayDeps,
  ) {
    for (const r of apis.rest?.routes ?? []) {
      const res = this.restTable.add(r.resourcePath, () => ({
        methods: new Map(),
        resourcePath: r.resourcePath,
      }));
      res.methods.set(r.method, r);
    }
    for (const c of apis.rest?.corsPaths ?? []) {
      const res = this.restTable.add(c.resourcePath, () => ({
        methods: new Map(),
        resourcePath: c.resourcePath,
      }));
      res.cors = c;
    }
    for (const r of apis.http?.routes ?? []) {
      if (r.routeKey === '$default') {
        this.httpDefault = r;
        continue;
      }
      this.httpTable.add(r.path, () => ({ methods: new Map() })).methods.set(r.method, r);
    }
  }

  /** Answers one request. Never throws: every failure becomes API Gateway's answer. */
  async handle(req: GatewayRequest, host: string): Promise<GatewayResponse> {
    const segments = decodeSegments(req.rawPath);
    const rest = this.apis.rest;
    const http = this.apis.http;
    try {
      if (!segments) return answers.badRequest();
      if (rest && segments[0] === rest.stage) {
        const res = await this.handleRest(rest, req, segments.slice(1), host);
        if (res) return res;
        // Both APIs share the port: a REST miss goes to the HTTP API only when one of its routes matches.
        if (!http || !this.findHttpRoute(segments, req.method, false))
          return this.restHeaders(answers.missingToken(), req);
      }
      if (http) return await this.handleHttp(http, req, segments, host);
      return answers.restForbidden();
    } catch (e) {
      this.deps.log.error(`apigateway: ${req.method} ${req.rawPath}: ${(e as Error).stack ?? e}`);
      return http && !(rest && segments?.[0] === rest.stage)
        ? answers.httpInternal()
        : answers.restInternal();
    }
  }

  private async invoke(functionName: string, payload: string, timeoutMs: number, asyncInvoke = false) {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.deps.clock.setTimer(() => reject(new TimeoutError()), timeoutMs);
    });
    try {
      return (await Promise.race([
        this.deps
          .lambda()
          .invoke({ functionName, payload, invocationType: asyncInvoke ? 'Event' : 'RequestResponse' }),
        timeout,
      ])) as FacadeInvokeResult;
    } finally {
      timer?.cancel();
    }
  }

  /** REST: undefined means no resource/method matched (403 Missing Authentication Token). */
  private async handleRest(
    api: RestApiModel,
    req: GatewayRequest,
    segments: string[],
    host: string,
  ): Promise<GatewayResponse | undefined> {
    const match = this.restTable.match(segments).next();
    if (match.done) return undefined;
    const resource = match.value.value;
    const origin = headerValue(req.rawHeaders, 'origin');
    const route = resource.methods.get(req.method) ?? resource.methods.get('ANY');
    if (req.method === 'OPTIONS' && resource.cors && !resource.methods.has('OPTIONS'))
      return this.restHeaders(restPreflight(resource.cors.cors, origin), req);
    if (!route) return undefined;
    const stagePrefixLen = api.stage.length + 1;
    const ctx: RouteContext = {
      apiId: api.apiId,
      stage: api.stage,
      path: req.rawPath.slice(stagePrefixLen) || '/',
      resourcePath: route.resourcePath,
      resourceId: route.resourceId,
      routeKey: `${route.method} ${route.resourcePath}`,
      pathParameters: match.value.params,
      deploymentId: api.deploymentId,
    };
    const v1 = () => buildEventV1(req, ctx, { kind: 'rest', binaryMediaTypes: api.binaryMediaTypes, host });
    let usageKey: string | undefined;
    if (route.authorizer) {
      const out: AuthOutcome = await this.deps.authorizers.rest(route.authorizer, req, api.apiId, ctx, v1);
      if (!out.ok) return this.restHeaders(out.response, req);
      ctx.authorizer = out.authorizer;
      usageKey = out.usageIdentifierKey;
    }
    if (route.private) {
      const value =
        api.apiKeySourceType === 'AUTHORIZER' ? usageKey : headerValue(req.rawHeaders, 'x-api-key');
      const out = this.deps.usage.check(api, value);
      if (!out.ok) return this.restHeaders(out.response, req);
      ctx.apiKey = { value: out.key.value, id: out.key.id };
    }
    const invalid = validateRequest(route, req, ctx.pathParameters);
    if (invalid) return this.restHeaders(invalid, req);
    const timeoutMs = this.deps.integrationTimeoutMs ?? 29_000;
    let res: GatewayResponse;
    try {
      if (route.kind === 'stepfunctions' && route.stateMachine) {
        res = await startExecutionIntegration({
          target: route.stateMachine,
          req,
          service: this.apis.service,
          stage: this.apis.stage,
          proxyEvent: v1,
          stepFunctions: this.deps.stepFunctions?.(),
          log: this.deps.log,
        });
        if (resource.cors)
          res.headers.push(['Access-Control-Allow-Origin', restAllowOrigin(resource.cors.cors, origin)]);
      } else if (route.integration === 'AWS') {
        let event: Record<string, unknown>;
        try {
          event = buildLambdaEvent(req, ctx);
        } catch (e) {
          if (e instanceof MappingError) return this.restHeaders(jsonError(400, { message: e.message }), req);
          throw e;
        }
        const r = await this.invoke(route.functionName, JSON.stringify(event), timeoutMs, route.async);
        res = mapLambdaResponse(
          route,
          route.async ? Buffer.alloc(0) : r.payload,
          r.functionError !== undefined,
        );
        if (resource.cors)
          res.headers.push(['Access-Control-Allow-Origin', restAllowOrigin(resource.cors.cors, origin)]);
      } else {
        const r = await this.invoke(route.functionName, JSON.stringify(v1()), timeoutMs);
        const mapped =
          r.functionError === undefined
            ? mapResponseV1(r.payload, {
                kind: 'rest',
                accept: headerValue(req.rawHeaders, 'accept'),
                binaryMediaTypes: api.binaryMediaTypes,
              })
            : undefined;
        if (!mapped) {
          this.deps.log.warn(
            r.functionError === undefined
              ? `apigateway: malformed Lambda proxy response from ${route.functionName}`
              : `apigateway: ${route.functionName} failed: ${r.payload.toString('utf8').slice(0, 500)}`,
          );
        }
        res = mapped ?? answers.restInternal();
      }
    } catch (e) {
      res = this.integrationFailure(e, 'rest');
    }
    return this.restHeaders(res, req);
  }

  private integrationFailure(e: unknown, kind: 'rest' | 'http'): GatewayResponse {
    if (e instanceof TimeoutError) return kind === 'rest' ? answers.restTimeout() : answers.httpTimeout();
    if (isSelflessError(e) && e.code === 'REQUEST_TOO_LARGE') return answers.tooLarge();
    this.deps.log.warn(`apigateway: integration failed: ${(e as Error).message}`);
    return kind === 'rest' ? answers.restInternal() : answers.httpInternal();
  }

  private restHeaders(res: GatewayResponse, req: GatewayRequest): GatewayResponse {
    res.headers.push(['x-amzn-RequestId', req.requestId]);
    res.headers.push(['x-amz-apigw-id', extendedRequestId(req)]);
    if (!res.headers.some(([k]) => k.toLowerCase() === 'x-amzn-trace-id'))
      res.headers.push(['X-Amzn-Trace-Id', requestTraceId(req)]);
    return res;
  }

  private httpHeaders(res: GatewayResponse, req: GatewayRequest, api: HttpApiModel): GatewayResponse {
    if (api.cors) applyHttpCors(res, api.cors, headerValue(req.rawHeaders, 'origin'));
    res.headers.push(['apigw-requestid', req.requestId]);
    return res;
  }

  private findHttpRoute(
    segments: string[],
    method: string,
    withDefault = true,
  ): { route: HttpRoute; params: Record<string, string> } | undefined {
    for (const m of this.httpTable.match(segments)) {
      const route = m.value.methods.get(method) ?? m.value.methods.get('ANY');
      if (route) return { route, params: m.params };
    }
    return this.httpDefault && withDefault ? { route: this.httpDefault, params: {} } : undefined;
  }

  private async handleHttp(
    api: HttpApiModel,
    req: GatewayRequest,
    segments: string[],
    host: string,
  ): Promise<GatewayResponse> {
    req.requestId = newShortRequestId();
    const origin = headerValue(req.rawHeaders, 'origin');
    if (
      api.cors &&
      req.method === 'OPTIONS' &&
      origin &&
      headerValue(req.rawHeaders, 'access-control-request-method') !== undefined
    ) {
      // The preflight carries its own CORS headers: they must not be replaced by the response ones.
      const pre = httpPreflight(api.cors, origin);
      pre.headers.push(['apigw-requestid', req.requestId]);
      return pre;
    }
    const found = this.findHttpRoute(segments, req.method);
    if (!found) return this.httpHeaders(answers.notFound(), req, api);
    const { route, params } = found;
    const ctx: RouteContext = {
      apiId: api.apiId,
      stage: '$default',
      path: req.rawPath,
      resourcePath: route.path === '*' ? '$default' : route.path,
      resourceId: route.routeKey,
      routeKey: route.routeKey,
      pathParameters: params,
    };
    const v1 = () => buildEventV1(req, ctx, { kind: 'http', binaryMediaTypes: [], host });
    if (route.authorizer) {
      const out =
        route.authorizer.kind === 'jwt'
          ? await this.deps.authorizers.jwt(route.authorizer, req, route.scopes)
          : await this.deps.authorizers.httpLambda(route.authorizer, req, api.apiId, ctx, host, v1);
      if (!out.ok) return this.httpHeaders(out.response, req, api);
      ctx.authorizer = out.authorizer;
    }
    let res: GatewayResponse;
    try {
      const event = route.payload === '1.0' ? v1() : buildEventV2(req, ctx, host);
      const r = await this.invoke(
        route.functionName,
        JSON.stringify(event),
        this.deps.integrationTimeoutMs ?? 30_000,
      );
      const mapped =
        r.functionError !== undefined
          ? undefined
          : route.payload === '1.0'
            ? mapResponseV1(r.payload, { kind: 'http', binaryMediaTypes: [] })
            : mapResponseV2(r.payload);
      if (!mapped)
        this.deps.log.warn(
          r.functionError === undefined
            ? `apigateway: malformed Lambda response from ${route.functionName}`
            : `apigateway: ${route.functionName} failed: ${r.payload.toString('utf8').slice(0, 500)}`,
        );
      res = mapped ?? answers.httpInternal();
    } catch (e) {
      res = this.integrationFailure(e, 'http');
    }
    return this.httpHeaders(res, req, api);
  }
}
