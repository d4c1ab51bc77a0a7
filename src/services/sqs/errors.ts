/**
 * SQS's errors. The engine throws SelflessError whose code is SQS's error name; the wire edge maps
 * the name to AWS's status code and query-compatible code with `awsErrorFor`.
 */
import { AwsApiError } from '../../aws/query-protocol.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';

/** Status and awsQuery code for each SQS error name (from the service model); unlisted names are 400. */
const WIRE: Record<string, { status: number; queryCode?: string }> = {
  BatchEntryIdsNotDistinct: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct' },
  BatchRequestTooLong: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong' },
  EmptyBatchRequest: { status: 400, queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest' },
  InvalidBatchEntryId: { status: 400, queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId' },
  MessageNotInflight: { status: 400, queryCode: 'AWS.SimpleQueueService.MessageNotInflight' },
  PurgeQueueInProgress: { status: 403, queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress' },
  QueueDeletedRecently: { status: 400, queryCode: 'AWS.SimpleQueueService.QueueDeletedRecently' },
  QueueDoesNotExist: { status: 400, queryCode: 'AWS.SimpleQueueService.NonExistentQueue' },
  QueueNameExists: { status: 400, queryCode: 'QueueAlreadyExists' },
  ReceiptHandleIsInvalid: { status: 404, queryCode: 'ReceiptHandleIsInvalid' },
  TooManyEntriesInBatchRequest: {
    status: 400,
    queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  },
  UnsupportedOperation: { status: 400, queryCode: 'AWS.SimpleQueueService.UnsupportedOperation' },
  ResourceNotFoundException: { status: 404 },
  RequestThrottled: { status: 403 },
  OverLimit: { status: 403 },
  InvalidAddress: { status: 404 },
  InvalidSecurity: { status: 403 },
};

/** An SQS error the engine throws; `code` is SQS's error name (`QueueDoesNotExist`, ...). */
export function sqsError(code: string, message: string): SelflessError {
  return new SelflessError(code, message, { details: { service: 'sqs' } });
}

/** The standard "queue does not exist" error. */
export function noSuchQueue(): SelflessError {
  return sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
}

/** An InvalidParameterValue error for one parameter, in AWS's wording. */
export function invalidParameter(name: string, value: unknown, reason: string): SelflessError {
  return sqsError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`,
  );
}

/** A MissingParameter error in AWS's wording. */
export function missingParameter(name: string): SelflessError {
  return sqsError('MissingParameter', `The request must contain the parameter ${name}.`);
}

/** Maps any error to the AwsApiError SQS would put on the wire (unknown errors are 500 InternalError). */
export function awsErrorFor(e: unknown): AwsApiError {
  if (e instanceof AwsApiError) return e;
  if (isSelflessError(e) && e.details.service === 'sqs') {
    const wire = WIRE[e.code] ?? { status: 400 };
    return new AwsApiError(e.code, e.message, wire.status, 'Sender', wire.queryCode);
  }
  return new AwsApiError(
    'InternalError',
    'We encountered an internal error. Please try again.',
    500,
    'Receiver',
  );
}
