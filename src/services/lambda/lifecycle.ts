/**
 * Lambda's lifecycle features as one plugin beside the lambda service: layers (the
 * `AWS::Lambda::LayerVersion` resource type, the resources implied by `layers:`, the layer API),
 * provisioned concurrency, function URLs, and metrics with the estimated bill (recorded by an
 * EnvironmentManager decorator installed through `instrument`, served on the control API).
 *
 *   GET /_selfless/metrics?service=&stage=&function=&start=&end=   MetricsReport (+ concurrency)
 *   GET /_selfless/concurrency                                        environments and provisioned pools
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { lambdaErrors, sendRestJsonError } from '../../aws/rest-json.js';
import { SERVICES, type ServiceRecord } from '../../platform/deployments.js';
import { SelflessError } from '../../platform/errors.js';
import { sendJson } from '../../platform/http.js';
import type { StackPlugin } from '../../platform/resources/stack.js';
import type {
  DeployContext,
  PlatformContext,
  ResourceAttributes,
  WireRequest,
} from '../../platform/service.js';
import type { DeploymentSpec, LayerSpec, ResourceSpec } from '../../platform/spec.js';
import { toLambdaError } from './api.js';
import type { LambdaEngine } from './engine.js';
import { FunctionUrls } from './function-urls.js';
import { LayerStore } from './layers.js';
import { ARTIFACT_BUCKET, LAYERS_PREFIX, layersWireApi } from './layers-api.js';
import { handleLifecycleRead, LIFECYCLE_PATHS } from './lifecycle-api.js';
import { instrumentEnvironments, LambdaMetrics, type MetricsReport } from './metrics.js';
import type { EnvironmentFactory } from './plugin.js';
import { ProvisionedConcurrency, type ProvisionedStatus } from './provisioned.js';

/** What the plugin offers other parts (ctx.service('lambda-lifecycle')). */
export interface LambdaLifecycleFacade {
  layers: LayerStore;
  metrics: LambdaMetrics;
  provisioned: ProvisionedConcurrency;
  urls: FunctionUrls;
  /** The metrics of a service (or one of its functions) over a period, with live concurrency. */
  metricsFor(q: MetricsRequest): Promise<MetricsResponse>;
}

export interface MetricsRequest {
  service?: string;
  stage?: string;
  /** A function key of the service, or a deployed name. */
  function?: string;
  startTime: number;
  endTime: number;
}

export interface MetricsResponse extends MetricsReport {
  /** Function key → deployed name of what the report covers (when a service was named). */
  keys: Record<string, string>;
  concurrency: {
    /** Executions running now, for the whole platform. */
    accountCurrent: number;
    /** The platform's account-level limit. */
    accountLimit: number;
    functions: Array<{ functionName: string; busy: number; idle: number; reserved?: number }>;
    provisioned: ProvisionedStatus[];
  };
}

export interface LifecycleOptions {
  /** Provisioned pools are checked this often (ms). */
  provisionIntervalMs?: number;
  /** Function URLs listen from this port up (0: any free port). */
  urlPortBase?: number;
}

