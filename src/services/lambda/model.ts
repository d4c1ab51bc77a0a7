/**
 * Lambda's durable data model. A function has a mutable `$LATEST` configuration and immutable
 * numbered versions (snapshots of code plus configuration); aliases point at a version, optionally
 * splitting traffic with a second one by weight.
 *
 * Tables: `lambda.functions` (key: name), `lambda.versions` (key: `name:0000000003`),
 * `lambda.aliases` (key: `name:alias`); async settings live in `lambda.event-invoke` (event-invoke.ts).
 */
import { createHash } from 'node:crypto';
import type { FunctionSpec } from '../../platform/spec.js';

export const FUNCTIONS = 'lambda.functions';
export const VERSIONS = 'lambda.versions';
export const ALIASES = 'lambda.aliases';

/** Everything that defines what runs: one per version, and one for `$LATEST`. */
export interface VersionConfig {
  /** `$LATEST` or a version number as a string. */
  version: string;
  runtime: string;
  handler: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string>;
  description: string;
  architecture: 'x86_64' | 'arm64';
  layers: string[];
  logGroup: string;
  /** Hex sha256 of the code zip. */
  codeSha256: string;
  codeSize: number;
  /** Hash of code and configuration: equal hashes run identically. */
  configHash: string;
  /** Changes with every update (Lambda's RevisionId). */
  revisionId: string;
  /** Epoch ms of the last change. */
  lastModified: number;
}

export interface FunctionRecord {
  name: string;
  /** Owning service and stage (absent for functions created through the Lambda API). */
  service?: string;
  stage?: string;
  /** The region of the deployment (ARNs and AWS_REGION); the platform's region when absent. */
  region?: string;
  /** The key under `functions:` in serverless.yml. */
  key?: string;
  latest: VersionConfig;
  /** Highest published version number (0 when none). */
  lastVersion: number;
  /** Function-level settings (not versioned). */
  reservedConcurrency?: number;
  /** Where events that fail every attempt go (serverless.yml `onError`): an SNS topic or SQS queue ARN. */
  deadLetterArn?: string;
  /** Publish a version on each deploy that changes code or configuration. */
  versionFunction: boolean;
  /** serverless.yml extras kept verbatim (destinations, url, ...). */
  extra?: Record<string, unknown>;
  /** The execution role given to CreateFunction/UpdateFunctionConfiguration (functions made through the API). */
  role?: string;
  /** Tags given to CreateFunction. */
  tags?: Record<string, string>;
  createdAt: number;
}

export interface AliasRecord {
  functionName: string;
  name: string;
  functionVersion: string;
  description: string;
  /** Version number → weight in [0, 1]. */
  additionalVersionWeights?: Record<string, number>;
  revisionId: string;
}

/** The key of a version row; zero-padded so versions list in numeric order. */
export const versionKey = (name: string, version: number | string) =>
  `${name}:${String(version).padStart(10, '0')}`;
export const aliasKey = (name: string, alias: string) => `${name}:${alias}`;

/** Hash of what makes two configurations run the same. */
export function configHash(
  c: Omit<VersionConfig, 'version' | 'configHash' | 'revisionId' | 'lastModified'>,
): string {
  const canonical = JSON.stringify([
    c.codeSha256,
    c.runtime,
    c.handler,
    c.memorySize,
    c.timeout,
    Object.entries(c.environment).sort(([a], [b]) => (a < b ? -1 : 1)),
    c.description,
    c.architecture,
    c.layers,
    c.logGroup,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 24);
}

/** The `$LATEST` configuration a FunctionSpec describes. */
export function configFromSpec(f: FunctionSpec, revisionId: string, now: number): VersionConfig {
  const base = {
    runtime: f.runtime,
    handler: f.handler,
    memorySize: f.memorySize,
    timeout: f.timeout,
    environment: { ...f.environment },
    description: f.description ?? '',
    architecture: f.architecture,
    layers: [...f.layers],
    logGroup: f.logGroup,
    codeSha256: f.codeSha256,
    codeSize: f.codeSize,
  };
  return { ...base, version: '$LATEST', configHash: configHash(base), revisionId, lastModified: now };
}

/** AWS's LastModified format: `2026-01-01T00:00:00.000+0000`. */
export function awsTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** AWS reports CodeSha256 as base64 of the digest. */
export function base64Sha(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
