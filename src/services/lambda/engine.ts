/**
 * The Lambda engine: functions, versions and aliases in the Store; resolving identifiers and
 * qualifiers; invoking through the EnvironmentManager. It implements LambdaFacade for the other
 * services and offers the deployment hooks the platform's control plane calls.
 */
import { randomUUID } from 'node:crypto';
import { arn } from '../../platform/aws-account.js';
import type { Clock } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import type { PlatformLimits } from '../../platform/limits.js';
import type { DeploymentSpec, FunctionSpec } from '../../platform/spec.js';
import type { Store, Table, Write } from '../../platform/store/port.js';
import { artifactKey, codeDir, unpackCode } from './code.js';
import {
  deadLetterFromServerless,
  EVENT_INVOKE,
  type EventInvokeConfig,
  eventInvokeKey,
  settingsFromServerless,
} from './event-invoke.js';
import type { FacadeInvokeRequest, FacadeInvokeResult, FunctionInfo, LambdaFacade } from './facade.js';
import {
  ALIASES,
  type AliasRecord,
  aliasKey,
  configFromSpec,
  FUNCTIONS,
  type FunctionRecord,
  VERSIONS,
  type VersionConfig,
  versionKey,
} from './model.js';
import { parseFunctionRef } from './names.js';
import type { EnvironmentManager, InvokeOutcome, RuntimeFunction } from './runtime/types.js';
import { checkRuntime } from './runtimes.js';

/** A function identifier resolved to what runs. */
export interface ResolvedFunction {
  fn: FunctionRecord;
  config: VersionConfig;
  /** The qualifier the caller used (alias, version, `$LATEST`), if any. */
  qualifier?: string;
  /** `$LATEST` or the version number that runs. */
  executedVersion: string;
  /** The ARN as invoked, qualifier included. */
  invokedArn: string;
}

/** What a deployment does to Lambda, computed before anything is written. */
export interface LambdaPlan {
  writes: Write[];
  functions: Array<{
    key: string;
    name: string;
    status: 'created' | 'updated' | 'unchanged';
    codeSize: number;
    /** The version published by this deployment, if any. */
    version?: string;
    latestVersion?: string;
  }>;
  /** Functions whose running environments must be swapped after the commit. */
  changed: string[];
  /** Functions of the previous deployment that no longer exist. */
  removed: string[];
  warnings: string[];
}

/** Maps layer version ARNs onto unpacked folders and checks a function's layers (see layers.ts). */
export interface LayerResolver {
  dirsOf(layers: string[]): string[];
  /** Throws on unknown layers, more than five, or code plus layers over the size limit; returns warnings. */
  checkFunctionLayers(fn: { key: string; runtime: string; codeSha256: string; layers: string[] }): string[];
}

/** Hands accepted Event invocations to the durable async queue. */
export interface AsyncEnqueuer {
  enqueue(resolved: ResolvedFunction, payload: Buffer, requestId: string): Promise<void>;
}

export interface LambdaEngineDeps {
  store: Store;
  clock: Clock;
  dataDir: string;
  region: string;
  limits: PlatformLimits;
  environments: EnvironmentManager;
}

/** Lambda's state and behaviour. */
export class LambdaEngine implements LambdaFacade {
  private readonly functions: Table<FunctionRecord>;
  private readonly versions: Table<VersionConfig>;
  private readonly aliases: Table<AliasRecord>;
  private readonly eventInvoke: Table<EventInvokeConfig>;
  private asyncInvoker: AsyncEnqueuer | undefined;
  private layerResolver: LayerResolver | undefined;
  /** Function name → the region it was deployed to (ARNs and AWS_REGION follow it). */
  private readonly regions = new Map<string, string>();

  constructor(private readonly deps: LambdaEngineDeps) {
    this.functions = deps.store.table(FUNCTIONS, { cached: true });
    this.versions = deps.store.table(VERSIONS, { cached: true });
    this.aliases = deps.store.table(ALIASES, { cached: true });
    this.eventInvoke = deps.store.table(EVENT_INVOKE, { cached: true });
  }

