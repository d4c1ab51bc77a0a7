import { describe, expect, it } from 'vitest';
import {
  fromLocal,
  lastFireTimeBetween,
  nextFireTime,
  parseScheduleExpression,
  type ScheduleExpression,
} from './expression.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (s: string) => Date.parse(s);
/** The next n firing times after `from`, as ISO strings. */
function fires(text: string, from: string, n: number, tz?: string): string[] {
  const expr = parseScheduleExpression(text, { allowAt: true });
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = nextFireTime(expr, t, { tz, anchorMs: at(from) });
    if (next === undefined) break;
    out.push(iso(next)!);
    t = next;
  }
  return out;
}

describe('rate expressions', () => {
  it('accepts the singular for 1 and the plural otherwise, as AWS does', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toMatchObject({ kind: 'rate', periodMs: 60_000 });
    expect(parseScheduleExpression('rate(5 minutes)')).toMatchObject({ periodMs: 300_000 });
    expect(parseScheduleExpression('rate(2 hours)')).toMatchObject({ periodMs: 7_200_000 });
    expect(parseScheduleExpression('rate(7 days)')).toMatchObject({ periodMs: 7 * 86_400_000 });
    for (const bad of [
      'rate(1 minutes)',
      'rate(5 minute)',
      'rate(0 minutes)',
      'rate(-1 minutes)',
      'rate(1 week)',
      'rate(1.5 hours)',
      'rate()',
    ])
      expect(() => parseScheduleExpression(bad), bad).toThrow('Parameter ScheduleExpression is not valid.');
  });

  it('fires every period from the anchor (the schedule creation time)', () => {
    expect(fires('rate(5 minutes)', '2026-01-01T00:00:30Z', 3)).toEqual([
      '2026-01-01T00:05:30.000Z',
      '2026-01-01T00:10:30.000Z',
      '2026-01-01T00:15:30.000Z',
    ]);
  });
});

describe('cron expressions (AWS examples from the EventBridge user guide)', () => {
  const cases: Array<[string, string, string[]]> = [
    ['cron(0 10 * * ? *)', '2026-03-01T11:00:00Z', ['2026-03-02T10:00:00.000Z', '2026-03-03T10:00:00.000Z']],
    ['cron(15 12 * * ? *)', '2026-03-01T00:00:00Z', ['2026-03-01T12:15:00.000Z', '2026-03-02T12:15:00.000Z']],
    // 2026-03-06 is a Friday.
    [
      'cron(0 18 ? * MON-FRI *)',
      '2026-03-06T19:00:00Z',
      ['2026-03-09T18:00:00.000Z', '2026-03-10T18:00:00.000Z'],
    ],
    ['cron(0 8 1 * ? *)', '2026-03-01T09:00:00Z', ['2026-04-01T08:00:00.000Z', '2026-05-01T08:00:00.000Z']],
    [
      'cron(0/15 * * * ? *)',
      '2026-03-01T00:07:00Z',
      ['2026-03-01T00:15:00.000Z', '2026-03-01T00:30:00.000Z'],
    ],
    [
      'cron(0/5 8-17 ? * MON-FRI *)',
      '2026-03-06T17:52:00Z',
      ['2026-03-06T17:55:00.000Z', '2026-03-09T08:00:00.000Z'],
    ],
    // First Monday of each month at 9:00: 2#1 (1 = SUN, 2 = MON).
    ['cron(0 9 ? * 2#1 *)', '2026-03-01T00:00:00Z', ['2026-03-02T09:00:00.000Z', '2026-04-06T09:00:00.000Z']],
    // Last day of the month, and the last Friday (6L).
    ['cron(0 0 L * ? *)', '2026-02-01T00:00:00Z', ['2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z']],
    ['cron(0 0 ? * 6L *)', '2026-03-01T00:00:00Z', ['2026-03-27T00:00:00.000Z', '2026-04-24T00:00:00.000Z']],
    // Nearest weekday to the 1st: 2026-08-01 is a Saturday, so Monday the 3rd (never July 31st).
    ['cron(0 0 1W * ? *)', '2026-07-15T00:00:00Z', ['2026-08-03T00:00:00.000Z', '2026-09-01T00:00:00.000Z']],
    // Nearest weekday to the 15th: 2026-03-15 is a Sunday, so Monday the 16th.
    ['cron(0 0 15W * ? *)', '2026-03-01T00:00:00Z', ['2026-03-16T00:00:00.000Z', '2026-04-15T00:00:00.000Z']],
    // The year field, and Feb 29 only in leap years.
    [
      'cron(0 0 29 2 ? 2028-2032)',
      '2026-01-01T00:00:00Z',
      ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z'],
    ],
    [
      'cron(30 6 ? JAN,JUL SUN 2026)',
      '2026-06-30T00:00:00Z',
      ['2026-07-05T06:30:00.000Z', '2026-07-12T06:30:00.000Z'],
    ],
  ];
  for (const [expr, from, expected] of cases)
    it(`${expr} after ${from}`, () => expect(fires(expr, from, expected.length)).toEqual(expected));

  it('stops when the year list is exhausted', () => {
    expect(fires('cron(0 0 1 1 ? 2026)', '2026-06-01T00:00:00Z', 1)).toEqual([]);
  });

  it('rejects what AWS rejects', () => {
    for (const bad of [
      'cron(0 18 * * MON-FRI *)', // both day fields set
      'cron(0 18 ? * ? *)', // both day fields "?"
      'cron(* * * * *)', // five fields
      'cron(60 * * * ? *)',
      'cron(0 24 * * ? *)',
      'cron(0 0 32 * ? *)',
      'cron(0 0 ? * 8 *)',
      'cron(0 0 ? * 2#6 *)',
      'cron(0 0 * 13 ? *)',
      'cron(0 0 * * ? 1969)',
      'cron(0/0 * * * ? *)',
      'cron(0 0 5L * ? *)',
      'cron(0 0 ? * 2W *)',
      'cron(a b c d e f)',
      'every 5 minutes',
    ])
      expect(() => parseScheduleExpression(bad), bad).toThrow('Parameter ScheduleExpression is not valid.');
  });

  it('explains the reason in the hint', () => {
    try {
      parseScheduleExpression('cron(0 18 * * MON-FRI *)');
      expect.unreachable();
    } catch (e) {
      expect((e as { hint: string }).hint).toContain(
        'exactly one of day-of-month and day-of-week must be "?"',
      );
    }
  });
});

