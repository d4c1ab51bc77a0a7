/**
 * The durable scheduler. Schedules live in the Store with the time they last fired; the scheduler
 * arms one Clock timer for the earliest next firing. A firing first records its scheduled time,
 * then hands the work on (an EventBridge rule's targets, or a Scheduler schedule's target), so a
 * crash can lose at most that one hand-off but never repeat it. On start, a schedule that missed
 * occurrences while the platform was down fires once, for the latest one within 24 hours (as
 * EventBridge's retries would have delivered it), never once per missed occurrence.
 */
import type { Clock, TimerHandle } from '../../platform/clock.js';
import type { Logger } from '../../platform/service.js';
import type { Table } from '../../platform/store/port.js';
import {
  lastFireTimeBetween,
  nextFireTime,
  parseScheduleExpression,
  type ScheduleExpression,
} from './expression.js';

/** What a schedule does when it fires. */
export type ScheduleTarget =
  /** An EventBridge rule with a ScheduleExpression: fire the rule (store key `bus|name`). */
  | { kind: 'rule'; ruleKey: string }
  /** An EventBridge Scheduler schedule: send `input` (or the default payload) to `arn`. */
  | {
      kind: 'direct';
      arn: string;
      input?: string;
      name: string;
      group: string;
      maxAttempts?: number;
      maxAgeMs?: number;
    };

export interface ScheduleRecord {
  id: string;
  expression: string;
  /** IANA zone for cron/at (EventBridge Scheduler); rule schedules are UTC. */
  timezone?: string;
  enabled: boolean;
  /** Rates count from here (creation time). */
  anchorMs: number;
  /** The scheduled time of the last firing. */
  lastFiredMs?: number;
  target: ScheduleTarget;
  owner?: string;
}

/** Does the work of one firing; `scheduledAt` is the occurrence's own time. */
export type FireHandler = (s: ScheduleRecord, scheduledAt: number) => Promise<void>;

const MAX_MISSED_AGE = 24 * 3_600_000;

export class Scheduler {
  private readonly live = new Map<string, { record: ScheduleRecord; expr: ScheduleExpression }>();
  private timer?: TimerHandle;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly table: Table<ScheduleRecord>,
    private readonly clock: Clock,
    private readonly fire: FireHandler,
    private readonly log: Logger,
  ) {}

  /** Loads every schedule, fires the ones missed while the platform was down (once each), arms the timer. */
  async start(): Promise<void> {
    for (const { value } of await this.table.list()) {
      try {
        this.live.set(value.id, {
          record: value,
          expr: parseScheduleExpression(value.expression, { allowAt: true }),
        });
      } catch (e) {
        this.log.warn(
          `schedule ${value.id} has an invalid expression and was skipped: ${(e as Error).message}`,
        );
      }
    }
    await this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Creates or updates a schedule. An unchanged expression keeps its anchor and last firing. */
  async upsert(input: Omit<ScheduleRecord, 'anchorMs' | 'lastFiredMs'>): Promise<ScheduleRecord> {
    const expr = parseScheduleExpression(input.expression, { allowAt: input.target.kind === 'direct' });
    const prev = this.live.get(input.id)?.record ?? (await this.table.get(input.id));
    const same = prev && prev.expression === input.expression && prev.timezone === input.timezone;
    const now = this.clock.now();
    const record: ScheduleRecord = {
      ...input,
      anchorMs: same ? prev.anchorMs : now,
      lastFiredMs: same ? prev.lastFiredMs : undefined,
    };
    await this.table.put(record.id, record);
    this.live.set(record.id, { record, expr });
    await this.rearm();
    return record;
  }

  async remove(id: string): Promise<void> {
    this.live.delete(id);
    await this.table.delete(id);
    await this.rearm();
  }

  get(id: string): ScheduleRecord | undefined {
    return this.live.get(id)?.record;
  }

  list(): ScheduleRecord[] {
    return [...this.live.values()].map((l) => l.record);
  }

  /** The next firing time of a schedule after now, if any. */
  nextFire(id: string): number | undefined {
    const l = this.live.get(id);
    if (!l?.record.enabled) return undefined;
    return this.next(l.record, l.expr, this.clock.now());
  }

  private next(r: ScheduleRecord, expr: ScheduleExpression, after: number): number | undefined {
    return nextFireTime(expr, Math.max(after, r.lastFiredMs ?? r.anchorMs), {
      anchorMs: r.anchorMs,
      tz: r.timezone,
    });
  }

  /** Fires every schedule due now (once each), then arms the timer for the next one. Serialized. */
  tick(): Promise<void> {
    this.ticking = this.ticking
      .then(() => this.tickNow())
      .catch((e) => this.log.error(`scheduler: ${(e as Error).message}`));
    return this.ticking;
  }

  private async tickNow(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock.now();
    for (const l of [...this.live.values()]) {
      const r = l.record;
      if (!r.enabled) continue;
      const since = Math.max(r.lastFiredMs ?? r.anchorMs, now - MAX_MISSED_AGE);
      const due = lastFireTimeBetween(l.expr, since, now, { anchorMs: r.anchorMs, tz: r.timezone });
      if (due === undefined) continue;
      // Record first: a crash after this line can lose the firing but never repeat it.
      const updated = { ...r, lastFiredMs: due };
      await this.table.put(r.id, updated);
      l.record = updated;
      try {
        await this.fire(updated, due);
      } catch (e) {
        this.log.error(
          `schedule ${r.id} fired at ${new Date(due).toISOString()} but its work failed: ${(e as Error).message}`,
        );
      }
    }
    this.arm();
  }

  private async rearm(): Promise<void> {
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = undefined;
    const now = this.clock.now();
    let earliest: number | undefined;
    for (const l of this.live.values()) {
      if (!l.record.enabled) continue;
      const n = this.next(l.record, l.expr, now);
      if (n !== undefined && (earliest === undefined || n < earliest)) earliest = n;
    }
    if (earliest === undefined) return;
    this.timer = this.clock.setTimer(() => void this.tick(), earliest - now);
  }
}
