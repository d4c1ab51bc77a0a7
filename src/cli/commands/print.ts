/** `selfless print`: the resolved serverless.yml (every variable replaced), as YAML, JSON or text. */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { SelflessError } from '../../platform/errors.js';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';

const FORMATS = ['yaml', 'json', 'text'] as const;
type PrintFormat = (typeof FORMATS)[number];

/** Digs `a.b.0.c` out of a value; `undefined` when any step is missing. */
export function digPath(value: unknown, dotPath: string): unknown {
  let current = value;
  for (const key of dotPath.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Renders a config value the way `serverless print` does. */
export function renderPrint(
  value: unknown,
  opts: { format?: string; path?: string; transform?: string },
): string {
  const format = (opts.format ?? 'yaml') as PrintFormat;
  if (!FORMATS.includes(format)) {
    throw new SelflessError(
      'PRINT_INVALID_FORMAT',
      `Format "${opts.format}" is not supported. Supported formats: "yaml", "json", "text".`,
    );
  }
  let conf = value;
  if (opts.path) {
    conf = digPath(conf, opts.path);
    if (conf === undefined) throw new SelflessError('PRINT_INVALID_PATH', `Path "${opts.path}" not found`);
  }
  if (opts.transform !== undefined) {
    if (opts.transform !== 'keys') {
      throw new SelflessError(
        'PRINT_INVALID_TRANSFORM',
        `Transform "${opts.transform}" is not supported. Supported transforms: "keys".`,
      );
    }
    if (conf === null || typeof conf !== 'object') {
      throw new SelflessError(
        'PRINT_INVALID_TRANSFORM',
        `Transform "keys" needs an object${opts.path ? ` at "${opts.path}"` : ''}.`,
      );
    }
    conf = Object.keys(conf as object);
  }
  switch (format) {
    case 'json':
      return JSON.stringify(conf, null, 2);
    case 'text':
      if (Array.isArray(conf))
        return conf.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join('\n');
      if (conf !== null && typeof conf === 'object') {
        throw new SelflessError('PRINT_INVALID_OBJECT_AS_TEXT', 'Cannot print an object as "text"', {
          hint: 'Use --format yaml or --format json, or --path to pick a scalar or an array.',
        });
      }
      return String(conf);
    default:
      return stringify(conf, { aliasDuplicateObjects: false, lineWidth: 0, singleQuote: true }).replace(
        /\n$/,
        '',
      );
  }
}

/** Registers `print`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('print')
    .description('Print your compiled and resolved config file')
    .option(
      '--format <format>',
      'Print configuration in given format ("yaml", "json", "text"). Default: yaml',
    )
    .option('--path <path>', 'Optional period-separated path to print a sub-value (eg: "provider.name")')
    .option('--transform <transform>', 'Optional transform-function to apply to the value ("keys")');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const opts = mergedOptions(command) as { format?: string; path?: string; transform?: string };
    const loaded = await loadServiceFor(command, io);
    io.result(renderPrint(loaded.resolved, opts));
  });
}
