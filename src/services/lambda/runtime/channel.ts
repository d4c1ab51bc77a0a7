/**
 * How an execution environment and its runtime talk. Both channels (the Lambda Runtime API over
 * HTTP and the private frames on fd 3) translate the runtime's messages into the same four calls on
 * a RuntimeEndpoint, and deliver invocations the same way, so behaviour cannot differ between them.
 */

/** One invocation as the runtime receives it (the /next response headers and body). */
export interface Delivery {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId?: string;
  /** JSON text (decoded from the invoke request's base64 X-Amz-Client-Context). */
  clientContext?: string;
  /** JSON text `{"cognitoIdentityId","cognitoIdentityPoolId"}`. */
  identity?: string;
  tenantId?: string;
  payload: Buffer;
}

export type EndpointAnswer = 'ok' | 'bad-request-id' | 'bad-state' | 'too-large';

/** What the runtime can tell the platform; implemented by Environment. */
export interface RuntimeEndpoint {
  /**
   * The runtime is ready for an event (the first one ends init). selfFrozen: it blocks until the
   * event arrives and nothing else of the function runs, so it needs no stopping.
   */
  runtimeNext(selfFrozen?: boolean): EndpointAnswer;
  /** The peak memory the runtime measured of itself, as the function's only process. */
  runtimePeakMemory?(bytes: number): void;
  runtimeResponse(requestId: string, body: Buffer): EndpointAnswer;
  /** The response was larger than the limit (the body is not kept). */
  runtimeResponseTooLarge(requestId: string): EndpointAnswer;
  runtimeError(requestId: string, errorTypeHeader: string, body: Buffer): EndpointAnswer;
  runtimeInitError(errorTypeHeader: string, body: Buffer): EndpointAnswer;
}

export interface Channel {
  /** Hands an invocation to the runtime (now, or when it next asks). */
  deliver(d: Delivery): void;
  close(): void;
}

/** Largest response a function may return: 6 MiB plus the 100 bytes RIE and LocalStack allow. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;

/** Error types are validated like RIE's fatalerror package; anything else becomes *.Unknown. */
export function validErrorType(header: string | undefined): string {
  if (header && /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/.test(header)) return header;
  return header?.startsWith('Runtime.') ? 'Runtime.Unknown' : 'Function.Unknown';
}
