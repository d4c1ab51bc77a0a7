/** `selfless metrics` (placeholder until it lands): invocations, throttles, errors and duration. */
import type { Command } from 'commander';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { placeholderAction } from '../placeholder.js';
import { readsService } from '../service.js';

/** Registers `metrics` with the Serverless flags. */
export function register(program: Command, _io: CliIo): void {
  const cmd = program
    .command('metrics')
    .description('Show metrics of the service or of one function')
    .option('-f, --function <name>', 'The function name')
    .option('--startTime <time>', 'Start time for the metrics retrieval (e.g. 1970-01-01, 30m, 2h)')
    .option('--endTime <time>', 'End time for the metrics retrieval (e.g. 1970-01-01)');
  addServiceOptions(cmd);
  readsService(cmd);
  placeholderAction(cmd, 'metrics');
}
