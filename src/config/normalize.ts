/**
 * Resolved + validated raw config → typed, defaulted ServiceConfig (Serverless v3 defaults and
 * names). Problems found here are reported through `problem` with their property path.
 */
import { destinationTypeFromArn, normalizeEvent } from './events.js';
import { DEFAULT_CORS_HEADERS } from './http-events.js';
import {
  functionLogicalId,
  functionName,
  layerLogicalId,
  logGroupName,
  normalizeFunctionName,
  restApiName,
  stackName,
  stateMachineLogicalId,
} from './naming.js';
import type {
  ApiKeyConfig,
  CfValue,
  ConfigValidationMode,
  Destination,
  FunctionConfig,
  FunctionEvent,
  IamConfig,
  IamStatement,
  LayerConfig,
  PackageConfig,
  ProviderConfig,
  RawObject,
  ResourcesConfig,
  ServiceConfig,
  StateMachineConfig,
  StepFunctionsConfig,
  UsagePlanConfig,
} from './types.js';

/** Serverless v3 defaults (runtime as osls: nodejs20.x). */
export const DEFAULT_RUNTIME = 'nodejs20.x';
export const DEFAULT_STAGE = 'dev';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_MEMORY_SIZE = 1024;
export const DEFAULT_TIMEOUT = 6;

export interface NormalizeInput {
  raw: RawObject;
  options: Record<string, string | boolean | string[]>;
  instanceId: string;
  /** Reports a problem at a property path. */
  problem: (path: string[], message: string) => void;
}

function obj(v: unknown): RawObject {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as RawObject) : {};
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (x !== null && x !== undefined) out[k] = String(x);
  return out;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** Stage: `--stage` → provider.stage → dev. */
export function resolveStage(options: NormalizeInput['options'], provider: RawObject): string {
  const o = options.stage;
  if (typeof o === 'string' && o) return o;
  return typeof provider.stage === 'string' && provider.stage ? provider.stage : DEFAULT_STAGE;
}

/** Region: `--region` → provider.region → us-east-1. */
export function resolveRegion(options: NormalizeInput['options'], provider: RawObject): string {
  const o = options.region;
  if (typeof o === 'string' && o) return o;
  return typeof provider.region === 'string' && provider.region ? provider.region : DEFAULT_REGION;
}

function packageConfig(v: unknown, fallback?: PackageConfig): PackageConfig {
  const o = obj(v);
  return {
    patterns: Array.isArray(o.patterns) ? strings(o.patterns) : [],
    individually: typeof o.individually === 'boolean' ? o.individually : (fallback?.individually ?? false),
    artifact: typeof o.artifact === 'string' ? o.artifact : undefined,
    excludeDevDependencies:
      typeof o.excludeDevDependencies === 'boolean'
        ? o.excludeDevDependencies
        : (fallback?.excludeDevDependencies ?? true),
    path: typeof o.path === 'string' ? o.path : undefined,
    include: strings(o.include),
    exclude: strings(o.exclude),
  };
}

function iamConfig(provider: RawObject): IamConfig {
  const iam = obj(provider.iam);
  const role = iam.role;
  const out: IamConfig = { role: { statements: [], managedPolicies: [] } };
  if (
    typeof role === 'string' ||
    (role && typeof role === 'object' && Object.keys(role).some((k) => k === 'Ref' || k.startsWith('Fn::')))
  ) {
    out.roleArn = role as CfValue;
  } else if (role && typeof role === 'object') {
    const r = role as RawObject;
    out.role = {
      name: r.name as string | undefined,
      path: r.path as string | undefined,
      statements: (r.statements as IamStatement[] | undefined) ?? [],
      managedPolicies: (r.managedPolicies as CfValue[] | undefined) ?? [],
      permissionsBoundary: (r.permissionsBoundary ?? r.permissionBoundary) as CfValue | undefined,
      tags: r.tags ? strMap(r.tags) : undefined,
    };
  }
  // Legacy (pre-v3) keys, still accepted.
  if (Array.isArray(provider.iamRoleStatements))
    out.role.statements.push(...(provider.iamRoleStatements as IamStatement[]));
  if (Array.isArray(provider.iamManagedPolicies))
    out.role.managedPolicies.push(...(provider.iamManagedPolicies as CfValue[]));
  if (provider.role !== undefined && out.roleArn === undefined) out.roleArn = provider.role as CfValue;
  if (provider.rolePermissionsBoundary !== undefined && out.role.permissionsBoundary === undefined) {
    out.role.permissionsBoundary = provider.rolePermissionsBoundary as CfValue;
  }
  const deploymentRole = iam.deploymentRole ?? provider.cfnRole;
  if (typeof deploymentRole === 'string') out.deploymentRole = deploymentRole;
  return out;
}

