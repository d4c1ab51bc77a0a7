/**
 * The function-management operations of the Lambda API (restJson1), added to lambdaWireApi's routes:
 *
 *   POST   /2015-03-31/functions                          CreateFunction            201
 *   PUT    /2015-03-31/functions/{name}/configuration     UpdateFunctionConfiguration 200
 *   PUT    /2015-03-31/functions/{name}/code              UpdateFunctionCode        200
 *   DELETE /2015-03-31/functions/{name}[?Qualifier=]      DeleteFunction            204
 *   PUT    /2017-10-31/functions/{name}/concurrency       PutFunctionConcurrency    200
 *   DELETE /2017-10-31/functions/{name}/concurrency       DeleteFunctionConcurrency 204
 *
 * (GetFunctionConcurrency is served with the lifecycle reads, lifecycle-api.ts.)
 */
import { randomUUID } from 'node:crypto';
import { sendRestJson } from '../../aws/rest-json.js';
import type { WireRequest } from '../../platform/service.js';
import type { LambdaRoute } from './api.js';
import { functionConfiguration, type Readiness } from './configuration.js';
import type { AdminResult, FunctionAdmin } from './function-admin.js';
import {
  parseCodeUpdate,
  parseConcurrency,
  parseConfiguration,
  parseCreateFunction,
} from './function-input.js';
import { readJsonObject } from './request-body.js';

/** Paths of the concurrency writes (the lambda plugin claims them for PUT and DELETE). */
export const CONCURRENCY_PATH = /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/;

/** AWS's CreateFunction/UpdateFunctionCode request limit: a 50 MB zip, base64 in JSON. */
export const MAX_CODE_REQUEST_BYTES = 69_905_067;

/** The routes of the function-management operations. */
export function functionAdminRoutes(
  admin: FunctionAdmin,
  arnOf: (name: string, qualifier?: string) => string,
): LambdaRoute[] {
  const answer = (w: WireRequest, status: number, r: AdminResult, readiness: Readiness) =>
    sendRestJson(w.res, status, functionConfiguration(arnOf, r.fn, r.config, w.region, readiness));
  const noContent = (w: WireRequest) => {
    w.res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
    w.res.end();
  };
  return [
    {
      method: 'POST',
      path: /^\/2015-03-31\/functions\/?$/,
      handler: async (w) => {
        const body = await readJsonObject(w, MAX_CODE_REQUEST_BYTES, 'CreateFunction');
        const r = await admin.create(parseCreateFunction(body), w.region);
        answer(w, 201, r, 'creating');
      },
    },
    {
      method: 'PUT',
      path: /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/,
      handler: async (w, [name]) => {
        const body = await readJsonObject(w, 1024 * 1024, 'UpdateFunctionConfiguration');
        answer(w, 200, await admin.updateConfiguration(name!, parseConfiguration(body)), 'updating');
      },
    },
    {
      method: 'PUT',
      path: /^\/2015-03-31\/functions\/([^/]+)\/code\/?$/,
      handler: async (w, [name]) => {
        const body = await readJsonObject(w, MAX_CODE_REQUEST_BYTES, 'UpdateFunctionCode');
        const input = parseCodeUpdate(body);
        const r = await admin.updateCode(name!, input);
        answer(w, 200, r, input.dryRun ? 'ready' : 'updating');
      },
    },
    {
      method: 'DELETE',
      path: /^\/2015-03-31\/functions\/([^/]+)\/?$/,
      handler: async (w, [name]) => {
        await admin.delete(name!, w.url.searchParams.get('Qualifier') ?? undefined);
        noContent(w);
      },
    },
    {
      method: 'PUT',
      path: CONCURRENCY_PATH,
      handler: async (w, [name]) => {
        const n = parseConcurrency(await readJsonObject(w, 64 * 1024, 'PutFunctionConcurrency'));
        const fn = await admin.putConcurrency(name!, n);
        sendRestJson(w.res, 200, { ReservedConcurrentExecutions: fn.reservedConcurrency });
      },
    },
    {
      method: 'DELETE',
      path: CONCURRENCY_PATH,
      handler: async (w, [name]) => {
        await admin.deleteConcurrency(name!);
        noContent(w);
      },
    },
  ];
}
