/**
 * The Lambda API's asynchronous invocation settings (restJson1, `/2019-09-25/functions/{name}/
 * event-invoke-config`): Put, Update, Get, Delete and ListFunctionEventInvokeConfigs, over the
 * `lambda.event-invoke` table the async queue reads. Errors take AWS's shapes through toLambdaError.
 */
import { randomUUID } from 'node:crypto';
import { lambdaErrors, sendRestJson, sendRestJsonError } from '../../aws/rest-json.js';
import type { Clock } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import { readBody } from '../../platform/http.js';
import type { WireApi } from '../../platform/service.js';
import type { Store, Table } from '../../platform/store/port.js';
import { toLambdaError } from './api.js';
import type { LambdaEngine } from './engine.js';
import {
  EVENT_INVOKE,
  type EventInvokeConfig,
  type EventInvokeSettings,
  eventInvokeKey,
  validateEventInvokeSettings,
} from './event-invoke.js';
import { readJsonObject } from './request-body.js';

export const EVENT_INVOKE_PREFIX = '/2019-09-25/functions/';
const CONFIG = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/?$/;
const LIST = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/list\/?$/;

/** The API's view of a config (`LastModified` in epoch seconds, empty destinations as `{}`). */
export function eventInvokeConfigShape(c: EventInvokeConfig, functionArn: string): Record<string, unknown> {
  return {
    LastModified: c.lastModified / 1000,
    FunctionArn: functionArn,
    ...(c.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: c.maximumRetryAttempts } : {}),
    ...(c.maximumEventAgeInSeconds !== undefined
      ? { MaximumEventAgeInSeconds: c.maximumEventAgeInSeconds }
      : {}),
    DestinationConfig: {
      OnSuccess: c.onSuccess ? { Destination: c.onSuccess } : {},
      OnFailure: c.onFailure ? { Destination: c.onFailure } : {},
    },
  };
}

/** Reads the settings of a Put or Update body; for Update, absent members keep `base`'s values. */
export function settingsFromBody(
  body: Record<string, unknown>,
  base: EventInvokeSettings = {},
): EventInvokeSettings {
  const out: EventInvokeSettings = { ...base };
  const num = (v: unknown, field: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number')
      throw new SelflessError(
        'INVALID_PARAMETER',
        `1 validation error detected: Value at '${field}' must be a number`,
      );
    return v;
  };
  if ('MaximumRetryAttempts' in body)
    out.maximumRetryAttempts = num(body.MaximumRetryAttempts, 'maximumRetryAttempts');
  if ('MaximumEventAgeInSeconds' in body)
    out.maximumEventAgeInSeconds = num(body.MaximumEventAgeInSeconds, 'maximumEventAgeInSeconds');
  const d = body.DestinationConfig as Record<string, { Destination?: unknown } | undefined> | undefined;
  if (d && typeof d === 'object')
    for (const [member, field] of [
      ['OnSuccess', 'onSuccess'],
      ['OnFailure', 'onFailure'],
    ] as const) {
      if (!(member in d)) continue;
      const dest = d[member]?.Destination;
      if (dest !== undefined && dest !== null && typeof dest !== 'string')
        throw new SelflessError(
          'INVALID_PARAMETER',
          `DestinationConfig.${member}.Destination must be a string`,
        );
      out[field] = dest ? dest : undefined;
    }
  for (const k of Object.keys(out) as Array<keyof EventInvokeSettings>)
    if (out[k] === undefined) delete out[k];
  return out;
}

/** The operations, over the engine (functions, qualifiers, ARNs) and the settings table. */
export class EventInvokeConfigs {
  private readonly table: Table<EventInvokeConfig>;

  constructor(
    store: Store,
    private readonly engine: LambdaEngine,
    private readonly clock: Clock,
  ) {
    this.table = store.table(EVENT_INVOKE, { cached: true });
  }

  /** The function and qualifier an identifier names; throws RESOURCE_NOT_FOUND for unknown ones. */
  private async target(id: string, qualifier?: string) {
    const r = await this.engine.resolve(id, qualifier, () => 0);
    const q = r.qualifier ?? '$LATEST';
    return { name: r.fn.name, qualifier: q, arn: this.engine.functionArn(r.fn.name, q) };
  }

