/**
 * The awsJson 1.0 / 1.1 wire protocols (SQS, Step Functions, EventBridge, Logs, ...): `POST /`,
 * routing on `X-Amz-Target: <Prefix>.<Operation>`, JSON bodies, errors as `{__type, message}`.
 * 1.0 puts the full shape id in `__type`, 1.1 the short name; query-compatible services (SQS) also
 * send `x-amzn-query-error: <Code>;<Sender|Receiver>`.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { AwsApiError } from './query-protocol.js';

export { AwsApiError } from './query-protocol.js';

export type JsonVersion = '1.0' | '1.1';

/** How a JSON service names its errors on the wire. */
export interface JsonErrorStyle {
  version: JsonVersion;
  /** Shape namespace for 1.0 `__type` (`com.amazonaws.sqs`). */
  namespace?: string;
  /** Emit `x-amzn-query-error` (awsQueryCompatible services such as SQS). */
  queryCompatible?: boolean;
}

/** The operation named by an X-Amz-Target header for a prefix (`AmazonSQS.` → `SendMessage`). */
export function operationFromTarget(target: string | undefined, prefix: string): string | undefined {
  if (!target?.startsWith(prefix)) return undefined;
  const op = target.slice(prefix.length);
  return op.length > 0 ? op : undefined;
}

/** Parses a JSON request body; an empty body is `{}`; malformed JSON or a non-object is a SerializationException. */
export function parseJsonBody(body: Buffer | string): Record<string, unknown> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AwsApiError(
      'SerializationException',
      'Start of structure or map found where not expected.',
      400,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new AwsApiError(
      'SerializationException',
      'Start of structure or map found where not expected.',
      400,
    );
  return parsed as Record<string, unknown>;
}

/** Writes a JSON success response. */
export function sendJsonResult(
  res: ServerResponse,
  body: unknown,
  version: JsonVersion = '1.0',
  requestId = randomUUID(),
): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(200, {
    'content-type': `application/x-amz-json-${version}`,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

/** Writes a JSON error response in the service's style. */
export function sendJsonError(
  res: ServerResponse,
  err: AwsApiError,
  style: JsonErrorStyle,
  requestId = randomUUID(),
): void {
  const type =
    style.version === '1.0' && style.namespace && !err.code.includes('#')
      ? `${style.namespace}#${err.code}`
      : err.code;
  const text = JSON.stringify({ __type: type, message: err.message });
  const headers: Record<string, string | number> = {
    'content-type': `application/x-amz-json-${style.version}`,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  };
  if (style.queryCompatible) headers['x-amzn-query-error'] = `${err.queryCode ?? err.code};${err.sender}`;
  res.writeHead(err.status, headers);
  res.end(text);
}

/** The JSON protocol version a request's content type declares, if any. */
export function jsonVersionOf(contentType: string | undefined): JsonVersion | undefined {
  const m = /application\/x-amz-json-(1\.[01])/.exec(contentType ?? '');
  return m ? (m[1] as JsonVersion) : undefined;
}
