/**
 * `selfless rollback -t TIMESTAMP`: re-applies the deployment recorded at that timestamp (its
 * spec and the artifacts it names, still stored on the platform), as the Serverless CLI rolls the
 * stack back to a deployment from `deploy list`. Without -t it shows the list to pick from.
 */
import type { Command } from 'commander';
import { PlatformClient } from '../../framework/client.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';
import { listDeployments } from './deploy.js';

/** Registers `rollback`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('rollback')
    .description('Rollback the Serverless service to a specific deployment')
    .option(
      '-t, --timestamp <timestamp>',
      'Timestamp of the deployment (list deployments with `deploy list`)',
    )
    .option('--aws-profile <profile>', 'AWS profile to use with the command');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (opts: { timestamp?: string }, command: Command) => {
    const started = Date.now();
    const loaded = await loadServiceFor(command, io);
    const { service } = loaded.config;
    const { stage } = loaded.config.provider;
    if (!opts.timestamp) {
      io.notice(
        'Select a timestamp from the deploy list below and run "selfless rollback -t <timestamp>" to rollback your service to a specific deployment.',
      );
      io.notice('');
      await listDeployments(loaded, io);
      return;
    }
    if (!/^\d+$/.test(opts.timestamp))
      throw new SelflessError('INVALID_TIMESTAMP', `The timestamp "${opts.timestamp}" is not a number.`, {
        hint: 'Copy a Timestamp value from "selfless deploy list".',
      });
    const client = new PlatformClient();
    const found = await client.deployment(service, stage, opts.timestamp).catch((e) => {
      if (isSelflessError(e) && e.code === 'DEPLOYMENT_NOT_FOUND')
        throw new SelflessError(e.code, e.message, { hint: 'List deployments with "selfless deploy list".' });
      throw e;
    });
    io.notice(`Rolling back ${service} to timestamp "${opts.timestamp}"`);
    const result = await client.deploy(found.spec);
    for (const w of result.warnings) io.warning(w);
    io.notice('');
    if (!result.changed) io.skip(`No updates to be performed. Rollback skipped.${io.elapsed(started)}`);
    else io.success(`Service rolled back to timestamp "${opts.timestamp}"${io.elapsed(started)}`);
  });
}
