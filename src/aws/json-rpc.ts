/** awsJson 1.0 / 1.1 responses: JSON bodies, errors as `{"__type", "message"}`. */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** Writes an awsJson success response. */
export function sendAwsJson(res: ServerResponse, body: unknown, version: '1.0' | '1.1' = '1.1'): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(200, {
    'Content-Type': `application/x-amz-json-${version}`,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(text);
}

/** Writes an awsJson error: `__type` is the short error name, as in awsJson 1.1. */
export function sendAwsJsonError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  version: '1.0' | '1.1' = '1.1',
): void {
  const text = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'Content-Type': `application/x-amz-json-${version}`,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    'x-amzn-ErrorType': type,
  });
  res.end(text);
}