/** Creates the plugin and the decorator that feeds its metrics. */
export function lambdaLifecycle(opts: LifecycleOptions = {}): {
  instrument(factory: EnvironmentFactory): EnvironmentFactory;
  plugin: StackPlugin;
} {
  let metrics: LambdaMetrics | undefined;
  let facade: (LambdaLifecycleFacade & { engine: LambdaEngine; limit: number }) | undefined;
  let layerApi: ReturnType<typeof layersWireApi> | undefined;
  const started = () => {
    if (!facade)
      throw new SelflessError('SERVICE_NOT_STARTED', 'lambda-lifecycle is not running', { kind: 'system' });
    return facade;
  };

  const instrument =
    (factory: EnvironmentFactory): EnvironmentFactory =>
    async (deps) => {
      metrics = new LambdaMetrics(deps.clock);
      return instrumentEnvironments(await factory(deps), metrics);
    };

  const plugin: StackPlugin = {
    name: 'lambda-lifecycle',
    async start(ctx: PlatformContext) {
      const engine = ctx.service<LambdaEngine>('lambda');
      const layers = new LayerStore(ctx.store, ctx.clock, ctx.dataDir, ctx.region);
      await layers.init();
      engine.setLayers(layers);
      layerApi = layersWireApi(layers, ctx.store, ctx.endpoint);
      const m = metrics ?? new LambdaMetrics(ctx.clock);
      const provisioned = new ProvisionedConcurrency(
        engine,
        ctx.clock,
        ctx.log,
        opts.provisionIntervalMs,
        async (name, n) => {
          const fn = await engine.record(name);
          m.recordProvisioned(name, n, fn?.latest.memorySize ?? 128, fn?.latest.architecture ?? 'x86_64');
        },
      );
      const urls = new FunctionUrls(ctx, engine, opts.urlPortBase ?? 3900);
      await urls.init();
      const limit = ctx.limits?.concurrency ?? 1000;
      facade = {
        engine,
        limit,
        layers,
        metrics: m,
        provisioned,
        urls,
        metricsFor: (q) => metricsFor(engine, m, provisioned, limit, q),
      };
      // Deployed services keep their provisioned pools across restarts.
      for (const { value } of await ctx.store.table<ServiceRecord>(SERVICES).list())
        for (const f of value.spec.functions)
          if (f.provisionedConcurrency) void provisioned.set(f.name, f.provisionedConcurrency);
      provisioned.start();
      return facade;
    },
    async stop() {
      facade?.provisioned.stop();
      await facade?.urls.close();
    },
    wire: {
      signingNames: ['lambda'],
      claims: (w: WireRequest) =>
        w.url.pathname === LAYERS_PREFIX ||
        w.url.pathname.startsWith(`${LAYERS_PREFIX}/`) ||
        LIFECYCLE_PATHS.some((p) => p.test(w.url.pathname)),
      handle: async (w: WireRequest) => {
        if (!layerApi || !facade) throw new Error('lambda-lifecycle not started');
        if (w.url.pathname.startsWith(LAYERS_PREFIX)) return layerApi.handle(w);
        try {
          if (
            await handleLifecycleRead(w, {
              engine: facade.engine,
              urls: facade.urls,
              accountLimit: facade.limit,
            })
          )
            return;
          sendRestJsonError(w.res, lambdaErrors.unknownOperation(w.req.method ?? 'GET', w.url.pathname));
        } catch (e) {
          if (!w.res.headersSent) sendRestJsonError(w.res, toLambdaError(e));
          else w.res.destroy();
        }
      },
    },
    impliedResources: (spec: DeploymentSpec) => impliedLayerResources(spec),
    resourceTypes: {
      'AWS::Lambda::LayerVersion': {
        async apply(ctx: DeployContext, logicalId, props, previous): Promise<ResourceAttributes> {
          const f = started();
          const layer = specLayers(ctx.spec).find((l) => l.logicalId === logicalId);
          const hash = createHash('sha256').update(JSON.stringify(props)).digest('hex').slice(0, 32);
          if (previous && previous.attributes.hash === hash) return previous;
          const content = (props.Content ?? {}) as Record<string, unknown>;
          const key = typeof content.S3Key === 'string' ? content.S3Key.replace(/\.zip$/, '') : '';
          if (content.S3Bucket !== ARTIFACT_BUCKET || !/^[0-9a-f]{64}$/.test(key))
            throw new SelflessError(
              'UNSUPPORTED_LAYER_CONTENT',
              `Layer ${logicalId}: only layers packaged by Selfless (the layers: section) can be deployed as resources.`,
              { where: `resources.Resources.${logicalId}.Properties.Content` },
            );
          const { record, warnings } = await f.layers.publish({
            layerName: String(props.LayerName ?? layer?.name ?? logicalId),
            region: ctx.region,
            codeSha256: key,
            codeSize: layer?.codeSize ?? 0,
            description: typeof props.Description === 'string' ? props.Description : undefined,
            compatibleRuntimes: stringList(props.CompatibleRuntimes),
            compatibleArchitectures: stringList(props.CompatibleArchitectures),
            licenseInfo: typeof props.LicenseInfo === 'string' ? props.LicenseInfo : undefined,
            owner: { service: ctx.service, stage: ctx.stage, key: layer?.key ?? logicalId },
          });
          for (const w of warnings) ctx.warn?.(w);
          // CloudFormation replaces a changed layer version and deletes the old one unless retained.
          if (previous && previous.attributes.retain !== 'true') await deleteByArn(f.layers, previous.ref);
          const arnValue = f.layers.arnOf(record);
          return {
            ref: arnValue,
            attributes: {
              LayerVersionArn: arnValue,
              hash,
              retain: layer?.retain ? 'true' : 'false',
            },
          };
        },
        async remove(_ctx, _logicalId, current) {
          if (current.attributes.retain === 'true') return;
          await deleteByArn(started().layers, current.ref);
        },
      },
    },
    async wireEvents(ctx: DeployContext) {
      const f = started();
      const names = new Set(ctx.spec.functions.map((fn) => fn.name));
      for (const s of f.provisioned.status())
        if (!names.has(s.functionName) && (await belongsTo(f.engine, s.functionName, ctx)))
          await f.provisioned.set(s.functionName, 0);
      for (const fn of ctx.spec.functions) await f.provisioned.set(fn.name, fn.provisionedConcurrency ?? 0);
      await f.urls.wire(ctx);
    },
    async unwireEvents(service: string, stage: string) {
      const f = started();
      for (const fn of await f.engine.listFunctions())
        if (fn.service === service && fn.stage === stage) await f.provisioned.set(fn.name, 0);
      await f.urls.unwire(service, stage);
    },
    async serviceOutputs(service: string, stage: string) {
      const f = started();
      const out: Record<string, string | string[]> = {};
      const urls = await f.urls.outputs(service, stage);
      if (urls.length) out['function urls'] = urls;
      const layers = f.layers
        .layers()
        .flatMap((newest) => f.layers.versionsOf(newest.layerName).slice(0, 1))
        .filter((r) => r.owner?.service === service && r.owner.stage === stage)
        .map((r) => `${r.owner?.key}: ${f.layers.arnOf(r)}`);
      if (layers.length) out.layers = layers;
      return out;
    },
    async control(req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]): Promise<boolean> {
      if ((req.method ?? 'GET') !== 'GET') return false;
      const f = started();
      if (parts[0] === 'metrics' && parts.length === 1) {
        const q = url.searchParams;
        const now = f.metrics.clock.now();
        const endTime = timeParam(q.get('end'), 'end') ?? now;
        const startTime = timeParam(q.get('start'), 'start') ?? endTime - 24 * 3600 * 1000;
        if (startTime > endTime)
          throw new SelflessError('INVALID_REQUEST', 'The start of the period is after its end.', {
            hint: 'Give --startTime before --endTime.',
          });
        sendJson(
          res,
          200,
          await f.metricsFor({
            service: q.get('service') ?? undefined,
            stage: q.get('stage') ?? undefined,
            function: q.get('function') ?? undefined,
            startTime,
            endTime,
          }),
        );
        return true;
      }
      if (parts[0] === 'concurrency' && parts.length === 1) {
        sendJson(res, 200, await concurrency(f.engine, f.provisioned, f.limit));
        return true;
      }
      return false;
    },
  };

  return { instrument, plugin };
}

