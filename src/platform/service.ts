import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from './clock.js';
import type { PlatformLimits } from './limits.js';
import type { DeploymentSpec } from './spec.js';
import type { Store } from './store/port.js';

/**
 * Each AWS service is a plugin: its engine (state and behaviour), its wire API, the CloudFormation
 * resource types it owns and the serverless.yml event types it wires. A new service is a new folder
 * under src/services plus one line in src/platform/registry.ts.
 */

/** A request on the platform port, with what the router already worked out. */
export interface WireRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The SigV4 credential scope's service (`sns`, `sqs`, `lambda`, ...) when signed. */
  signingService?: string;
  /** `X-Amz-Target` when present, e.g. `AmazonSQS.SendMessage`. */
  target?: string;
  region: string;
}

/** How a plugin claims requests on the shared port. */
export interface WireApi {
  /** SigV4 service names this API answers (`sns`, `sqs`, `lambda`, `s3`, `states`, ...). */
  signingNames: string[];
  /** `X-Amz-Target` prefixes for JSON protocols, e.g. `AmazonSQS.`, `AWSStepFunctions.`. */
  targetPrefixes?: string[];
  /** Extra claim for unsigned requests (paths, Action= params). */
  claims?(w: WireRequest): boolean;
  handle(w: WireRequest): Promise<void>;
}

/** What a resource handler returns for Ref / Fn::GetAtt. */
export interface ResourceAttributes {
  ref: string;
  attributes: Record<string, string>;
}

/** A CloudFormation resource type owned by a service. */
export interface ResourceType {
  /** Creates or updates the resource from fully resolved properties; returns its Ref and attributes. */
  apply(
    ctx: DeployContext,
    logicalId: string,
    properties: Record<string, unknown>,
    previous?: ResourceAttributes,
  ): Promise<ResourceAttributes>;
  remove(ctx: DeployContext, logicalId: string, current: ResourceAttributes): Promise<void>;
}

/** Per-deployment context handed to resource types and event wiring. */
export interface DeployContext {
  service: string;
  stage: string;
  region: string;
  spec: DeploymentSpec;
  /** Reports a one-line warning that deploy prints (unknown settings, fallbacks). */
  warn?(message: string): void;
}

/** The platform facilities every service can use. */
export interface PlatformContext {
  store: Store;
  clock: Clock;
  dataDir: string;
  region: string;
  /** The platform's own URL (http://127.0.0.1:PORT) once listening. */
  endpoint(): string;
  /** Another service's public facade, by name (e.g. `lambda` for invoking functions). */
  service<T>(name: string): T;
  log: Logger;
  /** The platform's limits and timings (tests shorten them). */
  limits?: PlatformLimits;
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

export interface ServicePlugin {
  name: string;
  /** Starts the engine; returns the facade other services reach via ctx.service(name). */
  start(ctx: PlatformContext): Promise<unknown>;
  stop?(): Promise<void>;
  wire?: WireApi;
  resourceTypes?: Record<string, ResourceType>;
  /**
   * Wires serverless.yml events of a deployment after its functions and resources exist; called
   * with every deployment of the service so the plugin can diff what it wired before.
   */
  wireEvents?(ctx: DeployContext): Promise<void>;
  /** Removes everything the plugin wired for a service and stage. */
  unwireEvents?(service: string, stage: string): Promise<void>;
  /**
   * Sections that `deploy` and `info` print for a service and stage, in the Serverless layout
   * (e.g. `{ endpoints: ['GET - http://127.0.0.1:3000/dev/hello'] }`).
   */
  serviceOutputs?(service: string, stage: string): Promise<Record<string, string | string[]>>;
  /**
   * Extra control-API routes under /_selfless/ (`parts` are the decoded path segments after it);
   * resolves true when the plugin answered. Thrown SelflessErrors become control-API errors.
   */
  control?(req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]): Promise<boolean>;
}
