/** `selfless server` (placeholder until the platform lands): run a long-lived platform. */
import type { Command } from 'commander';
import { addGlobalFlags } from '../options.js';
import type { CliIo } from '../output.js';
import { placeholderAction } from '../placeholder.js';

/** Registers `server` with its flags. */
export function register(program: Command, _io: CliIo): void {
  const cmd = program
    .command('server')
    .description('Run the Selfless platform (AWS APIs, deployed services) until stopped')
    .option('--port <port>', 'Port of the platform (default: 4566, or SELFLESS_PORT)')
    .option('--host <host>', 'Address to listen on (default: 127.0.0.1)')
    .option('--data-dir <dir>', 'Data directory (default: .selfless)');
  addGlobalFlags(cmd);
  placeholderAction(cmd, 'server');
}
