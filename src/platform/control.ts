/**
 * The control API under /_selfless/: what the CLI (src/framework/client.ts) talks to.
 *
 *   GET    /_selfless/health
 *   HEAD   /_selfless/artifacts/{sha256}          200 when stored, 404 otherwise
 *   PUT    /_selfless/artifacts/{sha256}          body: the zip (verified against the sha)
 *   GET    /_selfless/artifacts/{sha256}          the zip
 *   POST   /_selfless/deployments                 body: DeploymentSpec → DeployResult
 *   GET    /_selfless/deployments?service=&stage= deployment history
 *   GET    /_selfless/deployments?service=&stage=&timestamp=   one deployment with its spec
 *   ...    routes of service plugins (ServicePlugin.control): /_selfless/metrics, /_selfless/concurrency
 *   GET    /_selfless/services                    deployed services
 *   GET    /_selfless/services/{service}/{stage}  ServiceInfo
 *   DELETE /_selfless/services/{service}/{stage}  remove
 *   GET    /_selfless/logs?group=&start=&end=&filter=&limit=&after=   log events
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { artifactKey } from '../services/lambda/code.js';
import type { LambdaEngine } from '../services/lambda/engine.js';
import type { LogStore } from '../services/logs/store.js';
import type { Deployments } from './deployments.js';
import { isSelflessError, SelflessError } from './errors.js';
import { readBody, sendJson } from './http.js';
import type { PlatformLimits } from './limits.js';
import { stackName } from './resources/stack.js';
import type { ServicePlugin } from './service.js';

/** A deployed service as `info` shows it. */
export interface ServiceInfo {
  service: string;
  stage: string;
  region: string;
  stack: string;
  timestamp: number;
  functions: Array<{
    key: string;
    name: string;
    arn: string;
    runtime: string;
    codeSize: number;
    latestVersion?: string;
  }>;
  outputs: Record<string, unknown>;
  /** Sections contributed by the service plugins (`endpoints`, ...), in registry order. */
  sections: Record<string, string | string[]>;
}

export interface ControlDeps {
  deployments: Deployments;
  lambda: () => LambdaEngine;
  logs: () => LogStore;
  limits: PlatformLimits;
  version: string;
  startedAt: number;
  services: string[];
  plugins: ServicePlugin[];
  blobStream(key: string): NodeJS.ReadableStream | undefined;
}

/** Sends a control-API error: `{ error: { code, message, where?, hint? } }`. */
export function sendControlError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (isSelflessError(e)) {
    const status = e.code.endsWith('NOT_FOUND')
      ? 404
      : e.code === 'BODY_TOO_LARGE'
        ? 413
        : e.kind === 'user'
          ? 400
          : 500;
    sendJson(res, status, { error: { code: e.code, message: e.message, where: e.where, hint: e.hint } });
  } else {
    sendJson(res, 500, { error: { code: 'INTERNAL', message: (e as Error)?.message ?? String(e) } });
  }
}

