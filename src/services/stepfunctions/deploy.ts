/**
 * serverless-step-functions on the platform: reads `stepFunctions.stateMachines` from a deployment,
 * names each machine as the plugin (and CloudFormation) would, resolves `Fn::GetAtt`, `Ref`,
 * `Fn::Sub`, `Fn::Join` and `#{AWS::...}` pseudo parameters inside the definition to the deployed
 * ARNs, and validates it, naming the state machine, the state and the field at fault.
 */
import { parse as parseYaml } from 'yaml';
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import { SelflessError } from '../../platform/errors.js';
import type { ResourceAttributes } from '../../platform/service.js';
import type { DeploymentSpec } from '../../platform/spec.js';
import type { StateMachineDefinition } from './asl/types.js';
import { validateDefinition } from './asl/validate.js';
import { activityArn, isValidName, machineArn, stableSuffix } from './model.js';

/** One state machine a deployment asks for, ready for the engine. */
export interface PlannedMachine {
  key: string;
  logicalId: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  definition: StateMachineDefinition;
  roleArn: string;
  events: Array<Record<string, unknown>>;
}

/** Where references inside a definition point. */
export interface ReferenceContext {
  spec: DeploymentSpec;
  region: string;
  /** A function's ARN by deployed name. */
  functionArn(name: string): string;
  /** Attributes of applied CloudFormation resources by logical id. */
  resources: Record<string, ResourceAttributes>;
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** serverless-step-functions' name normalization: `-`→`Dash`, `_`→`Underscore`, upperFirst. */
export function normalizeKey(s: string): string {
  return upperFirst(s.replace(/-/g, 'Dash').replace(/_/g, 'Underscore'));
}

/** The logical id: `<Key>StepFunctionsStateMachine`, or `normalize(id || name)` when either is set. */
export function machineLogicalId(key: string, sm: { id?: unknown; name?: unknown }): string {
  const explicit = (typeof sm.id === 'string' && sm.id) || (typeof sm.name === 'string' && sm.name);
  return explicit ? normalizeKey(explicit) : `${normalizeKey(key)}StepFunctionsStateMachine`;
}

/** The machine name: `name:` or, as CloudFormation generates, `<LogicalId>-<12 chars>` (stable here). */
export function machineName(
  service: string,
  stage: string,
  key: string,
  sm: { id?: unknown; name?: unknown },
): string {
  if (typeof sm.name === 'string' && sm.name) return sm.name;
  return `${machineLogicalId(key, sm)}-${stableSuffix(service, stage, key)}`;
}

function fail(where: string, message: string, hint?: string): never {
  throw new SelflessError('INVALID_STATE_MACHINE', message, { where, hint });
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Resolves intrinsic functions and pseudo parameters inside a definition. */
export function resolveReferences(
  value: unknown,
  refs: ReferenceContext,
  where: string,
  machines: Record<string, string>,
): unknown {
  const pseudo: Record<string, string> = {
    'AWS::Region': refs.region,
    'AWS::AccountId': ACCOUNT_ID,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': `${refs.spec.service}-${refs.spec.stage}`,
  };
  const fnByRef = (id: string) =>
    refs.spec.functions.find((f) => f.key === id || `${normalizeKey(f.key)}LambdaFunction` === id);
  const getAtt = (id: string, attr: string, at: string): string => {
    const fn = fnByRef(id);
    if (fn) {
      if (attr === 'Arn') return refs.functionArn(fn.name);
      fail(at, `Fn::GetAtt ${id}.${attr}: functions only have the Arn attribute here.`);
    }
    if (machines[id]) {
      if (attr === 'Name') return machines[id].split(':').pop() as string;
      return machines[id];
    }
    const res = refs.resources[id];
    if (res) {
      const v = res.attributes[attr];
      if (v !== undefined) return v;
      fail(at, `Fn::GetAtt ${id}.${attr}: the resource has no attribute ${attr}.`);
    }
    fail(
      at,
      `Fn::GetAtt refers to ${id}, which is neither a function key, a function's logical id, a state machine nor a resource.`,
      'Use a key under functions: (e.g. Fn::GetAtt: [hello, Arn]) or a logical id from resources.',
    );
  };
  const ref = (id: string, at: string): string => {
    if (pseudo[id]) return pseudo[id];
    const fn = fnByRef(id);
    if (fn) return fn.name;
    if (machines[id]) return machines[id];
    const res = refs.resources[id];
    if (res) return res.ref;
    fail(
      at,
      `Ref to ${id}, which is neither a pseudo parameter, a function, a state machine nor a resource.`,
    );
  };
  const sub = (text: string, vars: Record<string, unknown>, at: string): string =>
    text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
      if (Object.hasOwn(vars, name)) return String(walk(vars[name], `${at}.${name}`));
      if (name.includes('.')) {
        const [id, ...rest] = name.split('.');
        return getAtt(id, rest.join('.'), at);
      }
      return ref(name, at);
    });
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === 'string')
      return v.replace(/#\{([^}]+)\}/g, (m, name: string) => (pseudo[name] ? pseudo[name] : m));
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}.${i}`));
    const o = asObject(v);
    if (!o) return v;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys;
      const arg = o[k];
      if (k === 'Fn::GetAtt') {
        const parts =
          typeof arg === 'string' ? arg.split('.') : Array.isArray(arg) ? arg.map((x) => walk(x, at)) : [];
        if (parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string')
          fail(at, 'Fn::GetAtt needs [logicalId, attribute].');
        return getAtt(parts[0] as string, parts[1] as string, at);
      }
      if (k === 'Ref') {
        if (typeof arg !== 'string') fail(at, 'Ref needs a logical id string.');
        return ref(arg as string, at);
      }
      if (k === 'Fn::Sub') {
        if (typeof arg === 'string') return sub(arg, {}, at);
        if (Array.isArray(arg) && typeof arg[0] === 'string') return sub(arg[0], asObject(arg[1]) ?? {}, at);
        fail(at, 'Fn::Sub needs a string or [string, {variables}].');
      }
      if (k === 'Fn::Join') {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(arg[1]))
          fail(at, 'Fn::Join needs [separator, [values]].');
        return (arg[1] as unknown[]).map((x) => String(walk(x, at))).join(arg[0] as string);
      }
    }
    return Object.fromEntries(keys.map((key) => [key, walk(o[key], `${at}.${key}`)]));
  };
  return walk(value, where);
}

/** One activity a deployment asks for (`stepFunctions.activities`). */
export interface PlannedActivity {
  name: string;
  /** serverless-step-functions' logical id: `<Name>StepFunctionsActivity`. */
  logicalId: string;
}

/** The activities named under `stepFunctions.activities` (a list of names), validated. */
export function planActivities(spec: DeploymentSpec): PlannedActivity[] {
  const section = asObject(spec.sections.stepFunctions);
  if (!section || section.activities === undefined) return [];
  if (!Array.isArray(section.activities))
    fail('stepFunctions.activities', 'stepFunctions.activities must be a list of activity names.');
  return section.activities.map((name, i) => {
    if (!isValidName(name))
      fail(
        `stepFunctions.activities.${i}`,
        `${JSON.stringify(name)} is not a valid activity name (1-80 characters; no spaces or < > { } [ ] ? * " # % \\ ^ | ~ \` $ & , ; : /).`,
      );
    return { name, logicalId: `${normalizeKey(name)}StepFunctionsActivity` };
  });
}