  /** Connects the async queue (created after the engine, as it invokes through it). */
  setAsyncQueue(q: AsyncEnqueuer): void {
    this.asyncInvoker = q;
  }

  /** Connects the layer store (started after the engine): functions' /opt and deploy-time checks. */
  setLayers(r: LayerResolver): void {
    this.layerResolver = r;
  }

  /** The async queue of Event invocations, once connected. */
  get asyncQueue(): AsyncEnqueuer | undefined {
    return this.asyncInvoker;
  }

  get environments(): EnvironmentManager {
    return this.deps.environments;
  }

  // ---- identifiers ---------------------------------------------------------------------------

  /** The ARN of a function by deployed name, with an optional qualifier. */
  functionArn(functionName: string, qualifier?: string): string {
    const region = this.regions.get(functionName) ?? this.deps.region;
    return arn('lambda', region, `function:${functionName}${qualifier ? `:${qualifier}` : ''}`);
  }

  /** Loads what the engine caches (each function's region, for its ARNs). */
  async init(): Promise<void> {
    for (const { value } of await this.functions.list()) this.remember(value);
  }

  private remember(fn: FunctionRecord): FunctionRecord {
    if (fn.region) this.regions.set(fn.name, fn.region);
    return fn;
  }

  /** A stored function by plain name. */
  async record(name: string): Promise<FunctionRecord | undefined> {
    return this.functions.get(name);
  }

  /** Resolves a name or ARN with its qualifier to the configuration that runs; throws RESOURCE_NOT_FOUND. */
  async resolve(
    id: string,
    explicitQualifier?: string,
    pick: () => number = Math.random,
    /** The caller's region, for the ARN in a not-found message about an unknown function. */
    callerRegion?: string,
  ): Promise<ResolvedFunction> {
    const ref = parseFunctionRef(id, explicitQualifier);
    const fn = await this.functions.get(ref.name);
    if (fn) this.remember(fn);
    const notFound = () =>
      new SelflessError(
        'RESOURCE_NOT_FOUND',
        `Function not found: ${
          fn || !callerRegion || this.regions.has(ref.name)
            ? this.functionArn(ref.name, ref.qualifier)
            : arn('lambda', callerRegion, `function:${ref.name}${ref.qualifier ? `:${ref.qualifier}` : ''}`)
        }`,
      );
    if (!fn) throw notFound();
    const q = ref.qualifier;
    const base = { fn, qualifier: q, invokedArn: this.functionArn(fn.name, q) };
    if (q === undefined || q === '$LATEST') return { ...base, config: fn.latest, executedVersion: '$LATEST' };
    if (/^\d+$/.test(q)) {
      const config = await this.versions.get(versionKey(fn.name, q));
      if (!config) throw notFound();
      return { ...base, config, executedVersion: config.version };
    }
    const alias = await this.aliases.get(aliasKey(fn.name, q));
    if (!alias) throw notFound();
    let version = alias.functionVersion;
    const weights = Object.entries(alias.additionalVersionWeights ?? {});
    if (weights.length) {
      let r = pick();
      for (const [v, w] of weights) {
        if (r < w) {
          version = v;
          break;
        }
        r -= w;
      }
    }
    const config = version === '$LATEST' ? fn.latest : await this.versions.get(versionKey(fn.name, version));
    if (!config) throw notFound();
    return { ...base, config, executedVersion: config.version };
  }

  /** The async settings of a function qualifier (`$LATEST`, a version or an alias), if any were set. */
  async eventInvokeConfig(functionName: string, qualifier: string): Promise<EventInvokeConfig | undefined> {
    return this.eventInvoke.get(eventInvokeKey(functionName, qualifier));
  }

