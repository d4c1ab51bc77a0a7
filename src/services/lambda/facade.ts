/**
 * What other services (SNS, SQS pollers, API Gateway, Step Functions, S3 notifications, schedules)
 * use to reach Lambda: `ctx.service<LambdaFacade>('lambda')`. They never touch Lambda's internals.
 */
export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export interface FacadeInvokeRequest {
  /** Name, full or partial ARN, optionally with `:qualifier`. */
  functionName: string;
  qualifier?: string;
  payload: Buffer | string;
  invocationType?: InvocationType;
  /** Base64 JSON client context. */
  clientContext?: string;
  /** Return the last 4 KB of logs. */
  logTail?: boolean;
  /** The caller's region (from its request signature), for error messages. */
  region?: string;
  /** X-Amz-Tenant-Id of the caller (tenant-isolated functions). */
  tenantId?: string;
  /** X-Amzn-Trace-Id of the caller (`Root=1-…;Parent=…;Sampled=0`), passed on to the function. */
  traceId?: string;
}

export interface FacadeInvokeResult {
  /** 200 for RequestResponse, 202 for Event, 204 for DryRun. */
  statusCode: number;
  payload: Buffer;
  functionError?: 'Unhandled';
  executedVersion?: string;
  /** Plain text (not base64) when logTail was asked for. */
  logTail?: string;
  requestId: string;
}

export interface FunctionInfo {
  functionName: string;
  functionArn: string;
  runtime: string;
  handler: string;
  memorySize: number;
  timeout: number;
  version: string;
  environment: Record<string, string>;
  service?: string;
  stage?: string;
}

export interface LambdaFacade {
  /**
   * Invokes a function. Throws SelflessError with code RESOURCE_NOT_FOUND, TOO_MANY_REQUESTS or
   * REQUEST_TOO_LARGE for the platform-side failures the Invoke API reports as HTTP errors.
   */
  invoke(req: FacadeInvokeRequest): Promise<FacadeInvokeResult>;
  /** Looks a function up by name or ARN (qualifier allowed); undefined when it does not exist. */
  getFunction(nameOrArn: string, qualifier?: string): Promise<FunctionInfo | undefined>;
  /** The ARN of a function by deployed name, with an optional qualifier. */
  functionArn(functionName: string, qualifier?: string): string;
}
