/**
 * The JSON body of a Lambda API request, read the same way by every operation: AWS's
 * InvalidRequestContentException text for bodies that are not a JSON object, and its
 * RequestEntityTooLarge text over the operation's limit.
 */
import { isSelflessError, SelflessError } from '../../platform/errors.js';
import { readBody } from '../../platform/http.js';
import type { WireRequest } from '../../platform/service.js';

/** The JSON object in a request body ({} when empty); INVALID_JSON or REQUEST_TOO_LARGE otherwise. */
export async function readJsonObject(
  w: WireRequest,
  limit: number,
  operation: string,
): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readBody(w.req, limit);
  } catch (e) {
    if (isSelflessError(e) && e.code === 'BODY_TOO_LARGE')
      throw new SelflessError(
        'REQUEST_TOO_LARGE',
        `Request must be smaller than ${limit} bytes for the ${operation} operation`,
      );
    throw e;
  }
  if (raw.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new SelflessError(
      'INVALID_JSON',
      `Could not parse request body into json: ${(e as Error).message}`,
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new SelflessError('INVALID_JSON', 'The request body must be a JSON object.');
  return v as Record<string, unknown>;
}
