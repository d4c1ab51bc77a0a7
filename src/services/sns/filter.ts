/**
 * SNS subscription filter policies: attribute scope (message attributes) and MessageBody scope
 * (the JSON message), with every operator SNS supports: exact string/number, null, prefix, suffix,
 * equals-ignore-case, anything-but (value, list, prefix, suffix), numeric ranges, exists, cidr,
 * wildcard, and `$or`.
 */
import { isIP } from 'node:net';

export type FilterScope = 'MessageAttributes' | 'MessageBody';

/** A message attribute as SNS keeps it. */
export interface SnsAttribute {
  Type: string;
  Value: string;
}

type Policy = Record<string, unknown>;

/** A filter policy that does not validate: the message says what is wrong, in SNS's words. */
export class FilterPolicyError extends Error {}

/** Parses and validates a filter policy JSON string. */
export function parseFilterPolicy(text: string, scope: FilterScope = 'MessageAttributes'): Policy {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw new FilterPolicyError('FilterPolicy: failed to parse JSON.');
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
    throw new FilterPolicyError('FilterPolicy: Filter policy must be a JSON object');
  validate(policy as Policy, scope, 1);
  return policy as Policy;
}

function validate(policy: Policy, scope: FilterScope, depth: number): void {
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw new FilterPolicyError('FilterPolicy: $or must be an array of at least two policies');
      for (const p of value) {
        if (typeof p !== 'object' || p === null || Array.isArray(p))
          throw new FilterPolicyError('FilterPolicy: $or values must be objects');
        validate(p as Policy, scope, depth);
      }
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) throw new FilterPolicyError(`FilterPolicy: Empty arrays are not allowed`);
      for (const c of value) validateCondition(key, c);
    } else if (typeof value === 'object' && value !== null && scope === 'MessageBody') {
      if (depth >= 5) throw new FilterPolicyError('FilterPolicy: Filter policy is too complex');
      validate(value as Policy, scope, depth + 1);
    } else throw new FilterPolicyError(`FilterPolicy: "${key}" must be an object or an array`);
  }
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'wildcard',
]);

function validateCondition(key: string, c: unknown): void {
  if (c === null || typeof c === 'string' || typeof c === 'number' || typeof c === 'boolean') return;
  if (typeof c !== 'object' || Array.isArray(c))
    throw new FilterPolicyError(`FilterPolicy: Match value must be String, number, true, false, or null`);
  const ops = Object.keys(c);
  if (ops.length !== 1 || !OPERATORS.has(ops[0]))
    throw new FilterPolicyError(`FilterPolicy: Unrecognized match type ${ops[0] ?? ''}`);
  const v = (c as Record<string, unknown>)[ops[0]];
  switch (ops[0]) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard':
      if (typeof v !== 'string')
        throw new FilterPolicyError(`FilterPolicy: ${ops[0]} match pattern must be a string`);
      break;
    case 'exists':
      if (typeof v !== 'boolean')
        throw new FilterPolicyError('FilterPolicy: exists match pattern must be either true or false.');
      break;
    case 'cidr':
      if (typeof v !== 'string' || !parseCidr(v))
        throw new FilterPolicyError("FilterPolicy: Malformed CIDR, one '/' required");
      break;
    case 'numeric':
      parseNumeric(v);
      break;
    case 'anything-but':
      if (Array.isArray(v)) {
        if (v.some((x) => typeof x !== 'string' && typeof x !== 'number'))
          throw new FilterPolicyError(
            'FilterPolicy: Inside anything but list, start|null|boolean is not supported.',
          );
      } else if (typeof v === 'object' && v !== null) {
        const inner = Object.keys(v);
        if (inner.length !== 1 || !['prefix', 'suffix', 'equals-ignore-case'].includes(inner[0]))
          throw new FilterPolicyError('FilterPolicy: Unsupported anything-but pattern');
      } else if (typeof v !== 'string' && typeof v !== 'number')
        throw new FilterPolicyError(
          'FilterPolicy: anything-but must be a string, number, list or prefix/suffix',
        );
      break;
  }
  void key;
}

type Range = Array<{ op: string; n: number }>;

function parseNumeric(v: unknown): Range {
  if (!Array.isArray(v) || v.length === 0 || v.length % 2 !== 0)
    throw new FilterPolicyError('FilterPolicy: Value of numeric must be an array.');
  const out: Range = [];
  for (let i = 0; i < v.length; i += 2) {
    const op = v[i];
    const n = v[i + 1];
    if (!['=', '<', '<=', '>', '>='].includes(op) || typeof n !== 'number')
      throw new FilterPolicyError(`FilterPolicy: Unrecognized numeric range operator: ${String(op)}`);
    out.push({ op, n });
  }
  return out;
}

function parseCidr(c: string): { bytes: Buffer; bits: number } | undefined {
  const [ip, bitsText] = c.split('/');
  const bits = Number(bitsText);
  const kind = isIP(ip ?? '');
  if (!kind || !Number.isInteger(bits) || bits < 0 || bits > (kind === 4 ? 32 : 128)) return undefined;
  return { bytes: ipBytes(ip), bits };
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => {
    b.writeUInt16BE(Number.parseInt(g, 16) || 0, i * 2);
  });
  return b;
}

