import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import { billed, instrumentEnvironments, LambdaMetrics, peakOverlap, percentile } from './metrics.js';
import { estimateCost, formatUsd, gbSeconds, LAMBDA_PRICES } from './pricing.js';
import type { EnvironmentManager, InvokeOutcome, RuntimeFunction } from './runtime/types.js';

const sample = (over: Partial<Parameters<LambdaMetrics['recordInvocation']>[0]>) => ({
  functionName: 'svc-dev-a',
  version: '$LATEST',
  startedAt: 0,
  endedAt: 0,
  durationMs: 1,
  billedDurationMs: 1,
  memorySizeMb: 128,
  architecture: 'x86_64' as const,
  error: false,
  coldStart: false,
  ...over,
});

describe('the estimated bill', () => {
  it('matches a hand-computed example', () => {
    // 512 MB x86: 100 + 200 + 1000 ms billed = 0.05 + 0.1 + 0.5 = 0.65 GB-s at $0.0000166667
    // 1024 MB arm: 1000 ms = 1 GB-s at $0.0000133334; 4 requests at $0.20 per million.
    const cost = estimateCost([
      { memorySizeMb: 512, billedDurationMs: 100, architecture: 'x86_64' },
      { memorySizeMb: 512, billedDurationMs: 200, architecture: 'x86_64' },
      { memorySizeMb: 512, billedDurationMs: 1000, architecture: 'x86_64' },
      { memorySizeMb: 1024, billedDurationMs: 1000, architecture: 'arm64' },
    ]);
    expect(cost.requests).toBe(4);
    expect(cost.gbSeconds).toBeCloseTo(1.65, 12);
    expect(cost.computeCost).toBeCloseTo(0.65 * 0.0000166667 + 0.0000133334, 15);
    expect(cost.requestCost).toBeCloseTo(0.0000008, 15);
    expect(cost.total).toBeCloseTo(0.000024966755, 15);
  });

  it('bills provisioned concurrency and the duration it serves at their own rates', () => {
    // 2 environments × 2 GB kept for 1 hour = 14400 GB-s at $0.0000041667; one 1 s invocation
    // at 2 GB on them = 2 GB-s at $0.0000097222; one request.
    const cost = estimateCost(
      [{ memorySizeMb: 2048, billedDurationMs: 1000, architecture: 'x86_64', provisioned: true }],
      LAMBDA_PRICES,
      [{ environments: 2, memorySizeMb: 2048, architecture: 'x86_64', seconds: 3600 }],
    );
    expect(cost.provisionedGbSeconds).toBe(14400);
    expect(cost.provisionedCost).toBeCloseTo(14400 * 0.0000041667, 12);
    expect(cost.computeCost).toBeCloseTo(2 * 0.0000097222, 15);
    expect(cost.total).toBeCloseTo(0.06000048 + 0.0000194444 + 0.0000002, 12);
  });

  it('serves up to N concurrent executions from N provisioned environments', () => {
    const at = (startedAt: number, endedAt: number) => sample({ startedAt, endedAt });
    const marked = billed(
      [at(0, 100), at(10, 100), at(20, 100), at(150, 200)],
      [{ functionName: 'svc-dev-a', from: 0, environments: 2 }],
    );
    expect(marked.map((s) => s.provisioned)).toEqual([true, true, false, true]);
    expect(billed([at(0, 1)], []).map((s) => s.provisioned)).toEqual([false]);
  });

  it('counts GB-seconds from configured memory and billed duration', () => {
    expect(gbSeconds({ memorySizeMb: 128, billedDurationMs: 8 })).toBe(0.125 * 0.008);
    expect(LAMBDA_PRICES.perRequest * 1_000_000).toBeCloseTo(0.2, 12);
  });

  it('prints small sums without exponents', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(0.0000006)).toBe('$0.0000006');
    expect(formatUsd(0.000024966755)).toBe('$0.000025');
  });
});

