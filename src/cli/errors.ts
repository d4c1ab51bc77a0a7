/**
 * How the CLI reports failures: the first line says what went wrong and where (file:line), the next
 * lines give details and what to do; exit code 1; the stack trace only with --debug.
 */
import { isSelflessError, SelflessError } from '../platform/errors.js';
import type { CliIo } from './output.js';

/** Exit code of every failed command (as the Serverless CLI). */
export const EXIT_FAILURE = 1;

/** `Detected unrecognized CLI options: "--x", "--y".` (Serverless's UNSUPPORTED_CLI_OPTIONS). */
export function unrecognizedOptionsError(names: string[]): SelflessError<'UNSUPPORTED_CLI_OPTIONS'> {
  return new SelflessError(
    'UNSUPPORTED_CLI_OPTIONS',
    `Detected unrecognized CLI options: ${names.map((n) => `"${n.startsWith('-') ? n : `--${n}`}"`).join(', ')}.`,
    {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a serverless.yml variable, shown verbatim.
      hint: 'Run "selfless <command> --help" for the supported options; pass custom values with --param="key=value" and read them with ${param:key}.',
    },
  );
}

/** A CLI input that is not acceptable (bad flag value, missing required option, ...). */
export function usageError(message: string, hint?: string): SelflessError<'INVALID_CLI_INPUT'> {
  return new SelflessError('INVALID_CLI_INPUT', message, { hint });
}

/** Renders an error for people. Pure: the caller decides where it goes. */
export function formatError(
  err: unknown,
  opts: { debug: boolean; red?: (s: string) => string; gray?: (s: string) => string },
): string {
  const red = opts.red ?? ((s: string) => s);
  const gray = opts.gray ?? ((s: string) => s);
  const lines: string[] = [];
  let stack: string | undefined;
  let showStack = opts.debug;
  if (isSelflessError(err)) {
    const [first = '', ...rest] = err.message.split('\n');
    const where = err.where && !first.includes(err.where) ? ` (${err.where})` : '';
    lines.push(`${red('✖')} ${first}${where}`);
    lines.push(...rest);
    if (err.hint) lines.push(gray(err.hint));
    if (!err.isUserError()) {
      showStack = true;
    }
    stack = err.stack;
  } else if (err instanceof Error) {
    const [first = '', ...rest] = err.message.split('\n');
    lines.push(`${red('✖')} ${first}`);
    lines.push(...rest);
    stack = err.stack;
    if (!opts.debug)
      lines.push(
        gray(
          'This looks like a bug in Selfless: run again with --debug to see the stack trace, and report it.',
        ),
      );
    showStack = opts.debug;
  } else {
    lines.push(`${red('✖')} ${String(err)}`);
  }
  // System (non-user) SelflessErrors are bugs or environment failures: stack only with --debug, too.
  if (isSelflessError(err) && !err.isUserError() && !opts.debug) {
    showStack = false;
    lines.push(gray('Run again with --debug to see the stack trace.'));
  }
  if (showStack && stack) {
    lines.push('', gray(stack));
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.stack) lines.push(gray(`Caused by: ${cause.stack}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Prints an error on stderr and marks the process as failed (exit code 1). */
export function reportError(err: unknown, io: CliIo): void {
  io.writeStderr(formatError(err, { debug: io.debug, red: io.colors.red, gray: io.colors.gray }));
  process.exitCode = EXIT_FAILURE;
}