function inCidr(value: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  if (!range || isIP(value) !== isIP(cidr.split('/')[0])) return false;
  const v = ipBytes(value);
  for (let bit = 0; bit < range.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((v[byte] & mask) !== (range.bytes[byte] & mask)) return false;
  }
  return true;
}

function wildcardMatch(value: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return re.test(value);
}

/** One value of the message: a string, number, boolean or null. */
type Leaf = string | number | boolean | null;

function matchCondition(c: unknown, value: Leaf, numericAllowed: boolean): boolean {
  if (c === null) return value === null;
  if (typeof c === 'string') return typeof value === 'string' && value === c;
  if (typeof c === 'number') return numericAllowed && typeof value === 'number' && value === c;
  if (typeof c === 'boolean') return value === c;
  const [op, v] = Object.entries(c as Record<string, unknown>)[0];
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(v as string);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(v as string);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (v as string).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcardMatch(value, v as string);
    case 'cidr':
      return typeof value === 'string' && inCidr(value, v as string);
    case 'numeric':
      return (
        numericAllowed &&
        typeof value === 'number' &&
        parseNumeric(v).every(({ op: o, n }) =>
          o === '='
            ? value === n
            : o === '<'
              ? value < n
              : o === '<='
                ? value <= n
                : o === '>'
                  ? value > n
                  : value >= n,
        )
      );
    case 'anything-but': {
      if (value === null) return false;
      if (Array.isArray(v)) return !v.some((x) => x === value);
      if (typeof v === 'object' && v !== null) {
        const [inner, iv] = Object.entries(v as Record<string, string>)[0];
        if (typeof value !== 'string') return true;
        if (inner === 'prefix') return !value.startsWith(iv);
        if (inner === 'suffix') return !value.endsWith(iv);
        return value.toLowerCase() !== iv.toLowerCase();
      }
      return value !== v;
    }
    default:
      return false;
  }
}

function existsCondition(conds: unknown[]): boolean | undefined {
  for (const c of conds)
    if (typeof c === 'object' && c !== null && !Array.isArray(c) && 'exists' in c)
      return (c as { exists: boolean }).exists;
  return undefined;
}

/** Values of an attribute as filter leaves (String.Array expands to its elements). */
function attributeLeaves(a: SnsAttribute): { leaves: Leaf[]; numeric: boolean } {
  if (a.Type === 'Number') return { leaves: [Number(a.Value)], numeric: true };
  if (a.Type === 'String.Array') {
    try {
      const arr = JSON.parse(a.Value);
      if (Array.isArray(arr)) return { leaves: arr as Leaf[], numeric: true };
    } catch {
      // not an array: matches as a plain string
    }
  }
  if (a.Type === 'Binary') return { leaves: [], numeric: false };
  return { leaves: [a.Value], numeric: false };
}

function matchKey(conds: unknown[], present: boolean, leaves: Leaf[], numeric: boolean): boolean {
  return conds.some((c) => {
    if (typeof c === 'object' && c !== null && !Array.isArray(c) && 'exists' in c)
      return (c as { exists: boolean }).exists === present;
    return present && leaves.some((l) => matchCondition(c, l, numeric || typeof l === 'number'));
  });
}

/** Whether message attributes match an attribute-scope policy. */
export function matchesAttributes(policy: Policy, attributes: Record<string, SnsAttribute>): boolean {
  return Object.entries(policy).every(([key, conds]) => {
    if (key === '$or') return (conds as Policy[]).some((p) => matchesAttributes(p, attributes));
    const a = attributes[key];
    if (!a) return existsCondition(conds as unknown[]) === false;
    const { leaves, numeric } = attributeLeaves(a);
    return matchKey(conds as unknown[], true, leaves, numeric);
  });
}

/** Whether a JSON message body matches a MessageBody-scope policy. */
export function matchesBody(policy: Policy, body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const obj = body as Record<string, unknown>;
  return Object.entries(policy).every(([key, cond]) => {
    if (key === '$or') return (cond as Policy[]).some((p) => matchesBody(p, obj));
    const present = key in obj;
    const value = obj[key];
    if (!Array.isArray(cond)) {
      // Nested policy: descend (arrays of objects match when any element matches).
      if (Array.isArray(value)) return value.some((v) => matchesBody(cond as Policy, v));
      return present && matchesBody(cond as Policy, value);
    }
    const leaves: Leaf[] = Array.isArray(value)
      ? (value.filter((v) => typeof v !== 'object' || v === null) as Leaf[])
      : typeof value === 'object' && value !== null
        ? []
        : [value as Leaf];
    return matchKey(cond, present, leaves, true);
  });
}

/** Whether a message passes a subscription's filter policy (no policy passes everything). */
export function passesFilter(
  policy: Policy | undefined,
  scope: FilterScope,
  message: string,
  attributes: Record<string, SnsAttribute>,
): boolean {
  if (!policy || Object.keys(policy).length === 0) return true;
  if (scope === 'MessageAttributes') return matchesAttributes(policy, attributes);
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return false;
  }
  return matchesBody(policy, body);
}
