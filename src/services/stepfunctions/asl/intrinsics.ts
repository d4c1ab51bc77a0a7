/**
 * Intrinsic functions (`States.Format(...)` and friends) for JSONPath payload templates, Fail
 * ErrorPath/CausePath and JSONPath Assign. Parsed once per expression text, evaluated per use.
 */
import { createHash, randomUUID } from 'node:crypto';
import { runtimeError, StatesError, StatesErrors } from './errors.js';
import { evaluatePath, PathNotFound, type PathScope } from './jsonpath.js';
import type { Json, JsonObject } from './types.js';

type Arg =
  | { kind: 'literal'; value: Json; raw?: string }
  | { kind: 'path'; path: string }
  | { kind: 'call'; name: string; args: Arg[] };

/** A malformed intrinsic expression (reported at validation time). */
export class IntrinsicSyntaxError extends Error {}

const FUNCTIONS = new Set([
  'States.Format',
  'States.StringToJson',
  'States.JsonToString',
  'States.Array',
  'States.ArrayPartition',
  'States.ArrayContains',
  'States.ArrayRange',
  'States.ArrayGetItem',
  'States.ArrayLength',
  'States.ArrayUnique',
  'States.Base64Encode',
  'States.Base64Decode',
  'States.Hash',
  'States.JsonMerge',
  'States.MathRandom',
  'States.MathAdd',
  'States.StringSplit',
  'States.UUID',
]);

const cache = new Map<string, Arg>();

/** Whether a template value looks like an intrinsic call. */
export function isIntrinsic(text: string): boolean {
  return /^\s*States\.[A-Za-z0-9]+\s*\(/.test(text);
}

/** Parses an intrinsic call, throwing IntrinsicSyntaxError with what is wrong. */
export function parseIntrinsic(text: string): Arg {
  const hit = cache.get(text);
  if (hit) return hit;
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const parseCall = (depth: number): Arg => {
    if (depth > 10)
      throw new IntrinsicSyntaxError('intrinsic functions may be nested at most 10 levels deep');
    const m = /^States\.[A-Za-z0-9]+/.exec(text.slice(i));
    if (!m) throw new IntrinsicSyntaxError(`expected a States.* function at position ${i}`);
    const name = m[0];
    if (!FUNCTIONS.has(name)) throw new IntrinsicSyntaxError(`unknown intrinsic function ${name}`);
    i += name.length;
    skip();
    if (text[i] !== '(') throw new IntrinsicSyntaxError(`expected '(' after ${name}`);
    i++;
    const args: Arg[] = [];
    skip();
    if (text[i] === ')') {
      i++;
      return { kind: 'call', name, args };
    }
    for (;;) {
      skip();
      args.push(parseArg(depth));
      skip();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ')') {
        i++;
        return { kind: 'call', name, args };
      }
      throw new IntrinsicSyntaxError(`expected ',' or ')' at position ${i} in ${name}`);
    }
  };
  const parseArg = (depth: number): Arg => {
    const c = text[i];
    if (c === "'") {
      let raw = '';
      let value = '';
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < text.length) {
          raw += text[i] + text[i + 1];
          value += text[i + 1];
          i += 2;
          continue;
        }
        raw += text[i];
        value += text[i];
        i++;
      }
      if (text[i] !== "'") throw new IntrinsicSyntaxError('unterminated string literal');
      i++;
      return { kind: 'literal', value, raw };
    }
    if (c === '$') {
      const start = i;
      let bracket = 0;
      let quote: string | undefined;
      while (i < text.length) {
        const ch = text[i];
        if (quote) {
          if (ch === quote) quote = undefined;
        } else if (ch === "'" || ch === '"') quote = ch;
        else if (ch === '[' || ch === '(') bracket++;
        else if (ch === ']' || ch === ')') {
          if (bracket === 0) break;
          bracket--;
        } else if (ch === ',' && bracket === 0) break;
        i++;
      }
      return { kind: 'path', path: text.slice(start, i).trim() };
    }
    if (text.startsWith('States.', i)) return parseCall(depth + 1);
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: 'literal', value: Number(num[0]) };
    }
    for (const [word, value] of [
      ['null', null],
      ['true', true],
      ['false', false],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: 'literal', value };
      }
    }
    throw new IntrinsicSyntaxError(`unexpected character '${c ?? ''}' at position ${i}`);
  };
  skip();
  const parsed = parseCall(1);
  skip();
  if (i !== text.length) throw new IntrinsicSyntaxError(`unexpected text after the call at position ${i}`);
  if (cache.size > 10_000) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

