/**
 * The deployment spec: what `framework/` compiles from a ServiceConfig and sends to the platform.
 * It names the exact set of things that should exist for one service and stage; the platform
 * applies it as one transaction and diffs it against what runs. Plain JSON, versioned by shape.
 */

/** A function as the platform runs it. */
export interface FunctionSpec {
  /** The key under `functions:` in serverless.yml, e.g. `hello`. */
  key: string;
  /** The deployed name, `${service}-${stage}-${key}` unless `name:` overrides it. */
  name: string;
  runtime: string;
  /** `handler.hello`, `src/index.handler`; for provided runtimes it is passed through as _HANDLER. */
  handler: string;
  memorySize: number;
  /** Seconds. */
  timeout: number;
  environment: Record<string, string>;
  description?: string;
  architecture: 'x86_64' | 'arm64';
  reservedConcurrency?: number;
  provisionedConcurrency?: number;
  logGroup: string;
  /** sha256 (hex) of the code artifact; the artifact itself is uploaded as a blob under this hash. */
  codeSha256: string;
  codeSize: number;
  layers: string[];
  /** Event sources as written in serverless.yml after variable resolution (wired by the services). */
  events: Array<Record<string, unknown>>;
  /** Anything service-specific (url, destinations, ...), kept verbatim. */
  extra?: Record<string, unknown>;
}

/** A layer (serverless.yml `layers:`) as the spec carries it in `sections.layers`. */
export interface LayerSpec {
  key: string;
  name: string;
  logicalId: string;
  description?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
  allowedAccounts?: string[];
  /** `retain: true`: a replaced version is kept instead of deleted. */
  retain: boolean;
  codeSha256?: string;
  codeSize?: number;
}

/** One CloudFormation resource from `resources.Resources`, with intrinsics still unresolved. */
export interface ResourceSpec {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
  dependsOn?: string[];
  condition?: string;
}

export interface DeploymentSpec {
  service: string;
  stage: string;
  region: string;
  functions: FunctionSpec[];
  resources: ResourceSpec[];
  outputs: Record<string, unknown>;
  conditions: Record<string, unknown>;
  /** Service-level sections the platform's plugins read: provider.apiGateway, stepFunctions, custom.selfless, ... */
  sections: Record<string, unknown>;
}
