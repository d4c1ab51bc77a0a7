/**
 * DynamoDB's errors. The engine throws SelflessError whose code is DynamoDB's error name; the wire
 * edge turns it into an awsJson1_0 error (`{__type: "com.amazonaws.dynamodb.v20120810#<Name>"}`).
 */
import { AwsApiError } from '../../aws/json-protocol.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';

/** A DynamoDB error; `code` is DynamoDB's error name; `fields` go into the error body (Item, CancellationReasons). */
export function dynamoError(code: string, message: string, fields?: Record<string, unknown>): SelflessError {
  return new SelflessError(code, message, { details: { service: 'dynamodb', fields } });
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

/** The conditional write failure, carrying the item when ReturnValuesOnConditionCheckFailure asked for it. */
export function conditionFailed(item?: Record<string, unknown>): SelflessError {
  return dynamoError(
    'ConditionalCheckFailedException',
    'The conditional request failed',
    item ? { Item: item } : undefined,
  );
}

/** The body fields a DynamoDB error carries besides `__type` and `message`. */
export function errorFields(e: unknown): Record<string, unknown> | undefined {
  if (!isSelflessError(e)) return undefined;
  const d = e.details as { service?: string; fields?: Record<string, unknown> };
  return d.service === 'dynamodb' ? d.fields : undefined;
}

/** Maps anything thrown to the AwsApiError the wire writes; unknown failures are InternalServerError 500s. */
export function awsErrorFor(e: unknown): AwsApiError {
  if (e instanceof AwsApiError) return e;
  if (isSelflessError(e) && (e.details as { service?: string } | undefined)?.service === 'dynamodb')
    return new AwsApiError(e.code, e.message, 400);
  return new AwsApiError('InternalServerError', (e as Error)?.message ?? String(e), 500, 'Receiver');
}
