/**
 * The CloudFormation subset the platform applies with every deployment: `resources.Resources`
 * (plus the resources a plugin's serverless.yml events imply) are ordered by their references,
 * filtered by Conditions, created or updated in place through the owning plugin's resource types,
 * and removed when they leave the template; then intrinsics are resolved everywhere in the spec
 * (function environment and events included) and `resources.Outputs` are evaluated.
 */
import { normalizeFunctionName } from '../../config/naming.js';
import { ACCOUNT_ID, arn } from '../aws-account.js';
import { SelflessError } from '../errors.js';
import type { DeployContext, ResourceAttributes, ServicePlugin } from '../service.js';
import type { DeploymentSpec, FunctionSpec, ResourceSpec } from '../spec.js';
import { isIntrinsic, NO_VALUE, type ResolveScope, referencedIds, resolveValue } from './intrinsics.js';

/** A plugin that may also imply resources from serverless.yml events (e.g. `sns: <name>` topics). */
export type StackPlugin = ServicePlugin & { impliedResources?(spec: DeploymentSpec): ResourceSpec[] };

/** Applied resources by logical id, in the order they were applied. */
export type AppliedResources = Record<string, { type: string; attributes: ResourceAttributes }>;

export interface StackResult {
  /** The spec with every intrinsic resolved (function environment, events, sections). */
  spec: DeploymentSpec;
  resources: AppliedResources;
  /** `resources.Outputs` by key, as strings. */
  outputs: Record<string, string>;
  warnings: string[];
}

/** The stack name of a deployment: provider.stackName or `${service}-${stage}`. */
export function stackName(spec: DeploymentSpec): string {
  const provider = spec.sections.provider as { stackName?: unknown } | undefined;
  return typeof provider?.stackName === 'string' ? provider.stackName : `${spec.service}-${spec.stage}`;
}

/** Ref and attributes of what the framework itself creates: functions, log groups, the role. */
function builtIns(spec: DeploymentSpec): Map<string, ResourceAttributes> {
  const out = new Map<string, ResourceAttributes>();
  for (const fn of spec.functions) {
    const normalized = (fn.extra?.normalizedKey as string | undefined) ?? normalizeFunctionName(fn.key);
    const fnArn = arn('lambda', spec.region, `function:${fn.name}`);
    out.set((fn.extra?.logicalId as string | undefined) ?? `${normalized}LambdaFunction`, {
      ref: fn.name,
      attributes: { Arn: fnArn, FunctionName: fn.name },
    });
    out.set(`${normalized}LogGroup`, {
      ref: fn.logGroup,
      attributes: { Arn: arn('logs', spec.region, `log-group:${fn.logGroup}:*`) },
    });
  }
  const role = `${spec.service}-${spec.stage}-${spec.region}-lambdaRole`;
  out.set('IamRoleLambdaExecution', {
    ref: role,
    attributes: { Arn: `arn:aws:iam::${ACCOUNT_ID}:role/${role}`, RoleId: role },
  });
  return out;
}

// A best-effort identity for resources of types no plugin owns, so templates referring to them
// still deploy (with a warning): Ref is the name property when there is one, else the logical id.
const NAME_PROPS = [
  'TableName',
  'BucketName',
  'QueueName',
  'TopicName',
  'StreamName',
  'Name',
  'FunctionName',
  'RoleName',
  'LogGroupName',
];
function unsupportedAttributes(
  type: string,
  logicalId: string,
  props: Record<string, unknown>,
  region: string,
): ResourceAttributes {
  const nameProp = NAME_PROPS.find((k) => typeof props[k] === 'string');
  const name = nameProp ? (props[nameProp] as string) : logicalId;
  const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
  const kind = type.split('::')[2]?.toLowerCase() ?? 'resource';
  return { ref: name, attributes: { Arn: arn(service, region, `${kind}/${name}`) } };
}

/** Orders resources so each comes after what it refers to; a cycle is a deploy error. */
export function orderResources(resources: ResourceSpec[], known: Set<string>): ResourceSpec[] {
  const byId = new Map(resources.map((r) => [r.logicalId, r]));
  const state = new Map<string, 'visiting' | 'done'>();
  const out: ResourceSpec[] = [];
  const visit = (r: ResourceSpec, path: string[]) => {
    const s = state.get(r.logicalId);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new SelflessError(
        'CIRCULAR_DEPENDENCY',
        `Circular dependency between resources: ${[...path, r.logicalId].join(' → ')}`,
        {
          where: `resources.Resources.${r.logicalId}`,
          hint: 'Break the cycle of Ref / Fn::GetAtt / DependsOn between these resources.',
        },
      );
    state.set(r.logicalId, 'visiting');
    const deps = referencedIds(r.properties);
    for (const d of r.dependsOn ?? []) deps.add(d);
    for (const d of deps) {
      const dep = byId.get(d);
      if (dep) visit(dep, [...path, r.logicalId]);
      else if (!known.has(d))
        throw new SelflessError(
          'UNRESOLVED_DEPENDENCY',
          `Template format error: Unresolved resource dependencies [${d}] in the Resources block of the template (resources.Resources.${r.logicalId})`,
          {
            where: `resources.Resources.${r.logicalId}`,
            hint: `Define ${d} in resources.Resources, or fix the reference.`,
          },
        );
    }
    state.set(r.logicalId, 'done');
    out.push(r);
  };
  for (const r of resources) visit(r, []);
  return out;
}

