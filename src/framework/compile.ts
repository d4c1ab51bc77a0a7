/**
 * Compiles a loaded service plus its packaged artifacts into the DeploymentSpec the platform
 * applies: functions with their deployed names, environment, events and layers; the user's
 * CloudFormation resources, outputs and conditions; and the service-level sections the platform's
 * plugins read (`sections.provider.apiGateway`, `sections.provider.httpApi`, `sections.custom`,
 * `sections.stepFunctions`, `sections.layers`, `sections.params`, ...).
 */
import type { CfValue, FunctionConfig, LayerConfig, LoadedService } from '../config/types.js';
import { SelflessError } from '../platform/errors.js';
import type { DeploymentSpec, FunctionSpec, LayerSpec, ResourceSpec } from '../platform/spec.js';
import type { Artifact, PackageResult } from './package.js';

/** The artifacts compile needs: sha256 and size per function key and per layer key. */
export type CompileArtifacts = Pick<PackageResult, 'functions'> & Partial<Pick<PackageResult, 'layers'>>;

/** True for a CloudFormation intrinsic in long form (`{ Ref }`, `{ 'Fn::…' }`, `{ Condition }`). */
export function isIntrinsic(v: unknown): v is Record<string, CfValue> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0]!.startsWith('Fn::'));
}

/**
 * Splits a merged environment into plain strings (numbers and booleans stringified, as Lambda
 * stores them; nulls dropped) and values still holding intrinsics, left for the platform to resolve.
 */
export function splitEnvironment(
  env: Record<string, CfValue>,
  where: string,
): { environment: Record<string, string>; intrinsics: Record<string, CfValue> } {
  const environment: Record<string, string> = {};
  const intrinsics: Record<string, CfValue> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') environment[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') environment[k] = String(v);
    else if (isIntrinsic(v)) intrinsics[k] = v;
    else
      throw new SelflessError(
        'INVALID_ENVIRONMENT_VALUE',
        `Environment variable ${k} must be a string or a CloudFormation intrinsic (${where}.${k})`,
        {
          where: `${where}.${k}`,
          hint: 'Quote the value, or use an intrinsic such as !Ref, !GetAtt, !Sub or !Join.',
        },
      );
  }
  return { environment, intrinsics };
}

/** Drops undefined values so the spec stays plain, comparable JSON. */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The function's events as written in serverless.yml (`{ http: {...} }`), after variable resolution. */
function writtenEvents(fn: FunctionConfig): Array<Record<string, unknown>> {
  return fn.events.map((e) => ({ [e.type === 'other' ? e.eventType : e.type]: e.raw }));
}

function compileFunction(fn: FunctionConfig, artifact: Artifact | undefined): FunctionSpec {
  const where = `functions.${fn.key}`;
  if (fn.handler === undefined && fn.image === undefined) {
    throw new SelflessError('MISSING_HANDLER', `Function "${fn.key}" has no handler (${where}.handler)`, {
      where: `${where}.handler`,
      hint: 'Set handler: <file>.<export>, e.g. handler.hello.',
    });
  }
  if (!artifact && fn.image === undefined) {
    throw new SelflessError('MISSING_ARTIFACT', `Function "${fn.key}" was not packaged`, {
      kind: 'system',
      where,
    });
  }
  const { environment, intrinsics } = splitEnvironment(fn.environment, `${where}.environment`);
  const layers = fn.layers.filter((l): l is string => typeof l === 'string');
  const layersWritten = layers.length === fn.layers.length ? undefined : fn.layers;
  const extra = compact({
    logicalId: fn.logicalId,
    normalizedKey: fn.normalizedKey,
    environmentIntrinsics: Object.keys(intrinsics).length > 0 ? intrinsics : undefined,
    layersWithIntrinsics: layersWritten,
    events: fn.events,
    httpApiPayload: fn.httpApiPayload,
    image: fn.image,
    url: fn.url,
    destinations: fn.destinations,
    maximumRetryAttempts: fn.maximumRetryAttempts,
    maximumEventAge: fn.maximumEventAge,
    onError: fn.onError,
    tags: Object.keys(fn.tags).length > 0 ? fn.tags : undefined,
    vpc: fn.vpc,
    role: fn.role,
    kmsKeyArn: fn.kmsKeyArn,
    tracing: fn.tracing,
    condition: fn.condition,
    dependsOn: fn.dependsOn,
    versionFunction: fn.versionFunction,
    ephemeralStorageSize: fn.ephemeralStorageSize,
    logRetentionInDays: fn.logRetentionInDays,
    disableLogs: fn.disableLogs || undefined,
    fileSystemConfig: fn.fileSystemConfig,
    snapStart: fn.snapStart,
  });
  return compact({
    key: fn.key,
    name: fn.name,
    runtime: fn.runtime,
    handler: fn.handler ?? '',
    memorySize: fn.memorySize,
    timeout: fn.timeout,
    environment,
    description: fn.description,
    architecture: fn.architecture,
    reservedConcurrency: fn.reservedConcurrency,
    provisionedConcurrency: fn.provisionedConcurrency,
    logGroup: fn.logGroup,
    codeSha256: artifact?.sha256 ?? '',
    codeSize: artifact?.size ?? 0,
    layers,
    events: writtenEvents(fn),
    extra,
  });
}

