/**
 * The CLI entry: parses verbs and flags (commander), prints results on stdout and progress on
 * stderr, and turns every failure into a clear message and exit code 1.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { extractFreeOptions, getFreeOptions, setFreeOptions } from './argv.js';
import { COMMANDS } from './commands/index.js';
import { reportError, unrecognizedOptionsError, usageError } from './errors.js';
import { mergedOptions } from './options.js';
import { type CliIo, createIo } from './output.js';
import { isServiceCommand } from './service.js';

/** The package version, read from package.json next to dist/ or src/. */
export function selflessVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Builds the program with every registered verb; output goes through `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('selfless');
  program
    .description(
      'Run Serverless Framework applications (serverless.yml) on your own machines, with AWS Lambda semantics.',
    )
    .version(selflessVersion(), '-v, --version', 'Print the Selfless version')
    .helpOption('-h, --help', 'Show help')
    .helpCommand(false)
    // Options of a verb come after it; global ones are declared on each verb as well.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.writeStdout(s),
      // Commander's own error lines are replaced by ours (see toCliError).
      writeErr: (s) => {
        if (!s.startsWith('error:')) io.writeStderr(s);
      },
      outputError: () => {},
    })
    .option('--verbose', 'Show all logs, including info-level ones')
    .option('--debug', 'Show debug logs and stack traces of errors');
  for (const command of COMMANDS) command.register(program, io);
  program.hook('preAction', (_root, actionCommand) => {
    const opts = mergedOptions(actionCommand);
    io.verbose = opts.verbose === true;
    io.debug = opts.debug === true;
    const free = Object.keys(getFreeOptions(actionCommand));
    if (free.length > 0 && !isServiceCommand(actionCommand)) throw unrecognizedOptionsError(free);
  });
  return program;
}

/** Maps commander's parse errors to the CLI's messages (Serverless's wording where it has one). */
function toCliError(err: CommanderError, argv: string[]): Error {
  const message = err.message.replace(/^error:\s*/, '');
  switch (err.code) {
    case 'commander.unknownOption': {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
      return unrecognizedOptionsError([flag]);
    }
    case 'commander.unknownCommand': {
      const name = /'([^']+)'/.exec(message)?.[1] ?? argv[0] ?? '';
      return usageError(
        `Serverless command "${name}" not found. Run "selfless --help" for a list of all available commands.`,
      );
    }
    case 'commander.excessArguments':
      return usageError(message.replace(/\.$/, '') + '.', 'Run the command with --help to see its usage.');
    default:
      return usageError(message.charAt(0).toUpperCase() + message.slice(1));
  }
}

/** Runs the CLI with `argv` (without node and the script path); sets process.exitCode. */
export async function main(argv: string[], io: CliIo = createIo()): Promise<void> {
  io.debug = argv.some((a) => a === '--debug' || a.startsWith('--debug='));
  let program: Command;
  try {
    program = buildProgram(io);
  } catch (err) {
    reportError(err, io);
    return;
  }
  try {
    const { argv: args, free } = extractFreeOptions(program, argv);
    setFreeOptions(program, free);
    if (args.length === 0) {
      program.outputHelp();
      return;
    }
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
        return;
      }
      if (err.code === 'commander.help') {
        process.exitCode = 1;
        return;
      }
      reportError(toCliError(err, argv), io);
      return;
    }
    reportError(err, io);
  }
}
