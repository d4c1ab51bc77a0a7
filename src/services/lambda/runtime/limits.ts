/** Request-side limits of synchronous invocations, checked before any environment is touched. */
import { SelflessError } from '../../../platform/errors.js';
import type { InvokeRequest } from './types.js';

/** Largest synchronous invoke payload (6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Largest X-Amz-Client-Context (base64). */
export const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** Throws REQUEST_TOO_LARGE (→ 413 RequestEntityTooLargeException) as AWS refuses such payloads. */
export function checkInvokeRequest(req: InvokeRequest): void {
  if (req.payload.length > MAX_SYNC_PAYLOAD_BYTES) {
    throw new SelflessError(
      'REQUEST_TOO_LARGE',
      `${req.payload.length} byte payload is too large for the RequestResponse invocation type (limit ${MAX_SYNC_PAYLOAD_BYTES} bytes)`,
      {
        where: 'payload',
        hint: 'Send at most 6 MB, or pass large data through S3.',
        details: { size: req.payload.length, limit: MAX_SYNC_PAYLOAD_BYTES },
      },
    );
  }
  if (req.clientContext && Buffer.byteLength(req.clientContext) > MAX_CLIENT_CONTEXT_BYTES) {
    throw new SelflessError('INVALID_PARAMETER', 'Client context must be at most 3583 bytes', {
      where: 'X-Amz-Client-Context',
      details: { size: Buffer.byteLength(req.clientContext), limit: MAX_CLIENT_CONTEXT_BYTES },
    });
  }
}