function apiKeys(v: unknown): ApiKeyConfig[] {
  if (!Array.isArray(v)) return [];
  const out: ApiKeyConfig[] = [];
  const one = (item: unknown, usagePlan?: string) => {
    if (typeof item === 'string') out.push({ name: item, usagePlan });
    else if (item && typeof item === 'object') out.push({ ...(item as ApiKeyConfig), usagePlan });
  };
  for (const item of v) {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      const keys = Object.keys(item);
      const first = keys[0];
      if (keys.length === 1 && first && Array.isArray((item as RawObject)[first])) {
        for (const k of (item as RawObject)[first] as unknown[]) one(k, first);
        continue;
      }
    }
    one(item);
  }
  return out;
}

function usagePlans(v: unknown): Record<string, UsagePlanConfig> | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    const out: Record<string, UsagePlanConfig> = {};
    for (const item of v)
      for (const [name, plan] of Object.entries(obj(item))) out[name] = plan as UsagePlanConfig;
    return out;
  }
  return { default: v as UsagePlanConfig };
}

function providerConfig(service: string, raw: RawObject, input: NormalizeInput): ProviderConfig {
  const p = obj(raw.provider);
  const stage = resolveStage(input.options, p);
  const region = resolveRegion(input.options, p);
  const apiGw = obj(p.apiGateway);
  const httpApi = obj(p.httpApi);
  const cors = httpApi.cors;
  const httpApiCors =
    cors === true
      ? { allowedOrigins: ['*'], allowedHeaders: [...DEFAULT_CORS_HEADERS] }
      : cors && typeof cors === 'object'
        ? {
            allowedOrigins: strings((cors as RawObject).allowedOrigins).length
              ? strings((cors as RawObject).allowedOrigins)
              : ['*'],
            allowedHeaders: Array.isArray((cors as RawObject).allowedHeaders)
              ? strings((cors as RawObject).allowedHeaders)
              : [...DEFAULT_CORS_HEADERS],
            allowedMethods: Array.isArray((cors as RawObject).allowedMethods)
              ? strings((cors as RawObject).allowedMethods)
              : undefined,
            allowCredentials: (cors as RawObject).allowCredentials as boolean | undefined,
            exposedResponseHeaders: Array.isArray((cors as RawObject).exposedResponseHeaders)
              ? strings((cors as RawObject).exposedResponseHeaders)
              : undefined,
            maxAge: (cors as RawObject).maxAge as number | undefined,
          }
        : undefined;
  const endpointType =
    typeof p.endpointType === 'string'
      ? (p.endpointType.toUpperCase() as ProviderConfig['endpointType'])
      : undefined;
  return {
    name: 'aws',
    runtime: typeof p.runtime === 'string' ? p.runtime : DEFAULT_RUNTIME,
    stage,
    region,
    profile: p.profile as string | undefined,
    stackName: stackName(service, stage, p.stackName as string | undefined),
    memorySize: typeof p.memorySize === 'number' ? p.memorySize : DEFAULT_MEMORY_SIZE,
    timeout: typeof p.timeout === 'number' ? p.timeout : DEFAULT_TIMEOUT,
    environment: obj(p.environment) as Record<string, CfValue>,
    versionFunctions: p.versionFunctions !== false,
    logRetentionInDays: p.logRetentionInDays as number | undefined,
    apiGateway: {
      restApiId: apiGw.restApiId as CfValue | undefined,
      restApiRootResourceId: apiGw.restApiRootResourceId as CfValue | undefined,
      restApiResources: apiGw.restApiResources as Record<string, CfValue> | undefined,
      websocketApiId: apiGw.websocketApiId as CfValue | undefined,
      apiKeys: apiKeys(apiGw.apiKeys),
      apiKeySourceType:
        typeof apiGw.apiKeySourceType === 'string'
          ? (apiGw.apiKeySourceType.toUpperCase() as 'HEADER' | 'AUTHORIZER')
          : undefined,
      binaryMediaTypes: strings(apiGw.binaryMediaTypes),
      description: apiGw.description as string | undefined,
      disableDefaultEndpoint: apiGw.disableDefaultEndpoint as boolean | undefined,
      metrics: apiGw.metrics as boolean | undefined,
      minimumCompressionSize: apiGw.minimumCompressionSize as number | undefined,
      resourcePolicy: apiGw.resourcePolicy as CfValue[] | undefined,
      request: apiGw.request as ProviderConfig['apiGateway']['request'],
      shouldStartNameWithService: apiGw.shouldStartNameWithService as boolean | undefined,
      stage: apiGw.stage as string | undefined,
      usagePlans: usagePlans(apiGw.usagePlan),
      timeoutInMillis: apiGw.timeoutInMillis as number | undefined,
      raw: apiGw,
    },
    httpApi: {
      id: httpApi.id as CfValue | undefined,
      name: httpApi.name as string | undefined,
      payload: httpApi.payload === '1.0' ? '1.0' : '2.0',
      cors: httpApiCors,
      authorizers: obj(httpApi.authorizers) as ProviderConfig['httpApi']['authorizers'],
      metrics: httpApi.metrics as boolean | undefined,
      disableDefaultEndpoint: httpApi.disableDefaultEndpoint as boolean | undefined,
      shouldStartNameWithService: httpApi.shouldStartNameWithService as boolean | undefined,
    },
    apiName: restApiName(
      service,
      stage,
      p.apiName as string | undefined,
      apiGw.shouldStartNameWithService === true,
    ),
    httpApiName: restApiName(
      service,
      stage,
      httpApi.name as string | undefined,
      httpApi.shouldStartNameWithService === true,
    ),
    websocketsApiName: (p.websocketsApiName as string | undefined) ?? `${stage}-${service}-websockets`,
    websocketsApiRouteSelectionExpression:
      (p.websocketsApiRouteSelectionExpression as string | undefined) ?? '$request.body.action',
    endpointType,
    iam: iamConfig(p),
    tags: strMap(p.tags),
    stackTags: strMap(p.stackTags),
    deploymentMethod: p.deploymentMethod === 'direct' ? 'direct' : 'changesets',
    architecture: p.architecture === 'arm64' ? 'arm64' : 'x86_64',
    layers: (p.layers as CfValue[] | undefined) ?? [],
    vpc: p.vpc as CfValue | undefined,
    tracing: p.tracing as ProviderConfig['tracing'],
    logs: p.logs as RawObject | undefined,
    kmsKeyArn: p.kmsKeyArn as CfValue | undefined,
    deploymentBucket:
      typeof p.deploymentBucket === 'string'
        ? { name: p.deploymentBucket }
        : (p.deploymentBucket as RawObject | undefined),
    deploymentPrefix: typeof p.deploymentPrefix === 'string' ? p.deploymentPrefix : 'serverless',
    s3: p.s3 as Record<string, RawObject> | undefined,
    alb: p.alb as RawObject | undefined,
    ecr: p.ecr as RawObject | undefined,
    eventBridge: p.eventBridge as RawObject | undefined,
    raw: p,
  };
}