/** Builds the resolution scope of a deployment over the attributes applied so far. */
function scopeOf(spec: DeploymentSpec, applied: Map<string, ResourceAttributes>): ResolveScope {
  const name = stackName(spec);
  const pseudo: Record<string, unknown> = {
    'AWS::Region': spec.region,
    'AWS::AccountId': ACCOUNT_ID,
    'AWS::StackName': name,
    'AWS::StackId': arn('cloudformation', spec.region, `stack/${name}/00000000-0000-0000-0000-000000000000`),
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::NotificationARNs': [],
  };
  const parameters = (spec.sections.parameters ?? {}) as Record<string, { Default?: unknown }>;
  const conditions = spec.conditions ?? {};
  const memo = new Map<string, boolean>();
  const evaluating = new Set<string>();
  const scope: ResolveScope = {
    region: spec.region,
    mappings: spec.sections.mappings as Record<string, unknown> | undefined,
    ref: (id) => {
      if (id in pseudo) return pseudo[id];
      const a = applied.get(id);
      if (a) return a.ref;
      const p = parameters[id];
      return p?.Default;
    },
    getAtt: (id, attribute) => applied.get(id)?.attributes[attribute],
    condition: (c) => {
      const known = memo.get(c);
      if (known !== undefined) return known;
      if (!(c in conditions))
        throw new SelflessError(
          'UNKNOWN_CONDITION',
          `Condition ${c} is not defined in resources.Conditions`,
          {
            where: `resources.Conditions.${c}`,
            hint: `Add ${c} under resources.Conditions, or fix the name.`,
          },
        );
      if (evaluating.has(c))
        throw new SelflessError('CIRCULAR_CONDITION', `Condition ${c} depends on itself`, {
          where: `resources.Conditions.${c}`,
        });
      evaluating.add(c);
      const v = resolveValue(conditions[c], scope, `resources.Conditions.${c}`);
      evaluating.delete(c);
      const b = v === true || v === 'true';
      memo.set(c, b);
      return b;
    },
  };
  return scope;
}

function stringify(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === NO_VALUE || v === undefined || v === null) return '';
  throw new SelflessError('INVALID_VALUE', `${where} must resolve to a string, got ${JSON.stringify(v)}`, {
    where,
  });
}

/** The framework's shorthands that name a resource by logical id, as the intrinsics they stand for. */
function withFrameworkRefs(event: Record<string, unknown>): Record<string, unknown> {
  const sns = event.sns as { redrivePolicy?: { deadLetterTargetRef?: unknown } } | undefined;
  const ref = sns && typeof sns === 'object' ? sns.redrivePolicy?.deadLetterTargetRef : undefined;
  if (typeof ref !== 'string') return event;
  const { deadLetterTargetRef: _r, ...rest } = sns!.redrivePolicy!;
  return {
    ...event,
    sns: { ...sns, redrivePolicy: { ...rest, deadLetterTargetArn: { 'Fn::GetAtt': [ref, 'Arn'] } } },
  };
}

/** Resolves intrinsics in one function: its environment (incl. `extra.environmentIntrinsics`) and events. */
function resolveFunction(fn: FunctionSpec, scope: ResolveScope): FunctionSpec {
  const where = `functions.${fn.key}`;
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(fn.environment))
    environment[k] = isIntrinsic(v)
      ? stringify(resolveValue(v, scope, `${where}.environment.${k}`), `${where}.environment.${k}`)
      : v;
  const pending = (fn.extra?.environmentIntrinsics ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(pending)) {
    const r = resolveValue(v, scope, `${where}.environment.${k}`);
    if (r !== NO_VALUE) environment[k] = stringify(r, `${where}.environment.${k}`);
  }
  const events = fn.events.map(
    (e, i) => resolveValue(withFrameworkRefs(e), scope, `${where}.events[${i}]`) as Record<string, unknown>,
  );
  const extra = fn.extra ? { ...fn.extra } : undefined;
  if (extra) {
    delete extra.environmentIntrinsics;
    if (extra.events !== undefined) extra.events = resolveValue(extra.events, scope, `${where}.events`);
    for (const k of ['destinations', 'onError', 'role', 'layersWithIntrinsics'])
      if (extra[k] !== undefined) extra[k] = resolveValue(extra[k], scope, `${where}.${k}`);
  }
  // Layers written with intrinsics ({ Ref: <Name>LambdaLayer }) become the version ARNs they resolve to.
  const layers = Array.isArray(extra?.layersWithIntrinsics)
    ? (extra.layersWithIntrinsics as unknown[]).map((l, i) => stringify(l, `${where}.layers[${i}]`))
    : fn.layers;
  return { ...fn, environment, events, layers, ...(extra ? { extra } : {}) };
}

