/**
 * Schedule expressions as EventBridge and EventBridge Scheduler accept them: `rate(5 minutes)`,
 * `cron(0 12 * * ? *)` and (Scheduler only) `at(2026-01-01T10:00:00)`.
 *
 * We parse AWS cron ourselves on purpose: AWS's dialect is not Unix cron. It has six fields (a
 * year field), day-of-week numbered 1 = SUN, `?` required in exactly one of the day fields, and the
 * Quartz-style `L`, `W` and `#` operators; Unix cron libraries accept and reject different sets and
 * fire on different days, so using one would silently diverge from what AWS does.
 */
import { SelflessError } from '../../platform/errors.js';

export interface RateExpression {
  kind: 'rate';
  value: number;
  unit: 'minute' | 'hour' | 'day';
  /** The period in milliseconds. */
  periodMs: number;
  text: string;
}

/** One parsed cron field: the set of values it allows (day fields keep their special operators). */
export interface CronExpression {
  kind: 'cron';
  minutes: Set<number>;
  hours: Set<number>;
  /** Day-of-month rule, or undefined when the field is `?`. */
  dayOfMonth?: DayOfMonthRule;
  months: Set<number>;
  /** Day-of-week rule (1 = SUN ... 7 = SAT), or undefined when the field is `?`. */
  dayOfWeek?: DayOfWeekRule;
  /** Allowed years, or undefined for `*`. */
  years?: Set<number>;
  text: string;
}

export interface AtExpression {
  kind: 'at';
  /** Wall-clock fields of the one-time schedule (interpreted in the schedule's timezone). */
  local: LocalTime;
  text: string;
}

export type ScheduleExpression = RateExpression | CronExpression | AtExpression;

export interface DayOfMonthRule {
  days: Set<number>;
  /** `L`: the last day of the month. */
  last: boolean;
  /** `LW`: the last weekday of the month. */
  lastWeekday: boolean;
  /** `15W`: the weekday nearest to these days (not crossing the month). */
  nearestWeekday: Set<number>;
}

export interface DayOfWeekRule {
  days: Set<number>;
  /** `6L`: the last given weekday of the month. */
  lastOf: Set<number>;
  /** `3#2`: the second Tuesday, as [weekday, nth] pairs. */
  nth: Array<[number, number]>;
}

/** A wall-clock date and time without a zone. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The error EventBridge's PutRule returns for a bad expression, with our reason attached. */
export function invalidExpression(text: string, reason: string): SelflessError {
  return new SelflessError('INVALID_SCHEDULE_EXPRESSION', 'Parameter ScheduleExpression is not valid.', {
    details: { expression: text, reason },
    hint: `${reason} (in "${text}"). AWS accepts rate(1 minute), rate(5 minutes), cron(0 12 * * ? *).`,
  });
}

/** Parses and validates a schedule expression; throws INVALID_SCHEDULE_EXPRESSION when AWS would reject it. */
export function parseScheduleExpression(text: string, opts: { allowAt?: boolean } = {}): ScheduleExpression {
  if (typeof text !== 'string') throw invalidExpression(String(text), 'the expression must be a string');
  const trimmed = text.trim();
  const m = /^(rate|cron|at)\((.*)\)$/.exec(trimmed);
  if (!m) throw invalidExpression(text, 'expected rate(...) or cron(...)');
  if (m[1] === 'rate') return parseRate(text, m[2]);
  if (m[1] === 'cron') return parseCron(text, m[2]);
  if (!opts.allowAt)
    throw invalidExpression(text, 'at(...) is only valid for EventBridge Scheduler schedules');
  return parseAt(text, m[2]);
}

