/**
 * restJson1 responses as Lambda sends them: JSON bodies, errors with the `x-amzn-ErrorType` header
 * and a `{"Type", "message"}` body (plus extra members such as `Reason`).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** A Lambda API error, ready to send. */
export interface RestJsonError {
  status: number;
  /** The exception name, e.g. `ResourceNotFoundException`. */
  type: string;
  message: string;
  /** `User` for the caller's mistakes, `Service` for the platform's. */
  fault?: 'User' | 'Service';
  /** Extra body members (e.g. `Reason` for TooManyRequestsException). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Writes a JSON response with a request id. */
export function sendRestJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  res.end(text);
}

/** Writes a Lambda-shaped error: status, `x-amzn-ErrorType` and `{"Type","message"}`. */
export function sendRestJsonError(res: ServerResponse, err: RestJsonError): void {
  const body = {
    Type: err.fault ?? (err.status >= 500 ? 'Service' : 'User'),
    message: err.message,
    ...err.extra,
  };
  sendRestJson(res, err.status, body, { 'x-amzn-ErrorType': err.type, ...err.headers });
}

/** The Lambda API's usual errors, by name. */
export const lambdaErrors = {
  notFound: (message: string): RestJsonError => ({ status: 404, type: 'ResourceNotFoundException', message }),
  invalidParameter: (message: string): RestJsonError => ({
    status: 400,
    type: 'InvalidParameterValueException',
    message,
  }),
  invalidContent: (message: string): RestJsonError => ({
    status: 400,
    type: 'InvalidRequestContentException',
    message,
  }),
  tooLarge: (message: string): RestJsonError => ({
    status: 413,
    type: 'RequestEntityTooLargeException',
    message,
  }),
  conflict: (message: string): RestJsonError => ({ status: 409, type: 'ResourceConflictException', message }),
  tooManyRequests: (reason: string, message = 'Rate Exceeded.'): RestJsonError => ({
    status: 429,
    type: 'TooManyRequestsException',
    message,
    extra: { Reason: reason },
    headers: { 'Retry-After': '1' },
  }),
  service: (message: string): RestJsonError => ({ status: 500, type: 'ServiceException', message }),
  unknownOperation: (method: string, path: string): RestJsonError => ({
    status: 404,
    type: 'UnknownOperationException',
    message: `No Lambda operation matches ${method} ${path}`,
  }),
};