/** Runtimes whose handler is `<file>.<export>`. */
function needsFileExportHandler(runtime: string): boolean {
  return /^(nodejs|python|ruby)/.test(runtime);
}

function destination(v: unknown): Destination | undefined {
  if (typeof v === 'string') {
    if (v.startsWith('arn:')) return { type: destinationTypeFromArn(v), arn: v };
    return { type: 'function', functionKey: v };
  }
  if (v && typeof v === 'object') {
    const o = v as RawObject;
    return { type: o.type as Destination['type'], arn: o.arn as CfValue | undefined };
  }
  return undefined;
}

function functionConfig(
  key: string,
  f: RawObject,
  service: string,
  provider: ProviderConfig,
  servicePackage: PackageConfig,
  input: NormalizeInput,
): FunctionConfig {
  const path = ['functions', key];
  const runtime = typeof f.runtime === 'string' ? f.runtime : provider.runtime;
  const handler = typeof f.handler === 'string' ? f.handler : undefined;
  if (handler === undefined && f.image === undefined) {
    input.problem(path, `Either "handler" or "image" property needs to be set on function "${key}"`);
  } else if (handler !== undefined && f.image !== undefined) {
    input.problem(
      path,
      `Either "handler" or "image" property (not both) needs to be set on function "${key}"`,
    );
  } else if (
    handler !== undefined &&
    needsFileExportHandler(runtime) &&
    !/^[^\s]*[^./\s][^/\s]*\.[A-Za-z_$][\w$]*$/.test(handler)
  ) {
    input.problem(
      [...path, 'handler'],
      `Invalid handler "${handler}" in function "${key}": expected "<file>.<function>" (for example "handler.hello" for handler.js exporting hello)`,
    );
  }
  const name = typeof f.name === 'string' ? f.name : functionName(service, provider.stage, key);
  const events: FunctionEvent[] = [];
  const rawEvents = Array.isArray(f.events) ? f.events : [];
  const fnPayload = obj(f.httpApi).payload;
  const httpApiPayload = fnPayload === '1.0' || fnPayload === '2.0' ? fnPayload : undefined;
  rawEvents.forEach((ev, i) => {
    if (!ev || typeof ev !== 'object') return;
    const e = normalizeEvent(ev as RawObject, i, {
      functionKey: key,
      httpApiPayload: httpApiPayload ?? provider.httpApi.payload,
      problem: (rel, message) => input.problem([...path, 'events', String(i), ...rel], message),
    });
    if (e) events.push(e);
  });
  const url = f.url;
  const urlObj = obj(url);
  const urlCors = urlObj.cors;
  return {
    key,
    name,
    handler,
    image: f.image as string | RawObject | undefined,
    runtime,
    architecture:
      f.architecture === 'arm64' ? 'arm64' : f.architecture === 'x86_64' ? 'x86_64' : provider.architecture,
    memorySize: typeof f.memorySize === 'number' ? f.memorySize : provider.memorySize,
    timeout: typeof f.timeout === 'number' ? f.timeout : provider.timeout,
    ephemeralStorageSize: f.ephemeralStorageSize as number | undefined,
    environment: { ...provider.environment, ...(obj(f.environment) as Record<string, CfValue>) },
    events,
    httpApiPayload,
    description: f.description as string | undefined,
    reservedConcurrency: f.reservedConcurrency as number | undefined,
    provisionedConcurrency: f.provisionedConcurrency as number | undefined,
    layers: Array.isArray(f.layers) ? (f.layers as CfValue[]) : provider.layers,
    package: packageConfig(f.package, servicePackage),
    url:
      url === true || (url && typeof url === 'object')
        ? {
            authorizer: urlObj.authorizer === 'aws_iam' ? 'aws_iam' : undefined,
            cors:
              urlCors === true
                ? { allowedOrigins: ['*'], allowedHeaders: [...DEFAULT_CORS_HEADERS], allowedMethods: ['*'] }
                : urlCors && typeof urlCors === 'object'
                  ? (urlCors as NonNullable<FunctionConfig['url']>['cors'])
                  : undefined,
            invokeMode: urlObj.invokeMode === 'RESPONSE_STREAM' ? 'RESPONSE_STREAM' : 'BUFFERED',
          }
        : undefined,
    logGroup: logGroupName(name),
    normalizedKey: normalizeFunctionName(key),
    logicalId: functionLogicalId(key),
    logRetentionInDays: (f.logRetentionInDays as number | undefined) ?? provider.logRetentionInDays,
    disableLogs: f.disableLogs === true,
    destinations: f.destinations
      ? {
          onSuccess: destination(obj(f.destinations).onSuccess),
          onFailure: destination(obj(f.destinations).onFailure),
        }
      : undefined,
    maximumRetryAttempts: f.maximumRetryAttempts as number | undefined,
    maximumEventAge: f.maximumEventAge as number | undefined,
    onError: f.onError as CfValue | undefined,
    tags: { ...provider.tags, ...strMap(f.tags) },
    vpc: f.vpc === undefined ? provider.vpc : f.vpc === null ? undefined : (f.vpc as CfValue),
    role: f.role as CfValue | undefined,
    kmsKeyArn: (f.kmsKeyArn ?? f.awsKmsKeyArn ?? provider.kmsKeyArn) as CfValue | undefined,
    tracing: (f.tracing as FunctionConfig['tracing']) ?? provider.tracing?.lambda,
    condition: f.condition as string | undefined,
    dependsOn: f.dependsOn as string[] | undefined,
    versionFunction: typeof f.versionFunction === 'boolean' ? f.versionFunction : provider.versionFunctions,
    fileSystemConfig: f.fileSystemConfig as RawObject | undefined,
    snapStart: f.snapStart as boolean | undefined,
    raw: f,
  };
}

