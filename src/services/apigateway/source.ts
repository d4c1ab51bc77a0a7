/**
 * The neutral input of the gateway compiler and the OpenAPI generator: the functions with their raw
 * events and the provider/custom sections, taken either from a deployment spec (platform side) or
 * from a loaded ServiceConfig (CLI side).
 */
import type { DeploymentSpec } from '../../platform/spec.js';
import { isObj } from './events.js';

type Obj = Record<string, unknown>;

/** A function with its events: typed by the config (a ServiceConfig's) or as written (a spec's). */
export interface ApiFunction {
  key: string;
  name: string;
  events: unknown[];
  /** The function's `httpApi.payload`, which its httpApi events default to before the provider's. */
  httpApiPayload?: '1.0' | '2.0';
}

export interface ApiSource {
  service: string;
  stage: string;
  region: string;
  functions: ApiFunction[];
  /** State machines of `stepFunctions.stateMachines` with their events (their `http` events share the REST API). */
  stateMachines?: Array<{ key: string; events: unknown[] }>;
  /** `provider.apiGateway` as written. */
  apiGateway: Obj;
  /** `provider.httpApi` as written. */
  httpApi: Obj;
  /** `custom.documentation` (serverless-aws-documentation). */
  documentation: Obj;
  /** `custom.selfless`. */
  selfless: Obj;
  /** `provider.websocketsApiName` / `provider.websocketsApiRouteSelectionExpression`, when written. */
  websocketsApiName?: string;
  websocketsApiRouteSelectionExpression?: string;
}

/** Unwraps a typed config section to what was written (`raw`) when it carries one. */
function rawOf(v: unknown): Obj {
  if (!isObj(v)) return {};
  return isObj(v.raw) ? v.raw : v;
}

function pick(sections: Obj, ...paths: string[]): unknown {
  for (const p of paths) {
    if (p in sections) return sections[p];
    let cur: unknown = sections;
    for (const part of p.split('.')) cur = isObj(cur) ? cur[part] : undefined;
    if (cur !== undefined) return cur;
  }
  return undefined;
}

/** The API source of a deployment spec. */
export function sourceFromSpec(spec: DeploymentSpec): ApiSource {
  const s = spec.sections ?? {};
  return {
    service: spec.service,
    stage: spec.stage,
    region: spec.region,
    functions: spec.functions.map((f) => ({
      key: f.key,
      name: f.name,
      events: f.events,
      httpApiPayload: payloadOf(f.extra?.httpApiPayload),
    })),
    stateMachines: stateMachinesOf(s.stepFunctions),
    apiGateway: rawOf(pick(s, 'provider.apiGateway', 'apiGateway')),
    httpApi: httpApiOf(pick(s, 'provider.httpApi', 'httpApi')),
    documentation: rawOf(pick(s, 'custom.documentation', 'documentation')),
    selfless: rawOf(pick(s, 'custom.selfless', 'selfless')),
    websocketsApiName: stringOf(pick(s, 'provider.websocketsApiName')),
    websocketsApiRouteSelectionExpression: stringOf(
      pick(s, 'provider.websocketsApiRouteSelectionExpression'),
    ),
  };
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function payloadOf(v: unknown): '1.0' | '2.0' | undefined {
  return v === '1.0' || v === '2.0' ? v : undefined;
}

/** The state machines of a `stepFunctions` section (typed or as written) with their events. */
function stateMachinesOf(v: unknown): Array<{ key: string; events: unknown[] }> {
  const machines = isObj(v) && isObj(v.stateMachines) ? v.stateMachines : {};
  return Object.entries(machines).map(([key, sm]) => ({
    key,
    events: isObj(sm) && Array.isArray(sm.events) ? sm.events : [],
  }));
}

/** The typed httpApi section keeps authorizers/cors normalized at top level; raw keeps them as written. */
function httpApiOf(v: unknown): Obj {
  if (!isObj(v)) return {};
  return isObj(v.raw) ? { ...v, ...v.raw } : v;
}

/** The pieces of a loaded ServiceConfig the API source needs (kept structural to avoid a hard dependency). */
export interface ConfigLike {
  service: string;
  provider: {
    stage: string;
    region: string;
    apiGateway?: unknown;
    httpApi?: unknown;
    websocketsApiName?: string;
    websocketsApiRouteSelectionExpression?: string;
  };
  functions: Record<string, { key: string; name: string; events: unknown[] }>;
  custom?: Obj;
}

/** The API source of a loaded ServiceConfig. */
export function sourceFromConfig(config: ConfigLike): ApiSource {
  const custom = config.custom ?? {};
  return {
    service: config.service,
    stage: config.provider.stage,
    region: config.provider.region,
    functions: Object.values(config.functions).map((f) => ({ key: f.key, name: f.name, events: f.events })),
    apiGateway: rawOf(config.provider.apiGateway),
    httpApi: httpApiOf(config.provider.httpApi),
    documentation: rawOf(custom.documentation),
    selfless: rawOf(custom.selfless),
    websocketsApiName: config.provider.websocketsApiName,
    websocketsApiRouteSelectionExpression: config.provider.websocketsApiRouteSelectionExpression,
  };
}
