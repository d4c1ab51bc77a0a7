/**
 * EventBridge event patterns: validation with AWS's error, and matching against an event.
 * Leaves are arrays of literal values (string, number, boolean, null) or operator objects:
 * prefix, suffix, anything-but (values, lists, prefix, suffix, equals-ignore-case, wildcard),
 * numeric, exists, equals-ignore-case, wildcard and cidr; `$or` combines sub-patterns.
 */
import { isIPv4 } from 'node:net';
import { SelflessError } from '../../platform/errors.js';

/** A compiled pattern: call it with an event (any JSON) to test it. */
export type EventPattern = Record<string, unknown>;

/** The error PutRule/TestEventPattern return for a bad pattern (400 InvalidEventPatternException). */
export function invalidPattern(reason: string): SelflessError {
  return new SelflessError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`, {
    details: { reason },
  });
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
  'wildcard',
  'cidr',
]);
const NUMERIC_OPS = new Set(['<', '<=', '=', '>', '>=']);

/** Parses (when given text) and validates a pattern, throwing InvalidEventPatternException. */
export function parsePattern(input: string | unknown): EventPattern {
  let pattern: unknown = input;
  if (typeof input === 'string') {
    try {
      pattern = JSON.parse(input);
    } catch (e) {
      throw invalidPattern(`Filter is not valid JSON: ${(e as Error).message}`);
    }
  }
  validateObject(pattern, '');
  return pattern as EventPattern;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateObject(p: unknown, path: string): void {
  if (!isPlainObject(p))
    throw invalidPattern(path ? `"${path}" must be an object or an array` : 'Filter is not an object');
  if (Object.keys(p).length === 0 && path !== '')
    throw invalidPattern(`Empty objects are not allowed at "${path}"`);
  for (const [key, value] of Object.entries(p)) {
    const here = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw invalidPattern('Value of $or must be an array of at least 2 objects');
      for (const alt of value) validateObject(alt, path);
      continue;
    }
    if (Array.isArray(value)) validateLeaf(value, here);
    else if (isPlainObject(value)) validateObject(value, here);
    else throw invalidPattern(`"${key}" must be an object or an array`);
  }
}

function validateLeaf(values: unknown[], path: string): void {
  if (values.length === 0) throw invalidPattern(`Empty arrays are not allowed at "${path}"`);
  for (const v of values) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) continue;
    if (!isPlainObject(v))
      throw invalidPattern(`Match value must be String, number, true, false, or null at "${path}"`);
    validateOperator(v, path);
  }
}

function validateOperator(op: Record<string, unknown>, path: string): void {
  const keys = Object.keys(op);
  if (keys.length !== 1) throw invalidPattern(`Only one match type is allowed per object at "${path}"`);
  const [name] = keys;
  const arg = op[name];
  if (!OPERATORS.has(name)) throw invalidPattern(`Unrecognized match type ${name}`);
  switch (name) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (
        isPlainObject(arg) &&
        Object.keys(arg).length === 1 &&
        typeof arg['equals-ignore-case'] === 'string'
      )
        return;
      throw invalidPattern(`${name} match pattern must be a string, or an object with equals-ignore-case`);
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw invalidPattern('equals-ignore-case match pattern must be a string');
      return;
    case 'wildcard':
      validateWildcard(arg);
      return;
    case 'exists':
      if (typeof arg !== 'boolean')
        throw invalidPattern('exists match pattern must be either true or false.');
      return;
    case 'cidr':
      if (typeof arg !== 'string' || !parseCidr(arg))
        throw invalidPattern(`Malformed CIDR, one '/' required`);
      return;
    case 'numeric':
      validateNumeric(arg);
      return;
    case 'anything-but':
      validateAnythingBut(arg);
      return;
  }
}

function validateWildcard(arg: unknown): void {
  if (typeof arg !== 'string') throw invalidPattern('wildcard match pattern must be a string');
  if (arg.includes('**'))
    throw invalidPattern(`Consecutive wildcard characters at pos ${arg.indexOf('**') + 1}`);
}

function validateNumeric(arg: unknown): void {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4)
    throw invalidPattern('Value of numeric must be an array of an operator and a number, or two such pairs');
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.has(op))
      throw invalidPattern(`Unrecognized numeric range operator: ${op}`);
    if (typeof n !== 'number' || !Number.isFinite(n)) throw invalidPattern(`Value of ${op} must be numeric`);
  }
  if (arg.length === 4) {
    const [a, , b] = arg as string[];
    if (!a.startsWith('>') || !b.startsWith('<'))
      throw invalidPattern(
        'Bad numeric range operator: a range needs a lower bound (> or >=) then an upper bound (< or <=)',
      );
    if ((arg[1] as number) >= (arg[3] as number)) throw invalidPattern('Bottom must be less than top');
  }
}

function validateAnythingBut(arg: unknown): void {
  if (typeof arg === 'string' || typeof arg === 'number' || typeof arg === 'boolean' || arg === null) return;
  if (Array.isArray(arg)) {
    if (arg.length === 0) throw invalidPattern('Empty arrays are not allowed in anything-but');
    const types = new Set(arg.map((v) => typeof v));
    if (types.size !== 1 || !(types.has('string') || types.has('number')))
      throw invalidPattern('Inside anything but list, start|null|boolean is not supported.');
    return;
  }
  if (isPlainObject(arg) && Object.keys(arg).length === 1) {
    const [name] = Object.keys(arg);
    const inner = arg[name];
    if (name === 'prefix' || name === 'suffix') {
      if (
        typeof inner === 'string' ||
        (Array.isArray(inner) && inner.length > 0 && inner.every((s) => typeof s === 'string'))
      )
        return;
      throw invalidPattern(`${name} match pattern must be a string`);
    }
    if (name === 'equals-ignore-case') {
      if (
        typeof inner === 'string' ||
        (Array.isArray(inner) && inner.length > 0 && inner.every((s) => typeof s === 'string'))
      )
        return;
      throw invalidPattern('equals-ignore-case match pattern must be a string or an array of strings');
    }
    if (name === 'wildcard') {
      for (const w of Array.isArray(inner) ? inner : [inner]) validateWildcard(w);
      return;
    }
    throw invalidPattern(`Unsupported anything-but pattern: ${name}`);
  }
  throw invalidPattern('Value of anything-but must be an array or single string/number value.');
}

/** True when the event matches the (validated) pattern. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as Array<Record<string, unknown>>).some((alt) => matchObject(alt, value))) return false;
      continue;
    }
    const field = isPlainObject(value) ? value[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, field)) return false;
    } else if (Array.isArray(field)) {
      // A nested pattern against an array of objects matches when any element does.
      if (!field.some((el) => matchObject(sub as Record<string, unknown>, el))) return false;
    } else if (!matchObject(sub as Record<string, unknown>, field)) return false;
  }
  return true;
}

function matchLeaf(matchers: unknown[], field: unknown): boolean {
  // exists applies to the field as a whole; every other matcher to any of its leaf values.
  const present = field !== undefined && !isPlainObject(field);
  const values = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return matchers.some((m) => {
    if (isPlainObject(m) && 'exists' in m)
      return m.exists === (present && !(Array.isArray(field) && field.length === 0));
    if (isPlainObject(m) && 'anything-but' in m)
      return values.length > 0 && values.every((v) => anythingBut(m['anything-but'], v));
    return values.some((v) => matchValue(m, v));
  });
}

function matchValue(m: unknown, v: unknown): boolean {
  if (!isPlainObject(m)) return m === v;
  const [name] = Object.keys(m);
  const arg = m[name];
  switch (name) {
    case 'prefix':
      return typeof v === 'string' && affix(arg, v, (s, p) => s.startsWith(p));
    case 'suffix':
      return typeof v === 'string' && affix(arg, v, (s, p) => s.endsWith(p));
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === (arg as string).toLowerCase();
    case 'wildcard':
      return typeof v === 'string' && wildcard(arg as string, v);
    case 'numeric':
      return typeof v === 'number' && numeric(arg as Array<string | number>, v);
    case 'cidr':
      return typeof v === 'string' && inCidr(arg as string, v);
  }
  return false;
}

function affix(arg: unknown, v: string, test: (s: string, p: string) => boolean): boolean {
  if (typeof arg === 'string') return test(v, arg);
  const p = (arg as Record<string, string>)['equals-ignore-case'];
  return test(v.toLowerCase(), p.toLowerCase());
}

function anythingBut(arg: unknown, v: unknown): boolean {
  if (Array.isArray(arg)) return !arg.some((a) => a === v);
  if (!isPlainObject(arg)) return arg !== v;
  const [name] = Object.keys(arg);
  const inner = arg[name];
  const list = (Array.isArray(inner) ? inner : [inner]) as string[];
  if (typeof v !== 'string') return true;
  if (name === 'prefix') return !list.some((p) => v.startsWith(p));
  if (name === 'suffix') return !list.some((p) => v.endsWith(p));
  if (name === 'equals-ignore-case') return !list.some((p) => p.toLowerCase() === v.toLowerCase());
  if (name === 'wildcard') return !list.some((p) => wildcard(p, v));
  return true;
}

function numeric(ops: Array<string | number>, v: number): boolean {
  for (let i = 0; i < ops.length; i += 2) {
    const n = ops[i + 1] as number;
    const ok =
      ops[i] === '<'
        ? v < n
        : ops[i] === '<='
          ? v <= n
          : ops[i] === '='
            ? v === n
            : ops[i] === '>'
              ? v > n
              : v >= n;
    if (!ok) return false;
  }
  return true;
}

/** `*` matches any run of characters; `\*` a literal star. */
function wildcard(pattern: string, v: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      re += `\\${pattern[++i]}`;
    } else if (c === '*') re += '.*';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(v);
}

function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bitsText, extra] = cidr.split('/');
  if (extra !== undefined || bitsText === undefined || !isIPv4(ip) || !/^\d+$/.test(bitsText))
    return undefined;
  const bits = Number(bitsText);
  if (bits > 32) return undefined;
  return { base: ipv4ToInt(ip), bits };
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function inCidr(cidr: string, v: string): boolean {
  const c = parseCidr(cidr);
  if (!c || !isIPv4(v)) return false;
  const mask = c.bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - c.bits);
  const and = (n: number) => Number((BigInt(n) & BigInt(mask)).toString());
  return and(ipv4ToInt(v)) === and(c.base);
}
