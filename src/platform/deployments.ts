/**
 * The control plane: applies a DeploymentSpec as one transaction. Artifacts are uploaded first
 * (by sha256, verified); deploy then checks and unpacks them (preflight, nothing written), applies
 * the resources (reverted if anything after fails), computes every Store write of the resolved
 * spec (Lambda's functions and versions, the service record, the deployment history) and commits
 * them in one batch; only then are running environments swapped and events wired. If wiring
 * fails, the previous deployment is restored.
 */
import { createHash } from 'node:crypto';
import { artifactKey } from '../services/lambda/code.js';
import type { LambdaEngine, LambdaPlan } from '../services/lambda/engine.js';
import type { Clock } from './clock.js';
import { SelflessError } from './errors.js';
import {
  type AppliedResources,
  applyStack,
  removeStack,
  revertStack,
  type StackPlugin,
  type StackResult,
} from './resources/stack.js';
import type { DeployContext, Logger, ServicePlugin } from './service.js';
import type { DeploymentSpec } from './spec.js';
import { validateSpec } from './spec-validate.js';
import type { Store, Table } from './store/port.js';

export const SERVICES = 'platform.services';
export const HISTORY = 'platform.deployments';

/** What runs for one service and stage. */
export interface ServiceRecord {
  service: string;
  stage: string;
  region: string;
  spec: DeploymentSpec;
  /** Epoch ms of the deployment that produced this state. */
  timestamp: number;
  /** Deployed function names. */
  functions: string[];
  /** Applied resources by logical id, in the order they were applied. */
  resources: AppliedResources;
  /** `resources.Outputs`, resolved. */
  outputs?: Record<string, string>;
}

/** One entry of the deployment history (`deploy list`, `rollback`). */
export interface DeploymentRecord {
  service: string;
  stage: string;
  timestamp: number;
  spec: DeploymentSpec;
}

export interface DeployResult {
  service: string;
  stage: string;
  region: string;
  timestamp: number;
  /** False when nothing changed (the deployment was recorded but applied nothing). */
  changed: boolean;
  functions: LambdaPlan['functions'];
  removedFunctions: string[];
  /** `resources.Outputs`, resolved. */
  outputs: Record<string, string>;
  warnings: string[];
}

