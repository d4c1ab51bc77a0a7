/**
 * The FunctionConfiguration shape of the Lambda API (GetFunctionConfiguration, ListFunctions,
 * PublishVersion, CreateFunction, UpdateFunctionConfiguration/Code), built from the stored records.
 */
import { awsTimestamp, base64Sha, type FunctionRecord, type VersionConfig } from './model.js';

/** The role shown for functions deployed from serverless.yml (Selfless checks no IAM). */
export const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

/**
 * What a response says about the function's readiness. Changes apply synchronously here, but the
 * answer to the change itself reads as AWS's does (Pending after a create, InProgress after an
 * update); every later read says Active / Successful, so SDK waiters return at once.
 */
export type Readiness = 'ready' | 'creating' | 'updating';

/** AWS's FunctionConfiguration of one version (or `$LATEST`) of a function. */
export function functionConfiguration(
  arnOf: (name: string, qualifier?: string) => string,
  fn: FunctionRecord,
  c: VersionConfig,
  region: string,
  readiness: Readiness = 'ready',
): Record<string, unknown> {
  return {
    FunctionName: fn.name,
    FunctionArn: arnOf(fn.name, c.version === '$LATEST' ? undefined : c.version),
    Runtime: c.runtime,
    Role: fn.role ?? DEFAULT_ROLE,
    Handler: c.handler,
    CodeSize: c.codeSize,
    Description: c.description,
    Timeout: c.timeout,
    MemorySize: c.memorySize,
    LastModified: awsTimestamp(c.lastModified),
    CodeSha256: base64Sha(c.codeSha256),
    Version: c.version,
    Environment: { Variables: c.environment },
    ...(fn.deadLetterArn ? { DeadLetterConfig: { TargetArn: fn.deadLetterArn } } : {}),
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: c.revisionId,
    Layers: c.layers.map((arn) => ({ Arn: arn, CodeSize: 0 })),
    ...readinessFields(readiness),
    PackageType: 'Zip',
    Architectures: [c.architecture],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: c.logGroup },
    RuntimeVersionConfig: { RuntimeVersionArn: `arn:aws:lambda:${region}::runtime:selfless-${c.runtime}` },
  };
}

function readinessFields(r: Readiness): Record<string, string> {
  const creating = { Reason: 'The function is being created.', Code: 'Creating' };
  if (r === 'creating')
    return { State: 'Pending', StateReason: creating.Reason, StateReasonCode: creating.Code };
  if (r === 'updating')
    return {
      State: 'Active',
      LastUpdateStatus: 'InProgress',
      LastUpdateStatusReason: creating.Reason,
      LastUpdateStatusReasonCode: creating.Code,
    };
  return { State: 'Active', LastUpdateStatus: 'Successful' };
}
