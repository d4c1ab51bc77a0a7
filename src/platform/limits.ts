/** Tunable limits and timings of the platform; tests shorten the timings. */
export interface PlatformLimits {
  /** Account-level concurrent executions (AWS default 1000). */
  concurrency: number;
  /** How long an idle execution environment is kept warm (ms). */
  idleMs: number;
  /** Delays before the async retries after a function error (AWS: about 1 then 2 minutes). */
  asyncRetryDelaysMs: number[];
  /** Added to a function's timeout to form the async lease: an unfinished attempt is redelivered after it. */
  asyncLeaseMarginMs: number;
  /** Async invocations run at once by the platform. */
  asyncConcurrency: number;
  /** Bytes of log events kept per log group. */
  logRetentionBytes: number;
  /** Largest code artifact accepted (bytes, zipped). */
  maxArtifactBytes: number;
  /** Largest synchronous Invoke payload (bytes). */
  maxSyncPayloadBytes: number;
  /** Largest asynchronous Invoke payload (bytes). */
  maxAsyncPayloadBytes: number;
}

export const DEFAULT_LIMITS: PlatformLimits = {
  concurrency: 1000,
  idleMs: 10 * 60_000,
  asyncRetryDelaysMs: [60_000, 120_000],
  asyncLeaseMarginMs: 30_000,
  asyncConcurrency: 16,
  logRetentionBytes: 64 * 1024 * 1024,
  maxArtifactBytes: 250 * 1024 * 1024,
  maxSyncPayloadBytes: 6 * 1024 * 1024,
  maxAsyncPayloadBytes: 256 * 1024,
};

/** Fills in defaults for the limits not given. */
export function resolveLimits(partial: Partial<PlatformLimits> = {}): PlatformLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