function specLayers(spec: DeploymentSpec): LayerSpec[] {
  return Object.values((spec.sections.layers ?? {}) as Record<string, LayerSpec>);
}

/** The `<Name>LambdaLayer` resources a service's `layers:` section stands for. */
export function impliedLayerResources(spec: DeploymentSpec): ResourceSpec[] {
  return specLayers(spec)
    .filter((l) => l.codeSha256)
    .map((l) => ({
      logicalId: l.logicalId,
      type: 'AWS::Lambda::LayerVersion',
      properties: {
        LayerName: l.name,
        ...(l.description !== undefined ? { Description: l.description } : {}),
        ...(l.compatibleRuntimes ? { CompatibleRuntimes: l.compatibleRuntimes } : {}),
        ...(l.compatibleArchitectures ? { CompatibleArchitectures: l.compatibleArchitectures } : {}),
        ...(l.licenseInfo !== undefined ? { LicenseInfo: l.licenseInfo } : {}),
        Content: { S3Bucket: ARTIFACT_BUCKET, S3Key: `${l.codeSha256}.zip` },
      },
    }));
}

async function deleteByArn(layers: LayerStore, value: string): Promise<void> {
  const m = /:layer:([a-zA-Z0-9-_]+):(\d+)$/.exec(value);
  if (m) await layers.delete(m[1]!, Number(m[2]));
}

