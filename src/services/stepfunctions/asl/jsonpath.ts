/**
 * JSONPath as Step Functions uses it (Jayway semantics): definite paths yield one node or fail with
 * Jayway's messages; indefinite paths (wildcards, slices, filters, unions, deep scan) yield an array.
 * `$$` addresses the context object and `$name` a workflow variable.
 */
import { JSONPath } from 'jsonpath-plus';
import { runtimeError } from './errors.js';
import type { Json, JsonObject } from './types.js';

/** One parsed segment of a definite path: a property name or an array index. */
export type Segment = string | number;

/** The documents a path can address. */
export interface PathScope {
  /** What `$` means (the state input, the task result, ...). */
  input: Json;
  /** The context object (`$$`). */
  context?: Json;
  /** Workflow variables visible to the state (`$name`). */
  variables?: Readonly<Record<string, Json>>;
}

const IDENT_START = /[\p{ID_Start}_]/u;

/** Thrown for a path that matched nothing; the message is Jayway's. */
export class PathNotFound extends Error {}

interface ParsedPath {
  root: 'input' | 'context' | 'variable';
  variable?: string;
  /** The path to apply to the root document, always starting with `$`. */
  rest: string;
  /** Parsed segments when the path is definite. */
  segments?: Segment[];
}

const parseCache = new Map<string, ParsedPath | null>();

/** Parses `$`, `$$`, `$var` roots and a definite tail; null when the text is not a path at all. */
export function parsePath(path: string): ParsedPath | null {
  const cached = parseCache.get(path);
  if (cached !== undefined) return cached;
  let parsed: ParsedPath | null = null;
  if (path.startsWith('$$')) {
    const rest = `$${path.slice(2)}`;
    parsed = { root: 'context', rest, segments: parseDefinite(rest) };
  } else if (path.startsWith('$') && path.length > 1 && IDENT_START.test(path[1])) {
    const m = /^\$([\p{ID_Start}_][\p{ID_Continue}_]*)/u.exec(path);
    if (m) {
      const rest = `$${path.slice(m[0].length)}`;
      parsed = { root: 'variable', variable: m[1], rest, segments: parseDefinite(rest) };
    }
  } else if (path.startsWith('$')) {
    parsed = { root: 'input', rest: path, segments: parseDefinite(path) };
  }
  if (parseCache.size > 10_000) parseCache.clear();
  parseCache.set(path, parsed);
  return parsed;
}

/** Segments of a definite path (`$.a['b'][0]`), or undefined when the path is indefinite or unparsable. */
export function parseDefinite(path: string): Segment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: Segment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      if (path[i + 1] === '.') return undefined;
      let j = i + 1;
      let name = '';
      while (j < path.length && path[j] !== '.' && path[j] !== '[') {
        if (path[j] === '\\' && j + 1 < path.length) {
          name += path[j + 1];
          j += 2;
          continue;
        }
        name += path[j];
        j++;
      }
      if (name === '' || name === '*') return undefined;
      segments.push(name);
      i = j;
    } else if (c === '[') {
      const q = path[i + 1];
      if (q === "'" || q === '"') {
        const end = path.indexOf(`${q}]`, i + 2);
        if (end < 0) return undefined;
        const name = path.slice(i + 2, end);
        if (name.includes(`${q},`)) return undefined;
        segments.push(name);
        i = end + 2;
      } else {
        const end = path.indexOf(']', i);
        if (end < 0) return undefined;
        const inner = path.slice(i + 1, end).trim();
        if (!/^\d+$/.test(inner)) return undefined;
        segments.push(Number(inner));
        i = end + 1;
      }
    } else {
      return undefined;
    }
  }
  return segments;
}

/** Jayway's normalized form of a segment list: `$['a'][0]`. */
export function normalizedPath(segments: readonly Segment[]): string {
  return `$${segments.map((s) => (typeof s === 'number' ? `[${s}]` : `['${s}']`)).join('')}`;
}

