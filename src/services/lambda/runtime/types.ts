/**
 * The contract between the Lambda service (deployments, Invoke API, async queue, logs) and the
 * execution-environment layer (processes, bootstraps, Runtime API, limits). The service decides
 * *what* runs; this layer decides *where* and enforces Lambda's execution model.
 */

/** Everything an execution environment needs to run one function version. */
export interface RuntimeFunction {
  /** Deployed function name, e.g. `users-dev-get-user`. */
  functionName: string;
  /** Unqualified function ARN. */
  functionArn: string;
  /** `$LATEST` or a published version number as a string. */
  version: string;
  runtime: string;
  handler: string;
  /** MB. */
  memorySize: number;
  /** Seconds. */
  timeout: number;
  /** The function's own environment (serverless.yml `environment`, provider and function merged). */
  environment: Record<string, string>;
  /** Absolute path of the unpacked code (becomes LAMBDA_TASK_ROOT). */
  codeDir: string;
  /** Absolute paths of unpacked layers, in order (merged at the runtime's /opt semantics). */
  layerDirs: string[];
  logGroup: string;
  region: string;
  architecture: 'x86_64' | 'arm64';
  /** Cap on concurrent environments for this function (reservedConcurrency), if set. */
  reservedConcurrency?: number;
  /** A token that changes whenever code or configuration changes; environments of an older token are retired. */
  revision: string;
}

export interface InvokeRequest {
  payload: Buffer;
  /** Generated when absent. */
  requestId?: string;
  /** The ARN the caller used, qualifier included (Lambda-Runtime-Invoked-Function-Arn). */
  invokedFunctionArn: string;
  /** Base64 JSON from X-Amz-Client-Context. */
  clientContext?: string;
  traceId?: string;
  /** JSON `{"cognitoIdentityId","cognitoIdentityPoolId"}` when the caller is a Cognito identity. */
  cognitoIdentity?: string;
  /** X-Amz-Tenant-Id of the invoke request (tenant-isolated functions). */
  tenantId?: string;
}

export interface InvokeOutcome {
  requestId: string;
  /** The response payload exactly as the function (or the platform, for platform errors) produced it. */
  payload: Buffer;
  /** Set when the function failed: the Invoke API answers X-Amz-Function-Error: Unhandled. */
  functionError?: 'Unhandled';
  /** `errorType` of a failure, e.g. `Runtime.ExitError`, `Sandbox.Timedout`, `Error`. */
  errorType?: string;
  /** The last 4 KB of this invocation's log lines (for X-Amz-Log-Type: Tail), not yet base64. */
  logTail: string;
  executedVersion: string;
  durationMs: number;
  billedDurationMs: number;
  maxMemoryUsedMb: number;
  /** Present on a cold start. */
  initDurationMs?: number;
}

/** One captured log line. */
export interface LogLine {
  timestamp: number;
  message: string;
}

/** Where environments send their log lines (the logs service persists them). */
export interface LogSink {
  write(logGroup: string, logStream: string, lines: LogLine[]): void;
}

/** Thrown (as SelflessError codes) by the manager; the wire edge maps them to AWS errors. */
export type EnvironmentErrorCode =
  | 'TOO_MANY_REQUESTS' // concurrency limit reached → 429 TooManyRequestsException
  | 'FUNCTION_DISABLED' // reservedConcurrency 0 → 429 with Reason ReservedFunctionConcurrentInvocationLimitExceeded
  | 'RUNTIME_UNAVAILABLE' // the runtime cannot be started on this machine
  | 'REQUEST_TOO_LARGE' // payload over 6 MB → 413 RequestEntityTooLargeException
  | 'INVALID_PARAMETER'; // e.g. client context over 3583 bytes → 400 InvalidParameterValueException

export interface EnvironmentStats {
  functionName: string;
  version: string;
  busy: number;
  idle: number;
}

/** Runs invocations in execution environments: one at a time each, warm reuse, scale-out, limits. */
export interface EnvironmentManager {
  invoke(fn: RuntimeFunction, req: InvokeRequest): Promise<InvokeOutcome>;
  /** Stops idle environments of a function (all revisions other than keepRevision) and lets busy ones finish. */
  retire(functionName: string, keepRevision?: string): Promise<void>;
  /** Keeps n initialised environments of fn ready (provisioned concurrency). */
  provision?(fn: RuntimeFunction, n: number): Promise<void>;
  stats(): EnvironmentStats[];
  shutdown(): Promise<void>;
}
