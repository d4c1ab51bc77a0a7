/**
 * `selfless invoke local`: runs one function of the service on this machine in a real execution
 * environment (the platform's bootstrap, environment variables and context), without deploying.
 * Event and context options, and what goes to stdout, follow Serverless's `invoke local`.
 */
import { existsSync, fstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import {
  checkHandler,
  findFunction,
  HANDLER_LOAD_ERRORS,
  localRuntimeFunction,
  parseEnvOptions,
  renderOutcome,
} from '../../framework/invoke-local.js';
import { sourcePosition } from '../../framework/source-position.js';
import { SelflessError } from '../../platform/errors.js';
import { EXIT_FAILURE, usageError } from '../errors.js';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';

interface InvokeLocalOptions {
  function?: string;
  path?: string;
  data?: string;
  raw?: boolean;
  context?: string;
  contextPath?: string;
  env?: string[];
  docker?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Reads a data file as Serverless does: `.js`/`.cjs` modules are required and their export used,
 * `.json`/`.yml`/`.yaml` parsed, anything else returned as text.
 */
export function readDataFile(file: string, baseDir: string): unknown {
  const abs = path.isAbsolute(file) ? file : path.resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    throw new SelflessError('FILE_NOT_FOUND', `The file you provided does not exist: ${abs}`, {
      hint: 'Paths given with --path and --contextPath are relative to the service directory.',
    });
  }
  const ext = path.extname(abs).toLowerCase();
  try {
    if (ext === '.js' || ext === '.cjs') return createRequire(abs)(abs) as unknown;
    if (ext === '.json') return JSON.parse(text) as unknown;
    if (ext === '.yml' || ext === '.yaml') return parseYaml(text) as unknown;
  } catch (err) {
    throw new SelflessError(
      'INVALID_DATA_FILE',
      `Cannot parse ${abs}: ${(err as Error).message.split('\n')[0]}`,
      {
        hint: 'Fix the file so it is valid JSON or YAML.',
      },
    );
  }
  return text;
}

/** `JSON.parse` unless --raw; text that is not JSON stays text (Serverless ignores the failure). */
export function parseInput(text: string, raw: boolean): unknown {
  if (raw) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Event data from stdin when it is a pipe or a file, as Serverless reads it; a pipe that stays
 * silent does not block the invocation forever (scripts often leave stdin open).
 */
async function readStdin(waitMs = 1000): Promise<string | undefined> {
  let kind: 'file' | 'pipe' | 'none' = 'none';
  try {
    const st = fstatSync(0);
    kind = st.isFile() ? 'file' : st.isFIFO() || st.isSocket() ? 'pipe' : 'none';
  } catch {
    kind = 'none';
  }
  if (kind === 'none' || process.stdin.isTTY) return undefined;
  if (kind === 'file') return readFileSync(0, 'utf8');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined = setTimeout(() => finish(), waitMs);
    const finish = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      process.stdin.removeAllListeners('data');
      process.stdin.removeAllListeners('end');
      process.stdin.pause();
      process.stdin.unref?.();
      resolve(chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined);
    };
    process.stdin.on('data', (c: Buffer) => {
      chunks.push(c);
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
    });
    process.stdin.on('end', finish);
    process.stdin.resume();
  });
}

/** Lambda's own START/END/REPORT lines: shown on stderr with --verbose only. */
const PLATFORM_LINE = /^(START|END|REPORT|INIT_START) RequestId: |^INIT_START /;