function compileResources(resources: Record<string, Record<string, unknown>>): ResourceSpec[] {
  return Object.entries(resources).map(([logicalId, r]) => {
    const where = `resources.Resources.${logicalId}`;
    if (r === null || typeof r !== 'object' || typeof r.Type !== 'string' || r.Type === '') {
      throw new SelflessError('INVALID_RESOURCE', `Resource "${logicalId}" has no Type (${where}.Type)`, {
        where: `${where}.Type`,
        hint: 'Every CloudFormation resource needs a Type, e.g. AWS::SNS::Topic.',
      });
    }
    const dependsOn =
      r.DependsOn === undefined
        ? undefined
        : Array.isArray(r.DependsOn)
          ? r.DependsOn.map(String)
          : [String(r.DependsOn)];
    return compact({
      logicalId,
      type: r.Type,
      properties: (r.Properties as Record<string, unknown> | undefined) ?? {},
      dependsOn,
      condition: typeof r.Condition === 'string' ? r.Condition : undefined,
    });
  });
}

function layerSpec(layer: LayerConfig, artifact: Artifact | undefined): LayerSpec {
  return compact({
    key: layer.key,
    name: layer.name,
    logicalId: layer.logicalId,
    description: layer.description,
    compatibleRuntimes: layer.compatibleRuntimes,
    compatibleArchitectures: layer.compatibleArchitectures,
    licenseInfo: layer.licenseInfo,
    allowedAccounts: layer.allowedAccounts,
    retain: layer.retain,
    codeSha256: artifact?.sha256,
    codeSize: artifact?.size,
  });
}

/** ServiceConfig + artifacts → the DeploymentSpec the platform applies. */
export function compileDeployment(
  loaded: Pick<LoadedService, 'config'>,
  artifacts: CompileArtifacts,
): DeploymentSpec {
  const { config } = loaded;
  const functions = Object.values(config.functions).map((fn) =>
    compileFunction(fn, artifacts.functions[fn.key]),
  );
  const layers: Record<string, LayerSpec> = {};
  for (const layer of Object.values(config.layers))
    layers[layer.key] = layerSpec(layer, artifacts.layers?.[layer.key]);
  const { environment: _env, ...providerRest } = config.provider;
  const providerEnv = splitEnvironment(config.provider.environment, 'provider.environment');
  return {
    service: config.service,
    stage: config.provider.stage,
    region: config.provider.region,
    functions,
    resources: compileResources(config.resources.Resources),
    outputs: config.resources.Outputs,
    conditions: config.resources.Conditions,
    sections: compact({
      provider: {
        ...providerRest,
        environment: providerEnv.environment,
        environmentIntrinsics: providerEnv.intrinsics,
      },
      custom: config.custom,
      stepFunctions: config.stepFunctions,
      layers,
      params: config.params,
      mappings: Object.keys(config.resources.Mappings).length > 0 ? config.resources.Mappings : undefined,
      parameters:
        Object.keys(config.resources.Parameters).length > 0 ? config.resources.Parameters : undefined,
      resourceExtensions:
        Object.keys(config.resources.extensions).length > 0 ? config.resources.extensions : undefined,
      instanceId: config.instanceId,
    }),
  };
}
