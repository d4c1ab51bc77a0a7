/** `selfless logs` (placeholder until the platform lands): output the logs of a deployed function. */
import type { Command } from 'commander';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { placeholderAction } from '../placeholder.js';
import { readsService } from '../service.js';

/** Registers `logs` with the Serverless flags. */
export function register(program: Command, _io: CliIo): void {
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
  placeholderAction(cmd, 'logs');
}
