/** `selfless logs -f fn [--tail] [--startTime 5m|2h|date] [--filter pattern]`: a function's logs, as Serverless prints them. */
import type { Command } from 'commander';
import { PlatformClient } from '../../framework/client.js';
import { SelflessError } from '../../platform/errors.js';
import { usageError } from '../errors.js';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';
import { functionOf } from './invoke.js';

type Gray = (s: string) => string;

/** `YYYY-MM-DD HH:mm:ss.SSS` in local time, as Serverless (dayjs) prints event times. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/**
 * Formats one log line as Serverless's `format-lambda-log-event`: START → `START`, REPORT →
 * `END Duration: … (init: …) Memory Used: …`, `<ts>\t<id>\t[LEVEL\t]msg` → gray time then the
 * message; END lines are dropped (undefined).
 */
export function formatLogLine(message: string, gray: Gray): string | undefined {
  const msg = message.replace(/\n$/, '');
  if (msg.startsWith('END') || msg.includes('SERVERLESS_ENTERPRISE')) return undefined;
  if (msg.startsWith('START')) return gray('START');
  if (msg.startsWith('REPORT')) {
    const f = msg.split('\t');
    const init = f[5]?.startsWith('Init Duration') ? ` (init: ${f[5].replace('Init Duration: ', '')})` : '';
    return `END ${f[1] ?? ''}${init} ${(f[4] ?? '').replace(/^Max /, '')}`.trimEnd();
  }
  const node =
    /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\t[0-9a-f-]+\t(?:(INFO|WARN|ERROR|DEBUG|TRACE|FATAL)\t)?([\s\S]*)$/.exec(msg);
  if (node) return `${gray(`${localTime(Date.parse(node[1]))}\t`)}${node[2] ? `${node[2]}\t` : ''}${node[3]}`;
  const py =
    /^\[(INFO|WARNING|ERROR|DEBUG|CRITICAL)\]\t(\d{4}-\d\d-\d\dT[\d:.]+Z)\t[0-9a-f-]+\t([\s\S]*)$/.exec(msg);
  if (py) return `${gray(`${localTime(Date.parse(py[2]))}\t`)}${py[1]}\t${py[3]}`;
  return msg;
}

/** Parses --startTime: `30m`, `2h`, `1d` ago, or a date/epoch; undefined when absent. */
export function parseStartTime(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const rel = /^(\d+)\s*([mhd])$/.exec(value.trim());
  if (rel)
    return now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd'];
  if (/^\d{10,13}$/.test(value.trim())) {
    const n = Number(value.trim());
    return n < 1e12 ? n * 1000 : n;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw usageError(
      `Invalid --startTime "${value}".`,
      'Use a duration like 30m, 2h or 1d, or a date like 2026-01-01T10:00:00Z.',
    );
  return t;
}

/** Registers `logs`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('logs')
    .description('Output the logs of a deployed function')
    .option('-f, --function <name>', 'The function name')
    .option('-t, --tail', 'Tail the log output')
    .option('--startTime <time>', 'Logs before this time will not be displayed (30m, 2h, a date)')
    .option('--filter <filter>', 'A filter pattern')
    .option('-i, --interval <ms>', 'Tail polling interval in milliseconds (default: 1000)');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const opts = mergedOptions(command) as {
      function?: string;
      tail?: boolean;
      startTime?: string;
      filter?: string;
      interval?: string;
    };
    if (!opts.function)
      throw usageError('The "--function" (-f) option is required.', 'Example: selfless logs -f hello');
    const loaded = await loadServiceFor(command, io);
    const fn = functionOf(loaded, opts.function);
    const client = new PlatformClient();
    const now = Date.now();
    let start = parseStartTime(opts.startTime, now) ?? now - (opts.tail ? 10_000 : 600_000);
    const interval = opts.interval === undefined ? 1000 : Number(opts.interval);
    if (!Number.isFinite(interval) || interval < 100)
      throw usageError(`Invalid --interval "${opts.interval}".`, 'Give milliseconds, at least 100.');
    const gray = io.outColors.gray;
    const seen = new Set<string>();
    const print = (events: Array<{ message: string; timestamp: number; eventId: string }>) => {
      for (const e of events) {
        if (seen.has(e.eventId)) continue;
        seen.add(e.eventId);
        const line = formatLogLine(e.message, gray);
        if (line !== undefined) io.result(line);
        start = Math.max(start, e.timestamp);
      }
    };
    const first = await client.logs({ group: fn.logGroup, start, filter: opts.filter });
    if (!opts.tail) {
      if (first.events.length === 0 && first.streams.length === 0)
        throw new SelflessError('NO_EXISTING_STREAMS', 'No existing streams for the function', {
          hint: `Invoke it first (selfless invoke -f ${opts.function}).`,
        });
      print(first.events);
      return;
    }
    print(first.events);
    let stop = false;
    const onSignal = () => {
      stop = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    while (!stop) {
      await new Promise((r) => setTimeout(r, interval));
      if (stop) break;
      print((await client.logs({ group: fn.logGroup, start, filter: opts.filter })).events);
    }
  });
}
