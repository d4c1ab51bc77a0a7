/** `selfless info`: the deployed service in the Serverless layout (service, stage, region, stack, sections, functions). */
import type { Command } from 'commander';
import { PlatformClient } from '../../framework/client.js';
import type { ServiceInfo } from '../../platform/control.js';
import { addServiceOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';
import { formatSize } from './package.js';

/**
 * The service-output sections Serverless prints after deploy and in info: plugin sections
 * (`endpoints`, ...) then `functions:` (with artifact sizes after a deploy), then `layers:`.
 */
export function serviceOutputs(info: ServiceInfo, gray: (s: string) => string, withSizes: boolean): string[] {
  const lines: string[] = [];
  const section = (name: string, value: string | string[]) => {
    if (typeof value === 'string') lines.push(`${gray(`${name}:`)} ${value}`);
    else if (value.length) lines.push(gray(`${name}:`), ...value.map((v) => `  ${v}`));
  };
  const { layers, ...sections } = info.sections ?? {};
  for (const [name, value] of Object.entries(sections)) section(name, value);
  section(
    'functions',
    info.functions.map((f) => `${f.key}: ${f.name}${withSizes ? ` (${formatSize(f.codeSize)})` : ''}`),
  );
  // Serverless prints the service's layer versions after its functions.
  if (layers !== undefined) section('layers', layers);
  return lines;
}

/** `Stack Outputs:` (shown with --verbose), as Serverless prints them. */
export function stackOutputs(info: ServiceInfo, gray: (s: string) => string): string[] {
  const entries = Object.entries(info.outputs ?? {}).filter(([, v]) => typeof v === 'string');
  return entries.length ? ['', gray('Stack Outputs:'), ...entries.map(([k, v]) => `  ${k}: ${v}`)] : [];
}

/** Registers `info`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('info')
    .description('Display information about the service')
    .option('--conceal', 'Hide secrets from the output (e.g. API Gateway key values)')
    .option('--aws-profile <profile>', 'AWS profile to use with the command');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const { config } = await loadServiceFor(command, io);
    const info = await new PlatformClient().info(config.service, config.provider.stage);
    const gray = io.outColors.gray;
    io.result(
      [
        `${gray('service:')} ${info.service}`,
        `${gray('stage:')} ${info.stage}`,
        `${gray('region:')} ${info.region}`,
        `${gray('stack:')} ${info.stack}`,
        ...serviceOutputs(info, gray, false),
        ...(io.verbose ? stackOutputs(info, gray) : []),
      ].join('\n'),
    );
  });
}
