/**
 * JSONPath payload templates (Parameters, ResultSelector, ItemSelector, JSONPath Assign): keys ending
 * in `.$` are evaluated as a path (`$...`, `$$...`, `$var`) or an intrinsic function; everything else
 * is copied. A path that finds nothing is AWS's States.Runtime with its cause text.
 */

import { runtimeError } from './errors.js';
import { evaluateIntrinsic } from './intrinsics.js';
import { evaluatePath, PathNotFound, type PathScope } from './jsonpath.js';
import type { Json, JsonObject } from './types.js';

/** Evaluates one `.$` value: a path or an intrinsic call. */
export function evaluateDynamic(expr: string, scope: PathScope, field: string): Json {
  if (expr.startsWith('$')) {
    try {
      return evaluatePath(expr, scope);
    } catch (e) {
      if (e instanceof PathNotFound)
        throw runtimeError(
          `The JSONPath '${expr}' specified for the field '${field}' could not be found in the input '${JSON.stringify(scope.input)}'`,
        );
      throw e;
    }
  }
  return evaluateIntrinsic(expr, scope, field);
}

/** Applies a payload template to the scope's documents. */
export function applyTemplate(template: Json, scope: PathScope): Json {
  if (Array.isArray(template)) return template.map((t) => applyTemplate(t, scope));
  if (template === null || typeof template !== 'object') return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      out[key.slice(0, -2)] = evaluateDynamic(value, scope, key);
    } else {
      out[key] = applyTemplate(value, scope);
    }
  }
  return out;
}