describe('timezones (EventBridge Scheduler)', () => {
  it('fires on wall-clock time in the zone, across a DST change', () => {
    // New York: EST (UTC-5) until 2026-03-08 02:00, then EDT (UTC-4).
    expect(fires('cron(0 9 * * ? *)', '2026-03-06T00:00:00Z', 4, 'America/New_York')).toEqual([
      '2026-03-06T14:00:00.000Z',
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('moves a time skipped by the spring-forward jump past the gap, and fires a repeated time once', () => {
    expect(
      iso(fromLocal({ year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 }, 'America/New_York')),
    ).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on 2026-11-01 in New York; it fires once a day.
    expect(fires('cron(30 1 * * ? *)', '2026-10-31T12:00:00Z', 3, 'America/New_York')).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
      '2026-11-03T06:30:00.000Z',
    ]);
  });

  it('interprets at() in the zone and fires once', () => {
    expect(fires('at(2026-07-01T09:00:00)', '2026-01-01T00:00:00Z', 2, 'Europe/Paris')).toEqual([
      '2026-07-01T07:00:00.000Z',
    ]);
  });
});

describe('missed firings', () => {
  const expr: ScheduleExpression = parseScheduleExpression('cron(0 * * * ? *)');
  it('finds the latest firing in a window, once', () => {
    expect(iso(lastFireTimeBetween(expr, at('2026-01-01T00:00:00Z'), at('2026-01-01T05:30:00Z')))).toBe(
      '2026-01-01T05:00:00.000Z',
    );
    expect(lastFireTimeBetween(expr, at('2026-01-01T05:00:00Z'), at('2026-01-01T05:30:00Z'))).toBeUndefined();
  });
  it('works for rates from their anchor', () => {
    const rate = parseScheduleExpression('rate(10 minutes)');
    const anchor = at('2026-01-01T00:03:00Z');
    expect(iso(lastFireTimeBetween(rate, anchor, at('2026-01-01T01:00:00Z'), { anchorMs: anchor }))).toBe(
      '2026-01-01T00:53:00.000Z',
    );
  });
});
