/**
 * The AWS Lambda API (restJson1, signing name `lambda`): Invoke, ListFunctions, GetFunction,
 * GetFunctionConfiguration, PublishVersion, ListVersionsByFunction and the alias operations, plus
 * the routes the plugin adds (function management, function-admin-api.ts).
 * SelflessErrors from the engine become AWS's status, `x-amzn-ErrorType` and JSON body here.
 */
import { randomUUID } from 'node:crypto';
import { lambdaErrors, type RestJsonError, sendRestJson, sendRestJsonError } from '../../aws/rest-json.js';
import { isSelflessError } from '../../platform/errors.js';
import { header, readBody } from '../../platform/http.js';
import type { PlatformLimits } from '../../platform/limits.js';
import type { WireApi, WireRequest } from '../../platform/service.js';
import { functionConfiguration } from './configuration.js';
import type { LambdaEngine } from './engine.js';
import type { InvocationType } from './facade.js';
import type { AliasRecord, FunctionRecord, VersionConfig } from './model.js';
import { readJsonObject } from './request-body.js';

const PREFIX = '/2015-03-31/functions';

type Handler = (w: WireRequest, params: string[]) => Promise<void>;

/** One operation of the Lambda API: method, path pattern (groups become params) and handler. */
export interface LambdaRoute {
  method: string;
  path: RegExp;
  handler: Handler;
}

/** Maps an engine error to the Lambda API's error. */
export function toLambdaError(e: unknown): RestJsonError {
  if (!isSelflessError(e)) return lambdaErrors.service((e as Error)?.message ?? String(e));
  switch (e.code) {
    case 'RESOURCE_NOT_FOUND':
      return lambdaErrors.notFound(e.message);
    case 'INVALID_PARAMETER':
    case 'INVALID_ARTIFACT':
      return lambdaErrors.invalidParameter(e.message);
    case 'VALIDATION':
      return { status: 400, type: 'ValidationException', message: e.message };
    case 'INVALID_JSON':
      return lambdaErrors.invalidContent(e.message);
    case 'REQUEST_TOO_LARGE':
    case 'BODY_TOO_LARGE':
      return lambdaErrors.tooLarge(e.message);
    case 'FUNCTION_DISABLED':
      return lambdaErrors.tooManyRequests('ReservedFunctionConcurrentInvocationLimitExceeded');
    case 'TOO_MANY_REQUESTS':
      return lambdaErrors.tooManyRequests(
        typeof e.details.reason === 'string' ? e.details.reason : 'ConcurrentInvocationLimitExceeded',
      );
    case 'RESOURCE_CONFLICT':
      return lambdaErrors.conflict(e.message);
    case 'PRECONDITION_FAILED':
      return { status: 412, type: 'PreconditionFailedException', message: e.message };
    case 'RUNTIME_UNAVAILABLE':
      return { status: 502, type: 'InvalidRuntimeException', message: e.message };
    default:
      return lambdaErrors.service(e.message);
  }
}

