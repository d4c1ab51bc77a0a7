/**
 * `selfless metrics [-f fn] [--startTime] [--endTime]`: invocations, throttles, errors and average
 * duration as the Serverless CLI prints them, then what CloudWatch would add (p50 / p99, cold
 * starts, peak concurrency) and the estimated AWS bill for the period.
 */
import type { Command } from 'commander';
import { PlatformClient } from '../../framework/client.js';
import type { MetricsResponse } from '../../services/lambda/lifecycle.js';
import { formatUsd } from '../../services/lambda/pricing.js';
import { usageError } from '../errors.js';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';
import { functionOf } from './invoke.js';
import { parseStartTime } from './logs.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** Serverless's period heading: `May 1, 2024 10:00 AM` in local time. */
export function formatPeriodTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getHours() % 12 || 12;
  const m = String(d.getMinutes()).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()} ${h}:${m} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
}

const ms = (n: number) => `${Number(n.toFixed(2))}ms`;

/** The lines `metrics` prints for a report (labels through `gray`). */
export function formatMetrics(title: string, r: MetricsResponse, gray: (s: string) => string): string {
  if (r.invocations === 0 && r.throttles === 0)
    return [
      title,
      `${formatPeriodTime(r.startTime)} - ${formatPeriodTime(r.endTime)}`,
      '',
      'There are no metrics to show for these options',
    ].join('\n');
  const line = (label: string, value: string | number) => `${gray(`${label}:`)} ${value}`;
  const c = r.cost;
  return [
    title,
    `${formatPeriodTime(r.startTime)} - ${formatPeriodTime(r.endTime)}`,
    '',
    line('invocations', r.invocations),
    line('throttles', r.throttles),
    line('errors', r.errors),
    line('duration (avg.)', ms(r.duration.average)),
    line('duration (p50)', ms(r.duration.p50)),
    line('duration (p99)', ms(r.duration.p99)),
    line('cold starts', r.coldStarts),
    line('max concurrent executions', r.maxConcurrentExecutions),
    line('account max concurrent executions', r.accountMaxConcurrentExecutions),
    '',
    gray('estimated AWS bill (on-demand, us-east-1 prices, no free tier):'),
    `  ${line('requests', `${c.requests} × ${formatUsd(r.prices.perRequest * 1_000_000)} per 1M = ${formatUsd(c.requestCost)}`)}`,
    `  ${line('compute', `${Number(c.gbSeconds.toFixed(6))} GB-s = ${formatUsd(c.computeCost)}`)}`,
    ...(c.provisionedGbSeconds > 0
      ? [
          `  ${line('provisioned concurrency', `${Number(c.provisionedGbSeconds.toFixed(3))} GB-s = ${formatUsd(c.provisionedCost)}`)}`,
        ]
      : []),
    `  ${line('total', formatUsd(c.total))}`,
  ].join('\n');
}

/** Registers `metrics` with the Serverless flags. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('metrics')
    .description('Show metrics of the service or of one function')
    .option('-f, --function <name>', 'The function name')
    .option('--startTime <time>', 'Start time for the metrics retrieval (e.g. 1970-01-01, 30m, 2h)')
    .option('--endTime <time>', 'End time for the metrics retrieval (e.g. 1970-01-01)');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (opts: { function?: string; startTime?: string; endTime?: string }, command: Command) => {
    const loaded = await loadServiceFor(command, io);
    if (opts.function) functionOf(loaded, opts.function);
    const now = Date.now();
    const end = parseStartTime(opts.endTime, now) ?? now;
    const start = parseStartTime(opts.startTime, now) ?? end - 24 * 3_600_000;
    if (start > end)
      throw usageError(
        '--startTime is after --endTime.',
        'Give a start before the end, e.g. --startTime 2h.',
      );
    const report = await new PlatformClient().metrics({
      service: loaded.config.service,
      stage: loaded.config.provider.stage,
      function: opts.function,
      start,
      end,
    });
    io.result(formatMetrics(opts.function ?? 'Service wide metrics', report, io.outColors.gray));
  });
}