describe('metrics reports', () => {
  it('sums, takes nearest-rank percentiles and the peak of overlapping executions', async () => {
    const m = new LambdaMetrics(new ManualClock(0));
    m.recordInvocation(
      sample({ startedAt: 0, endedAt: 100, durationMs: 100, billedDurationMs: 100, coldStart: true }),
    );
    m.recordInvocation(
      sample({ startedAt: 50, endedAt: 250, durationMs: 200, billedDurationMs: 200, error: true }),
    );
    m.recordInvocation(sample({ startedAt: 60, endedAt: 1060, durationMs: 1000, billedDurationMs: 1000 }));
    m.recordInvocation(
      sample({ functionName: 'svc-dev-b', startedAt: 70, endedAt: 80, durationMs: 10, billedDurationMs: 10 }),
    );
    m.recordThrottle('svc-dev-a');
    const r = m.report({ functions: ['svc-dev-a'], startTime: 0, endTime: 2000 });
    expect(r).toMatchObject({
      invocations: 3,
      errors: 1,
      throttles: 1,
      coldStarts: 1,
      maxConcurrentExecutions: 3,
    });
    expect(r.duration).toEqual({ average: 1300 / 3, p50: 200, p99: 1000, max: 1000 });
    expect(r.accountMaxConcurrentExecutions).toBe(4);
    expect(r.functions.map((f) => f.functionName)).toEqual(['svc-dev-a']);
    expect(r.cost.gbSeconds).toBeCloseTo(0.125 * 1.3, 12);
    m.recordProvisioned('svc-dev-a', 2, 1024, 'x86_64');
    const clock = m.clock as ManualClock;
    await clock.advance(10_000);
    m.recordProvisioned('svc-dev-a', 0, 1024, 'x86_64');
    const withPc = m.report({ functions: ['svc-dev-a'], startTime: 0, endTime: 60_000 });
    expect(withPc.cost.provisionedGbSeconds).toBe(20);
    // A period that ends before the later executions started sees only the first.
    expect(m.report({ startTime: 0, endTime: 40 }).invocations).toBe(1);
  });

  it('has helpers that behave at the edges', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([5], 99)).toBe(5);
    expect(
      peakOverlap([
        { startedAt: 0, endedAt: 10 },
        { startedAt: 10, endedAt: 20 },
      ]),
    ).toBe(1);
  });
});

describe('instrumentEnvironments', () => {
  const fn = { functionName: 'f', memorySize: 256, architecture: 'arm64' } as RuntimeFunction;
  it('records outcomes and throttles of the manager it wraps', async () => {
    const clock = new ManualClock(1000);
    let throttle = false;
    const inner: EnvironmentManager = {
      async invoke() {
        if (throttle) throw new SelflessError('TOO_MANY_REQUESTS', 'Rate Exceeded.');
        await clock.advance(30);
        return {
          requestId: 'r',
          payload: Buffer.from('1'),
          logTail: '',
          executedVersion: '2',
          durationMs: 29.5,
          billedDurationMs: 30,
          maxMemoryUsedMb: 40,
          initDurationMs: 100,
          functionError: 'Unhandled',
        } satisfies InvokeOutcome;
      },
      retire: async () => {},
      stats: () => [],
      shutdown: async () => {},
    };
    const metrics = new LambdaMetrics(clock);
    const env = instrumentEnvironments(inner, metrics);
    await env.invoke(fn, { payload: Buffer.from('{}'), invokedFunctionArn: 'a' });
    throttle = true;
    await expect(env.invoke(fn, { payload: Buffer.from('{}'), invokedFunctionArn: 'a' })).rejects.toThrow(
      'Rate',
    );
    const r = metrics.report({ startTime: 0, endTime: 5000 });
    expect(r).toMatchObject({ invocations: 1, errors: 1, throttles: 1, coldStarts: 1 });
    expect(r.cost.gbSeconds).toBeCloseTo(0.25 * 0.03, 12);
    expect(r.cost.computeCost).toBeCloseTo(0.25 * 0.03 * 0.0000133334, 15);
  });
});