/** Evaluates an intrinsic expression against the state's documents. */
export function evaluateIntrinsic(text: string, scope: PathScope, field: string): Json {
  let parsed: Arg;
  try {
    parsed = parseIntrinsic(text);
  } catch (e) {
    throw runtimeError(
      `The value for the field '${field}' must be a valid intrinsic function: ${(e as Error).message}`,
    );
  }
  return evalArg(parsed, scope, field);
}

function evalArg(arg: Arg, scope: PathScope, field: string): Json {
  if (arg.kind === 'literal') return arg.value;
  if (arg.kind === 'path') {
    try {
      return evaluatePath(arg.path, scope);
    } catch (e) {
      if (e instanceof PathNotFound)
        throw runtimeError(
          `The JSONPath '${arg.path}' specified for the field '${field}' could not be found in the input '${JSON.stringify(scope.input)}'`,
        );
      throw e;
    }
  }
  const values = arg.args.map((a) => evalArg(a, scope, field));
  return callFunction(arg.name, values, arg.args, field);
}

function fail(fn: string, message: string): never {
  throw new StatesError(StatesErrors.IntrinsicFailure, `${fn}: ${message}`, true);
}

function typeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function expectArgs(fn: string, values: Json[], min: number, max = min): void {
  if (values.length < min || values.length > max)
    fail(fn, `expected ${min === max ? min : `${min} to ${max}`} arguments but got ${values.length}`);
}

function expectString(fn: string, v: Json, what: string): string {
  if (typeof v !== 'string') fail(fn, `${what} must be a string, got ${typeName(v)}`);
  return v;
}

function expectArray(fn: string, v: Json, what: string): Json[] {
  if (!Array.isArray(v)) fail(fn, `${what} must be an array, got ${typeName(v)}`);
  return v;
}

function expectInt(fn: string, v: Json, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(fn, `${what} must be a number, got ${typeName(v)}`);
  return Math.round(v);
}

/** Java's String.valueOf for JSON values (how AWS renders objects in States.Format). */
function javaString(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(javaString).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${k}=${javaString(x)}`)
    .join(', ')}}`;
}

function deepEqual(a: Json, b: Json): boolean {
  return canonical(a) === canonical(b);
}

/** A key-order-independent JSON text, for equality and uniqueness. */
export function canonical(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((v as JsonObject)[k])}`)
    .join(',')}}`;
}