/** Applies, removes and describes deployments. */
export class Deployments {
  private readonly services: Table<ServiceRecord>;
  private readonly history: Table<DeploymentRecord>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly plugins: ServicePlugin[],
    private readonly lambda: () => LambdaEngine,
    private readonly log: Logger,
    /** The log groups of removed functions go with them (as their LogGroup resources do on AWS). */
    private readonly logGroups: () => { deleteGroup(name: string): Promise<boolean> } | undefined = () =>
      undefined,
  ) {
    this.services = store.table(SERVICES);
    this.history = store.table(HISTORY);
  }

  /** Stores an uploaded artifact after checking its sha256; returns its size. */
  async putArtifact(sha256: string, data: Buffer): Promise<{ size: number; existed: boolean }> {
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw new SelflessError('INVALID_ARTIFACT', `${sha256} is not a sha256 in lower-case hex`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256)
      throw new SelflessError(
        'ARTIFACT_HASH_MISMATCH',
        `The artifact's sha256 is ${actual}, not ${sha256}; it was not stored.`,
        {
          hint: 'The upload was cut short or altered: upload it again.',
        },
      );
    if (await this.store.blobs.has(artifactKey(sha256))) return { size: data.length, existed: true };
    const { size } = await this.store.blobs.put(artifactKey(sha256), data);
    return { size, existed: false };
  }

  /** Whether an artifact is already stored. */
  hasArtifact(sha256: string): Promise<boolean> {
    return /^[0-9a-f]{64}$/.test(sha256) ? this.store.blobs.has(artifactKey(sha256)) : Promise.resolve(false);
  }

  /** Applies a deployment spec (validated here); deployments run one at a time. */
  apply(input: unknown): Promise<DeployResult> {
    return this.serialized(() => this.applyNow(validateSpec(input), true));
  }

  /** Removes a service and stage: its event wiring, resources and functions. */
  remove(service: string, stage: string): Promise<{ removedFunctions: string[] }> {
    return this.serialized(() => this.removeNow(service, stage));
  }

  /** The record of a deployed service and stage, if any. */
  get(service: string, stage: string): Promise<ServiceRecord | undefined> {
    return this.services.get(`${service}:${stage}`);
  }

  /** Every deployed service and stage. */
  async list(): Promise<ServiceRecord[]> {
    return (await this.services.list()).map((r) => r.value);
  }

  /** Deployment history of a service and stage, oldest first. */
  async deploymentsOf(service: string, stage: string): Promise<DeploymentRecord[]> {
    return (await this.history.list({ prefix: `${service}:${stage}:` })).map((r) => r.value);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(spec: DeploymentSpec, record: boolean): Promise<DeployResult> {
    const key = `${spec.service}:${spec.stage}`;
    const previous = await this.services.get(key);
    const warnings: string[] = [];
    const ctx: DeployContext = {
      service: spec.service,
      stage: spec.stage,
      region: spec.region,
      spec,
      warn: (m) => warnings.push(m),
    };
    const lambda = this.lambda();
    const plugins = this.plugins as StackPlugin[];

    // 1. Preflight: artifacts present and valid, runtimes runnable, names free. Nothing is written.
    await lambda.planDeployment(spec, previous?.functions ?? []);

    // 2. Resources, then the plan of the spec with every intrinsic resolved; 3. one commit.
    let stack: StackResult | undefined;
    let plan: LambdaPlan;
    const timestamp = Math.max(this.clock.now(), (previous?.timestamp ?? 0) + 1);
    let state: ServiceRecord;
    try {
      stack = await applyStack(ctx, plugins, previous?.resources ?? {});
      warnings.push(...stack.warnings);
      plan = await lambda.planDeployment(stack.spec, previous?.functions ?? []);
      warnings.push(...plan.warnings);
      state = {
        service: spec.service,
        stage: spec.stage,
        region: spec.region,
        spec,
        timestamp,
        functions: spec.functions.map((f) => f.name),
        resources: stack.resources,
        outputs: stack.outputs,
      };
      const writes = [...plan.writes, { table: SERVICES, key, value: state }];
      if (record)
        writes.push({
          table: HISTORY,
          key: `${key}:${String(timestamp).padStart(15, '0')}`,
          value: { service: spec.service, stage: spec.stage, timestamp, spec } satisfies DeploymentRecord,
        });
      await this.store.batch(writes);
    } catch (e) {
      if (stack) await revertStack(ctx, plugins, stack.resources, previous?.spec);
      throw e;
    }

    // 4. Swap environments, then wire events on the resolved spec.
    await lambda.activate(plan);
    await this.deleteLogGroups(
      (previous?.spec.functions ?? []).filter((f) => plan.removed.includes(f.name)).map((f) => f.logGroup),
    );
    try {
      const resolvedCtx: DeployContext = { ...ctx, spec: stack.spec };
      for (const p of this.plugins) if (p.wireEvents) await p.wireEvents(resolvedCtx);
    } catch (e) {
      this.log.error(
        `Deployment of ${key} failed after commit: ${(e as Error).message}; restoring the previous state`,
      );
      await this.restore(spec, previous);
      throw e;
    }
    const changed =
      !previous ||
      plan.functions.some((f) => f.status !== 'unchanged') ||
      plan.removed.length > 0 ||
      comparable(previous.spec) !== comparable(spec);
    return {
      service: spec.service,
      stage: spec.stage,
      region: spec.region,
      timestamp,
      changed,
      functions: plan.functions,
      removedFunctions: plan.removed,
      outputs: stack.outputs,
      warnings,
    };
  }

  /** Puts back what ran before a failed deployment (or removes a first deployment entirely). */
  private async restore(failed: DeploymentSpec, previous: ServiceRecord | undefined): Promise<void> {
    try {
      if (previous) await this.applyNow(previous.spec, false);
      else await this.removeNow(failed.service, failed.stage);
    } catch (e) {
      this.log.error(`Restoring ${failed.service}:${failed.stage} failed: ${(e as Error).message}`);
    }
  }

  private async removeNow(service: string, stage: string): Promise<{ removedFunctions: string[] }> {
    const key = `${service}:${stage}`;
    const current = await this.services.get(key);
    if (!current)
      throw new SelflessError('SERVICE_NOT_FOUND', `Service ${service} is not deployed to stage ${stage}.`, {
        hint: 'Check the service name, --stage and SELFLESS_ENDPOINT.',
      });
    for (const p of this.plugins) if (p.unwireEvents) await p.unwireEvents(service, stage);
    const ctx: DeployContext = { service, stage, region: current.region, spec: current.spec };
    await removeStack(ctx, this.plugins, current.resources);
    const lambda = this.lambda();
    const writes = [{ table: SERVICES, key }];
    for (const name of current.functions) writes.push(...(await lambda.deletionWrites(name)));
    await this.store.batch(writes);
    await lambda.activate({ changed: [], removed: current.functions });
    await this.deleteLogGroups(current.spec.functions.map((f) => f.logGroup));
    return { removedFunctions: current.functions };
  }

  private async deleteLogGroups(groups: string[]): Promise<void> {
    const logs = this.logGroups();
    for (const g of groups)
      await logs
        ?.deleteGroup(g)
        .catch((e) => this.log.warn(`Could not delete log group ${g}: ${(e as Error).message}`));
  }
}

/** A spec as JSON without what differs on every packaging run (Serverless's random instanceId). */
function comparable(spec: DeploymentSpec): string {
  const { instanceId: _id, ...sections } = spec.sections ?? {};
  return JSON.stringify({ ...spec, sections });
}
