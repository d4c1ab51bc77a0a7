/**
 * `selfless invoke` (placeholder until the platform lands): invoke a deployed function. Its `local`
 * subcommand is registered by ./invoke-local.ts onto this command.
 */
import type { Command } from 'commander';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { placeholderAction } from '../placeholder.js';
import { readsService } from '../service.js';

/** Registers `invoke` with the Serverless flags. */
export function register(program: Command, _io: CliIo): void {
  const cmd = program
    .command('invoke')
    .description('Invoke a deployed function')
    .option('-f, --function <name>', 'The function name')
    .option('-q, --qualifier <qualifier>', 'Version number or alias to invoke')
    .option('-p, --path <path>', 'Path to JSON or YAML file holding input data')
    .option('-t, --type <type>', 'Type of invocation (RequestResponse, Event, DryRun)')
    .option('-l, --log', 'Trigger logging data output')
    .option('-d, --data <data>', 'Input data')
    .option('--raw', 'Flag to pass input data as a raw string')
    .option('--context <context>', 'Context of the service')
    .option('--contextPath <path>', 'Path to JSON or YAML file holding context data');
  addServiceOptions(cmd);
  readsService(cmd);
  placeholderAction(cmd, 'invoke');
}
