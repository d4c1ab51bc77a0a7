/**
 * CloudFormation intrinsic functions, resolved against a deployment's state: Ref, Fn::GetAtt,
 * Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or,
 * Condition, Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::ToJsonString, Fn::Length.
 */
import { SelflessError } from '../errors.js';

/** Stands for `Ref: AWS::NoValue`: the property (or list item) holding it is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** What intrinsics resolve against. */
export interface ResolveScope {
  /** Ref of a resource, parameter or pseudo parameter; undefined when unknown. */
  ref(id: string): unknown;
  /** Fn::GetAtt of a resource; undefined when unknown. */
  getAtt(id: string, attribute: string): unknown;
  /** The value of a named condition. */
  condition(name: string): boolean;
  mappings?: Record<string, unknown>;
  region: string;
}

function fail(where: string, message: string, hint?: string): SelflessError {
  return new SelflessError('INVALID_INTRINSIC', `${message} (${where})`, { where, hint });
}

/** True for `{ Ref }`, `{ Condition }` or `{ 'Fn::…' }` objects. */
export function isIntrinsic(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

function asString(v: unknown, where: string, fn: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw fail(where, `${fn} needs a string here, got ${JSON.stringify(v)}`);
}

function asList(v: unknown, where: string, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw fail(where, `${fn} needs a list here, got ${JSON.stringify(v)}`);
}

/** Resolves every intrinsic inside a value; NoValue properties and list items are dropped. */
export function resolveValue(value: unknown, scope: ResolveScope, where: string): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => resolveValue(v, scope, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  if (isIntrinsic(value)) return resolveIntrinsic(value, scope, where);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveValue(v, scope, `${where}.${k}`);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function resolveIntrinsic(node: Record<string, unknown>, scope: ResolveScope, where: string): unknown {
  const [fn, arg] = Object.entries(node)[0];
  const w = `${where}.${fn}`;
  switch (fn) {
    case 'Ref': {
      const id = asString(resolveValue(arg, scope, w), w, 'Ref');
      if (id === 'AWS::NoValue') return NO_VALUE;
      const v = scope.ref(id);
      if (v === undefined)
        throw fail(
          w,
          `Unresolved reference ${id}`,
          'Refer to a resource in resources.Resources, a function (<Fn>LambdaFunction), a parameter or a pseudo parameter.',
        );
      return v;
    }
    case 'Fn::GetAtt': {
      const parts =
        typeof arg === 'string'
          ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)]
          : asList(resolveValue(arg, scope, w), w, 'Fn::GetAtt').map((p) => asString(p, w, 'Fn::GetAtt'));
      if (parts.length !== 2 || !parts[0] || !parts[1])
        throw fail(w, 'Fn::GetAtt takes [LogicalId, Attribute]');
      const v = scope.getAtt(parts[0], parts[1]);
      if (v === undefined)
        throw fail(
          w,
          `Fn::GetAtt cannot find attribute ${parts[1]} of ${parts[0]}`,
          'Check the logical id and the attribute name.',
        );
      return v;
    }
    case 'Fn::Sub': {
      const [template, vars] =
        typeof arg === 'string'
          ? [arg, {}]
          : (asList(arg, w, 'Fn::Sub') as [unknown, Record<string, unknown>]);
      const text = asString(template, w, 'Fn::Sub');
      const locals = resolveValue(vars ?? {}, scope, w) as Record<string, unknown>;
      return text.replace(/\$\{([^}]+)\}/g, (_m, expr: string) => {
        if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
        const name = expr.trim();
        if (name in locals) return asString(locals[name], w, 'Fn::Sub');
        const dot = name.indexOf('.');
        const v =
          dot > 0 && !name.startsWith('AWS::')
            ? scope.getAtt(name.slice(0, dot), name.slice(dot + 1))
            : scope.ref(name);
        if (v === undefined) throw fail(w, `Fn::Sub cannot resolve \${${name}}`);
        return asString(v, w, 'Fn::Sub');
      });
    }
    case 'Fn::Join': {
      const [delim, list] = asList(arg, w, 'Fn::Join');
      const items = asList(resolveValue(list, scope, w), w, 'Fn::Join');
      return items.map((i) => asString(i, w, 'Fn::Join')).join(asString(delim, w, 'Fn::Join'));
    }
    case 'Fn::Select': {
      const [index, list] = asList(arg, w, 'Fn::Select');
      const i = Number(resolveValue(index, scope, w));
      const items = asList(resolveValue(list, scope, w), w, 'Fn::Select');
      if (!Number.isInteger(i) || i < 0 || i >= items.length)
        throw fail(w, `Fn::Select index ${String(index)} is out of range for a list of ${items.length}`);
      return items[i];
    }
    case 'Fn::Split': {
      const [delim, source] = asList(arg, w, 'Fn::Split');
      return asString(resolveValue(source, scope, w), w, 'Fn::Split').split(asString(delim, w, 'Fn::Split'));
    }
    case 'Fn::If': {
      const [cond, yes, no] = asList(arg, w, 'Fn::If');
      return resolveValue(scope.condition(asString(cond, w, 'Fn::If')) ? yes : no, scope, w);
    }
    case 'Fn::Equals': {
      const [a, b] = asList(arg, w, 'Fn::Equals').map((x) => resolveValue(x, scope, w));
      return JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
    }
    case 'Fn::Not': {
      const [c] = asList(arg, w, 'Fn::Not');
      return !truthy(resolveValue(c, scope, w), w);
    }
    case 'Fn::And':
      return asList(arg, w, 'Fn::And').every((c) => truthy(resolveValue(c, scope, w), w));
    case 'Fn::Or':
      return asList(arg, w, 'Fn::Or').some((c) => truthy(resolveValue(c, scope, w), w));
    case 'Condition':
      return scope.condition(asString(arg, w, 'Condition'));
    case 'Fn::FindInMap': {
      const [map, top, second] = asList(resolveValue(arg, scope, w), w, 'Fn::FindInMap').map((x) =>
        asString(x, w, 'Fn::FindInMap'),
      );
      const v = (scope.mappings?.[map] as Record<string, Record<string, unknown>> | undefined)?.[top]?.[
        second
      ];
      if (v === undefined) throw fail(w, `Fn::FindInMap cannot find ${map}.${top}.${second}`);
      return v;
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveValue(arg, scope, w), w, 'Fn::Base64')).toString('base64');
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((s) => `${scope.region}${s}`);
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveValue(arg, scope, w));
    case 'Fn::Length':
      return asList(resolveValue(arg, scope, w), w, 'Fn::Length').length;
    default:
      throw fail(
        w,
        `${fn} is not supported`,
        'Selfless resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If and the condition functions.',
      );
  }
}

function truthy(v: unknown, where: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw fail(where, `A condition function needs a boolean, got ${JSON.stringify(v)}`);
}

/** The logical ids a value refers to (Ref, Fn::GetAtt, Fn::Sub variables), pseudo parameters excluded. */
export function referencedIds(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, out);
    return out;
  }
  if (value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) out.add(v);
    else if (k === 'Fn::GetAtt') {
      const id =
        typeof v === 'string'
          ? v.split('.')[0]
          : Array.isArray(v) && typeof v[0] === 'string'
            ? v[0]
            : undefined;
      if (id) out.add(id);
      else referencedIds(v, out);
    } else if (k === 'Fn::Sub') {
      const [text, vars] = typeof v === 'string' ? [v, {}] : Array.isArray(v) ? v : ['', {}];
      const locals = new Set(Object.keys((vars as Record<string, unknown>) ?? {}));
      if (typeof text === 'string')
        for (const m of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = m[1].trim().split('.')[0];
          if (!name.startsWith('AWS::') && !locals.has(m[1].trim())) out.add(name);
        }
      referencedIds(vars, out);
    } else referencedIds(v, out);
  }
  return out;
}