function parseRate(text: string, body: string): RateExpression {
  const m = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body.trim());
  if (!m) throw invalidExpression(text, 'rate() takes "<positive integer> <minute(s)|hour(s)|day(s)>"');
  const value = Number(m[1]);
  if (!Number.isSafeInteger(value) || value < 1)
    throw invalidExpression(text, 'the rate value must be positive');
  const plural = m[2].endsWith('s');
  // AWS insists on the singular for 1 and the plural otherwise.
  if (value === 1 && plural)
    throw invalidExpression(text, `use the singular unit for 1: rate(1 ${m[2].slice(0, -1)})`);
  if (value !== 1 && !plural) throw invalidExpression(text, `use the plural unit: rate(${value} ${m[2]}s)`);
  const unit = (plural ? m[2].slice(0, -1) : m[2]) as RateExpression['unit'];
  const unitMs = unit === 'minute' ? 60_000 : unit === 'hour' ? 3_600_000 : 86_400_000;
  return { kind: 'rate', value, unit, periodMs: value * unitMs, text };
}

function parseAt(text: string, body: string): AtExpression {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (!m) throw invalidExpression(text, 'at() takes yyyy-mm-ddThh:mm:ss');
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    throw invalidExpression(text, 'at() names a date that does not exist');
  return { kind: 'at', local: { year, month, day, hour, minute, second }, text };
}

function parseCron(text: string, body: string): CronExpression {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw invalidExpression(
      text,
      `cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  const [min, hour, dom, mon, dow, year] = fields;
  if ((dom === '?') === (dow === '?'))
    throw invalidExpression(text, 'exactly one of day-of-month and day-of-week must be "?"');
  const field = (name: string, value: string, lo: number, hi: number, names?: string[]) =>
    parseField(text, name, value, lo, hi, names);
  return {
    kind: 'cron',
    minutes: field('minutes', min, 0, 59).values,
    hours: field('hours', hour, 0, 23).values,
    dayOfMonth: dom === '?' ? undefined : parseDayOfMonth(text, dom),
    months: field('month', mon, 1, 12, MONTHS).values,
    dayOfWeek: dow === '?' ? undefined : parseDayOfWeek(text, dow),
    years: year === '*' ? undefined : field('year', year, 1970, 2199).values,
    text,
  };
}

/** Parses `*`, `5`, `1-5`, `MON-FRI`, `0/15`, `*\/5`, `10-30/5` and comma lists of them. */
function parseField(
  text: string,
  name: string,
  value: string,
  lo: number,
  hi: number,
  names?: string[],
): { values: Set<number> } {
  const values = new Set<number>();
  for (const part of value.split(',')) {
    if (part === '') throw invalidExpression(text, `empty item in the ${name} field`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw invalidExpression(text, `"${part}" in the ${name} field has two "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1)
        throw invalidExpression(text, `"${part}": the step in the ${name} field must be a positive integer`);
      step = Number(stepText);
    }
    let start: number;
    let end: number;
    if (range === '*') {
      start = lo;
      end = hi;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      start = atom(text, name, a, lo, hi, names);
      end = atom(text, name, b, lo, hi, names);
    } else {
      start = atom(text, name, range, lo, hi, names);
      // `5/15` means from 5 to the end, every 15.
      end = stepText !== undefined ? hi : start;
    }
    // Ranges may wrap (FRI-MON, 22-2), as AWS allows.
    const span = end >= start ? end - start : hi - start + 1 + end - lo;
    for (let i = 0; i <= span; i += step) values.add(((start - lo + i) % (hi - lo + 1)) + lo);
  }
  return { values };
}

function atom(text: string, name: string, a: string, lo: number, hi: number, names?: string[]): number {
  if (a === undefined || a === '') throw invalidExpression(text, `incomplete range in the ${name} field`);
  const upper = a.toUpperCase();
  const named = names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + lo;
  if (!/^\d+$/.test(a)) throw invalidExpression(text, `"${a}" is not a valid ${name} value`);
  const n = Number(a);
  if (n < lo || n > hi) throw invalidExpression(text, `${n} is outside ${lo}-${hi} in the ${name} field`);
  return n;
}

