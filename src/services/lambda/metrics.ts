/**
 * Lambda's CloudWatch-style metrics, recorded where invocations run: an EnvironmentManager
 * decorator notes every invocation (start and end on the platform Clock, billed duration,
 * configured memory, error, cold start) and every throttle. Figures for a period and a set of
 * functions come from the samples: sums, duration average / p50 / p99, the peak of overlapping
 * executions per function and for the account, and the estimated AWS bill.
 *
 * Samples live in memory, bounded (oldest dropped first): metrics cover the platform's lifetime.
 */
import type { Clock } from '../../platform/clock.js';
import { isSelflessError } from '../../platform/errors.js';
import {
  type CostEstimate,
  estimateCost,
  LAMBDA_PRICES,
  type LambdaPriceTable,
  type ProvisionedSpan,
} from './pricing.js';
import type { EnvironmentManager, InvokeOutcome, InvokeRequest, RuntimeFunction } from './runtime/types.js';

/** One finished invocation. */
export interface InvocationSample {
  functionName: string;
  version: string;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  architecture: 'x86_64' | 'arm64';
  error: boolean;
  coldStart: boolean;
}

/** Provisioned concurrency of a function from `from` until `to` (open while configured). */
interface ProvisionedPeriod {
  functionName: string;
  from: number;
  to?: number;
  environments: number;
  memorySizeMb: number;
  architecture: 'x86_64' | 'arm64';
}

/** A throttled invocation (429). */
export interface ThrottleSample {
  functionName: string;
  at: number;
}

/** The figures of one function (or of the whole selection) over a period. */
export interface MetricFigures {
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  duration: { average: number; p50: number; p99: number; max: number };
  /** Peak of overlapping executions in the period. */
  maxConcurrentExecutions: number;
  cost: CostEstimate;
}

/** What `selfless metrics` and the control API show. */
export interface MetricsReport extends MetricFigures {
  startTime: number;
  endTime: number;
  /** Peak of overlapping executions of every function of the platform in the period. */
  accountMaxConcurrentExecutions: number;
  functions: Array<MetricFigures & { functionName: string }>;
  prices: LambdaPriceTable;
}

export interface MetricsQuery {
  /** Deployed function names; every function when absent. */
  functions?: string[];
  startTime: number;
  endTime: number;
}

/** Records samples and computes reports. */
export class LambdaMetrics {
  private invocations: InvocationSample[] = [];
  private throttles: ThrottleSample[] = [];
  private provisioned: ProvisionedPeriod[] = [];

  constructor(
    readonly clock: Clock,
    private readonly maxSamples = 200_000,
    private readonly prices: LambdaPriceTable = LAMBDA_PRICES,
  ) {}

  /** Notes a finished invocation. */
  recordInvocation(s: InvocationSample): void {
    this.invocations.push(s);
    if (this.invocations.length > this.maxSamples)
      this.invocations = this.invocations.slice(-Math.floor(this.maxSamples * 0.9));
  }

  /** Notes a throttled invocation. */
  recordThrottle(functionName: string): void {
    this.throttles.push({ functionName, at: this.clock.now() });
    if (this.throttles.length > this.maxSamples)
      this.throttles = this.throttles.slice(-Math.floor(this.maxSamples * 0.9));
  }

  /** Notes that a function now keeps `environments` provisioned (0: none), for the bill. */
  recordProvisioned(
    functionName: string,
    environments: number,
    memorySizeMb: number,
    architecture: 'x86_64' | 'arm64',
  ): void {
    const now = this.clock.now();
    for (const p of this.provisioned) if (p.functionName === functionName && p.to === undefined) p.to = now;
    if (environments > 0)
      this.provisioned.push({ functionName, from: now, environments, memorySizeMb, architecture });
    if (this.provisioned.length > 10_000) this.provisioned = this.provisioned.slice(-9_000);
  }

  /** The figures for a period, for the functions asked for and each of them. */
  report(q: MetricsQuery): MetricsReport {
    const inPeriod = (t: number) => t >= q.startTime && t <= q.endTime;
    // An execution belongs to the period when it overlaps it; it is counted where it ended.
    const all = this.invocations.filter((s) => s.startedAt <= q.endTime && s.endedAt >= q.startTime);
    const wanted = q.functions ? new Set(q.functions) : undefined;
    const selected = wanted ? all.filter((s) => wanted.has(s.functionName)) : all;
    const throttles = this.throttles.filter((t) => inPeriod(t.at) && (!wanted || wanted.has(t.functionName)));
    const names = [
      ...new Set([...selected.map((s) => s.functionName), ...throttles.map((t) => t.functionName)]),
    ].sort();
    const periods = this.provisioned.filter(
      (p) =>
        p.from <= q.endTime && (p.to ?? q.endTime) >= q.startTime && (!wanted || wanted.has(p.functionName)),
    );
    for (const p of periods) if (!names.includes(p.functionName)) names.push(p.functionName);
    names.sort();
    const functions = names.map((functionName) => ({
      functionName,
      ...this.figures(
        selected.filter((s) => s.functionName === functionName),
        throttles.filter((t) => t.functionName === functionName).length,
        periods.filter((p) => p.functionName === functionName),
        q,
      ),
    }));
    return {
      startTime: q.startTime,
      endTime: q.endTime,
      ...this.figures(selected, throttles.length, periods, q),
      accountMaxConcurrentExecutions: peakOverlap(all),
      functions,
      prices: this.prices,
    };
  }