/** Handles one control-API request. */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  d: ControlDeps,
): Promise<void> {
  const method = req.method ?? 'GET';
  const parts = url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
  const q = url.searchParams;
  try {
    if (parts[0] === 'health' && parts.length === 1) {
      return sendJson(res, 200, {
        status: 'ok',
        version: d.version,
        uptimeMs: Date.now() - d.startedAt,
        services: d.services,
      });
    }
    if (parts[0] === 'artifacts' && parts.length === 2) {
      const sha = parts[1];
      if (method === 'HEAD') {
        res.writeHead((await d.deployments.hasArtifact(sha)) ? 200 : 404);
        return void res.end();
      }
      if (method === 'PUT') {
        const body = await readBody(req, d.limits.maxArtifactBytes);
        return sendJson(res, 200, await d.deployments.putArtifact(sha, body));
      }
      if (method === 'GET') {
        const stream = /^[0-9a-f]{64}$/.test(sha) ? d.blobStream(artifactKey(sha)) : undefined;
        if (!stream) throw new SelflessError('ARTIFACT_NOT_FOUND', `No artifact ${sha}`);
        res.writeHead(200, { 'Content-Type': 'application/zip' });
        stream.pipe(res);
        return;
      }
    }
    if (parts[0] === 'deployments' && parts.length === 1) {
      if (method === 'POST') {
        const body = await readBody(req, 64 * 1024 * 1024);
        let spec: unknown;
        try {
          spec = JSON.parse(body.toString('utf8'));
        } catch (e) {
          throw new SelflessError(
            'INVALID_SPEC',
            `The deployment spec is not valid JSON: ${(e as Error).message}`,
          );
        }
        return sendJson(res, 200, await d.deployments.apply(spec));
      }
      if (method === 'GET') {
        const service = required(q, 'service');
        const stage = required(q, 'stage');
        const list = await d.deployments.deploymentsOf(service, stage);
        const at = q.get('timestamp');
        if (at !== null) {
          // One deployment with its whole spec (what `rollback -t` re-applies).
          const found = list.find((r) => String(r.timestamp) === at);
          if (!found)
            throw new SelflessError(
              'DEPLOYMENT_NOT_FOUND',
              `Couldn't find a deployment for the timestamp: ${at}. Please verify that the timestamp, stage and region are correct.`,
            );
          return sendJson(res, 200, { timestamp: found.timestamp, spec: found.spec });
        }
        return sendJson(res, 200, {
          deployments: list.map((r) => ({
            timestamp: r.timestamp,
            functions: r.spec.functions.map((f) => ({ key: f.key, name: f.name, codeSha256: f.codeSha256 })),
          })),
        });
      }
    }
    if (parts[0] === 'services') {
      if (parts.length === 1 && method === 'GET') {
        const all = await d.deployments.list();
        return sendJson(res, 200, {
          services: all.map((s) => ({
            service: s.service,
            stage: s.stage,
            region: s.region,
            timestamp: s.timestamp,
          })),
        });
      }
      if (parts.length === 3) {
        const [, service, stage] = parts;
        if (method === 'GET') return sendJson(res, 200, await serviceInfo(d, service, stage));
        if (method === 'DELETE') return sendJson(res, 200, await d.deployments.remove(service, stage));
      }
    }
    if (parts[0] === 'logs' && parts.length === 1 && method === 'GET') {
      const group = required(q, 'group');
      const logs = d.logs();
      if (!(await logs.group(group))) return sendJson(res, 200, { events: [], streams: [] });
      const result = await logs.filter({
        logGroupName: group,
        startTime: optNumber(q, 'start'),
        endTime: optNumber(q, 'end'),
        filterPattern: q.get('filter') ?? undefined,
        limit: optNumber(q, 'limit') ?? 10_000,
        after: q.get('after') ?? undefined,
      });
      return sendJson(res, 200, {
        events: result.events,
        streams: result.searched,
        ...(result.more ? { next: result.events.at(-1)?.eventId } : {}),
      });
    }
    for (const p of d.plugins) if (p.control && (await p.control(req, res, url, parts))) return;
    throw new SelflessError('ROUTE_NOT_FOUND', `No control API route ${method} ${url.pathname}`);
  } catch (e) {
    sendControlError(res, e);
  }
}

async function serviceInfo(
  d: ControlDeps,
  service: string,
  stage: string,
): Promise<ServiceInfo & { spec: unknown }> {
  const rec = await d.deployments.get(service, stage);
  if (!rec)
    throw new SelflessError('SERVICE_NOT_FOUND', `Service ${service} is not deployed to stage ${stage}.`, {
      hint: 'Deploy it first (selfless deploy), or check --stage and SELFLESS_ENDPOINT.',
    });
  const lambda = d.lambda();
  const functions: ServiceInfo['functions'] = [];
  for (const f of rec.spec.functions) {
    const fn = await lambda.record(f.name);
    functions.push({
      key: f.key,
      name: f.name,
      arn: lambda.functionArn(f.name),
      runtime: f.runtime,
      codeSize: f.codeSize,
      latestVersion: fn && fn.lastVersion > 0 ? String(fn.lastVersion) : undefined,
    });
  }
  const collected: Record<string, string | string[]> = {};
  const endpoints: string[] = [];
  const urls: string[] = [];
  for (const p of d.plugins) {
    if (!p.serviceOutputs) continue;
    for (const [name, value] of Object.entries(await p.serviceOutputs(service, stage))) {
      if (name === 'endpoint' || name === 'endpoints') endpoints.push(...[value].flat());
      else if (name === 'function urls') urls.push(...[value].flat());
      else collected[name] = value;
    }
  }
  // Serverless lists function URLs with the API endpoints: `fnKey: url`, or the bare URL when alone.
  const allEndpoints = [...endpoints, ...urls];
  const { 'api keys': apiKeys, ...rest } = collected;
  const sections: Record<string, string | string[]> = {
    ...(apiKeys !== undefined ? { 'api keys': apiKeys } : {}),
    ...(allEndpoints.length === 1
      ? { endpoint: endpoints[0] ?? (urls[0] ?? '').replace(/^[^:]+: /, '') }
      : allEndpoints.length > 1
        ? { endpoints: allEndpoints }
        : {}),
    ...rest,
  };
  return {
    service,
    stage,
    region: rec.region,
    sections,
    stack: stackName(rec.spec),
    timestamp: rec.timestamp,
    functions,
    outputs: rec.outputs ?? rec.spec.outputs,
    spec: rec.spec,
  };
}

function required(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (!v) throw new SelflessError('INVALID_REQUEST', `The query parameter ${name} is required.`);
  return v;
}

function optNumber(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new SelflessError('INVALID_REQUEST', `The query parameter ${name} must be a number.`);
  return n;
}
