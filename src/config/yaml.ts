/**
 * YAML → plain JS with CloudFormation short tags in long form (`!Ref x` → `{ Ref: x }`) and a map
 * from every property path to its line:col in the file, so later errors can point at the source.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { SelflessError } from '../platform/errors.js';

/** 1-based line and column. */
export interface SourcePos {
  line: number;
  col: number;
}

/** Positions by property path (`functions.hello.events.0.http`); the key's position for map entries. */
export type PositionMap = Map<string, SourcePos>;

/** Tags that become `Fn::<Name>`; `!Ref` and `!Condition` keep their own names. */
const FN_TAGS = new Set([
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAZs',
  'GetAtt',
  'If',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'Equals',
  'Not',
  'And',
  'Or',
  'Length',
  'ToJsonString',
]);

/** Long form of a CloudFormation short tag applied to `value`. */
function applyCfnTag(tag: string, value: unknown): unknown {
  const name = tag.replace(/^!/, '');
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  if (FN_TAGS.has(name)) return { [`Fn::${name}`]: value };
  return value;
}

/** Joins path segments the way Serverless humanizes property paths. */
export function pathKey(segments: readonly (string | number)[]): string {
  return segments.join('.');
}

interface Ctx {
  lines: LineCounter;
  positions?: PositionMap;
  doc: ReturnType<typeof parseDocument>;
}

function pos(
  ctx: Ctx,
  node: { range?: [number, number, number] | null } | null | undefined,
): SourcePos | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const p = ctx.lines.linePos(offset);
  return { line: p.line, col: p.col };
}

function record(ctx: Ctx, path: (string | number)[], p: SourcePos | undefined): void {
  if (ctx.positions && p) ctx.positions.set(pathKey(path), p);
}

function toJs(ctx: Ctx, node: unknown, path: (string | number)[], depth = 0): unknown {
  if (depth > 200)
    throw new SelflessError('CONFIG_YAML_TOO_DEEP', 'YAML nesting is too deep (aliases loop?)');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    const target = node.resolve(ctx.doc);
    // Positions inside an alias point at the anchor; do not record them under this path.
    return toJs({ ...ctx, positions: undefined }, target, path, depth + 1);
  }
  const tag = (node as Node).tag;
  let value: unknown;
  if (isScalar(node)) {
    value = node.value;
  } else if (isSeq(node)) {
    value = node.items.map((item, i) => {
      const p = [...path, i];
      record(ctx, p, pos(ctx, item as Node));
      return toJs(ctx, item, p, depth + 1);
    });
  } else if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(toJs(ctx, keyNode, path, depth + 1));
      if (key === '<<') {
        // YAML merge key: the referenced map(s) fill in keys not set explicitly.
        const merged = toJs({ ...ctx, positions: undefined }, pair.value, path, depth + 1);
        for (const m of Array.isArray(merged) ? merged : [merged]) {
          if (m && typeof m === 'object') {
            for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
          }
        }
        continue;
      }
      const p = [...path, key];
      record(ctx, p, pos(ctx, keyNode));
      out[key] = toJs(ctx, pair.value, p, depth + 1);
    }
    value = out;
  } else {
    value = null;
  }
  if (typeof tag === 'string' && tag.startsWith('!') && !tag.startsWith('!!')) return applyCfnTag(tag, value);
  return value;
}

export interface ParsedYaml {
  value: unknown;
  positions: PositionMap;
}

/**
 * Parses YAML text (with CloudFormation tags) into plain JS. Throws SelflessError CONFIG_YAML_SYNTAX
 * with `where` = `<file>:line:col` from the parser.
 */
export function parseYaml(text: string, fileLabel: string, withPositions = true): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    merge: false,
  });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const p = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    const where = `${fileLabel}:${p.line}:${p.col}`;
    const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new SelflessError('CONFIG_YAML_SYNTAX', `Cannot parse "${fileLabel}": ${reason} (${where})`, {
      where,
      hint: 'Fix the YAML syntax at that position.',
      details: { errors: doc.errors.map((e) => e.message) },
    });
  }
  const positions: PositionMap = new Map();
  const ctx: Ctx = { lines, positions: withPositions ? positions : undefined, doc };
  record(ctx, [], pos(ctx, doc.contents as Node));
  return { value: toJs(ctx, doc.contents, []), positions };
}
