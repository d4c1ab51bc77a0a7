/**
 * Function management through the Lambda API: CreateFunction, UpdateFunctionConfiguration,
 * UpdateFunctionCode, DeleteFunction and Put/DeleteFunctionConcurrency over the engine's records.
 * A change is stored and applied through the engine's deployment path (LambdaEngine.commitFunction
 * → activate): new invocations start environments of the new configuration, in-flight ones finish
 * on the old. Everything lives in the Store, so it survives a restart.
 *
 * Functions of a deployed Serverless service may be changed here, as on AWS; the service's next
 * `selfless deploy` writes serverless.yml's configuration back (code, settings, onError dead
 * letter, reservedConcurrency), as a CloudFormation update of the stack would. Deleting such a
 * function is refused (ResourceConflictException): its event sources, URLs and the service's
 * record would be left pointing at nothing; `selfless remove` or dropping it from serverless.yml
 * is the way. Its published versions may be deleted.
 */
import { createHash, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Clock } from '../../platform/clock.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';
import type { Store } from '../../platform/store/port.js';
import { artifactKey, unpackCode } from './code.js';
import type { LambdaEngine } from './engine.js';
import type { CodeInput, CodeSource, ConfigurationInput, CreateFunctionInput } from './function-input.js';
import { configHash, type FunctionRecord, type VersionConfig } from './model.js';
import { parseFunctionRef } from './names.js';
import { checkRuntime } from './runtimes.js';

export interface FunctionAdminDeps {
  engine: LambdaEngine;
  store: Store;
  clock: Clock;
  dataDir: string;
  region: string;
  /** The account's concurrency limit (GetAccountSettings' ConcurrentExecutions). */
  accountConcurrency: number;
  /** The bytes of an object in the platform's S3; throws its S3 error (NoSuchBucket, NoSuchKey). */
  s3Object(bucket: string, key: string): Promise<Buffer>;
}

/** What a change returns: the record and the configuration to answer with. */
export interface AdminResult {
  fn: FunctionRecord;
  config: VersionConfig;
}

/** Creates, changes and deletes functions. */
export class FunctionAdmin {
  constructor(private readonly deps: FunctionAdminDeps) {}

  /** CreateFunction: stores the code, then the function (and version 1 with Publish). */
  async create(input: CreateFunctionInput, region?: string): Promise<AdminResult> {
    const { engine } = this.deps;
    if (await engine.record(input.name))
      throw new SelflessError('RESOURCE_CONFLICT', `Function already exist: ${input.name}`);
    runnable(input.runtime);
    const code = await this.storeCode(input.code);
    const now = this.deps.clock.now();
    const latest = versionConfig(
      {
        runtime: input.runtime,
        handler: input.handler,
        memorySize: input.memorySize,
        timeout: input.timeout,
        environment: input.environment,
        description: input.description,
        architecture: input.architecture,
        layers: input.layers,
        logGroup: input.logGroup ?? `/aws/lambda/${input.name}`,
        codeSha256: code.sha256,
        codeSize: code.size,
      },
      now,
    );
    engine.checkLayers({ key: input.name, ...latest });
    const fn: FunctionRecord = {
      name: input.name,
      region: region ?? this.deps.region,
      latest,
      lastVersion: 0,
      versionFunction: false,
      role: input.role,
      ...(input.tags ? { tags: input.tags } : {}),
      ...(input.deadLetterArn ? { deadLetterArn: input.deadLetterArn } : {}),
      createdAt: now,
    };
    await engine.commitFunction(fn);
    return input.publish ? this.publish(fn.name) : { fn, config: latest };
  }

