/**
 * DynamoDB's errors. The engine throws SelflessError whose code is DynamoDB's error name; the wire
 * edge turns it into an awsJson1_0 error (`{__type: "com.amazonaws.dynamodb.v20120810#<Name>"}`).
 */
import { AwsApiError } from '../../aws/json-protocol.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';

/** A DynamoDB error; `code` is DynamoDB's error name. */
export function dynamoError(code: string, message: string): SelflessError {
  return new SelflessError(code, message, { details: { service: 'dynamodb' } });
}

/** A ValidationException. */
export function validationError(message: string): SelflessError {
  return dynamoError('ValidationException', message);
}

/** The "no such table" error data-plane operations answer. */
export function tableNotFound(name?: string): SelflessError {
  return dynamoError(
    'ResourceNotFoundException',
    name === undefined
      ? 'Requested resource not found'
      : `Requested resource not found: Table: ${name} not found`,
  );
}

/** The conditional write failure. */
export function conditionFailed(): SelflessError {
  return dynamoError('ConditionalCheckFailedException', 'The conditional request failed');
}

/** Maps anything thrown to the AwsApiError the wire writes; unknown failures are InternalServerError 500s. */
export function awsErrorFor(e: unknown): AwsApiError {
  if (e instanceof AwsApiError) return e;
  if (isSelflessError(e) && (e.details as { service?: string } | undefined)?.service === 'dynamodb')
    return new AwsApiError(e.code, e.message, 400);
  return new AwsApiError('InternalServerError', (e as Error)?.message ?? String(e), 500, 'Receiver');
}
