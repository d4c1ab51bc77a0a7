/**
 * The Lambda API reads of the lifecycle features: GetAccountSettings (account concurrency limit,
 * unreserved concurrency, function count and code size), GetFunctionConcurrency and
 * GetFunctionUrlConfig. Errors take AWS's shapes through toLambdaError.
 */
import { sendRestJson } from '../../aws/rest-json.js';
import { SelflessError } from '../../platform/errors.js';
import type { WireRequest } from '../../platform/service.js';
import type { LambdaEngine } from './engine.js';
import type { FunctionUrls } from './function-urls.js';
import { awsTimestamp } from './model.js';
import { parseFunctionRef } from './names.js';

/** Path prefixes of these operations. */
export const LIFECYCLE_PATHS = [
  /^\/2016-08-19\/account-settings\/?$/,
  /^\/(?:2017-10-31|2019-09-30)\/functions\/[^/]+\/concurrency\/?$/,
  /^\/2021-10-31\/functions\/[^/]+\/url\/?$/,
];

/** Answers one of the operations; false when the request is none of them. */
export async function handleLifecycleRead(
  w: WireRequest,
  deps: { engine: LambdaEngine; urls: FunctionUrls; accountLimit: number },
): Promise<boolean> {
  if ((w.req.method ?? 'GET') !== 'GET') return false;
  const path = w.url.pathname;
  if (/^\/2016-08-19\/account-settings\/?$/.test(path)) {
    const fns = await deps.engine.listFunctions();
    const reserved = fns.reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
    sendRestJson(w.res, 200, {
      AccountLimit: {
        TotalCodeSize: 80_530_636_800,
        CodeSizeUnzipped: 262_144_000,
        CodeSizeZipped: 52_428_800,
        ConcurrentExecutions: deps.accountLimit,
        UnreservedConcurrentExecutions: deps.accountLimit - reserved,
      },
      AccountUsage: {
        TotalCodeSize: fns.reduce((sum, f) => sum + f.latest.codeSize, 0),
        FunctionCount: fns.length,
      },
    });
    return true;
  }
  const concurrency = /^\/(?:2017-10-31|2019-09-30)\/functions\/([^/]+)\/concurrency\/?$/.exec(path);
  if (concurrency) {
    const fn = await required(deps.engine, decodeURIComponent(concurrency[1]!));
    sendRestJson(
      w.res,
      200,
      fn.reservedConcurrency !== undefined ? { ReservedConcurrentExecutions: fn.reservedConcurrency } : {},
    );
    return true;
  }
  const url = /^\/2021-10-31\/functions\/([^/]+)\/url\/?$/.exec(path);
  if (url) {
    const fn = await required(deps.engine, decodeURIComponent(url[1]!));
    const config = await deps.urls.config(fn.name);
    const address = deps.urls.url(fn.name);
    if (!config || !address)
      throw new SelflessError('RESOURCE_NOT_FOUND', 'The resource you requested does not exist.');
    sendRestJson(w.res, 200, {
      FunctionUrl: address,
      FunctionArn: deps.engine.functionArn(fn.name),
      AuthType: config.authType,
      ...(config.cors
        ? {
            Cors: {
              AllowCredentials: config.cors.allowCredentials,
              AllowHeaders: config.cors.allowHeaders,
              AllowMethods: config.cors.allowMethods,
              AllowOrigins: config.cors.allowOrigins,
              ExposeHeaders: config.cors.exposeHeaders,
              ...(config.cors.maxAge !== undefined ? { MaxAge: config.cors.maxAge } : {}),
            },
          }
        : {}),
      CreationTime: awsTimestamp(fn.createdAt),
      LastModifiedTime: awsTimestamp(fn.latest.lastModified),
      InvokeMode: config.invokeMode,
    });
    return true;
  }
  return false;
}

async function required(engine: LambdaEngine, id: string) {
  const ref = parseFunctionRef(id);
  const fn = await engine.record(ref.name);
  if (!fn)
    throw new SelflessError('RESOURCE_NOT_FOUND', `Function not found: ${engine.functionArn(ref.name)}`);
  return fn;
}