/** Creates, updates and removes a deployment's resources; resolves the spec and its outputs. */
export async function applyStack(
  ctx: DeployContext,
  plugins: StackPlugin[],
  previous: AppliedResources = {},
): Promise<StackResult> {
  const spec = ctx.spec;
  const owned = new Map<string, StackPlugin>();
  for (const p of plugins) for (const t of Object.keys(p.resourceTypes ?? {})) owned.set(t, p);
  const applied = builtIns(spec);
  const scope = scopeOf(spec, applied);
  const warnings: string[] = [];

  const implied = plugins.flatMap((p) => p.impliedResources?.(spec) ?? []);
  const all = [
    ...spec.resources,
    ...implied.filter((r) => !spec.resources.some((s) => s.logicalId === r.logicalId)),
  ];
  const active = all.filter((r) => !r.condition || scope.condition(r.condition));
  const ordered = orderResources(
    active,
    new Set([
      ...applied.keys(),
      ...all.map((r) => r.logicalId),
      ...Object.keys((spec.sections.parameters ?? {}) as object),
    ]),
  );

  const unsupported = new Set<string>();
  const resources: AppliedResources = {};
  for (const r of ordered) {
    const where = `resources.Resources.${r.logicalId}`;
    const props = resolveValue(r.properties ?? {}, scope, `${where}.Properties`) as Record<string, unknown>;
    const type = owned.get(r.type)?.resourceTypes?.[r.type];
    if (!type) {
      unsupported.add(r.type);
      applied.set(r.logicalId, unsupportedAttributes(r.type, r.logicalId, props, spec.region));
      continue;
    }
    const before = previous[r.logicalId];
    const attributes = await type.apply(
      ctx,
      r.logicalId,
      props,
      before?.type === r.type ? before.attributes : undefined,
    );
    if (before && before.type !== r.type)
      await owned.get(before.type)?.resourceTypes?.[before.type]?.remove(ctx, r.logicalId, before.attributes);
    applied.set(r.logicalId, attributes);
    resources[r.logicalId] = { type: r.type, attributes };
  }
  if (unsupported.size > 0)
    warnings.push(
      `Resources of these types are not supported yet and were not created: ${[...unsupported].sort().join(', ')}`,
    );

  // What left the template goes, last-applied first.
  for (const [id, r] of Object.entries(previous).reverse()) {
    if (resources[id]) continue;
    await owned.get(r.type)?.resourceTypes?.[r.type]?.remove(ctx, id, r.attributes);
  }

  const resolved: DeploymentSpec = {
    ...spec,
    functions: spec.functions.map((fn) => resolveFunction(fn, scope)),
  };
  const provider = spec.sections.provider as Record<string, unknown> | undefined;
  if (provider?.environmentIntrinsics && Object.keys(provider.environmentIntrinsics as object).length > 0) {
    const env = { ...((provider.environment as Record<string, string>) ?? {}) };
    for (const [k, v] of Object.entries(provider.environmentIntrinsics as Record<string, unknown>))
      env[k] = stringify(resolveValue(v, scope, `provider.environment.${k}`), `provider.environment.${k}`);
    resolved.sections = {
      ...spec.sections,
      provider: { ...provider, environment: env, environmentIntrinsics: {} },
    };
  }
  return { spec: resolved, resources, outputs: resolveOutputs(spec, scope), warnings };
}

function resolveOutputs(spec: DeploymentSpec, scope: ResolveScope): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(spec.outputs ?? {})) {
    const o = raw as { Value?: unknown; Condition?: string };
    if (o?.Condition && !scope.condition(o.Condition)) continue;
    const where = `resources.Outputs.${key}.Value`;
    out[key] = stringify(resolveValue(o?.Value, scope, where), where);
  }
  return out;
}

/** Removes every applied resource, last-applied first. */
export async function removeStack(
  ctx: DeployContext,
  plugins: StackPlugin[],
  resources: AppliedResources,
): Promise<void> {
  for (const [id, r] of Object.entries(resources).reverse()) {
    const plugin = plugins.find((p) => p.resourceTypes?.[r.type]);
    await plugin?.resourceTypes?.[r.type]?.remove(ctx, id, r.attributes);
  }
}

/**
 * Puts resources back after a deployment failed before it was committed: re-applies the previous
 * template over what was just applied, or removes everything for a first deployment. Best effort:
 * the deployment's own error is what the caller reports.
 */
export async function revertStack(
  ctx: DeployContext,
  plugins: StackPlugin[],
  applied: AppliedResources,
  previousSpec?: DeploymentSpec,
): Promise<void> {
  try {
    if (previousSpec) await applyStack({ ...ctx, spec: previousSpec }, plugins, applied);
    else await removeStack(ctx, plugins, applied);
  } catch {
    // Reported by the failed deployment itself.
  }
}
