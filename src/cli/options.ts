/**
 * The options every command shares, named and shaped as in the Serverless CLI schemas
 * (`lib/cli/commands-schema/common-options/*.js`): global flags on every command, service options
 * (-c, -s, --param) on commands that read serverless.yml, -r on the AWS ones.
 */
import type { Command } from 'commander';

/** Merged values of the shared options. */
export interface CommonOptions {
  config?: string;
  stage?: string;
  region?: string;
  /** `--param="key=value"`, repeatable, in the order given. */
  param: string[];
  verbose: boolean;
  debug: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--verbose` and `--debug` (the root program adds -h and -v). */
export function addGlobalFlags(cmd: Command): Command {
  return cmd
    .option('--verbose', 'Show all logs, including info-level ones')
    .option('--debug', 'Show debug logs and stack traces of errors');
}

/** `-c/--config`, `-s/--stage`, `--param` (and `-r/--region` unless `region: false`), plus the global flags. */
export function addServiceOptions(cmd: Command, opts: { region?: boolean } = {}): Command {
  cmd
    .option('-c, --config <path>', 'Path to serverless config file')
    .option('-s, --stage <stage>', 'Stage of the service')
    .option(
      '--param <key=value>',
      'Value for the "param" variable source (repeatable: --param="key=value")',
      collect,
    );
  if (opts.region !== false) cmd.option('-r, --region <region>', 'Region of the service');
  return addGlobalFlags(cmd);
}

/**
 * All option values of `cmd` and its ancestors, the command's own winning; repeatable options
 * (`param`, `env`) are concatenated in order.
 */
export function mergedOptions(cmd: Command): Record<string, unknown> {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  const merged: Record<string, unknown> = {};
  for (const c of chain) {
    for (const [k, v] of Object.entries(c.opts())) {
      if (v === undefined) continue;
      const prev = merged[k];
      merged[k] = Array.isArray(prev) && Array.isArray(v) ? [...prev, ...v] : v;
    }
  }
  return merged;
}

/** The shared options of the command being run. */
export function commonOptions(cmd: Command): CommonOptions {
  const m = mergedOptions(cmd);
  return {
    config: typeof m.config === 'string' ? m.config : undefined,
    stage: typeof m.stage === 'string' ? m.stage : undefined,
    region: typeof m.region === 'string' ? m.region : undefined,
    param: Array.isArray(m.param) ? (m.param as string[]) : [],
    verbose: m.verbose === true,
    debug: m.debug === true,
  };
}