  /** What the EnvironmentManager needs to run a resolved function. */
  runtimeFunction(r: ResolvedFunction): RuntimeFunction {
    const c = r.config;
    return {
      functionName: r.fn.name,
      functionArn: this.functionArn(r.fn.name),
      version: c.version,
      runtime: c.runtime,
      handler: c.handler,
      memorySize: c.memorySize,
      timeout: c.timeout,
      environment: c.environment,
      codeDir: codeDir(this.deps.dataDir, c.codeSha256),
      layerDirs: this.layerResolver?.dirsOf(c.layers) ?? [],
      logGroup: c.logGroup,
      region: r.fn.region ?? this.deps.region,
      architecture: c.architecture,
      reservedConcurrency: r.fn.reservedConcurrency,
      revision: `${c.configHash}:${c.version}`,
    };
  }

  // ---- invoking --------------------------------------------------------------------------------

  /** Invokes a function (facade): sync, async (queued durably) or dry run. */
  async invoke(req: FacadeInvokeRequest): Promise<FacadeInvokeResult> {
    const payload = Buffer.isBuffer(req.payload) ? req.payload : Buffer.from(req.payload);
    const type = req.invocationType ?? 'RequestResponse';
    const limit =
      type === 'Event' ? this.deps.limits.maxAsyncPayloadBytes : this.deps.limits.maxSyncPayloadBytes;
    if (payload.length > limit)
      throw new SelflessError(
        'REQUEST_TOO_LARGE',
        `Request must be smaller than ${limit} bytes for the ${type === 'Event' ? 'InvokeAsync' : 'InvokeFunction'} operation`,
        { details: { limit, size: payload.length } },
      );
    const resolved = await this.resolve(req.functionName, req.qualifier, Math.random, req.region);
    const requestId = randomUUID();
    if (type === 'DryRun')
      return {
        statusCode: 204,
        payload: Buffer.alloc(0),
        requestId,
        executedVersion: resolved.executedVersion,
      };
    if (type === 'Event') {
      if (resolved.fn.reservedConcurrency === 0) throw disabled();
      if (!this.asyncInvoker)
        throw new SelflessError('SERVICE', 'The async queue is not running', { kind: 'system' });
      await this.asyncInvoker.enqueue(resolved, payload, requestId);
      return { statusCode: 202, payload: Buffer.alloc(0), requestId };
    }
    const outcome = await this.run(resolved, payload, {
      requestId,
      clientContext: req.clientContext,
      traceId: req.traceId,
      tenantId: req.tenantId,
    });
    return {
      statusCode: 200,
      payload: outcome.payload,
      functionError: outcome.functionError,
      executedVersion: outcome.executedVersion,
      logTail: req.logTail ? outcome.logTail : undefined,
      requestId: outcome.requestId,
    };
  }

  /** Runs one invocation of a resolved function in an execution environment. */
  async run(
    r: ResolvedFunction,
    payload: Buffer,
    opts: { requestId?: string; clientContext?: string; traceId?: string; tenantId?: string } = {},
  ): Promise<InvokeOutcome> {
    // reservedConcurrency 0 is refused by the EnvironmentManager (FUNCTION_DISABLED), where throttles are counted.
    return this.deps.environments.invoke(this.runtimeFunction(r), {
      payload,
      requestId: opts.requestId,
      invokedFunctionArn: r.invokedArn,
      clientContext: opts.clientContext,
      traceId: opts.traceId,
      tenantId: opts.tenantId,
    });
  }

  /** Looks a function up (facade); undefined when it does not exist. */
  async getFunction(nameOrArn: string, qualifier?: string): Promise<FunctionInfo | undefined> {
    try {
      const r = await this.resolve(nameOrArn, qualifier);
      return {
        functionName: r.fn.name,
        functionArn: this.functionArn(r.fn.name, r.qualifier),
        runtime: r.config.runtime,
        handler: r.config.handler,
        memorySize: r.config.memorySize,
        timeout: r.config.timeout,
        version: r.config.version,
        environment: r.config.environment,
        service: r.fn.service,
        stage: r.fn.stage,
      };
    } catch (e) {
      if (e instanceof SelflessError && (e.code === 'RESOURCE_NOT_FOUND' || e.code === 'INVALID_PARAMETER'))
        return undefined;
      throw e;
    }
  }