  private figures(
    samples: InvocationSample[],
    throttles: number,
    periods: ProvisionedPeriod[],
    q: MetricsQuery,
  ): MetricFigures {
    const durations = samples.map((s) => s.durationMs).sort((a, b) => a - b);
    const sum = durations.reduce((a, b) => a + b, 0);
    return {
      invocations: samples.length,
      errors: samples.filter((s) => s.error).length,
      throttles,
      coldStarts: samples.filter((s) => s.coldStart).length,
      duration: {
        average: durations.length ? sum / durations.length : 0,
        p50: percentile(durations, 50),
        p99: percentile(durations, 99),
        max: durations.at(-1) ?? 0,
      },
      maxConcurrentExecutions: peakOverlap(samples),
      cost: estimateCost(
        billed(samples, periods),
        this.prices,
        periods.map((p) => spanIn(p, q)),
      ),
    };
  }
}

/** The part of a provisioned period inside the query's period. */
function spanIn(p: ProvisionedPeriod, q: MetricsQuery): ProvisionedSpan {
  const from = Math.max(p.from, q.startTime);
  const to = Math.min(p.to ?? q.endTime, q.endTime);
  return {
    environments: p.environments,
    memorySizeMb: p.memorySizeMb,
    architecture: p.architecture,
    seconds: Math.max(0, to - from) / 1000,
  };
}

/**
 * Marks the invocations AWS would bill at the provisioned rate: while N environments are
 * provisioned, up to N executions of the function running at once are served by them.
 */
export function billed(
  samples: InvocationSample[],
  periods: Array<Pick<ProvisionedPeriod, 'functionName' | 'from' | 'to' | 'environments'>>,
): Array<InvocationSample & { provisioned: boolean }> {
  if (periods.length === 0) return samples.map((s) => ({ ...s, provisioned: false }));
  const out: Array<InvocationSample & { provisioned: boolean }> = [];
  const byFunction = new Map<string, InvocationSample[]>();
  for (const s of samples) byFunction.set(s.functionName, [...(byFunction.get(s.functionName) ?? []), s]);
  for (const [name, list] of byFunction) {
    const mine = periods.filter((p) => p.functionName === name);
    const running: number[] = []; // end times of executions on provisioned environments
    for (const s of [...list].sort((a, b) => a.startedAt - b.startedAt)) {
      const n =
        mine.find((p) => p.from <= s.startedAt && (p.to === undefined || s.startedAt < p.to))?.environments ??
        0;
      for (let i = running.length - 1; i >= 0; i--)
        if ((running[i] as number) <= s.startedAt) running.splice(i, 1);
      const provisioned = running.length < n;
      if (provisioned) running.push(s.endedAt);
      out.push({ ...s, provisioned });
    }
  }
  return out;
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The largest number of executions running at the same instant (an end before a start at equal times). */
export function peakOverlap(samples: Array<Pick<InvocationSample, 'startedAt' | 'endedAt'>>): number {
  const edges: Array<[number, number]> = [];
  for (const s of samples) edges.push([s.startedAt, 1], [s.endedAt, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) {
    now += d;
    if (now > peak) peak = now;
  }
  return peak;
}

/** Wraps an EnvironmentManager so every invocation and throttle is recorded. */
export function instrumentEnvironments(
  inner: EnvironmentManager,
  metrics: LambdaMetrics,
): EnvironmentManager {
  const clock = metrics.clock;
  const wrapped: EnvironmentManager = {
    async invoke(fn: RuntimeFunction, req: InvokeRequest): Promise<InvokeOutcome> {
      const startedAt = clock.now();
      let outcome: InvokeOutcome;
      try {
        outcome = await inner.invoke(fn, req);
      } catch (e) {
        if (isSelflessError(e) && (e.code === 'TOO_MANY_REQUESTS' || e.code === 'FUNCTION_DISABLED'))
          metrics.recordThrottle(fn.functionName);
        throw e;
      }
      metrics.recordInvocation({
        functionName: fn.functionName,
        version: outcome.executedVersion,
        startedAt,
        endedAt: Math.max(startedAt, clock.now()),
        durationMs: outcome.durationMs,
        billedDurationMs: outcome.billedDurationMs,
        memorySizeMb: fn.memorySize,
        architecture: fn.architecture,
        error: outcome.functionError !== undefined,
        coldStart: outcome.initDurationMs !== undefined,
      });
      return outcome;
    },
    retire: (name, keep) => inner.retire(name, keep),
    stats: () => inner.stats(),
    shutdown: () => inner.shutdown(),
  };
  if (inner.provision) wrapped.provision = (fn, n) => inner.provision?.(fn, n) ?? Promise.resolve();
  // Diagnostics of the concrete manager (environments(), warmPool(), channelMode) stay reachable.
  return new Proxy(wrapped, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver);
      const v = Reflect.get(inner as object, prop);
      return typeof v === 'function' ? v.bind(inner) : v;
    },
  });
}
