/**
 * DynamoDB attribute values (S, N, B, BOOL, NULL, M, L, SS, NS, BS): validation with AWS's
 * messages, numbers as exact decimals (38 significant digits, numeric ordering, BigInt arithmetic),
 * deep equality, ordering for keys and comparisons, and the item size DynamoDB bills and limits.
 */
import { validationError } from './errors.js';

/** One attribute value as it travels on the wire. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Item }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;
export type TypeName = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';

const TYPES = new Set<TypeName>(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);
const SET_NAMES: Record<string, string> = { SS: 'string', NS: 'number', BS: 'binary' };

/** The type tag of a value. */
export function typeOf(v: AttributeValue): TypeName {
  return Object.keys(v)[0] as TypeName;
}

/** A decimal as sign × digits × 10^exp, digits without leading or trailing zeros ('' is zero). */
interface Decimal {
  neg: boolean;
  digits: string;
  exp: number;
}

function parseDecimal(text: string): Decimal {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === ''))
    throw validationError(`The parameter cannot be converted to a numeric value: ${text}`);
  let digits = m[2] + (m[3] ?? '');
  let exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  const lead = /^0*/.exec(digits)![0].length;
  digits = digits.slice(lead);
  const trail = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trail);
  exp += trail;
  if (digits === '') return { neg: false, digits: '', exp: 0 };
  return { neg: m[1] === '-', digits, exp };
}

function checkRange(d: Decimal, text: string): void {
  if (d.digits.length > 38)
    throw validationError('Attempting to store more than 38 significant digits in a Number');
  const magnitude = d.exp + d.digits.length - 1;
  if (d.digits !== '' && magnitude > 125)
    throw validationError(
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    );
  if (d.digits !== '' && magnitude < -130)
    throw validationError(
      'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    );
  void text;
}

function formatDecimal(d: Decimal): string {
  if (d.digits === '') return '0';
  let s: string;
  if (d.exp >= 0) s = d.digits + '0'.repeat(d.exp);
  else {
    const point = d.digits.length + d.exp;
    s =
      point > 0
        ? `${d.digits.slice(0, point)}.${d.digits.slice(point)}`
        : `0.${'0'.repeat(-point)}${d.digits}`;
  }
  return d.neg ? `-${s}` : s;
}

/** A number string checked and written the way DynamoDB stores it (`01.50` → `1.5`). */
export function normalizeNumber(text: string): string {
  const d = parseDecimal(text);
  checkRange(d, text);
  return formatDecimal(d);
}

function toScaled(d: Decimal, exp: number): bigint {
  if (d.digits === '') return 0n;
  const v = BigInt(d.digits) * 10n ** BigInt(d.exp - exp);
  return d.neg ? -v : v;
}

/** Compares two number strings numerically. */
export function compareNumbers(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const exp = Math.min(x.exp, y.exp);
  const d = toScaled(x, exp) - toScaled(y, exp);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Adds (or with sign -1 subtracts) two number strings exactly. */
export function addNumbers(a: string, b: string, sign: 1 | -1 = 1): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const exp = Math.min(x.exp, y.exp);
  const sum = toScaled(x, exp) + (sign === 1 ? toScaled(y, exp) : -toScaled(y, exp));
  const neg = sum < 0n;
  const text = `${neg ? '-' : ''}${(neg ? -sum : sum).toString()}e${exp}`;
  return normalizeNumber(text);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'base64'), Buffer.from(b, 'base64'));
}

/** Orders two scalar values of the same type (S by UTF-8 bytes, N numerically, B by bytes). */
export function compareScalars(a: AttributeValue, b: AttributeValue): number | undefined {
  const t = typeOf(a);
  if (t !== typeOf(b)) return undefined;
  if (t === 'N') return compareNumbers((a as { N: string }).N, (b as { N: string }).N);
  if (t === 'S')
    return Buffer.compare(Buffer.from((a as { S: string }).S), Buffer.from((b as { S: string }).S));
  if (t === 'B') return compareBytes((a as { B: string }).B, (b as { B: string }).B);
  return undefined;
}