  // ---- listing ---------------------------------------------------------------------------------

  /** All functions in name order. */
  async listFunctions(): Promise<FunctionRecord[]> {
    return (await this.functions.list()).map((r) => r.value);
  }

  /** Published versions of a function, oldest first. */
  async listVersions(name: string): Promise<VersionConfig[]> {
    return (await this.versions.list({ prefix: `${name}:` })).map((r) => r.value);
  }

  /** Aliases of a function in name order. */
  async listAliases(name: string): Promise<AliasRecord[]> {
    return (await this.aliases.list({ prefix: `${name}:` })).map((r) => r.value);
  }

  // ---- versions and aliases --------------------------------------------------------------------

  /** Publishes `$LATEST` as a new version unless the newest version already matches it (as AWS does). */
  async publishVersion(
    name: string,
    opts: { description?: string; codeSha256?: string; revisionId?: string } = {},
  ) {
    const fn = await this.requireFunction(name);
    if (opts.codeSha256 && opts.codeSha256 !== fn.latest.codeSha256)
      throw new SelflessError('INVALID_PARAMETER', 'CodeSHA256 does not match the code of $LATEST.');
    if (opts.revisionId && opts.revisionId !== fn.latest.revisionId)
      throw new SelflessError(
        'PRECONDITION_FAILED',
        'The Revision Id provided does not match the latest Revision Id.',
      );
    const { writes, config } = await this.publishWrites(fn, opts.description);
    await this.deps.store.batch(writes);
    return config;
  }

  private async publishWrites(
    fn: FunctionRecord,
    description?: string,
  ): Promise<{ writes: Write[]; config: VersionConfig; published: boolean }> {
    if (fn.lastVersion > 0) {
      const last = await this.versions.get(versionKey(fn.name, fn.lastVersion));
      if (last && last.configHash === fn.latest.configHash)
        return { writes: [], config: last, published: false };
    }
    const n = fn.lastVersion + 1;
    const config: VersionConfig = {
      ...fn.latest,
      version: String(n),
      description: description ?? fn.latest.description,
      revisionId: randomUUID(),
      lastModified: this.deps.clock.now(),
    };
    const updated: FunctionRecord = { ...fn, lastVersion: n };
    return {
      writes: [
        { table: VERSIONS, key: versionKey(fn.name, n), value: config },
        { table: FUNCTIONS, key: fn.name, value: updated },
      ],
      config,
      published: true,
    };
  }

