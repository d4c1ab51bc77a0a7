/** `selfless dev` (placeholder until it lands): embedded platform + deploy + watch for one service. */
import type { Command } from 'commander';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { placeholderAction } from '../placeholder.js';
import { readsService } from '../service.js';

/** Registers `dev` with its flags. */
export function register(program: Command, _io: CliIo): void {
  const cmd = program
    .command('dev')
    .description('Run a service locally: an embedded platform, a deployment, and redeploys on change')
    .argument('[serviceDir]', 'Directory of the service (default: the current directory)')
    .option('--port <port>', 'Port of the platform (default: 4566, or SELFLESS_PORT)')
    .option('--data-dir <dir>', 'Data directory (default: .selfless)');
  addServiceOptions(cmd);
  readsService(cmd);
  placeholderAction(cmd, 'dev');
}
