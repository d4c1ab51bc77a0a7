/** `selfless deploy` (placeholder until the platform lands): package and deploy to SELFLESS_ENDPOINT. */
import type { Command } from 'commander';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { placeholderAction } from '../placeholder.js';
import { readsService } from '../service.js';

/** Registers `deploy` with the Serverless flags. */
export function register(program: Command, _io: CliIo): void {
  const cmd = program
    .command('deploy')
    .description('Deploy a Serverless service')
    .option('-p, --package <path>', 'Path of the deployment package')
    .option('--force', 'Forces a deployment to take place')
    .option('-f, --function <name>', "Function name. Deploys a single function (see 'deploy function')")
    .option('--conceal', 'Hide secrets from the output (e.g. API Gateway key values)')
    .option('--aws-profile <profile>', 'AWS profile to use with the command')
    .option('--enforce-hash-update', 'Enforce the change of the Lambda function hash')
    .option('--minify-template', 'Minify the CloudFormation template');
  addServiceOptions(cmd);
  readsService(cmd);
  placeholderAction(cmd, 'deploy');
}