  /** Creates or replaces an alias after validating its versions and weights. */
  async putAlias(
    functionName: string,
    alias: string,
    input: {
      functionVersion?: string;
      description?: string;
      weights?: Record<string, number>;
      revisionId?: string;
    },
    mode: 'create' | 'update',
  ): Promise<AliasRecord> {
    const fn = await this.requireFunction(functionName);
    if (!/^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/.test(alias) || alias.length > 128)
      throw new SelflessError('INVALID_PARAMETER', `Invalid alias name: ${alias}`);
    const existing = await this.aliases.get(aliasKey(fn.name, alias));
    if (mode === 'create' && existing)
      throw new SelflessError(
        'RESOURCE_CONFLICT',
        `Alias already exists: ${this.functionArn(fn.name, alias)}`,
      );
    if (mode === 'update' && !existing)
      throw new SelflessError('RESOURCE_NOT_FOUND', `Alias not found: ${this.functionArn(fn.name, alias)}`);
    if (mode === 'update' && input.revisionId && existing && input.revisionId !== existing.revisionId)
      throw new SelflessError(
        'PRECONDITION_FAILED',
        'The Revision Id provided does not match the latest Revision Id.',
      );
    const version = input.functionVersion ?? existing?.functionVersion;
    if (!version) throw new SelflessError('INVALID_PARAMETER', 'FunctionVersion is required.');
    await this.requireVersion(fn, version);
    const weights = input.weights ?? (mode === 'update' ? existing?.additionalVersionWeights : undefined);
    if (weights) {
      const entries = Object.entries(weights);
      if (entries.length > 1)
        throw new SelflessError(
          'INVALID_PARAMETER',
          'Number of items in AdditionalVersionWeights cannot be greater than 1',
        );
      for (const [v, w] of entries) {
        if (typeof w !== 'number' || !(w >= 0 && w <= 1))
          throw new SelflessError(
            'INVALID_PARAMETER',
            `1 validation error detected: Value '${w}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]`,
          );
        if (v === version)
          throw new SelflessError(
            'INVALID_PARAMETER',
            `Invalid function version ${v}. Function version ${v} is already included in routing configuration.`,
          );
        if (v === '$LATEST' || version === '$LATEST')
          throw new SelflessError('INVALID_PARAMETER', 'RoutingConfig cannot be used with $LATEST.');
        await this.requireVersion(fn, v);
      }
    }
    const record: AliasRecord = {
      functionName: fn.name,
      name: alias,
      functionVersion: version,
      description: input.description ?? existing?.description ?? '',
      ...(weights && Object.keys(weights).length ? { additionalVersionWeights: weights } : {}),
      revisionId: randomUUID(),
    };
    await this.aliases.put(aliasKey(fn.name, alias), record);
    return record;
  }

  /** One alias; throws RESOURCE_NOT_FOUND. */
  async getAlias(functionName: string, alias: string): Promise<AliasRecord> {
    const fn = await this.requireFunction(functionName);
    const a = await this.aliases.get(aliasKey(fn.name, alias));
    if (!a)
      throw new SelflessError('RESOURCE_NOT_FOUND', `Alias not found: ${this.functionArn(fn.name, alias)}`);
    return a;
  }

  /** Deletes an alias with its async settings (no error when absent, as AWS). */
  async deleteAlias(functionName: string, alias: string): Promise<void> {
    const fn = await this.requireFunction(functionName);
    await this.deps.store.batch([
      { table: ALIASES, key: aliasKey(fn.name, alias) },
      { table: EVENT_INVOKE, key: eventInvokeKey(fn.name, alias) },
    ]);
  }

  private async requireFunction(id: string): Promise<FunctionRecord> {
    const ref = parseFunctionRef(id);
    const fn = await this.functions.get(ref.name);
    if (!fn)
      throw new SelflessError('RESOURCE_NOT_FOUND', `Function not found: ${this.functionArn(ref.name)}`);
    return fn;
  }

  private async requireVersion(fn: FunctionRecord, version: string): Promise<void> {
    if (version === '$LATEST') return;
    if (!/^\d+$/.test(version) || !(await this.versions.get(versionKey(fn.name, version))))
      throw new SelflessError(
        'RESOURCE_NOT_FOUND',
        `Function not found: ${this.functionArn(fn.name, version)}`,
      );
  }

  // ---- changes made through the Lambda API (function-admin.ts) ----------------------------------

  /** Checks a function's layers as a deploy does; returns warnings. */
  checkLayers(fn: { key: string; runtime: string; codeSha256: string; layers: string[] }): string[] {
    if (this.layerResolver) return this.layerResolver.checkFunctionLayers(fn);
    if (fn.layers.length)
      throw new SelflessError('INVALID_PARAMETER', 'Layers are not available on this platform.');
    return [];
  }

  /**
   * Stores a created or changed function (with any further writes, atomically) and applies it the
   * way a deployment's change is applied: new invocations get environments of the new
   * configuration, in-flight ones finish on the old.
   */
  async commitFunction(record: FunctionRecord, writes: Write[] = []): Promise<void> {
    await this.deps.store.batch([{ table: FUNCTIONS, key: record.name, value: record }, ...writes]);
    this.remember(record);
    await this.activate({ changed: [record.name], removed: [] });
  }

