/**
 * The edge of the function-management operations: request bodies of CreateFunction,
 * UpdateFunctionConfiguration, UpdateFunctionCode and PutFunctionConcurrency checked against
 * Lambda's model (types, ranges, patterns, reserved environment keys, the 4 KB environment limit)
 * and turned into typed inputs. Failures are SelflessErrors whose codes the wire maps to AWS's 400s:
 * VALIDATION → ValidationException (constraint violations, AWS's "1 validation error detected"),
 * INVALID_PARAMETER → InvalidParameterValueException.
 */

import { SelflessError } from '../../platform/errors.js';
import { ARTIFACT_BUCKET } from './layers-api.js';
import { RESERVED_VARIABLES } from './runtime/environment-vars.js';

/** Where the code of a function comes from. */
export type CodeSource =
  | { kind: 'zip'; zip: Buffer }
  /** An artifact uploaded to the platform (S3Bucket `selfless-artifacts`, S3Key `<sha256>.zip`). */
  | { kind: 'artifact'; sha256: string }
  /** An object in the platform's S3. */
  | { kind: 's3'; bucket: string; key: string };

/** The settings UpdateFunctionConfiguration may change; absent = unchanged. */
export interface ConfigurationInput {
  runtime?: string;
  handler?: string;
  description?: string;
  timeout?: number;
  memorySize?: number;
  /** Replaces all variables. */
  environment?: Record<string, string>;
  layers?: string[];
  /** null removes the dead-letter queue. */
  deadLetterArn?: string | null;
  role?: string;
  revisionId?: string;
}

export interface CreateFunctionInput {
  name: string;
  runtime: string;
  handler: string;
  role: string;
  code: CodeSource;
  description: string;
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
  layers: string[];
  deadLetterArn?: string;
  architecture: 'x86_64' | 'arm64';
  logGroup?: string;
  tags?: Record<string, string>;
  publish: boolean;
}

export interface CodeInput {
  code: CodeSource;
  architecture?: 'x86_64' | 'arm64';
  publish: boolean;
  dryRun: boolean;
  revisionId?: string;
}

/** Runtimes AWS accepts for Zip functions (the enum in the Lambda model). */
export const AWS_RUNTIMES = [
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'java8.al2',
  'java11',
  'java17',
  'java21',
  'dotnet8',
  'ruby3.2',
  'ruby3.3',
  'ruby3.4',
  'provided',
  'provided.al2',
  'provided.al2023',
];

const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const LAYER_VERSION_ARN = /^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$/;
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const SQS_OR_SNS_ARN = /^arn:aws[a-zA-Z-]*:(sqs|sns):[a-z0-9-]+:\d{12}:[a-zA-Z0-9_.-]+$/;

type Body = Record<string, unknown>;