/** Whether a string is a syntactically usable path (`$`, `$.x`, `$$.x`, `$var`). */
export function isPath(text: string): boolean {
  if (parsePath(text) === null) return false;
  const p = parsePath(text) as ParsedPath;
  if (p.segments) return true;
  try {
    JSONPath.toPathArray(p.rest);
    return true;
  } catch {
    return false;
  }
}

/** Whether a path is a Reference Path (identifies exactly one node). */
export function isReferencePath(text: string): boolean {
  const p = parsePath(text);
  return p !== null && p.segments !== undefined;
}

function rootOf(p: ParsedPath, scope: PathScope): Json {
  if (p.root === 'context') return scope.context ?? {};
  if (p.root === 'variable') {
    const vars = scope.variables ?? {};
    if (!Object.hasOwn(vars, p.variable as string))
      throw new PathNotFound(`Invalid path '$${p.variable}' : No variable named '${p.variable}'`);
    return vars[p.variable as string];
  }
  return scope.input;
}

function walk(root: Json, segments: readonly Segment[], original: string): Json {
  let node: Json = root;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    let next: Json | undefined;
    if (typeof seg === 'number') {
      next = Array.isArray(node) ? node[seg] : undefined;
    } else if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      next = Object.hasOwn(node, seg) ? (node as JsonObject)[seg] : undefined;
    }
    if (next === undefined) {
      const last = i === segments.length - 1;
      const msg = last
        ? `No results for path: ${normalizedPath(segments)}`
        : `Missing property in path ${normalizedPath(segments.slice(0, i + 1))}`;
      throw new PathNotFound(`Invalid path '${original}' : ${msg}`);
    }
    node = next;
  }
  return node;
}

/**
 * Evaluates a path. Definite paths return their node or throw PathNotFound; indefinite paths return
 * every match as an array (empty when nothing matched).
 */
export function evaluatePath(path: string, scope: PathScope): Json {
  const p = parsePath(path);
  if (!p) throw new PathNotFound(`Invalid path '${path}'`);
  const root = rootOf(p, scope);
  if (p.segments) return walk(root, p.segments, path);
  try {
    const found = JSONPath({ path: p.rest, json: root as never, wrap: true, eval: 'safe' }) as Json[];
    return found ?? [];
  } catch (e) {
    throw new PathNotFound(`Invalid path '${path}' : ${(e as Error).message}`);
  }
}

/** Like evaluatePath but reports a miss as AWS's States.Runtime. */
export function evaluatePathOrFail(path: string, scope: PathScope): Json {
  try {
    return evaluatePath(path, scope);
  } catch (e) {
    if (e instanceof PathNotFound) throw runtimeError(e.message);
    throw e;
  }
}

/** Whether a path matches something (for Choice IsPresent). */
export function pathExists(path: string, scope: PathScope): boolean {
  try {
    const v = evaluatePath(path, scope);
    const p = parsePath(path);
    return p?.segments ? true : Array.isArray(v) && v.length > 0;
  } catch (e) {
    if (e instanceof PathNotFound) return false;
    throw e;
  }
}

/**
 * ResultPath: a copy of `target` with `value` placed at the reference path, creating intermediate
 * objects. `$` replaces the whole document.
 */
export function setAtPath(target: Json, path: string, value: Json): Json {
  const segments = parseDefinite(path);
  if (!segments) throw runtimeError(`Invalid path '${path}' : ResultPath must be a reference path`);
  if (segments.length === 0) return value;
  const assign = (node: Json, i: number): Json => {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (typeof seg === 'number') {
      if (!Array.isArray(node))
        throw runtimeError(
          `Invalid path '${path}' : Unable to apply ResultPath: ${normalizedPath(segments.slice(0, i))} is not an array`,
        );
      const copy = node.slice();
      copy[seg] = last ? value : assign(copy[seg] ?? {}, i + 1);
      return copy;
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node))
      throw runtimeError(
        `Invalid path '${path}' : Unable to apply ResultPath '${path}' to input ${JSON.stringify(node)}`,
      );
    const copy: JsonObject = { ...node };
    copy[seg] = last ? value : assign(Object.hasOwn(copy, seg) ? copy[seg] : {}, i + 1);
    return copy;
  };
  return assign(target, 0);
}
