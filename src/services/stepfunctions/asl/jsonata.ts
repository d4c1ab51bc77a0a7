/**
 * JSONata for Step Functions: `{% expr %}` strings at any depth of a field, the `$states` variable,
 * workflow variables as bindings, and the functions AWS adds ($partition, $range, $hash, $random,
 * $uuid, $parse). Any failure is States.QueryEvaluationError with AWS's cause text.
 */
import { createHash, randomUUID } from 'node:crypto';
import jsonata from 'jsonata';
import { queryError } from './errors.js';
import type { Json, JsonObject } from './types.js';

type Expression = ReturnType<typeof jsonata>;

const compiled = new Map<string, Expression>();

/** The `$states` variable and the visible workflow variables. */
export interface JsonataScope {
  states: { input: Json; context: Json; result?: Json; errorOutput?: Json };
  variables: Readonly<Record<string, Json>>;
}

/** The expression inside `{% ... %}`, or undefined when the string is a literal. */
export function jsonataExpression(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.startsWith('{%') && value.endsWith('%}') && value.length >= 4) return value.slice(2, -2).trim();
  return undefined;
}

/** Compiles an expression (cached); throws the jsonata error for bad syntax. */
export function compileJsonata(expr: string): Expression {
  let e = compiled.get(expr);
  if (!e) {
    e = jsonata(expr);
    registerExtras(e);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(expr, e);
  }
  return e;
}

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

function registerExtras(e: Expression): void {
  // $eval is not available on AWS: calling it fails like any unknown function (T1006).
  e.assign('eval', false);
  e.registerFunction(
    'partition',
    (arr: unknown, size: unknown) => {
      if (!Array.isArray(arr)) throw new Error('$partition: the first argument must be an array');
      const n = Number(size);
      if (!Number.isInteger(n) || n <= 0) throw new Error('$partition: the size must be a positive integer');
      const out: unknown[] = [];
      for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));
      return out;
    },
    '<an:a>',
  );
  e.registerFunction(
    'range',
    (start: number, end: number, step: number) => {
      const out: number[] = [];
      if (step === 0) return out;
      for (let x = start; step > 0 ? x <= end : x >= end; x += step) {
        out.push(x);
        if (out.length > 1000) throw new Error('$range: the result would have more than 1000 items');
      }
      // A one-item result is a singleton sequence, which JSONata collapses to the item.
      return out.length === 1 ? out[0] : out;
    },
    '<nnn:a>',
  );
  e.registerFunction(
    'hash',
    (data: unknown, algo: string) => {
      const node = HASHES[algo];
      if (!node) throw new Error(`$hash: unsupported algorithm '${algo}'`);
      return createHash(node)
        .update(typeof data === 'string' ? data : JSON.stringify(data))
        .digest('hex');
    },
    '<xs:s>',
  );
  e.registerFunction(
    'random',
    (seed?: number) => {
      if (seed === undefined) return Math.random();
      let a = seed >>> 0;
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    '<n?:n>',
  );
  e.registerFunction('uuid', () => randomUUID(), '<:s>');
  e.registerFunction(
    'parse',
    (s: string) => {
      return JSON.parse(s);
    },
    '<s:x>',
  );
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** JSONata results can carry sequence markers and functions; turn them into plain JSON or fail. */
function toJson(v: unknown): Json | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'function') throw new TypeError('function');
  if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('number');
  if (Object.is(v, -0)) return 0;
  if (v === null || typeof v !== 'object') return v as Json;
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v) {
      const j = toJson(x);
      if (j !== undefined) out.push(j);
    }
    return out;
  }
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const j = toJson(x);
    if (j !== undefined) out[k] = j;
  }
  return out;
}

/** Evaluates one expression; `field` names it in AWS's cause ("Output/result", "Items"). */
export async function evaluateJsonata(expr: string, scope: JsonataScope, field: string): Promise<Json> {
  let e: Expression;
  try {
    e = compileJsonata(expr);
  } catch (err) {
    throw queryError(
      `The JSONata expression '${expr}' specified for the field '${field}' threw an error during evaluation. ${jsonataMessage(err)}`,
    );
  }
  let raw: unknown;
  try {
    const bindings: Record<string, unknown> = { ...scope.variables, states: scope.states };
    raw = await e.evaluate(undefined, bindings);
  } catch (err) {
    throw queryError(
      `The JSONata expression '${expr}' specified for the field '${field}' threw an error during evaluation. ${jsonataMessage(err)}`,
    );
  }
  if (raw === undefined)
    throw queryError(
      `The JSONata expression '${expr}' specified for the field '${field}' returned nothing (undefined).`,
    );
  try {
    return toJson(raw) as Json;
  } catch {
    throw queryError(
      `The JSONata expression '${expr}' specified for the field '${field}' returned an unsupported result type.`,
    );
  }
}

function jsonataMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? err);
}

/**
 * Evaluates a JSONata-mode field value: a `{% %}` string is evaluated, objects and arrays are walked
 * (their `{% %}` strings evaluated), anything else is a literal.
 */
export async function evaluateJsonataValue(value: Json, scope: JsonataScope, field: string): Promise<Json> {
  const expr = jsonataExpression(value);
  if (expr !== undefined) return evaluateJsonata(expr, scope, field);
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (let i = 0; i < value.length; i++)
      out.push(await evaluateJsonataValue(value[i], scope, `${field}[${i}]`));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value))
      out[k] = await evaluateJsonataValue(v, scope, `${field}/${k}`);
    return out;
  }
  return value;
}

/** Type name as AWS prints it in "Expected 'array', but was 'object'". */
export function jsonTypeName(v: Json): string {
  return typeOf(v);
}