function seededRandom(seed: number): () => number {
  // mulberry32: small, deterministic; the same seed gives the same sequence.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

function callFunction(fn: string, values: Json[], args: Arg[], _field: string): Json {
  switch (fn) {
    case 'States.Format': {
      if (values.length < 1) fail(fn, 'expected a template string');
      const tplArg = args[0];
      const raw =
        tplArg.kind === 'literal' && tplArg.raw !== undefined
          ? tplArg.raw
          : expectString(fn, values[0], 'the template');
      const rest = values.slice(1);
      let out = '';
      let used = 0;
      for (let i = 0; i < raw.length; i++) {
        const c = raw[i];
        if (c === '\\' && i + 1 < raw.length) {
          out += raw[i + 1];
          i++;
        } else if (c === '{' && raw[i + 1] === '}') {
          if (used >= rest.length) fail(fn, 'the template has more placeholders than arguments');
          out += javaString(rest[used++]);
          i++;
        } else out += c;
      }
      if (used !== rest.length) fail(fn, 'the number of arguments does not match the placeholders');
      return out;
    }
    case 'States.StringToJson': {
      expectArgs(fn, values, 1);
      const s = expectString(fn, values[0], 'the argument');
      try {
        return s.trim() === '' ? null : (JSON.parse(s) as Json);
      } catch (e) {
        return fail(fn, `the argument is not valid JSON: ${(e as Error).message}`);
      }
    }
    case 'States.JsonToString':
      expectArgs(fn, values, 1);
      return JSON.stringify(values[0]);
    case 'States.Array':
      return values;
    case 'States.ArrayPartition': {
      expectArgs(fn, values, 2);
      const arr = expectArray(fn, values[0], 'the first argument');
      const size = expectInt(fn, values[1], 'the chunk size');
      if (size <= 0) fail(fn, 'the chunk size must be a positive integer');
      const out: Json[] = [];
      for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains': {
      expectArgs(fn, values, 2);
      const arr = expectArray(fn, values[0], 'the first argument');
      return arr.some((x) => deepEqual(x, values[1]));
    }
    case 'States.ArrayRange': {
      expectArgs(fn, values, 3);
      const [start, end, step] = values.map((v, i) => expectInt(fn, v, `argument ${i + 1}`));
      if (step === 0) fail(fn, 'the step must not be 0');
      const out: number[] = [];
      for (let x = start; step > 0 ? x <= end : x >= end; x += step) {
        out.push(x);
        if (out.length > 1000) fail(fn, 'the result would have more than 1000 items');
      }
      return out;
    }
    case 'States.ArrayGetItem': {
      expectArgs(fn, values, 2);
      const arr = expectArray(fn, values[0], 'the first argument');
      const idx = expectInt(fn, values[1], 'the index');
      if (idx < 0 || idx >= arr.length)
        fail(fn, `index ${idx} is out of bounds for an array of ${arr.length}`);
      return arr[idx];
    }
    case 'States.ArrayLength':
      expectArgs(fn, values, 1);
      return expectArray(fn, values[0], 'the argument').length;
    case 'States.ArrayUnique': {
      expectArgs(fn, values, 1);
      const seen = new Set<string>();
      const out: Json[] = [];
      for (const x of expectArray(fn, values[0], 'the argument')) {
        const k = canonical(x);
        if (!seen.has(k)) {
          seen.add(k);
          out.push(x);
        }
      }
      return out;
    }
    case 'States.Base64Encode': {
      expectArgs(fn, values, 1);
      const s = expectString(fn, values[0], 'the argument');
      if (s.length > 10_000) fail(fn, 'the input is longer than 10000 characters');
      return Buffer.from(s, 'utf8').toString('base64');
    }
    case 'States.Base64Decode': {
      expectArgs(fn, values, 1);
      const s = expectString(fn, values[0], 'the argument');
      if (s.length > 10_000) fail(fn, 'the input is longer than 10000 characters');
      return Buffer.from(s, 'base64').toString('utf8');
    }
    case 'States.Hash': {
      expectArgs(fn, values, 2);
      const algo = expectString(fn, values[1], 'the algorithm');
      const node = HASHES[algo];
      if (!node) fail(fn, `the algorithm must be one of ${Object.keys(HASHES).join(', ')}, got '${algo}'`);
      const data = typeof values[0] === 'string' ? values[0] : JSON.stringify(values[0]);
      if (data.length > 10_000) fail(fn, 'the input is longer than 10000 characters');
      return createHash(node).update(data, 'utf8').digest('hex');
    }
    case 'States.JsonMerge': {
      expectArgs(fn, values, 3);
      const [a, b, deep] = values;
      if (a === null || typeof a !== 'object' || Array.isArray(a))
        fail(fn, 'the first argument must be an object');
      if (b === null || typeof b !== 'object' || Array.isArray(b))
        fail(fn, 'the second argument must be an object');
      if (deep !== false) fail(fn, 'only shallow merging is supported; the third argument must be false');
      return { ...(a as JsonObject), ...(b as JsonObject) };
    }
    case 'States.MathRandom': {
      expectArgs(fn, values, 2, 3);
      const lo = expectInt(fn, values[0], 'the start');
      const hi = expectInt(fn, values[1], 'the end');
      const rnd = values.length === 3 ? seededRandom(expectInt(fn, values[2], 'the seed'))() : Math.random();
      return lo + Math.floor(rnd * (hi - lo + 1));
    }
    case 'States.MathAdd': {
      expectArgs(fn, values, 2);
      return expectInt(fn, values[0], 'the first argument') + expectInt(fn, values[1], 'the second argument');
    }
    case 'States.StringSplit': {
      expectArgs(fn, values, 2);
      const s = expectString(fn, values[0], 'the first argument');
      const seps = new Set(expectString(fn, values[1], 'the delimiter'));
      const out: string[] = [];
      let cur = '';
      for (const ch of s) {
        if (seps.has(ch)) {
          if (cur !== '') out.push(cur);
          cur = '';
        } else cur += ch;
      }
      if (cur !== '') out.push(cur);
      return out;
    }
    case 'States.UUID':
      expectArgs(fn, values, 0);
      return randomUUID();
    default:
      fail(fn, 'unknown intrinsic function');
  }
}
