import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { type ScheduleRecord, Scheduler } from './scheduler.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const iso = (ms: number) => new Date(ms).toISOString();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(clock: ManualClock, dir?: string) {
  const dataDir = dir ?? mkdtempSync(path.join(tmpdir(), 'selfless-sched-'));
  if (!dir) dirs.push(dataDir);
  const store = new SqliteStore(dataDir);
  const fired: Array<{ id: string; at: string }> = [];
  const scheduler = new Scheduler(
    store.table<ScheduleRecord>('schedules'),
    clock,
    async (s, at) => {
      fired.push({ id: s.id, at: iso(at) });
    },
    quiet,
  );
  return { dataDir, store, scheduler, fired };
}

const target = {
  kind: 'direct' as const,
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  name: 'n',
  group: 'default',
};

describe('the durable scheduler', () => {
  it('fires rates from their creation time and cron on the wall clock, as the clock advances', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:30Z'));
    const { scheduler, fired, store } = setup(clock);
    await scheduler.start();
    await scheduler.upsert({ id: 'rate', expression: 'rate(5 minutes)', enabled: true, target });
    await scheduler.upsert({ id: 'cron', expression: 'cron(0/10 * * * ? *)', enabled: true, target });
    await scheduler.upsert({ id: 'off', expression: 'rate(1 minute)', enabled: false, target });
    await clock.advance(20 * 60_000);
    expect(fired).toEqual([
      { id: 'rate', at: '2026-01-01T00:05:30.000Z' },
      { id: 'cron', at: '2026-01-01T00:10:00.000Z' },
      { id: 'rate', at: '2026-01-01T00:10:30.000Z' },
      { id: 'rate', at: '2026-01-01T00:15:30.000Z' },
      { id: 'cron', at: '2026-01-01T00:20:00.000Z' },
      { id: 'rate', at: '2026-01-01T00:20:30.000Z' },
    ]);
    scheduler.stop();
    await store.close();
  });

  it('honours the schedule timezone', async () => {
    const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
    const { scheduler, fired, store } = setup(clock);
    await scheduler.start();
    await scheduler.upsert({
      id: 'paris',
      expression: 'cron(0 9 * * ? *)',
      timezone: 'Europe/Paris',
      enabled: true,
      target,
    });
    await clock.advance(24 * 3_600_000);
    expect(fired).toEqual([{ id: 'paris', at: '2026-06-01T07:00:00.000Z' }]);
    scheduler.stop();
    await store.close();
  });

  it('fires a schedule missed while the platform was down once on restart, never twice', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const first = setup(clock);
    await first.scheduler.start();
    await first.scheduler.upsert({ id: 'hourly', expression: 'cron(0 * * * ? *)', enabled: true, target });
    await clock.advance(60 * 60_000);
    expect(first.fired).toEqual([{ id: 'hourly', at: '2026-01-01T01:00:00.000Z' }]);
    first.scheduler.stop();
    await first.store.close();

    // Down for 3.5 hours: 02:00, 03:00 and 04:00 are missed.
    await clock.advance(3.5 * 60 * 60_000);
    const second = setup(clock, first.dataDir);
    await second.scheduler.start();
    expect(second.fired).toEqual([{ id: 'hourly', at: '2026-01-01T04:00:00.000Z' }]);
    second.scheduler.stop();
    await second.store.close();

    // An immediate second restart has nothing to catch up on.
    const third = setup(clock, first.dataDir);
    await third.scheduler.start();
    expect(third.fired).toEqual([]);
    await clock.advance(30 * 60_000);
    expect(third.fired).toEqual([{ id: 'hourly', at: '2026-01-01T05:00:00.000Z' }]);
    third.scheduler.stop();
    await third.store.close();
  });

  it('does not fire again after a firing whose work failed (recorded before the work)', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'selfless-sched-'));
    dirs.push(dataDir);
    const store = new SqliteStore(dataDir);
    let calls = 0;
    const failing = new Scheduler(
      store.table<ScheduleRecord>('schedules'),
      clock,
      async () => {
        calls++;
        throw new Error('target down');
      },
      quiet,
    );
    await failing.start();
    await failing.upsert({ id: 'r', expression: 'rate(1 minute)', enabled: true, target });
    await clock.advance(60_000);
    expect(calls).toBe(1);
    failing.stop();
    const again = setup(clock, dataDir);
    await again.scheduler.start();
    expect(again.fired).toEqual([]);
    again.scheduler.stop();
    await again.store.close();
    await store.close();
  });

  it('drops occurrences older than a day and keeps anchors when a schedule is redeployed unchanged', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const first = setup(clock);
    await first.scheduler.start();
    await first.scheduler.upsert({ id: 'daily', expression: 'cron(0 0 1 * ? *)', enabled: true, target });
    first.scheduler.stop();
    await first.store.close();
    await clock.advanceTo(Date.parse('2026-02-03T00:00:00Z'));
    const second = setup(clock, first.dataDir);
    await second.scheduler.start();
    expect(second.fired).toEqual([]);
    const before = second.scheduler.get('daily');
    await second.scheduler.upsert({ id: 'daily', expression: 'cron(0 0 1 * ? *)', enabled: true, target });
    expect(second.scheduler.get('daily')?.anchorMs).toBe(before?.anchorMs);
    expect(iso(second.scheduler.nextFire('daily')!)).toBe('2026-03-01T00:00:00.000Z');
    second.scheduler.stop();
    await second.store.close();
  });
});