/** CreateFunction's body (the function name comes from it, not the path). */
export function parseCreateFunction(body: Body): CreateFunctionInput {
  const name = requiredString(body, 'FunctionName', 'functionName');
  if (!/^[a-zA-Z0-9-_]+$/.test(name))
    throw validation(
      `Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
    );
  if (name.length > 64)
    throw validation(
      `Value '${name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  const packageType = body.PackageType ?? 'Zip';
  if (packageType === 'Image')
    throw invalid(
      'Selfless runs Zip functions only; container images (PackageType Image) are not supported.',
    );
  if (packageType !== 'Zip')
    throw validation(
      `Value '${String(packageType)}' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Image, Zip]`,
    );
  const runtime = body.Runtime;
  if (runtime === undefined)
    throw invalid('Runtime and Handler are mandatory parameters for functions created with Zip packages.');
  const handler = body.Handler;
  if (handler === undefined)
    throw invalid('Runtime and Handler are mandatory parameters for functions created with Zip packages.');
  const role = requiredString(body, 'Role', 'role');
  const config = parseConfiguration({ ...body, Runtime: runtime, Handler: handler, Role: role });
  if (body.Code === undefined || body.Code === null)
    throw validation("Value null at 'code' failed to satisfy constraint: Member must not be null");
  const code = parseCode(object(body.Code, 'code'));
  return {
    name,
    runtime: config.runtime as string,
    handler: config.handler as string,
    role,
    code,
    description: config.description ?? '',
    timeout: config.timeout ?? 3,
    memorySize: config.memorySize ?? 128,
    environment: config.environment ?? {},
    layers: config.layers ?? [],
    ...(config.deadLetterArn ? { deadLetterArn: config.deadLetterArn } : {}),
    architecture: parseArchitectures(body.Architectures) ?? 'x86_64',
    logGroup: parseLogGroup(body.LoggingConfig),
    tags: parseTags(body.Tags),
    publish: optBoolean(body.Publish, 'publish') ?? false,
  };
}

/** UpdateFunctionConfiguration's body. */
export function parseConfiguration(body: Body): ConfigurationInput {
  const out: ConfigurationInput = {};
  if (body.Runtime !== undefined) {
    const runtime = string(body.Runtime, 'runtime');
    if (!AWS_RUNTIMES.includes(runtime))
      throw invalid(
        `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${AWS_RUNTIMES.join(', ')}] or be a valid ARN`,
      );
    out.runtime = runtime;
  }
  if (body.Handler !== undefined) {
    const handler = string(body.Handler, 'handler');
    if (handler.length > 128)
      throw validation(
        `Value '${handler}' at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128`,
      );
    if (!/^[^\s]+$/.test(handler))
      throw validation(
        `Value '${handler}' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+`,
      );
    out.handler = handler;
  }
  if (body.Description !== undefined) {
    const description = string(body.Description, 'description');
    if (description.length > 256)
      throw validation(
        `Value '${description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256`,
      );
    out.description = description;
  }
  if (body.Timeout !== undefined) out.timeout = integer(body.Timeout, 'timeout', 1, 900);
  if (body.MemorySize !== undefined) out.memorySize = integer(body.MemorySize, 'memorySize', 128, 10240);
  if (body.Environment !== undefined) out.environment = parseEnvironment(body.Environment);
  if (body.Layers !== undefined) out.layers = parseLayers(body.Layers);
  if (body.DeadLetterConfig !== undefined) {
    const target = object(body.DeadLetterConfig, 'deadLetterConfig').TargetArn;
    if (target === undefined || target === null || target === '') out.deadLetterArn = null;
    else {
      const arn = string(target, 'deadLetterConfig.targetArn');
      if (!SQS_OR_SNS_ARN.test(arn))
        throw invalid(
          `The target ARN of a dead-letter queue must be an SQS queue or SNS topic ARN, not ${arn}.`,
        );
      out.deadLetterArn = arn;
    }
  }
  if (body.Role !== undefined) {
    const role = string(body.Role, 'role');
    if (!ROLE.test(role))
      throw validation(
        `Value '${role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+`,
      );
    out.role = role;
  }
  if (body.RevisionId !== undefined) out.revisionId = string(body.RevisionId, 'revisionId');
  return out;
}

/** UpdateFunctionCode's body. */
export function parseCodeUpdate(body: Body): CodeInput {
  if (body.ImageUri !== undefined)
    throw invalid('Selfless runs Zip functions only; container images (ImageUri) are not supported.');
  const hasZip = body.ZipFile !== undefined;
  const hasS3 = body.S3Bucket !== undefined || body.S3Key !== undefined;
  if (!hasZip && !hasS3)
    throw invalid('Please provide a source for function code: ZipFile, or S3Bucket with S3Key.');
  if (hasZip && hasS3)
    throw invalid('Please provide only one source for function code: ZipFile or S3Bucket with S3Key.');
  const arch = parseArchitectures(body.Architectures);
  return {
    code: parseCode(body),
    ...(arch ? { architecture: arch } : {}),
    publish: optBoolean(body.Publish, 'publish') ?? false,
    dryRun: optBoolean(body.DryRun, 'dryRun') ?? false,
    ...(body.RevisionId !== undefined ? { revisionId: string(body.RevisionId, 'revisionId') } : {}),
  };
}

/** PutFunctionConcurrency's body: the reserved concurrency. */
export function parseConcurrency(body: Body): number {
  if (body.ReservedConcurrentExecutions === undefined || body.ReservedConcurrentExecutions === null)
    throw validation(
      "Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null",
    );
  return integer(
    body.ReservedConcurrentExecutions,
    'reservedConcurrentExecutions',
    0,
    Number.MAX_SAFE_INTEGER,
  );
}

/** A function's environment variables: names, reserved keys and Lambda's 4 KB limit. */
export function parseEnvironment(v: unknown): Record<string, string> {
  const variables = object(v, 'environment').Variables;
  if (variables === undefined || variables === null) return {};
  const vars = object(variables, 'environment.variables');
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(vars)) {
    if (!ENV_KEY.test(k))
      throw validation(
        "Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
      );
    if (typeof value !== 'string')
      throw invalid(`The value of the environment variable ${k} must be a string.`);
    out[k] = value;
  }
  const reserved = Object.keys(out).filter((k) => RESERVED_VARIABLES.has(k));
  if (reserved.length)
    throw invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  const measured = JSON.stringify(out);
  if (Buffer.byteLength(measured) > 4096)
    throw invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  return out;
}