  /** Deletes a function with its versions, aliases and async settings, and stops its environments. */
  async deleteFunction(name: string): Promise<void> {
    await this.deps.store.batch(await this.deletionWrites(name));
    await this.activate({ changed: [], removed: [name] });
  }

  /** Deletes one published version (refused while an alias points at it). */
  async deleteVersion(fn: FunctionRecord, version: string): Promise<void> {
    const users = (await this.listAliases(fn.name)).filter(
      (a) => a.functionVersion === version || a.additionalVersionWeights?.[version] !== undefined,
    );
    if (users.length)
      throw new SelflessError(
        'RESOURCE_CONFLICT',
        `Unable to delete version because the following aliases reference it: [${users.map((a) => a.name).join(', ')}]`,
      );
    await this.deps.store.batch([
      { table: VERSIONS, key: versionKey(fn.name, version) },
      { table: EVENT_INVOKE, key: eventInvokeKey(fn.name, version) },
    ]);
  }

  // ---- deployments -----------------------------------------------------------------------------

  /**
   * Computes what a deployment does to Lambda and prepares its code (unpacked per sha, which is
   * harmless if the deployment is then abandoned). Writes nothing to the Store.
   */
  async planDeployment(spec: DeploymentSpec, previousFunctions: string[]): Promise<LambdaPlan> {
    const plan: LambdaPlan = { writes: [], functions: [], changed: [], removed: [], warnings: [] };
    const now = this.deps.clock.now();
    const provider = (spec.sections.provider ?? {}) as Record<string, unknown>;
    const nameOfKey = new Map(spec.functions.map((f) => [f.key, f.name]));
    const arnOfKey = (key: string) => {
      const name = nameOfKey.get(key);
      return name === undefined ? undefined : arn('lambda', spec.region, `function:${name}`);
    };
    for (const f of spec.functions) {
      const warning = checkRuntime(f.key, f.runtime);
      if (warning) plan.warnings.push(warning);
      const blob = artifactKey(f.codeSha256);
      if (!(await this.deps.store.blobs.has(blob)))
        throw new SelflessError(
          'ARTIFACT_MISSING',
          `The code artifact ${f.codeSha256} of function ${f.key} was not uploaded.`,
          {
            where: `functions.${f.key}`,
            hint: 'Upload every artifact (PUT /_selfless/artifacts/<sha256>) before deploying.',
          },
        );
      await unpackCode(this.deps.dataDir, f.codeSha256, this.deps.store.blobs.path(blob));
      if (this.layerResolver) plan.warnings.push(...this.layerResolver.checkFunctionLayers(f));
      else if (f.layers.length)
        throw new SelflessError(
          'LAYERS_UNAVAILABLE',
          `Function ${f.key} uses layers, which this platform does not run.`,
        );

      const existing = await this.functions.get(f.name);
      if (existing && (existing.service !== spec.service || existing.stage !== spec.stage))
        throw new SelflessError(
          'FUNCTION_CONFLICT',
          existing.service
            ? `Function ${f.name} already belongs to service ${existing.service} stage ${existing.stage}.`
            : `Function ${f.name} already exists: it was created through the Lambda API (CreateFunction).`,
          {
            where: `functions.${f.key}`,
            hint: existing.service
              ? 'Give the function another name, or remove the other service first.'
              : 'Give the function another name, or delete it (aws lambda delete-function) first.',
          },
        );
      const latest = configFromSpec(f, randomUUID(), now);
      const unchanged = existing !== undefined && existing.latest.configHash === latest.configHash;
      const record: FunctionRecord = {
        name: f.name,
        service: spec.service,
        stage: spec.stage,
        region: spec.region,
        key: f.key,
        latest: unchanged ? existing.latest : latest,
        lastVersion: existing?.lastVersion ?? 0,
        reservedConcurrency: f.reservedConcurrency,
        deadLetterArn: deadLetterFromServerless(f.key, f.extra),
        versionFunction: versionFunctionOf(f, provider),
        extra: f.extra,
        createdAt: existing?.createdAt ?? now,
      };
      let version: string | undefined;
      if (record.versionFunction) {
        const pub = await this.publishWrites(record);
        if (pub.published) {
          version = pub.config.version;
          plan.writes.push(pub.writes[0]);
          record.lastVersion = Number(version);
        }
      }
      plan.writes.push({ table: FUNCTIONS, key: f.name, value: record });
      plan.writes.push(...(await this.eventInvokeWrites(f, arnOfKey, now)));
      this.remember(record);
      const status = !existing ? 'created' : unchanged ? 'unchanged' : 'updated';
      if (status === 'updated' || (existing && existing.reservedConcurrency !== record.reservedConcurrency))
        plan.changed.push(f.name);
      plan.functions.push({
        key: f.key,
        name: f.name,
        status,
        codeSize: f.codeSize,
        version,
        latestVersion: record.lastVersion > 0 ? String(record.lastVersion) : undefined,
      });
    }
    const keep = new Set(spec.functions.map((f) => f.name));
    for (const name of previousFunctions) {
      if (keep.has(name)) continue;
      plan.removed.push(name);
      plan.writes.push(...(await this.deletionWrites(name)));
    }
    return plan;
  }

