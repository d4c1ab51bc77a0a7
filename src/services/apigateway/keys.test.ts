import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { compileApis } from './compile.js';
import { type QuotaCount, quotaPeriod, UsagePlans } from './keys.js';
import type { ApiSource } from './source.js';

function api(usagePlan: unknown) {
  const src: ApiSource = {
    service: 's',
    stage: 'dev',
    region: 'us-east-1',
    functions: [{ key: 'a', name: 'a', events: [{ http: { path: 'p', method: 'get', private: true } }] }],
    apiGateway: {
      apiKeys: [
        { name: 'k', value: 'key-value-123456789012345' },
        { name: 'off', value: 'off-value-1234567890123456', enabled: false },
      ],
      usagePlan,
    },
    httpApi: {},
    documentation: {},
    selfless: {},
  };
  return compileApis(src).rest!;
}

const status = (r: ReturnType<UsagePlans['check']>) => (r.ok ? 200 : r.response.statusCode);
const message = (r: ReturnType<UsagePlans['check']>) =>
  r.ok ? '' : JSON.parse(r.response.body.toString()).message;

describe('API keys and usage plans', () => {
  it('answers 403 Forbidden without a key, with an unknown key and with a disabled key', () => {
    const plans = new UsagePlans(new ManualClock());
    const a = api(undefined);
    expect(status(plans.check(a, undefined))).toBe(403);
    expect(message(plans.check(a, 'nope'))).toBe('Forbidden');
    expect(status(plans.check(a, 'off-value-1234567890123456'))).toBe(403);
    expect(status(plans.check(a, 'key-value-123456789012345'))).toBe(200);
  });

  it('throttles with a token bucket: burst, then rateLimit per second (429 Too Many Requests)', async () => {
    const clock = new ManualClock();
    const plans = new UsagePlans(clock);
    const a = api({ throttle: { rateLimit: 2, burstLimit: 3 } });
    const key = 'key-value-123456789012345';
    expect([1, 2, 3, 4].map(() => status(plans.check(a, key)))).toEqual([200, 200, 200, 429]);
    expect(message(plans.check(a, key))).toBe('Too Many Requests');
    await clock.advance(500);
    expect(status(plans.check(a, key))).toBe(200);
    expect(status(plans.check(a, key))).toBe(429);
    await clock.advance(10_000);
    expect([1, 2, 3, 4].map(() => status(plans.check(a, key)))).toEqual([200, 200, 200, 429]);
  });

  it('counts a quota per calendar period (429 Limit Exceeded) and resets it in the next period', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 23, 0));
    const plans = new UsagePlans(clock);
    const a = api({ quota: { limit: 2, period: 'DAY' } });
    const key = 'key-value-123456789012345';
    expect([1, 2, 3].map(() => status(plans.check(a, key)))).toEqual([200, 200, 429]);
    expect(message(plans.check(a, key))).toBe('Limit Exceeded');
    await clock.advance(60 * 60_000);
    expect(status(plans.check(a, key))).toBe(200);
  });

  it('computes quota periods in UTC with weeks starting on Monday', () => {
    const t = Date.UTC(2026, 0, 8, 12); // a Thursday
    expect(quotaPeriod('DAY', t)).toBe('2026-01-08');
    expect(quotaPeriod('WEEK', t)).toBe('2026-01-05');
    expect(quotaPeriod('MONTH', t)).toBe('2026-1');
  });

  it('keeps quota counters in the store across restarts (flushed on the clock and on stop)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quota-'));
    const store = new SqliteStore(dir);
    try {
      const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
      const table = store.table<QuotaCount>('quotas');
      const a = api({ quota: { limit: 3, period: 'MONTH' } });
      const key = 'key-value-123456789012345';
      const first = new UsagePlans(clock, table, 1_000);
      expect(status(first.check(a, key))).toBe(200);
      await clock.advance(1_000);
      expect((await table.list()).map((e) => e.value)).toEqual([{ period: '2026-1', used: 1 }]);
      expect(status(first.check(a, key))).toBe(200);
      await first.flush();
      const second = new UsagePlans(clock, table);
      await second.load();
      expect([1, 2].map(() => status(second.check(a, key)))).toEqual([200, 429]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
