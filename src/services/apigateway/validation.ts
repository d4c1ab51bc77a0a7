/**
 * Request validation of REST methods, before the function runs: required parameters
 * (`request.parameters`) and the body against the JSON Schema of its content type (`request.schemas`).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { RestRoute } from './model.js';
import { type GatewayRequest, headerValue, mediaType, queryPairs } from './request.js';
import { answers, type GatewayResponse, jsonError } from './response.js';

// Created on first use: most services validate nothing, and start-up time matters for `selfless dev`.
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** Drops draft markers Ajv does not know (API Gateway models usually say draft-04) and compiles once. */
function validatorFor(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    const copy =
      typeof schema === 'object' && schema !== null ? { ...(schema as Record<string, unknown>) } : {};
    delete copy.$schema;
    delete copy.id;
    try {
      ajv ??= new Ajv({ strict: false, allErrors: false, validateSchema: false });
      v = ajv.compile(copy);
    } catch {
      // An uncompilable schema accepts nothing, like a broken model in API Gateway rejects bodies.
      v = (() => false) as unknown as ValidateFunction;
    }
    compiled.set(key, v);
  }
  return v;
}

/** Validates a request against its method's settings; undefined when it passes. */
export function validateRequest(
  route: RestRoute,
  req: GatewayRequest,
  pathParameters: Record<string, string>,
): GatewayResponse | undefined {
  const p = route.parameters;
  if (p) {
    const missing: string[] = [];
    const query = new Set(queryPairs(req.rawQuery).map(([k]) => k));
    for (const [name, required] of Object.entries(p.querystrings))
      if (required && !query.has(name)) missing.push(name);
    for (const [name, required] of Object.entries(p.headers))
      if (required && headerValue(req.rawHeaders, name) === undefined) missing.push(name);
    for (const [name, required] of Object.entries(p.paths))
      if (required && !pathParameters[name]) missing.push(name);
    if (missing.length > 0)
      return jsonError(
        400,
        { message: `Missing required request parameters: [${missing.join(', ')}]` },
        'BadRequestException',
      );
  }
  const types = Object.keys(route.schemas);
  if (types.length === 0) return undefined;
  const type = mediaType(headerValue(req.rawHeaders, 'content-type')) || 'application/json';
  const schema = route.schemas[type];
  if (schema === undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(req.body.length === 0 ? '{}' : req.body.toString('utf8'));
  } catch {
    return answers.invalidBody();
  }
  return validatorFor(schema)(body) ? undefined : answers.invalidBody();
}
