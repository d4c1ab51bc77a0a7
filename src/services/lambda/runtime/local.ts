/**
 * `invoke local`: one environment, one invocation, then the environment is stopped. Same process
 * model, environment, logs and error shapes as the platform, without a server.
 */
import { randomUUID } from 'node:crypto';
import { SystemClock } from '../../../platform/clock.js';
import { Environment } from './environment.js';
import { checkInvokeRequest } from './limits.js';
import { DEFAULT_LOG_BUDGET } from './log-capture.js';
import { RuntimeApiServer } from './runtime-api.js';
import type { InvokeOutcome, InvokeRequest, RuntimeFunction } from './types.js';

export interface InvokeOnceOptions {
  /** Receives every log line (function output and START/END/REPORT) as it happens. */
  onLog?: (line: string) => void;
  /** Where the function's AWS SDKs are pointed (AWS_ENDPOINT_URL); default http://127.0.0.1:4566. */
  endpointUrl?: string;
}

/** Starts one environment for fn, runs req in it, stops it, and returns the outcome. */
export async function invokeOnce(
  fn: RuntimeFunction,
  req: InvokeRequest,
  opts: InvokeOnceOptions = {},
): Promise<InvokeOutcome> {
  checkInvokeRequest(req);
  const runtimeApi = new RuntimeApiServer();
  const env = await Environment.start(fn, {
    clock: new SystemClock(),
    endpointUrl: opts.endpointUrl ?? 'http://127.0.0.1:4566',
    channel: 'fast',
    runtimeApi,
    onLog: opts.onLog,
    logBudget: DEFAULT_LOG_BUDGET,
    initTimeoutMs: 10_000,
  });
  try {
    return await env.invoke({ ...req, requestId: req.requestId ?? randomUUID() });
  } finally {
    await env.stop();
    runtimeApi.close();
  }
}
