/**
 * API keys and usage plans for `private: true` REST methods: the key must exist, be enabled and be in
 * a usage plan (else 403); each plan's throttle is a token bucket (rateLimit per second, burstLimit
 * capacity) and its quota a counter per calendar period (429 either way, worded as AWS does).
 */
import type { Clock, TimerHandle } from '../../platform/clock.js';
import type { Table } from '../../platform/store/port.js';
import type { ApiKeyDef, RestApiModel, UsagePlanDef } from './model.js';
import { answers, type GatewayResponse } from './response.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** The calendar period a time falls in, for quotas (UTC; weeks start on Monday). */
export function quotaPeriod(period: 'DAY' | 'WEEK' | 'MONTH', epochMs: number): string {
  const d = new Date(epochMs);
  if (period === 'MONTH') return `${d.getUTCFullYear()}-${d.getUTCMonth() + 1}`;
  if (period === 'DAY') return d.toISOString().slice(0, 10);
  const day = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day))
    .toISOString()
    .slice(0, 10);
}

export type KeyOutcome = { ok: true; key: ApiKeyDef } | { ok: false; response: GatewayResponse };

/** A quota counter: requests used in a period. */
export interface QuotaCount {
  period: string;
  used: number;
}

/**
 * Usage state of every key of every API. Token buckets live in memory (a restart refills them, as a
 * throttle window would); quota counters are kept in the store, written at most once per flush
 * interval so counting never waits on a disk write, and flushed on stop.
 */
export class UsagePlans {
  private readonly buckets = new Map<string, Bucket>();
  private readonly quotas = new Map<string, QuotaCount>();
  private readonly dirty = new Set<string>();
  private timer?: TimerHandle;

  constructor(
    private readonly clock: Clock,
    private readonly table?: Table<QuotaCount>,
    private readonly flushMs = 1_000,
  ) {}

  /** Loads the quota counters kept by earlier runs. */
  async load(): Promise<void> {
    if (!this.table) return;
    for (const { key, value } of await this.table.list()) this.quotas.set(key, value);
  }

  /** Writes the counters changed since the last flush. */
  async flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.table || this.dirty.size === 0) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const k of keys) {
      const q = this.quotas.get(k);
      if (q) await this.table.put(k, q);
    }
  }

  private markDirty(id: string): void {
    if (!this.table) return;
    this.dirty.add(id);
    this.timer ??= this.clock.setTimer(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.flushMs);
  }

  /** Checks a key value against an API's keys and plans and counts the request. */
  check(api: RestApiModel, keyValue: string | undefined): KeyOutcome {
    if (!keyValue) return { ok: false, response: answers.restForbidden() };
    const key = api.apiKeys.find((k) => k.value === keyValue);
    if (!key?.enabled || key.usagePlans.length === 0) return { ok: false, response: answers.restForbidden() };
    const plans = api.usagePlans.filter((p) => key.usagePlans.includes(p.name));
    if (plans.length === 0) return { ok: false, response: answers.restForbidden() };
    const now = this.clock.now();
    for (const plan of plans) {
      if (!this.takeToken(api.apiId, key, plan, now))
        return { ok: false, response: answers.tooManyRequests() };
    }
    for (const plan of plans) {
      if (!this.countQuota(api.apiId, key, plan, now))
        return { ok: false, response: answers.limitExceeded() };
    }
    return { ok: true, key };
  }

  private takeToken(apiId: string, key: ApiKeyDef, plan: UsagePlanDef, now: number): boolean {
    const rate = plan.throttle?.rateLimit;
    if (rate === undefined || rate <= 0) return true;
    const capacity = Math.max(1, plan.throttle?.burstLimit ?? rate);
    const id = `${apiId}|${plan.id}|${key.id}`;
    let b = this.buckets.get(id);
    if (!b) {
      b = { tokens: capacity, updatedAt: now };
      this.buckets.set(id, b);
    }
    b.tokens = Math.min(capacity, b.tokens + ((now - b.updatedAt) / 1000) * rate);
    b.updatedAt = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private countQuota(apiId: string, key: ApiKeyDef, plan: UsagePlanDef, now: number): boolean {
    if (!plan.quota) return true;
    const id = `${apiId}|${plan.id}|${key.id}`;
    const period = quotaPeriod(plan.quota.period, now);
    let q = this.quotas.get(id);
    if (!q || q.period !== period) {
      q = { period, used: 0 };
      this.quotas.set(id, q);
    }
    if (q.used >= plan.quota.limit) return false;
    q.used += 1;
    this.markDirty(id);
    return true;
  }
}
