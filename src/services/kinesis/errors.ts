/**
 * Kinesis's errors. The engine throws SelflessError whose code is Kinesis's error name; the wire
 * edge turns it into an awsJson1_1 error (`{__type, message}`, HTTP 400 as Kinesis answers).
 */
import { AwsApiError } from '../../aws/json-protocol.js';
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';

/** A Kinesis error; `code` is Kinesis's error name (`ResourceNotFoundException`, ...). */
export function kinesisError(code: string, message: string): SelflessError {
  return new SelflessError(code, message, { details: { service: 'kinesis' } });
}

/** The "stream not found" error, worded as Kinesis words it. */
export function streamNotFound(name: string): SelflessError {
  return kinesisError('ResourceNotFoundException', `Stream ${name} under account ${ACCOUNT_ID} not found.`);
}

/** An InvalidArgumentException. */
export function invalidArgument(message: string): SelflessError {
  return kinesisError('InvalidArgumentException', message);
}

/** A ValidationException for one failed constraint (the shape AWS's request validator uses). */
export function validation(field: string, value: unknown, constraint: string): SelflessError {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return kinesisError(
    'ValidationException',
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Maps anything thrown to the AwsApiError the wire writes; unknown failures are InternalFailure 500s. */
export function awsErrorFor(e: unknown): AwsApiError {
  if (e instanceof AwsApiError) return e;
  if (isSelflessError(e) && (e.details as { service?: string } | undefined)?.service === 'kinesis')
    return new AwsApiError(e.code, e.message, 400);
  return new AwsApiError('InternalFailure', (e as Error)?.message ?? String(e), 500, 'Receiver');
}
