/** `selfless remove`: removes the deployed service and stage from the platform. */
import type { Command } from 'commander';
import { PlatformClient } from '../../framework/client.js';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';

/** Registers `remove`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('remove')
    .description('Remove the deployed service')
    .option('--aws-profile <profile>', 'AWS profile to use with the command');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const started = Date.now();
    const { config } = await loadServiceFor(command, io);
    const { service } = config;
    const { stage, region } = config.provider;
    io.notice(`Removing ${service} from stage ${stage} (${region})`);
    await new PlatformClient().remove(service, stage);
    io.notice('');
    io.success(`Service ${service} has been successfully removed${io.elapsed(started)}`);
  });
}
