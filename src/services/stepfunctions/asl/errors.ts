/**
 * Step Functions error names and the error type the interpreter raises. A StatesError is data (an
 * execution outcome), never a crash of the platform: error and cause may each be absent, as AWS
 * reports a Fail state without Error or Cause.
 */

/** AWS's predefined error names. */
export const StatesErrors = {
  ALL: 'States.ALL',
  TaskFailed: 'States.TaskFailed',
  Timeout: 'States.Timeout',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  Permissions: 'States.Permissions',
  Runtime: 'States.Runtime',
  DataLimitExceeded: 'States.DataLimitExceeded',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  ParameterPathFailure: 'States.ParameterPathFailure',
  IntrinsicFailure: 'States.IntrinsicFailure',
  NoChoiceMatched: 'States.NoChoiceMatched',
  BranchFailed: 'States.BranchFailed',
  QueryEvaluationError: 'States.QueryEvaluationError',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  ItemReaderFailed: 'States.ItemReaderFailed',
  ResultWriterFailed: 'States.ResultWriterFailed',
} as const;

/** An error raised while running a state machine; `stateScoped` causes get AWS's state prefix. */
export class StatesError extends Error {
  readonly error: string | undefined;
  override readonly cause: string | undefined;
  /** When true the state runner prefixes the cause with "An error occurred while executing the state ...". */
  stateScoped: boolean;

  constructor(error: string | undefined, cause: string | undefined, stateScoped = false) {
    super(`${error ?? ''}: ${cause ?? ''}`);
    this.name = 'StatesError';
    this.error = error;
    this.cause = cause;
    this.stateScoped = stateScoped;
  }
}

/** A States.Runtime error whose cause gets the state prefix (never retried or caught). */
export function runtimeError(message: string): StatesError {
  return new StatesError(StatesErrors.Runtime, message, true);
}

/** A JSONata evaluation failure (catchable), prefixed with the state like AWS. */
export function queryError(message: string): StatesError {
  return new StatesError(StatesErrors.QueryEvaluationError, message, true);
}

/** Narrows unknown to StatesError, across module copies. */
export function isStatesError(e: unknown): e is StatesError {
  return e instanceof Error && e.name === 'StatesError' && 'stateScoped' in e;
}

/** Whether a Retrier's or Catcher's ErrorEquals list matches an error name, with AWS's wildcards. */
export function errorMatches(errorEquals: readonly string[], error: string | undefined): boolean {
  const name = error ?? '';
  // States.Runtime is never retried or caught.
  if (name === StatesErrors.Runtime) return false;
  for (const candidate of errorEquals) {
    if (candidate === name) return true;
    if (candidate === StatesErrors.ALL) return true;
    if (candidate === StatesErrors.TaskFailed && name !== StatesErrors.Timeout) return true;
    // AWS reports missed heartbeats as States.Timeout but accepts States.HeartbeatTimeout in ErrorEquals.
    if (candidate === StatesErrors.HeartbeatTimeout && name === StatesErrors.Timeout) return true;
  }
  return false;
}
