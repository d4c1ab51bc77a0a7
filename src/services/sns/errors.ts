/**
 * SNS's errors. The engine throws SelflessError whose code is SNS's awsQuery error code; the wire
 * edge maps it to the status code with `awsErrorFor`.
 */
import { AwsApiError } from '../../aws/query-protocol.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';

/** HTTP status per SNS error code (from the service model); unlisted codes are 400. */
const STATUS: Record<string, number> = {
  AuthorizationError: 403,
  NotFound: 404,
  ResourceNotFound: 404,
  InternalError: 500,
  Throttled: 429,
  FilterPolicyLimitExceeded: 403,
  SubscriptionLimitExceeded: 403,
  TopicLimitExceeded: 403,
  InvalidSecurity: 403,
};

/** An SNS error the engine throws; `code` is SNS's error code (`InvalidParameter`, `NotFound`, ...). */
export function snsError(code: string, message: string): SelflessError {
  return new SelflessError(code, message, { details: { service: 'sns' } });
}

/** Maps any error to the AwsApiError SNS would put on the wire (unknown errors are 500 InternalError). */
export function awsErrorFor(e: unknown): AwsApiError {
  if (e instanceof AwsApiError) return e;
  if (isSelflessError(e) && e.details.service === 'sns') {
    const status = STATUS[e.code] ?? 400;
    return new AwsApiError(e.code, e.message, status, status >= 500 ? 'Receiver' : 'Sender');
  }
  return new AwsApiError('InternalError', 'An internal error occurred.', 500, 'Receiver');
}