function resourcesConfig(v: unknown): ResourcesConfig {
  const o = obj(v);
  return {
    Resources: obj(o.Resources) as Record<string, RawObject>,
    Outputs: obj(o.Outputs) as Record<string, RawObject>,
    Conditions: obj(o.Conditions) as Record<string, CfValue>,
    Mappings: obj(o.Mappings) as Record<string, CfValue>,
    Parameters: obj(o.Parameters) as Record<string, RawObject>,
    Metadata: o.Metadata as RawObject | undefined,
    Description: o.Description as string | undefined,
    AWSTemplateFormatVersion: o.AWSTemplateFormatVersion as string | undefined,
    Transform: o.Transform as CfValue | undefined,
    extensions: obj(o.extensions) as Record<string, RawObject>,
  };
}

function stepFunctionsConfig(v: unknown): StepFunctionsConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v);
  const stateMachines: Record<string, StateMachineConfig> = {};
  for (const [key, smRaw] of Object.entries(obj(o.stateMachines))) {
    const sm = obj(smRaw);
    const name = sm.name as string | undefined;
    const id = sm.id as string | undefined;
    stateMachines[key] = {
      key,
      name,
      id,
      type: sm.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      role: sm.role as CfValue | undefined,
      definition: (sm.definition as RawObject | string | undefined) ?? {},
      events: Array.isArray(sm.events) ? (sm.events as RawObject[]) : [],
      logicalId: stateMachineLogicalId(key, { id, name }),
      raw: sm,
    };
  }
  return {
    stateMachines,
    activities: strings(o.activities),
    validate: o.validate === true,
    noOutput: o.noOutput === true,
  };
}