/** Deep equality of two values (sets compare as sets, numbers numerically). */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const t = typeOf(a);
  if (t !== typeOf(b)) return false;
  const av = (a as Record<string, unknown>)[t];
  const bv = (b as Record<string, unknown>)[t];
  switch (t) {
    case 'N':
      return compareNumbers(av as string, bv as string) === 0;
    case 'S':
    case 'B':
    case 'BOOL':
    case 'NULL':
      return av === bv;
    case 'L': {
      const x = av as AttributeValue[];
      const y = bv as AttributeValue[];
      return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]!));
    }
    case 'M': {
      const x = av as Item;
      const y = bv as Item;
      const keys = Object.keys(x);
      return keys.length === Object.keys(y).length && keys.every((k) => k in y && valuesEqual(x[k]!, y[k]!));
    }
    default: {
      const x = av as string[];
      const y = bv as string[];
      return x.length === y.length && x.every((e) => setHas(t, y, e));
    }
  }
}

/** Whether a set (of type SS/NS/BS) holds an element. */
export function setHas(t: TypeName, set: string[], e: string): boolean {
  return t === 'NS' ? set.some((x) => compareNumbers(x, e) === 0) : set.includes(e);
}

/**
 * Checks a value from a request and returns it normalised (numbers canonical). `where` names the
 * context for messages.
 */
export function checkValue(v: unknown): AttributeValue {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw validationError(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
  const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (keys.length !== 1 || !TYPES.has(keys[0] as TypeName))
    throw validationError(
      keys.length === 0
        ? 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'
        : 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  const t = keys[0] as TypeName;
  const raw = (v as Record<string, unknown>)[t];
  switch (t) {
    case 'S':
      if (typeof raw !== 'string') throw validationError('Invalid attribute value type');
      return { S: raw };
    case 'N':
      if (typeof raw !== 'string') throw validationError('Invalid attribute value type');
      return { N: normalizeNumber(raw) };
    case 'B':
      if (typeof raw !== 'string') throw validationError('Invalid attribute value type');
      return { B: raw };
    case 'BOOL':
      if (typeof raw !== 'boolean') throw validationError('Invalid attribute value type');
      return { BOOL: raw };
    case 'NULL':
      if (raw !== true)
        throw validationError(
          'One or more parameter values were invalid: Null attribute value types must have the value of true',
        );
      return { NULL: true };
    case 'L':
      if (!Array.isArray(raw)) throw validationError('Invalid attribute value type');
      return { L: raw.map(checkValue) };
    case 'M':
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw validationError('Invalid attribute value type');
      return { M: checkItem(raw as Record<string, unknown>) };
    default: {
      if (!Array.isArray(raw) || raw.some((e) => typeof e !== 'string'))
        throw validationError('Invalid attribute value type');
      if (raw.length === 0)
        throw validationError(
          `One or more parameter values were invalid: An ${SET_NAMES[t]} set  may not be empty`,
        );
      const elems = t === 'NS' ? (raw as string[]).map(normalizeNumber) : (raw as string[]);
      const seen = new Set<string>();
      for (const e of elems) {
        if (seen.has(e))
          throw validationError(
            `One or more parameter values were invalid: Input collection [${(raw as string[]).join(', ')}] contains duplicates.`,
          );
        seen.add(e);
      }
      return { [t]: elems } as AttributeValue;
    }
  }
}

/** Checks every attribute of an item from a request. */
export function checkItem(raw: Record<string, unknown>): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k] = checkValue(v);
  }
  return out;
}

function numberSize(n: string): number {
  const digits = n.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

/** The size DynamoDB counts for a value, in bytes. */
export function valueSize(v: AttributeValue): number {
  const t = typeOf(v);
  const raw = (v as Record<string, unknown>)[t];
  switch (t) {
    case 'S':
      return Buffer.byteLength(raw as string);
    case 'N':
      return numberSize(raw as string);
    case 'B':
      return Buffer.from(raw as string, 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'L':
      return 3 + (raw as AttributeValue[]).reduce((s, e) => s + 1 + valueSize(e), 0);
    case 'M':
      return (
        3 + Object.entries(raw as Item).reduce((s, [k, e]) => s + 1 + Buffer.byteLength(k) + valueSize(e), 0)
      );
    case 'SS':
      return (raw as string[]).reduce((s, e) => s + Buffer.byteLength(e), 0);
    case 'NS':
      return (raw as string[]).reduce((s, e) => s + numberSize(e), 0);
    default:
      return (raw as string[]).reduce((s, e) => s + Buffer.from(e, 'base64').length, 0);
  }
}

/** The size of an item: attribute names plus values. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((s, [k, v]) => s + Buffer.byteLength(k) + valueSize(v), 0);
}

/** DynamoDB's item size limit. */
export const MAX_ITEM_SIZE = 400 * 1024;
