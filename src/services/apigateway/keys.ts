/**
 * API keys and usage plans for `private: true` REST methods: the key must exist, be enabled and be in
 * a usage plan (else 403); each plan's throttle is a token bucket (rateLimit per second, burstLimit
 * capacity) and its quota a counter per calendar period (429 either way, worded as AWS does).
 */
import type { Clock } from '../../platform/clock.js';
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

/** Usage state of every key of every API: buckets and quota counters (in memory). */
export class UsagePlans {
  private readonly buckets = new Map<string, Bucket>();
  private readonly quotas = new Map<string, { period: string; used: number }>();

  constructor(private readonly clock: Clock) {}

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
    return true;
  }
}
