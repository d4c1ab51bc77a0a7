/**
 * `selfless invoke -f fn [-d data | -p file] [-t type] [-q qualifier] [-l]`: invokes a deployed
 * function through the Lambda Invoke API and prints the result as Serverless does (exit 1 when the
 * function failed). Its `local` subcommand is registered by ./invoke-local.ts onto this command.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import type { FunctionConfig, LoadedService } from '../../config/types.js';
import { PlatformClient } from '../../framework/client.js';
import { SelflessError } from '../../platform/errors.js';
import { usageError } from '../errors.js';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';
import { formatLogLine } from './logs.js';

/** The function of a service by its key under `functions:`. */
export function functionOf(loaded: LoadedService, key: string): FunctionConfig {
  const fn = loaded.config.functions[key];
  if (!fn)
    throw new SelflessError(
      'FUNCTION_MISSING_IN_SERVICE',
      `Function "${key}" doesn't exist in this Service`,
      {
        where: loaded.configPath,
        hint: `Functions: ${Object.keys(loaded.config.functions).join(', ') || '(none)'}.`,
      },
    );
  return fn;
}

/** Reads a --path file (relative to the service dir): .json / .yml / .yaml are parsed, others kept as text. */
export function readDataFile(serviceDir: string, file: string, raw: boolean): unknown {
  const abs = path.resolve(serviceDir, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    throw new SelflessError('INVOKE_PATH_NOT_FOUND', `The file you provided does not exist: ${abs}`);
  }
  if (raw) return text;
  if (/\.ya?ml$/i.test(abs)) return YAML.parse(text);
  return parseMaybeJson(text);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Registers `invoke`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('invoke')
    .description('Invoke a deployed function')
    .option('-f, --function <name>', 'The function name')
    .option('-q, --qualifier <qualifier>', 'Version number or alias to invoke')
    .option('-p, --path <path>', 'Path to JSON or YAML file holding input data')
    .option('-t, --type <type>', 'Type of invocation (RequestResponse, Event, DryRun)')
    .option('-l, --log', 'Trigger logging data output')
    .option('-d, --data <data>', 'Input data')
    .option('--raw', 'Flag to pass input data as a raw string')
    .option('--context <context>', 'Context of the service')
    .option('--contextPath <path>', 'Path to JSON or YAML file holding context data');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const o = mergedOptions(command) as {
      function?: string;
      qualifier?: string;
      path?: string;
      type?: string;
      log?: boolean;
      data?: string;
      raw?: boolean;
      context?: string;
      contextPath?: string;
    };
    if (!o.function)
      throw usageError('The "--function" (-f) option is required.', 'Example: selfless invoke -f hello');
    const type = o.type ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type))
      throw usageError(`Invalid --type "${type}".`, 'Use RequestResponse, Event or DryRun.');
    const loaded = await loadServiceFor(command, io);
    const fn = functionOf(loaded, o.function);
    let data: unknown;
    if (o.data !== undefined && o.data !== '') data = o.raw ? o.data : parseMaybeJson(o.data);
    else if (o.path) data = readDataFile(loaded.serviceDir, o.path, o.raw === true);
    else if (!process.stdin.isTTY && process.env.SELFLESS_NO_STDIN !== '1') {
      const text = await readStdin();
      if (text.trim()) data = o.raw ? text : parseMaybeJson(text);
    }
    let clientContext: string | undefined;
    const ctx = o.contextPath ? readDataFile(loaded.serviceDir, o.contextPath, false) : o.context;
    if (ctx !== undefined)
      clientContext = Buffer.from(typeof ctx === 'string' ? ctx : JSON.stringify(ctx)).toString('base64');

    const result = await new PlatformClient().invoke({
      functionName: fn.name,
      qualifier: o.qualifier,
      payload: JSON.stringify(data ?? {}),
      type: type as 'RequestResponse' | 'Event' | 'DryRun',
      logTail: type === 'RequestResponse' && o.log === true,
      clientContext,
    });
    if (result.payload) {
      let out = result.payload;
      try {
        out = JSON.stringify(JSON.parse(result.payload), null, 4);
      } catch {
        // not JSON: print as is
      }
      io.result(out);
    }
    if (result.logResult !== undefined) {
      io.result(io.outColors.gray('-'.repeat(68)));
      for (const line of result.logResult.split('\n')) {
        if (!line) continue;
        const f = formatLogLine(line, io.outColors.gray);
        if (f !== undefined) io.result(f);
      }
    }
    if (result.functionError)
      throw new SelflessError('AWS_LAMBDA_INVOCATION_FAILED', 'Invoked function failed');
  });
}