/** Registers `local` under the `invoke` command. */
export function register(program: Command, io: CliIo): void {
  const invoke = program.commands.find((c) => c.name() === 'invoke');
  if (!invoke) throw new Error('invoke-local must be registered after the invoke command');
  const cmd = invoke
    .command('local')
    .description('Invoke function locally')
    .option('-f, --function <name>', 'Name of the function')
    .option('-p, --path <path>', 'Path to JSON or YAML file holding input data')
    .option('-d, --data <data>', 'Input data')
    .option('--raw', 'Flag to pass input data as a raw string')
    .option('--context <context>', 'Context of the service')
    .option('-x, --contextPath <path>', 'Path to JSON or YAML file holding context data')
    .option(
      '-e, --env <KEY=VALUE>',
      'Override environment variables (repeatable: -e KEY1=val1 -e KEY2=val2)',
      collect,
    )
    .option('--docker', 'Flag to turn on docker use for node/python/ruby/java (not supported by Selfless)')
    .option('--docker-arg <arg>', 'Arguments to docker run command (not supported by Selfless)');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const opts = mergedOptions(command) as InvokeLocalOptions;
    if (!opts.function) {
      throw usageError(
        'Missing required CLI option: "--function" (-f).',
        'Name the function to run: selfless invoke local -f <function>.',
      );
    }
    if (opts.docker) {
      throw usageError(
        '"--docker" is not supported: Selfless runs every function in its own local execution environment already.',
      );
    }
    const env = parseEnvOptions(opts.env ?? []);
    const loaded = await loadServiceFor(command, io);
    const fn = findFunction(loaded, opts.function);
    const runtimeFn = localRuntimeFunction(loaded, fn, { env, warn: (m) => io.warning(m) });
    checkHandler(loaded, fn, runtimeFn.layerDirs);

    let event: unknown = {};
    if (opts.data !== undefined && opts.data !== '') {
      event = parseInput(opts.data, opts.raw === true);
    } else if (opts.path !== undefined) {
      const value = readDataFile(opts.path, loaded.serviceDir);
      event = typeof value === 'string' ? parseInput(value, opts.raw === true) : value;
    } else {
      const stdin = await readStdin();
      if (stdin !== undefined && stdin.trim() !== '')
        event = parseInput(stdin.replace(/\n$/, ''), opts.raw === true);
    }
    let context: unknown;
    if (opts.contextPath !== undefined) {
      const value = readDataFile(opts.contextPath, loaded.serviceDir);
      context = typeof value === 'string' ? parseInput(value, opts.raw === true) : value;
    } else if (opts.context !== undefined) {
      context = parseInput(opts.context, opts.raw === true);
    }

    // Java code runs from its built artifact, as Serverless's invoke local runs it: the jar is
    // unpacked as Lambda unpacks it.
    const artifact = fn.runtime.startsWith('java')
      ? (fn.package.artifact ?? loaded.config.package.artifact)
      : undefined;
    let unpacked: string | undefined;
    if (artifact) {
      const jar = path.resolve(loaded.serviceDir, artifact);
      if (!existsSync(jar))
        throw usageError(
          `The package artifact "${artifact}" does not exist.`,
          'Build it first (e.g. mvn package), then invoke again.',
        );
      const { extractZip } = await import('../../services/lambda/code.js');
      unpacked = mkdtempSync(path.join(tmpdir(), 'selfless-invoke-local-'));
      await extractZip(jar, unpacked);
      runtimeFn.codeDir = unpacked;
    }

    // Loaded on use: the execution-environment layer is only needed by this verb.
    const { invokeOnce } = await import('../../services/lambda/runtime/local.js');
    io.debugLog(`invoking ${fn.name} (${fn.runtime}, ${fn.handler}) in ${runtimeFn.codeDir}`);
    const outcome = await invokeOnce(
      runtimeFn,
      {
        payload: Buffer.from(JSON.stringify(event ?? null)),
        invokedFunctionArn: runtimeFn.functionArn,
        clientContext:
          context === undefined ? undefined : Buffer.from(JSON.stringify(context)).toString('base64'),
      },
      {
        // Serverless prints the function's own output on stdout, before the result.
        onLog: (line) => {
          const text = line.replace(/\n$/, '');
          if (PLATFORM_LINE.test(text)) io.info(io.colors.gray(text));
          else io.writeStdout(`${text}\n`);
        },
        endpointUrl: process.env.SELFLESS_ENDPOINT,
      },
    ).finally(() => {
      if (unpacked) rmSync(unpacked, { recursive: true, force: true });
    });
    const rendered = renderOutcome(outcome, fn.runtime);
    io.result(rendered.stdout);
    if (rendered.failed) {
      process.exitCode = EXIT_FAILURE;
      if (rendered.errorType && HANDLER_LOAD_ERRORS.has(rendered.errorType)) {
        throw new SelflessError('HANDLER_LOAD_FAILED', `${rendered.errorType}: ${rendered.errorMessage}`, {
          where: sourcePosition(loaded.configPath, ['functions', fn.key, 'handler']),
          hint: `Check that the handler "${fn.handler}" names an exported function of its file.`,
        });
      }
      io.debugLog(`function error ${rendered.errorType}`);
    }
  });
}