async function belongsTo(engine: LambdaEngine, name: string, ctx: DeployContext): Promise<boolean> {
  const fn = await engine.record(name);
  return !fn || (fn.service === ctx.service && fn.stage === ctx.stage);
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function timeParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n))
    throw new SelflessError(
      'INVALID_REQUEST',
      `The query parameter ${name} must be epoch ms or a date, not ${v}.`,
    );
  return n;
}

async function concurrency(engine: LambdaEngine, provisioned: ProvisionedConcurrency, limit: number) {
  const byFn = new Map<string, { functionName: string; busy: number; idle: number; reserved?: number }>();
  let accountCurrent = 0;
  for (const s of engine.environments.stats()) {
    const e = byFn.get(s.functionName) ?? { functionName: s.functionName, busy: 0, idle: 0 };
    e.busy += s.busy;
    e.idle += s.idle;
    accountCurrent += s.busy;
    byFn.set(s.functionName, e);
  }
  for (const e of byFn.values()) {
    const fn = await engine.record(e.functionName);
    if (fn?.reservedConcurrency !== undefined) e.reserved = fn.reservedConcurrency;
  }
  return {
    accountCurrent,
    accountLimit: limit,
    functions: [...byFn.values()].sort((a, b) => (a.functionName < b.functionName ? -1 : 1)),
    provisioned: provisioned.status(),
  };
}

async function metricsFor(
  engine: LambdaEngine,
  metrics: LambdaMetrics,
  provisioned: ProvisionedConcurrency,
  limit: number,
  q: MetricsRequest,
): Promise<MetricsResponse> {
  const keys: Record<string, string> = {};
  let functions: string[] | undefined;
  if (q.service) {
    const all = (await engine.listFunctions()).filter(
      (fn) => fn.service === q.service && (!q.stage || fn.stage === q.stage),
    );
    for (const fn of all) keys[fn.key ?? fn.name] = fn.name;
    functions = all.map((fn) => fn.name);
  }
  if (q.function) {
    const name = keys[q.function] ?? (await engine.record(q.function))?.name;
    if (!name)
      throw new SelflessError(
        'FUNCTION_NOT_FOUND',
        `Function "${q.function}" is not deployed${q.service ? ` in service ${q.service} stage ${q.stage}` : ''}.`,
        { hint: 'Check the function key (-f) and --stage.' },
      );
    functions = [name];
  }
  const report = metrics.report({ functions, startTime: q.startTime, endTime: q.endTime });
  const live = await concurrency(engine, provisioned, limit);
  const wanted = functions ? new Set(functions) : undefined;
  return {
    ...report,
    keys,
    concurrency: {
      ...live,
      functions: live.functions.filter((f) => !wanted || wanted.has(f.functionName)),
      provisioned: live.provisioned.filter((p) => !wanted || wanted.has(p.functionName)),
    },
  };
}
