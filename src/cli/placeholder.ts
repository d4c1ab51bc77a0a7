/**
 * Verbs whose implementation arrives with a later part of Selfless (the platform, dev mode,
 * metrics): they are registered with their real flags so help and parsing are already right, and
 * running one says clearly that it is not available yet.
 */
import type { Command } from 'commander';
import { SelflessError } from '../platform/errors.js';

/** The error a not-yet-available verb fails with (exit code 1). */
export function notAvailableError(verb: string): SelflessError<'COMMAND_NOT_AVAILABLE'> {
  return new SelflessError(
    'COMMAND_NOT_AVAILABLE',
    `"selfless ${verb}" is not available yet in this version of Selfless.`,
    {
      hint: 'Available now: "selfless invoke local", "selfless package", "selfless print" and "selfless create".',
    },
  );
}

/** Makes `cmd` a placeholder: its action fails with notAvailableError. */
export function placeholderAction(cmd: Command, verb: string): Command {
  return cmd.action(() => {
    throw notAvailableError(verb);
  });
}
