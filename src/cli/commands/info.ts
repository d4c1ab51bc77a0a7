/** `selfless info` (placeholder until the platform lands): display information about the service. */
import type { Command } from 'commander';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { placeholderAction } from '../placeholder.js';
import { readsService } from '../service.js';

/** Registers `info` with the Serverless flags. */
export function register(program: Command, _io: CliIo): void {
  const cmd = program
    .command('info')
    .description('Display information about the service')
    .option('--conceal', 'Hide secrets from the output (e.g. API Gateway key values)')
    .option('--aws-profile <profile>', 'AWS profile to use with the command');
  addServiceOptions(cmd);
  readsService(cmd);
  placeholderAction(cmd, 'info');
}
