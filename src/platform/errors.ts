/**
 * Typed errors. Code paths throw SelflessError with a stable code and typed details; only the wire
 * edge (src/aws, a service's api module) maps them to AWS shapes, and only the CLI formats them for
 * people.
 */
export type ErrorKind = 'user' | 'system';

export class SelflessError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly kind: ErrorKind;
  /** Where the problem is, for people: `serverless.yml:12:5`, `functions.hello.handler`. */
  readonly where?: string;
  /** What to do about it, one sentence. */
  readonly hint?: string;
  readonly details: Record<string, unknown>;

  constructor(
    code: Code,
    message: string,
    opts: {
      kind?: ErrorKind;
      where?: string;
      hint?: string;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SelflessError';
    this.code = code;
    this.kind = opts.kind ?? 'user';
    this.where = opts.where;
    this.hint = opts.hint;
    this.details = opts.details ?? {};
  }

  /** True for mistakes in the user's input, which print without a stack trace. */
  isUserError(): boolean {
    return this.kind === 'user';
  }
}

/** Narrowing helper that also works across duplicate module copies. */
export function isSelflessError(e: unknown): e is SelflessError {
  return e instanceof Error && (e as { name?: string }).name === 'SelflessError' && 'code' in e;
}