function parseDayOfMonth(text: string, value: string): DayOfMonthRule {
  const rule: DayOfMonthRule = {
    days: new Set(),
    last: false,
    lastWeekday: false,
    nearestWeekday: new Set(),
  };
  for (const part of value.split(',')) {
    const upper = part.toUpperCase();
    if (upper === 'L') rule.last = true;
    else if (upper === 'LW') rule.lastWeekday = true;
    else if (/^\d+W$/.test(upper))
      rule.nearestWeekday.add(atom(text, 'day-of-month', upper.slice(0, -1), 1, 31));
    else if (/[LW#]/.test(upper))
      throw invalidExpression(text, `"${part}" is not valid in the day-of-month field (L, LW and nW are)`);
    else for (const d of parseField(text, 'day-of-month', part, 1, 31).values) rule.days.add(d);
  }
  return rule;
}

function parseDayOfWeek(text: string, value: string): DayOfWeekRule {
  const rule: DayOfWeekRule = { days: new Set(), lastOf: new Set(), nth: [] };
  for (const part of value.split(',')) {
    const upper = part.toUpperCase();
    if (upper === 'L') rule.days.add(7);
    else if (/^\w+L$/.test(upper)) rule.lastOf.add(atom(text, 'day-of-week', upper.slice(0, -1), 1, 7, DAYS));
    else if (upper.includes('#')) {
      const [d, n] = upper.split('#');
      const nth = Number(n);
      if (!/^[1-5]$/.test(n ?? '')) throw invalidExpression(text, `"${part}": the n in d#n must be 1-5`);
      rule.nth.push([atom(text, 'day-of-week', d, 1, 7, DAYS), nth]);
    } else if (/[LW]/.test(upper) && !DAYS.some((d) => upper.includes(d)))
      throw invalidExpression(text, `"${part}" is not valid in the day-of-week field (L, nL and d#n are)`);
    else for (const d of parseField(text, 'day-of-week', part, 1, 7, DAYS).values) rule.days.add(d);
  }
  return rule;
}

/** Days in a month (1-12) of a year. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of week of a date, 1 = SUN ... 7 = SAT as AWS numbers them. */
function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const w = weekday(year, month, day);
  return w >= 2 && w <= 6;
}

/** The weekday nearest to `day` within the month (Quartz's `W`: never crosses into another month). */
function nearestWeekday(year: number, month: number, day: number): number | undefined {
  const last = daysInMonth(year, month);
  if (day > last) return undefined;
  const w = weekday(year, month, day);
  if (w >= 2 && w <= 6) return day;
  if (w === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday before, or Monday after the 1st
  return day === last ? day - 2 : day + 1; // Sunday: Monday after, or Friday before the last day
}

/** The days of a month a cron expression fires on, ascending. */
export function matchingDays(expr: CronExpression, year: number, month: number): number[] {
  const last = daysInMonth(year, month);
  const days = new Set<number>();
  const dom = expr.dayOfMonth;
  const dow = expr.dayOfWeek;
  if (dom) {
    for (const d of dom.days) if (d <= last) days.add(d);
    if (dom.last) days.add(last);
    if (dom.lastWeekday) {
      let d = last;
      while (!isWeekday(year, month, d)) d--;
      days.add(d);
    }
    for (const d of dom.nearestWeekday) {
      const n = nearestWeekday(year, month, d);
      if (n !== undefined) days.add(n);
    }
  } else if (dow) {
    for (let d = 1; d <= last; d++) {
      const w = weekday(year, month, d);
      if (dow.days.has(w)) days.add(d);
      if (dow.lastOf.has(w) && d + 7 > last) days.add(d);
      for (const [nw, n] of dow.nth) if (nw === w && Math.ceil(d / 7) === n) days.add(d);
    }
  }
  return [...days].sort((a, b) => a - b);
}

/**
 * The first wall-clock minute at or after `from` (seconds ignored, rounded up) that the cron
 * expression matches, or undefined when it never fires again (a past year list).
 */
export function nextCronLocal(expr: CronExpression, from: LocalTime): LocalTime | undefined {
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  const minutes = sorted(expr.minutes);
  const hours = sorted(expr.hours);
  const months = sorted(expr.months);
  let start = { ...from };
  if (start.second > 0) start = addMinute(start);
  const lastYear = expr.years ? Math.max(...expr.years) : from.year + 30;
  for (let year = start.year; year <= lastYear; year++) {
    if (expr.years && !expr.years.has(year)) continue;
    const sameYear = year === start.year;
    for (const month of months) {
      if (sameYear && month < start.month) continue;
      const sameMonth = sameYear && month === start.month;
      for (const day of matchingDays(expr, year, month)) {
        if (sameMonth && day < start.day) continue;
        const sameDay = sameMonth && day === start.day;
        for (const hour of hours) {
          if (sameDay && hour < start.hour) continue;
          const sameHour = sameDay && hour === start.hour;
          for (const minute of minutes) {
            if (sameHour && minute < start.minute) continue;
            return { year, month, day, hour, minute, second: 0 };
          }
        }
      }
    }
  }
  return undefined;
}

function addMinute(t: LocalTime): LocalTime {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute + 1));
  return toLocalUtc(d.getTime());
}