  /** UpdateFunctionConfiguration: changes `$LATEST` (and the function-level dead-letter queue). */
  async updateConfiguration(id: string, change: ConfigurationInput): Promise<AdminResult> {
    const fn = await this.unqualified(id);
    checkRevision(fn, change.revisionId);
    if (change.runtime !== undefined) runnable(change.runtime);
    const c = fn.latest;
    const latest = versionConfig(
      {
        runtime: change.runtime ?? c.runtime,
        handler: change.handler ?? c.handler,
        memorySize: change.memorySize ?? c.memorySize,
        timeout: change.timeout ?? c.timeout,
        environment: change.environment ?? c.environment,
        description: change.description ?? c.description,
        architecture: c.architecture,
        layers: change.layers ?? c.layers,
        logGroup: c.logGroup,
        codeSha256: c.codeSha256,
        codeSize: c.codeSize,
      },
      this.deps.clock.now(),
    );
    if (change.layers !== undefined || change.runtime !== undefined)
      this.deps.engine.checkLayers({ key: fn.name, ...latest });
    const { deadLetterArn: _old, ...rest } = fn;
    const dlq = change.deadLetterArn === undefined ? fn.deadLetterArn : (change.deadLetterArn ?? undefined);
    const updated: FunctionRecord = {
      ...rest,
      latest,
      ...(change.role ? { role: change.role } : {}),
      ...(dlq ? { deadLetterArn: dlq } : {}),
    };
    await this.deps.engine.commitFunction(updated);
    return { fn: updated, config: latest };
  }

  /** UpdateFunctionCode: new code for `$LATEST`, then a version with Publish; DryRun changes nothing. */
  async updateCode(id: string, change: CodeInput): Promise<AdminResult> {
    const fn = await this.unqualified(id);
    checkRevision(fn, change.revisionId);
    const code = await this.storeCode(change.code);
    const c = fn.latest;
    const latest = versionConfig(
      {
        ...c,
        architecture: change.architecture ?? c.architecture,
        codeSha256: code.sha256,
        codeSize: code.size,
      },
      this.deps.clock.now(),
    );
    this.deps.engine.checkLayers({ key: fn.name, ...latest });
    if (change.dryRun) return { fn, config: { ...latest, revisionId: c.revisionId } };
    const updated: FunctionRecord = { ...fn, latest };
    await this.deps.engine.commitFunction(updated);
    return change.publish ? this.publish(fn.name) : { fn: updated, config: latest };
  }

  /** DeleteFunction: the whole function, or one published version with a qualifier. */
  async delete(id: string, qualifierParam?: string): Promise<void> {
    const ref = parseFunctionRef(id, qualifierParam);
    const fn = await this.required(ref.name);
    const q = ref.qualifier;
    if (q === '$LATEST')
      throw new SelflessError(
        'INVALID_PARAMETER',
        '$LATEST version cannot be deleted without deleting the function.',
      );
    if (q !== undefined) {
      if (!/^\d+$/.test(q))
        throw new SelflessError('INVALID_PARAMETER', 'Deletion of aliases is not currently supported.');
      return this.deps.engine.deleteVersion(fn, q);
    }
    if (fn.service)
      throw new SelflessError(
        'RESOURCE_CONFLICT',
        `Function ${fn.name} belongs to service ${fn.service} stage ${fn.stage}, which Selfless deployed; remove it from serverless.yml and deploy, or run selfless remove --stage ${fn.stage}.`,
      );
    await this.deps.engine.deleteFunction(fn.name);
  }