/** Builds the Lambda wire API over the engine. */
export function lambdaWireApi(
  engine: LambdaEngine,
  limits: PlatformLimits,
  endpoint: () => string,
  /** Further operations (function management, function-admin-api.ts), matched after these. */
  extraRoutes: LambdaRoute[] = [],
): WireApi {
  const configuration = (fn: FunctionRecord, c: VersionConfig, region: string) =>
    functionConfiguration((name, q) => engine.functionArn(name, q), fn, c, region);

  const alias = (a: AliasRecord) => ({
    AliasArn: engine.functionArn(a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    ...(a.additionalVersionWeights
      ? { RoutingConfig: { AdditionalVersionWeights: a.additionalVersionWeights } }
      : {}),
    RevisionId: a.revisionId,
  });

  const paginate = <T>(items: T[], w: WireRequest) => {
    const marker = Number(w.url.searchParams.get('Marker') ?? 0) || 0;
    const max = Math.min(Number(w.url.searchParams.get('MaxItems') ?? 50) || 50, 10_000);
    const page = items.slice(marker, marker + max);
    return { page, next: marker + max < items.length ? String(marker + max) : undefined };
  };

  const invoke: Handler = async (w, [name]) => {
    const typeHeader = header(w.req, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(typeHeader))
      return sendRestJsonError(
        w.res,
        lambdaErrors.invalidParameter(
          `1 validation error detected: Value '${typeHeader}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
        ),
      );
    const type = typeHeader as InvocationType;
    const limit = type === 'Event' ? limits.maxAsyncPayloadBytes : limits.maxSyncPayloadBytes;
    let payload: Buffer;
    try {
      payload = await readBody(w.req, limit);
    } catch (e) {
      if (isSelflessError(e) && e.code === 'BODY_TOO_LARGE')
        return sendRestJsonError(
          w.res,
          lambdaErrors.tooLarge(
            `Request must be smaller than ${limit} bytes for the ${type === 'Event' ? 'InvokeAsync' : 'InvokeFunction'} operation`,
          ),
        );
      throw e;
    }
    if (payload.length === 0) payload = Buffer.from('{}');
    try {
      JSON.parse(payload.toString('utf8'));
    } catch (e) {
      return sendRestJsonError(
        w.res,
        lambdaErrors.invalidContent(
          `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`,
        ),
      );
    }
    const clientContext = header(w.req, 'x-amz-client-context');
    if (clientContext && Buffer.byteLength(clientContext) > 3583)
      return sendRestJsonError(
        w.res,
        lambdaErrors.invalidParameter('Client context must be smaller than 3583 bytes.'),
      );
    const result = await engine.invoke({
      functionName: name,
      qualifier: w.url.searchParams.get('Qualifier') ?? undefined,
      payload,
      invocationType: type,
      clientContext: type === 'RequestResponse' ? clientContext : undefined,
      logTail: type === 'RequestResponse' && header(w.req, 'x-amz-log-type') === 'Tail',
      traceId: header(w.req, 'x-amzn-trace-id'),
      tenantId: header(w.req, 'x-amz-tenant-id'),
      region: w.region,
    });
    const headers: Record<string, string | number> = {
      'x-amzn-RequestId': result.requestId,
      'x-amzn-Remapped-Content-Length': '0',
    };
    if (result.executedVersion && type !== 'Event')
      headers['X-Amz-Executed-Version'] = result.executedVersion;
    if (result.functionError) headers['X-Amz-Function-Error'] = result.functionError;
    if (result.logTail !== undefined) headers['X-Amz-Log-Result'] = tail4k(result.logTail);
    if (result.statusCode === 200) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = result.payload.length;
      w.res.writeHead(200, headers);
      w.res.end(result.payload);
    } else {
      headers['Content-Length'] = 0;
      w.res.writeHead(result.statusCode, headers);
      w.res.end();
    }
  };

  const resolveForRead = async (w: WireRequest, name: string) =>
    engine.resolve(name, w.url.searchParams.get('Qualifier') ?? undefined, () => 0.999999, w.region);

  const routes: LambdaRoute[] = [
    { method: 'POST', path: /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, handler: invoke },
    {
      method: 'GET',
      path: /^\/2015-03-31\/functions\/?$/,
      handler: async (w) => {
        const all = w.url.searchParams.get('FunctionVersion') === 'ALL';
        const items: unknown[] = [];
        for (const fn of await engine.listFunctions()) {
          items.push(configuration(fn, fn.latest, w.region));
          if (all)
            for (const v of await engine.listVersions(fn.name)) items.push(configuration(fn, v, w.region));
        }
        const { page, next } = paginate(items, w);
        sendRestJson(w.res, 200, { Functions: page, ...(next ? { NextMarker: next } : {}) });
      },
    },
    {
      method: 'GET',
      path: /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/,
      handler: async (w, [name]) => {
        const r = await resolveForRead(w, name);
        sendRestJson(w.res, 200, configuration(r.fn, r.config, w.region));
      },
    },
    {
      method: 'GET',
      path: /^\/2015-03-31\/functions\/([^/]+)\/?$/,
      handler: async (w, [name]) => {
        const r = await resolveForRead(w, name);
        sendRestJson(w.res, 200, {
          Configuration: configuration(r.fn, r.config, w.region),
          Code: {
            RepositoryType: 'S3',
            Location: `${endpoint()}/_selfless/artifacts/${r.config.codeSha256}`,
          },
          Tags: r.fn.service ? { STAGE: r.fn.stage, SERVICE: r.fn.service } : (r.fn.tags ?? {}),
          ...(r.fn.reservedConcurrency !== undefined
            ? { Concurrency: { ReservedConcurrentExecutions: r.fn.reservedConcurrency } }
            : {}),
        });
      },
    },
    {
      method: 'POST',
      path: /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/,
      handler: async (w, [name]) => {
        const body = await readJsonObject(w, 1024 * 1024, 'PublishVersion');
        const { fn } = await engine.resolve(name);
        const config = await engine.publishVersion(fn.name, {
          description: optString(body.Description),
          codeSha256: optString(body.CodeSha256)
            ? Buffer.from(String(body.CodeSha256), 'base64').toString('hex')
            : undefined,
          revisionId: optString(body.RevisionId),
        });
        sendRestJson(w.res, 201, configuration(fn, config, w.region));
      },
    },
    {
      method: 'GET',
      path: /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/,
      handler: async (w, [name]) => {
        const r = await engine.resolve(name);
        const items = [r.fn.latest, ...(await engine.listVersions(r.fn.name))].map((c) =>
          configuration(r.fn, c, w.region),
        );
        const { page, next } = paginate(items, w);
        sendRestJson(w.res, 200, { Versions: page, ...(next ? { NextMarker: next } : {}) });
      },
    },
    {
      method: 'POST',
      path: /^\/2015-03-31\/functions\/([^/]+)\/aliases\/?$/,
      handler: async (w, [name]) => {
        const body = await readJsonObject(w, 1024 * 1024, 'CreateAlias');
        const a = await engine.putAlias(name, String(body.Name ?? ''), aliasInput(body), 'create');
        sendRestJson(w.res, 201, alias(a));
      },
    },
    {
      method: 'GET',
      path: /^\/2015-03-31\/functions\/([^/]+)\/aliases\/?$/,
      handler: async (w, [name]) => {
        const r = await engine.resolve(name);
        const version = w.url.searchParams.get('FunctionVersion');
        const items = (await engine.listAliases(r.fn.name))
          .filter((a) => !version || a.functionVersion === version)
          .map(alias);
        const { page, next } = paginate(items, w);
        sendRestJson(w.res, 200, { Aliases: page, ...(next ? { NextMarker: next } : {}) });
      },
    },
    {
      method: 'GET',
      path: /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)\/?$/,
      handler: async (w, [name, a]) => sendRestJson(w.res, 200, alias(await engine.getAlias(name, a))),
    },
    {
      method: 'PUT',
      path: /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)\/?$/,
      handler: async (w, [name, a]) => {
        const body = await readJsonObject(w, 1024 * 1024, 'UpdateAlias');
        sendRestJson(w.res, 200, alias(await engine.putAlias(name, a, aliasInput(body), 'update')));
      },
    },
    {
      method: 'DELETE',
      path: /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)\/?$/,
      handler: async (w, [name, a]) => {
        await engine.deleteAlias(name, a);
        w.res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
        w.res.end();
      },
    },
    ...extraRoutes,
  ];

  return {
    signingNames: ['lambda'],
    claims: (w) => w.url.pathname.startsWith(`${PREFIX}/`) || w.url.pathname === PREFIX,
    async handle(w: WireRequest) {
      const method = w.req.method ?? 'GET';
      const path = w.url.pathname;
      try {
        for (const r of routes) {
          if (r.method !== method) continue;
          const m = r.path.exec(path);
          if (!m) continue;
          await r.handler(
            w,
            m.slice(1).map((s) => decodeURIComponent(s)),
          );
          return;
        }
        // Drain the body so the connection stays usable.
        await readBody(w.req, 64 * 1024 * 1024).catch(() => undefined);
        sendRestJsonError(w.res, lambdaErrors.unknownOperation(method, path));
      } catch (e) {
        const restError = (e as { restError?: RestJsonError }).restError;
        if (!w.res.headersSent) sendRestJsonError(w.res, restError ?? toLambdaError(e));
        else w.res.destroy();
      }
    },
  };
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function aliasInput(body: Record<string, unknown>) {
  const routing = body.RoutingConfig as { AdditionalVersionWeights?: Record<string, number> } | undefined;
  return {
    functionVersion: optString(body.FunctionVersion),
    description: typeof body.Description === 'string' ? body.Description : undefined,
    weights: routing && typeof routing === 'object' ? (routing.AdditionalVersionWeights ?? {}) : undefined,
    revisionId: optString(body.RevisionId),
  };
}

/** Base64 of the last 4 KB of a log tail (cut at a line start when possible). */
export function tail4k(text: string): string {
  const buf = Buffer.from(text);
  if (buf.length <= 4096) return buf.toString('base64');
  return buf.subarray(buf.length - 4096).toString('base64');
}