/** UTC wall-clock fields of an instant. */
function toLocalUtc(ms: number): LocalTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Validates an IANA timezone name (EventBridge Scheduler's ScheduleExpressionTimezone). */
export function isValidTimezone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a timezone. */
export function toLocal(ms: number, tz = 'UTC'): LocalTime {
  if (tz === 'UTC') return toLocalUtc(ms);
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

function localAsUtcMs(t: LocalTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

/**
 * The instant of a wall-clock time in a timezone. A time skipped by a DST jump moves forward by the
 * jump (02:30 becomes 03:30); a repeated time resolves to its first occurrence.
 */
export function fromLocal(t: LocalTime, tz = 'UTC'): number {
  const naive = localAsUtcMs(t);
  if (tz === 'UTC') return naive;
  const offsetAt = (ms: number) => localAsUtcMs(toLocal(ms, tz)) - ms;
  // Try the offsets in force a day either side of the wall-clock time; keep the earliest that maps back exactly.
  const candidates = [offsetAt(naive - 86_400_000), offsetAt(naive), offsetAt(naive + 86_400_000)]
    .map((off) => naive - off)
    .sort((a, b) => a - b);
  for (const c of candidates) if (localAsUtcMs(toLocal(c, tz)) === naive) return c;
  // In a DST gap: use the offset before the jump, which lands after it.
  return naive - offsetAt(naive - 86_400_000);
}

/**
 * The first firing time strictly after `afterMs`. Rates repeat every period from `anchorMs` (the
 * time the schedule was created, as EventBridge counts them); cron and at use wall-clock time in `tz`.
 */
export function nextFireTime(
  expr: ScheduleExpression,
  afterMs: number,
  opts: { anchorMs?: number; tz?: string } = {},
): number | undefined {
  const tz = opts.tz ?? 'UTC';
  if (expr.kind === 'rate') {
    const anchor = opts.anchorMs ?? 0;
    if (afterMs < anchor) return anchor + expr.periodMs;
    return anchor + (Math.floor((afterMs - anchor) / expr.periodMs) + 1) * expr.periodMs;
  }
  if (expr.kind === 'at') {
    const at = fromLocal(expr.local, tz);
    return at > afterMs ? at : undefined;
  }
  // Search wall-clock minutes from the one after `afterMs`; skip candidates a DST shift moved back.
  let from = toLocal(Math.floor(afterMs / 60_000) * 60_000 + 60_000, tz);
  for (let guard = 0; guard < 1000; guard++) {
    const local = nextCronLocal(expr, from);
    if (!local) return undefined;
    const at = fromLocal(local, tz);
    if (at > afterMs) return at;
    from = addMinute(local);
  }
  return undefined;
}

/** The latest firing time in (afterMs, untilMs], if any. */
export function lastFireTimeBetween(
  expr: ScheduleExpression,
  afterMs: number,
  untilMs: number,
  opts: { anchorMs?: number; tz?: string } = {},
): number | undefined {
  if (expr.kind === 'rate') {
    const anchor = opts.anchorMs ?? 0;
    if (untilMs < anchor + expr.periodMs) return undefined;
    const last = anchor + Math.floor((untilMs - anchor) / expr.periodMs) * expr.periodMs;
    return last > afterMs ? last : undefined;
  }
  let found: number | undefined;
  let t = afterMs;
  for (let guard = 0; guard < 100_000; guard++) {
    const next = nextFireTime(expr, t, opts);
    if (next === undefined || next > untilMs) break;
    found = next;
    t = next;
  }
  return found;
}