  private notFound(arn: string): SelflessError {
    return new SelflessError('RESOURCE_NOT_FOUND', `The function ${arn} doesn't have an EventInvokeConfig`);
  }

  /** Put (replaces everything) or Update (changes what the body names; the config must exist). */
  async write(
    id: string,
    qualifier: string | undefined,
    body: Record<string, unknown>,
    mode: 'put' | 'update',
  ): Promise<Record<string, unknown>> {
    const t = await this.target(id, qualifier);
    const key = eventInvokeKey(t.name, t.qualifier);
    const existing = await this.table.get(key);
    if (mode === 'update' && !existing) throw this.notFound(t.arn);
    const base: EventInvokeSettings =
      mode === 'update' && existing
        ? {
            maximumRetryAttempts: existing.maximumRetryAttempts,
            maximumEventAgeInSeconds: existing.maximumEventAgeInSeconds,
            onSuccess: existing.onSuccess,
            onFailure: existing.onFailure,
          }
        : {};
    const settings = settingsFromBody(body, base);
    validateEventInvokeSettings(settings, t.name);
    const config: EventInvokeConfig = {
      functionName: t.name,
      qualifier: t.qualifier,
      ...settings,
      lastModified: this.clock.now(),
    };
    await this.table.put(key, config);
    return eventInvokeConfigShape(config, t.arn);
  }

  async get(id: string, qualifier?: string): Promise<Record<string, unknown>> {
    const t = await this.target(id, qualifier);
    const c = await this.table.get(eventInvokeKey(t.name, t.qualifier));
    if (!c) throw this.notFound(t.arn);
    return eventInvokeConfigShape(c, t.arn);
  }

  async delete(id: string, qualifier?: string): Promise<void> {
    const t = await this.target(id, qualifier);
    if (!(await this.table.delete(eventInvokeKey(t.name, t.qualifier)))) throw this.notFound(t.arn);
  }

  /** Every config of a function (all qualifiers). */
  async list(id: string): Promise<Array<Record<string, unknown>>> {
    const { name } = await this.target(id);
    return (await this.table.list({ prefix: `${name}:` })).map(({ value }) =>
      eventInvokeConfigShape(value, this.engine.functionArn(name, value.qualifier)),
    );
  }
}

/** The wire API of the operations. */
export function eventInvokeWireApi(configs: EventInvokeConfigs): WireApi {
  return {
    signingNames: ['lambda'],
    claims: (w) => w.url.pathname.startsWith(EVENT_INVOKE_PREFIX),
    async handle(w) {
      const method = w.req.method ?? 'GET';
      const path = w.url.pathname;
      const qualifier = w.url.searchParams.get('Qualifier') || undefined;
      try {
        const list = LIST.exec(path);
        if (list && method === 'GET') {
          const all = await configs.list(decodeURIComponent(list[1]!));
          const marker = Number(w.url.searchParams.get('Marker') ?? 0) || 0;
          const max = Math.min(Number(w.url.searchParams.get('MaxItems') ?? 50) || 50, 50);
          const next = marker + max < all.length ? String(marker + max) : undefined;
          sendRestJson(w.res, 200, {
            FunctionEventInvokeConfigs: all.slice(marker, marker + max),
            ...(next ? { NextMarker: next } : {}),
          });
          return;
        }
        const one = CONFIG.exec(path);
        if (one) {
          const name = decodeURIComponent(one[1]!);
          if (method === 'PUT' || method === 'POST') {
            const body = await readJsonObject(
              w,
              256 * 1024,
              method === 'PUT' ? 'PutFunctionEventInvokeConfig' : 'UpdateFunctionEventInvokeConfig',
            );
            sendRestJson(
              w.res,
              200,
              await configs.write(name, qualifier, body, method === 'PUT' ? 'put' : 'update'),
            );
            return;
          }
          if (method === 'GET') {
            sendRestJson(w.res, 200, await configs.get(name, qualifier));
            return;
          }
          if (method === 'DELETE') {
            await configs.delete(name, qualifier);
            w.res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
            w.res.end();
            return;
          }
        }
        await readBody(w.req, 64 * 1024 * 1024).catch(() => undefined);
        sendRestJsonError(w.res, lambdaErrors.unknownOperation(method, path));
      } catch (e) {
        if (!w.res.headersSent) sendRestJsonError(w.res, toLambdaError(e));
        else w.res.destroy();
      }
    },
  };
}