function parseLayers(v: unknown): string[] {
  if (!Array.isArray(v)) throw invalid('Layers must be a list of layer version ARNs.');
  return v.map((layer) => {
    if (typeof layer !== 'string' || !LAYER_VERSION_ARN.test(layer))
      throw validation(
        `Value '[${v.join(', ')}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]`,
      );
    return layer;
  });
}

function parseCode(code: Body): CodeSource {
  if (code.ImageUri !== undefined)
    throw invalid('Selfless runs Zip functions only; container images (ImageUri) are not supported.');
  if (code.ZipFile !== undefined) {
    const text = string(code.ZipFile, 'zipFile');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
      throw invalid('Could not unzip uploaded file. Please check your file, then try to upload again.');
    const zip = Buffer.from(text, 'base64');
    if (zip.length < 22 || zip.readUInt32LE(0) !== 0x04034b50)
      throw invalid('Could not unzip uploaded file. Please check your file, then try to upload again.');
    return { kind: 'zip', zip };
  }
  if (code.S3Bucket !== undefined || code.S3Key !== undefined) {
    if (code.S3ObjectVersion !== undefined)
      throw invalid('Selfless S3 keeps no object versions; leave out S3ObjectVersion.');
    const bucket = string(code.S3Bucket ?? '', 's3Bucket');
    const key = string(code.S3Key ?? '', 's3Key');
    if (!/^[0-9A-Za-z.\-_]{3,63}$/.test(bucket))
      throw validation(
        `Value '${bucket}' at 's3Bucket' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9A-Za-z\\.\\-_]*(?<!\\.)$`,
      );
    if (key.length < 1 || key.length > 1024)
      throw validation(
        `Value '${key}' at 's3Key' failed to satisfy constraint: Member must have length greater than or equal to 1`,
      );
    const sha = key.replace(/\.zip$/, '');
    if (bucket === ARTIFACT_BUCKET && /^[0-9a-f]{64}$/.test(sha)) return { kind: 'artifact', sha256: sha };
    return { kind: 's3', bucket, key };
  }
  throw invalid('Please provide a source for function code: ZipFile, or S3Bucket with S3Key.');
}

function parseArchitectures(v: unknown): 'x86_64' | 'arm64' | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== 1 || (v[0] !== 'x86_64' && v[0] !== 'arm64'))
    throw validation(
      `Value '${JSON.stringify(v)}' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1, Member must satisfy enum value set: [x86_64, arm64]`,
    );
  return v[0];
}

function parseLogGroup(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const group = object(v, 'loggingConfig').LogGroup;
  if (group === undefined) return undefined;
  const name = string(group, 'loggingConfig.logGroup');
  if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(name))
    throw validation(
      `Value '${name}' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
    );
  return name;
}

function parseTags(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const tags = object(v, 'tags');
  for (const [k, value] of Object.entries(tags))
    if (typeof value !== 'string') throw invalid(`The value of the tag ${k} must be a string.`);
  return tags as Record<string, string>;
}

function requiredString(body: Body, member: string, field: string): string {
  const v = body[member];
  if (v === undefined || v === null)
    throw validation(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  return string(v, field);
}

function string(v: unknown, field: string): string {
  if (typeof v !== 'string') throw invalid(`${field} must be a string.`);
  return v;
}

function integer(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${field} must be an integer.`);
  if (v < min)
    throw validation(
      `Value '${v}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  if (v > max)
    throw validation(
      `Value '${v}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  return v;
}

function optBoolean(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${field} must be a boolean.`);
  return v;
}

function object(v: unknown, field: string): Body {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${field} must be an object.`);
  return v as Body;
}

function validation(message: string): SelflessError {
  return new SelflessError('VALIDATION', `1 validation error detected: ${message}`);
}

function invalid(message: string): SelflessError {
  return new SelflessError('INVALID_PARAMETER', message);
}