function layerConfig(key: string, l: RawObject): LayerConfig {
  return {
    key,
    name: typeof l.name === 'string' ? l.name : key,
    path: l.path as string | undefined,
    package: l.package as LayerConfig['package'],
    description: l.description as string | undefined,
    compatibleRuntimes: l.compatibleRuntimes as string[] | undefined,
    compatibleArchitectures: l.compatibleArchitectures as string[] | undefined,
    licenseInfo: l.licenseInfo as string | undefined,
    allowedAccounts: l.allowedAccounts as string[] | undefined,
    retain: l.retain === true,
    logicalId: layerLogicalId(key),
    raw: l,
  };
}

/** Builds the ServiceConfig; problems go to `input.problem`. */
export function normalizeService(input: NormalizeInput): ServiceConfig {
  const raw = input.raw;
  const service = typeof raw.service === 'string' ? raw.service : String(obj(raw.service).name ?? '');
  const provider = providerConfig(service, raw, input);
  const servicePackage = packageConfig(raw.package);
  const functions: Record<string, FunctionConfig> = {};
  for (const [key, f] of Object.entries(obj(raw.functions))) {
    if (f === null || f === undefined) continue; // null entries are dropped, as Serverless does
    functions[key] = functionConfig(key, obj(f), service, provider, servicePackage, input);
  }
  // Duplicate HTTP API routes cannot be wired.
  const routes = new Map<string, string>();
  for (const fn of Object.values(functions)) {
    for (const ev of fn.events) {
      if (ev.type !== 'httpApi') continue;
      const other = routes.get(ev.routeKey);
      if (other !== undefined) {
        input.problem(
          ['functions', fn.key, 'events', String(ev.index)],
          `Duplicate route '${ev.routeKey}' configuration in function ${fn.key} (also in function ${other})`,
        );
      }
      routes.set(ev.routeKey, fn.key);
    }
  }
  const layers: Record<string, LayerConfig> = {};
  for (const [key, l] of Object.entries(obj(raw.layers))) layers[key] = layerConfig(key, obj(l));
  const plugins = Array.isArray(raw.plugins)
    ? { modules: strings(raw.plugins) }
    : {
        localPath: obj(raw.plugins).localPath as string | undefined,
        modules: strings(obj(raw.plugins).modules),
      };
  return {
    service,
    frameworkVersion: raw.frameworkVersion as string | undefined,
    provider,
    functions,
    layers,
    resources: resourcesConfig(raw.resources),
    custom: obj(raw.custom),
    plugins,
    package: servicePackage,
    params: obj(raw.params) as Record<string, Record<string, unknown>>,
    stepFunctions: stepFunctionsConfig(raw.stepFunctions),
    configValidationMode: (raw.configValidationMode as ConfigValidationMode | undefined) ?? 'warn',
    useDotenv: raw.useDotenv === true,
    instanceId: input.instanceId,
  };
}
