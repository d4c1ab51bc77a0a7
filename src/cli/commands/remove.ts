/** `selfless remove` (placeholder until the platform lands): remove the deployed service. */
import type { Command } from 'commander';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { placeholderAction } from '../placeholder.js';
import { readsService } from '../service.js';

/** Registers `remove` with the Serverless flags. */
export function register(program: Command, _io: CliIo): void {
  const cmd = program
    .command('remove')
    .description('Remove the deployed service')
    .option('--aws-profile <profile>', 'AWS profile to use with the command');
  addServiceOptions(cmd);
  readsService(cmd);
  placeholderAction(cmd, 'remove');
}