  /** After the deployment is committed: swap changed functions' environments, stop removed ones. */
  async activate(plan: Pick<LambdaPlan, 'changed' | 'removed'>): Promise<void> {
    for (const name of plan.changed) {
      const fn = await this.functions.get(name);
      if (fn) await this.deps.environments.retire(name, `${fn.latest.configHash}:$LATEST`);
    }
    for (const name of plan.removed) await this.deps.environments.retire(name);
  }

  /**
   * The write of a function's serverless.yml async settings (`$LATEST`), or the removal of the
   * ones an earlier deployment wrote; settings made through the API are left alone when the
   * serverless.yml sets none, as CloudFormation leaves what it does not own.
   */
  private async eventInvokeWrites(
    f: FunctionSpec,
    arnOfKey: (key: string) => string | undefined,
    now: number,
  ) {
    const key = eventInvokeKey(f.name, '$LATEST');
    const settings = settingsFromServerless(f.key, f.extra, arnOfKey);
    if (settings) {
      const value: EventInvokeConfig = {
        functionName: f.name,
        qualifier: '$LATEST',
        ...settings,
        lastModified: now,
        fromDeployment: true,
      };
      return [{ table: EVENT_INVOKE, key, value }];
    }
    const existing = await this.eventInvoke.get(key);
    return existing?.fromDeployment ? [{ table: EVENT_INVOKE, key }] : [];
  }

  /** The Store writes that delete a function with its versions, aliases and async settings. */
  async deletionWrites(name: string): Promise<Write[]> {
    const writes: Write[] = [{ table: FUNCTIONS, key: name }];
    for (const c of await this.eventInvoke.list({ prefix: `${name}:` }))
      writes.push({ table: EVENT_INVOKE, key: c.key });
    for (const v of await this.versions.list({ prefix: `${name}:` }))
      writes.push({ table: VERSIONS, key: v.key });
    for (const a of await this.aliases.list({ prefix: `${name}:` }))
      writes.push({ table: ALIASES, key: a.key });
    return writes;
  }
}

function disabled(): SelflessError {
  return new SelflessError('FUNCTION_DISABLED', 'Rate Exceeded.');
}

function versionFunctionOf(f: FunctionSpec, provider: Record<string, unknown>): boolean {
  const own = f.extra?.versionFunction;
  if (typeof own === 'boolean') return own;
  if (typeof provider.versionFunctions === 'boolean') return provider.versionFunctions;
  return true;
}