/** Turns a deployment's `sections.stepFunctions` into validated, resolved machines. */
export function planMachines(refs: ReferenceContext): PlannedMachine[] {
  const section = asObject(refs.spec.sections.stepFunctions);
  if (!section) return [];
  const stateMachines = asObject(section.stateMachines);
  if (!stateMachines) {
    if (section.stateMachines === undefined) return [];
    fail('stepFunctions.stateMachines', 'stepFunctions.stateMachines must be a map of state machines.');
  }
  const { service, stage } = refs.spec;
  const entries = Object.entries(stateMachines).map(([key, raw]) => {
    const sm =
      asObject(raw) ?? fail(`stepFunctions.stateMachines.${key}`, 'A state machine must be an object.');
    const name = machineName(service, stage, key, sm);
    if (!isValidName(name))
      fail(
        `stepFunctions.stateMachines.${key}.name`,
        `"${name}" is not a valid state machine name (1-80 characters; no spaces or < > { } [ ] ? * " # % \\ ^ | ~ \` $ & , ; : /).`,
      );
    return { key, sm, name, logicalId: machineLogicalId(key, sm) };
  });
  // Ref and Fn::GetAtt [id, Name] of machines and activities resolve alike (ARN, last segment).
  const machines: Record<string, string> = {};
  for (const a of planActivities(refs.spec)) machines[a.logicalId] = activityArn(refs.region, a.name);
  for (const e of entries) machines[e.logicalId] = machineArn(refs.region, e.name);
  return entries.map(({ key, sm, name, logicalId }) => {
    const where = `stepFunctions.stateMachines.${key}`;
    let definition: unknown = sm.definition;
    if (definition === undefined) fail(`${where}.definition`, 'A state machine needs a definition.');
    if (typeof definition === 'string') {
      try {
        definition = parseYaml(definition);
      } catch (e) {
        fail(`${where}.definition`, `The definition is not valid JSON or YAML: ${(e as Error).message}`);
      }
    }
    const resolved = resolveReferences(
      definition,
      refs,
      `${where}.definition`,
      machines,
    ) as StateMachineDefinition;
    const problems = validateDefinition(resolved);
    if (problems.length > 0)
      fail(
        `${where}.definition${problems[0].location.replace(/\//g, '.').replace(/^\.$/, '')}`,
        `Invalid definition of state machine ${key}: ${problems.map((p) => `${p.code}: ${p.message} at ${p.location}`).join('; ')}`,
        'Fix the definition; the location is a path inside it (States/<state>/<field>).',
      );
    const type = sm.type === undefined ? 'STANDARD' : sm.type;
    if (type !== 'STANDARD' && type !== 'EXPRESS') fail(`${where}.type`, 'type must be STANDARD or EXPRESS.');
    const role =
      typeof sm.role === 'string'
        ? sm.role
        : `arn:aws:iam::${ACCOUNT_ID}:role/${service}-${stage}-${logicalId}Role`;
    return {
      key,
      logicalId,
      name,
      type,
      definition: resolved,
      roleArn: role,
      events: Array.isArray(sm.events) ? (sm.events as Array<Record<string, unknown>>) : [],
    };
  });
}