  /** PutFunctionConcurrency: reserves n of the account's concurrency (0 throttles every invoke). */
  async putConcurrency(id: string, n: number): Promise<FunctionRecord> {
    const fn = await this.unqualified(id);
    const limit = this.deps.accountConcurrency;
    const minimumUnreserved = Math.min(100, Math.ceil(limit / 10));
    const others = (await this.deps.engine.listFunctions())
      .filter((f) => f.name !== fn.name)
      .reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
    if (limit - others - n < minimumUnreserved)
      throw new SelflessError(
        'INVALID_PARAMETER',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minimumUnreserved}].`,
      );
    const updated: FunctionRecord = { ...fn, reservedConcurrency: n };
    await this.deps.engine.commitFunction(updated);
    return updated;
  }

  /** DeleteFunctionConcurrency: the function goes back to the unreserved pool. */
  async deleteConcurrency(id: string): Promise<void> {
    const { reservedConcurrency: _n, ...rest } = await this.unqualified(id);
    await this.deps.engine.commitFunction(rest);
  }

  private async publish(name: string): Promise<AdminResult> {
    const config = await this.deps.engine.publishVersion(name);
    return { fn: await this.required(name), config };
  }

  /** Stores a zip (or finds an uploaded artifact) and unpacks it; bad zips are InvalidParameterValue. */
  private async storeCode(source: CodeSource): Promise<{ sha256: string; size: number }> {
    const { blobs } = this.deps.store;
    let sha256: string;
    if (source.kind !== 'artifact') {
      const zip = source.kind === 'zip' ? source.zip : await this.fromS3(source.bucket, source.key);
      sha256 = createHash('sha256').update(zip).digest('hex');
      if (!(await blobs.has(artifactKey(sha256)))) await blobs.put(artifactKey(sha256), zip);
    } else {
      sha256 = source.sha256;
      if (!(await blobs.has(artifactKey(sha256))))
        throw new SelflessError(
          'INVALID_PARAMETER',
          'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
        );
    }
    const file = blobs.path(artifactKey(sha256));
    try {
      await unpackCode(this.deps.dataDir, sha256, file);
    } catch (e) {
      if (isSelflessError(e) && e.code === 'INVALID_ARTIFACT')
        throw new SelflessError(
          'INVALID_PARAMETER',
          'Could not unzip uploaded file. Please check your file, then try to upload again.',
          { cause: e },
        );
      throw e;
    }
    return { sha256, size: statSync(file).size };
  }

  private async fromS3(bucket: string, key: string): Promise<Buffer> {
    try {
      return await this.deps.s3Object(bucket, key);
    } catch (e) {
      if (!isSelflessError(e)) throw e;
      throw new SelflessError(
        'INVALID_PARAMETER',
        `Error occurred while GetObject. S3 Error Code: ${e.code}. S3 Error Message: ${e.message}`,
        { cause: e },
      );
    }
  }

  /** A function named without a qualifier (the update operations change `$LATEST` only). */
  private async unqualified(id: string): Promise<FunctionRecord> {
    const ref = parseFunctionRef(id);
    if (ref.qualifier !== undefined)
      throw new SelflessError(
        'VALIDATION',
        `1 validation error detected: Value '${id}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)`,
      );
    return this.required(ref.name);
  }

  private async required(name: string): Promise<FunctionRecord> {
    const fn = await this.deps.engine.record(name);
    if (!fn)
      throw new SelflessError(
        'RESOURCE_NOT_FOUND',
        `Function not found: ${this.deps.engine.functionArn(name)}`,
      );
    return fn;
  }
}

/** A `$LATEST` configuration with a fresh hash, revision and modification time. */
function versionConfig(
  base: Omit<VersionConfig, 'version' | 'configHash' | 'revisionId' | 'lastModified'>,
  now: number,
): VersionConfig {
  const {
    runtime,
    handler,
    memorySize,
    timeout,
    environment,
    description,
    architecture,
    layers,
    logGroup,
    codeSha256,
    codeSize,
  } = base;
  const fields = {
    runtime,
    handler,
    memorySize,
    timeout,
    environment: { ...environment },
    description,
    architecture,
    layers: [...layers],
    logGroup,
    codeSha256,
    codeSize,
  };
  return {
    ...fields,
    version: '$LATEST',
    configHash: configHash(fields),
    revisionId: randomUUID(),
    lastModified: now,
  };
}

function checkRevision(fn: FunctionRecord, revisionId: string | undefined): void {
  if (revisionId !== undefined && revisionId !== fn.latest.revisionId)
    throw new SelflessError(
      'PRECONDITION_FAILED',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
}

/** Refuses runtimes this machine cannot run (AWS would accept them, but nothing could invoke them). */
function runnable(runtime: string): void {
  try {
    checkRuntime(runtime, runtime);
  } catch (e) {
    if (!isSelflessError(e)) throw e;
    throw new SelflessError(
      'INVALID_PARAMETER',
      `Selfless cannot run the runtime ${runtime} on this machine: ${e.hint ?? e.message}`,
      { cause: e },
    );
  }
}
