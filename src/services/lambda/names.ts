/**
 * Function identifiers as the Lambda API accepts them: `name`, `name:qualifier`, partial ARNs
 * (`123456789012:function:name[:qualifier]`) and full ARNs
 * (`arn:aws:lambda:region:account:function:name[:qualifier]`).
 */
import { SelflessError } from '../../platform/errors.js';

export interface FunctionRef {
  name: string;
  qualifier?: string;
}

const NAME = /^[a-zA-Z0-9-_]{1,140}$/;
const QUALIFIER = /^(\$LATEST|[a-zA-Z0-9-_]{1,128})$/;

/** Splits a function identifier into name and qualifier; `explicit` is the Qualifier parameter, which must agree. */
export function parseFunctionRef(id: string, explicit?: string): FunctionRef {
  let rest = id;
  const full = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:(.+)$/.exec(id);
  const partial = /^\d{12}:function:(.+)$/.exec(id);
  if (full) rest = full[1];
  else if (partial) rest = partial[1];
  else if (id.startsWith('arn:')) throw invalid(`${id} is not a valid Lambda function ARN`);
  const parts = rest.split(':');
  if (parts.length > 2) throw invalid(`${id} is not a valid function name or ARN`);
  const [name, derived] = parts;
  if (!NAME.test(name))
    throw invalid(
      `1 validation error detected: Value '${id}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
    );
  if (derived !== undefined && !QUALIFIER.test(derived)) throw invalid(`Invalid qualifier in ${id}`);
  if (explicit !== undefined && explicit !== '' && !QUALIFIER.test(explicit))
    throw invalid(
      `1 validation error detected: Value '${explicit}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`,
    );
  if (derived !== undefined && explicit && derived !== explicit)
    throw invalid('The derived qualifier from the function name does not match the specified qualifier.');
  const qualifier = derived ?? (explicit || undefined);
  return qualifier === undefined ? { name } : { name, qualifier };
}

function invalid(message: string): SelflessError {
  return new SelflessError('INVALID_PARAMETER', message);
}
