/**
 * Output channels of the CLI, as the Serverless CLI uses them: command results on stdout, everything
 * else (notices, progress, warnings, errors, function logs when they are not the result) on stderr.
 * Colour only when the stream is a terminal (and NO_COLOR / TERM=dumb do not say otherwise).
 */
import pc from 'picocolors';

/** A writable text sink (process.stdout, process.stderr, or a buffer in tests). */
export interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

/** What every command gets to talk to the user. */
export interface CliIo {
  /** Colour functions for stderr; identity functions when colour is off. */
  readonly colors: Colors;
  /** Colour functions for stdout (results), decided on stdout's own terminal-ness. */
  readonly outColors: Colors;
  /** `--verbose`: info lines are shown. */
  verbose: boolean;
  /** `--debug`: debug lines and stack traces are shown. */
  debug: boolean;
  /** Writes a command result to stdout (a newline is added). */
  result(text: string): void;
  /** Writes raw text to stdout as is. */
  writeStdout(text: string): void;
  /** Writes raw text to stderr as is. */
  writeStderr(text: string): void;
  /** A notice on stderr (the default log level). */
  notice(text: string): void;
  /** `✔ text` on stderr. */
  success(text: string): void;
  /** `∅ text` on stderr. */
  skip(text: string): void;
  /** `Warning: text` on stderr. */
  warning(text: string): void;
  /** Secondary information in gray on stderr. */
  aside(text: string): void;
  /** Shown only with --verbose. */
  info(text: string): void;
  /** Shown only with --debug. */
  debugLog(text: string): void;
  /** ` (Ns)` in gray: the elapsed-time suffix of success lines. */
  elapsed(sinceMs: number): string;
}

/** True when colour should be used on this stream. */
export function colorEnabled(stream: TextSink, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** Builds the CLI's output channels over two sinks. */
export function createIo(
  opts: { stdout?: TextSink; stderr?: TextSink; env?: NodeJS.ProcessEnv; now?: () => number } = {},
): CliIo {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const now = opts.now ?? Date.now;
  const colors = pc.createColors(colorEnabled(stderr, opts.env));
  const line = (sink: TextSink, text: string) => {
    sink.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const io: CliIo = {
    colors,
    outColors: pc.createColors(colorEnabled(stdout, opts.env)),
    verbose: false,
    debug: false,
    result: (text) => line(stdout, text),
    writeStdout: (text) => {
      stdout.write(text);
    },
    writeStderr: (text) => {
      stderr.write(text);
    },
    notice: (text) => line(stderr, text),
    success: (text) => line(stderr, `${colors.green('✔')} ${text}`),
    skip: (text) => line(stderr, `${colors.gray('∅')} ${text}`),
    warning: (text) => line(stderr, `${colors.yellow('Warning:')} ${text}`),
    aside: (text) => line(stderr, colors.gray(text)),
    info: (text) => {
      if (io.verbose) line(stderr, text);
    },
    debugLog: (text) => {
      if (io.debug) line(stderr, colors.gray(`debug: ${text}`));
    },
    elapsed: (sinceMs) => colors.gray(` (${Math.floor((now() - sinceMs) / 1000)}s)`),
  };
  return io;
}

/** Indents every line of a block (for multi-line details under a notice). */
export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}
