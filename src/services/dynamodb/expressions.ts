/**
 * DynamoDB's expression languages (condition/filter/key-condition, update, projection): a tokenizer
 * and a small recursive-descent parser into an AST, and an evaluator over items. Hand-written on
 * purpose: there is no well-kept npm library for DynamoDB expressions.
 *
 * Placeholders are resolved while parsing through an ExpressionContext, which records which
 * ExpressionAttributeNames/Values were used so the API can refuse unused ones as AWS does.
 */
import { validationError } from './errors.js';
import {
  type AttributeValue,
  compareScalars,
  type Item,
  setHas,
  typeOf,
  valueSize,
  valuesEqual,
} from './values.js';

/** One step of a document path: an attribute name or a list index. */
export type PathElement = string | number;
export type Path = PathElement[];

export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'size'; path: Path };

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'compare'; op: Comparator; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; list: Operand[] }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; cond: Condition }
  | { kind: 'exists' | 'not_exists'; path: Path }
  | { kind: 'attribute_type'; path: Path; type: Operand }
  | { kind: 'begins_with' | 'contains'; path: Path; operand: Operand };

export type UpdateValue =
  | { kind: 'operand'; operand: Operand }
  | { kind: 'if_not_exists'; path: Path; fallback: UpdateValue }
  | { kind: 'list_append'; a: UpdateValue; b: UpdateValue }
  | { kind: 'arith'; op: '+' | '-'; a: UpdateValue; b: UpdateValue };

export interface UpdateActions {
  set: Array<{ path: Path; value: UpdateValue }>;
  remove: Path[];
  add: Array<{ path: Path; value: AttributeValue }>;
  delete: Array<{ path: Path; value: AttributeValue }>;
}

/** The placeholders of a request and which of them the expressions used. */
export class ExpressionContext {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();
  constructor(
    readonly names: Record<string, string> = {},
    readonly values: Record<string, AttributeValue> = {},
  ) {}

  name(placeholder: string): string {
    const n = this.names[placeholder];
    if (n === undefined)
      throw validationError(
        `An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`,
      );
    this.usedNames.add(placeholder);
    return n;
  }

  value(placeholder: string): AttributeValue {
    const v = this.values[placeholder];
    if (v === undefined)
      throw validationError(
        `An expression attribute value used in expression is not defined; attribute value: ${placeholder}`,
      );
    this.usedValues.add(placeholder);
    return v;
  }

  /** Refuses placeholders that no expression used, as DynamoDB does. */
  checkAllUsed(): void {
    const names = Object.keys(this.names).filter((k) => !this.usedNames.has(k));
    if (names.length > 0)
      throw validationError(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(', ')}}`,
      );
    const values = Object.keys(this.values).filter((k) => !this.usedValues.has(k));
    if (values.length > 0)
      throw validationError(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(', ')}}`,
      );
  }
}

// ---- tokenizer ----

type TokenKind = 'name' | 'placeholder' | 'value' | 'number' | 'op' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const RESERVED_FUNCTIONS = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
  'size',
  'if_not_exists',
  'list_append',
]);

function tokenize(src: string, label: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    const m =
      /^#[A-Za-z0-9_]+/.exec(rest) ??
      /^:[A-Za-z0-9_]+/.exec(rest) ??
      /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest) ??
      /^\d+/.exec(rest) ??
      /^(<>|<=|>=|=|<|>)/.exec(rest) ??
      /^[(),.[\]+-]/.exec(rest);
    if (!m) throw syntaxError(label, src, c, i);
    const text = m[0];
    const kind: TokenKind =
      text[0] === '#'
        ? 'placeholder'
        : text[0] === ':'
          ? 'value'
          : /^\d/.test(text)
            ? 'number'
            : /^[A-Za-z_]/.test(text)
              ? 'name'
              : /^[<>=]/.test(text)
                ? 'op'
                : 'punct';
    out.push({ kind, text, pos: i });
    i += text.length;
  }
  out.push({ kind: 'end', text: '<EOF>', pos: src.length });
  return out;
}

function syntaxError(label: string, src: string, token: string, pos: number, near?: string): Error {
  const shown = near ?? src.slice(Math.max(0, pos - 10), pos + token.length + 10).trim();
  return validationError(`Invalid ${label}: Syntax error; token: "${token}", near: "${shown}"`);
}

// ---- parser ----

class Parser {
  private i = 0;
  private readonly tokens: Token[];
  constructor(
    private readonly src: string,
    private readonly label: string,
    private readonly ctx: ExpressionContext,
  ) {
    if (src.trim() === '') throw validationError(`Invalid ${label}: The expression can not be empty;`);
    this.tokens = tokenize(src, label);
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  next(): Token {
    return this.tokens[this.i++]!;
  }
  isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'name' && t.text.toUpperCase() === word;
  }
  /** A syntax error at a token, quoting it with its neighbours as DynamoDB does. */
  fail(t: Token = this.peek()): never {
    const at = this.tokens.indexOf(t);
    const before = this.tokens[at - 1];
    const after = this.tokens[at + 1];
    const from = before?.pos ?? t.pos;
    const to =
      after && after.kind !== 'end'
        ? after.pos + after.text.length
        : t.kind === 'end'
          ? t.pos
          : t.pos + t.text.length;
    throw syntaxError(this.label, this.src, t.text, t.pos, this.src.slice(from, to).trim());
  }
  expect(text: string): void {
    const t = this.next();
    if (t.text !== text) this.fail(t);
  }
  expectEnd(): void {
    if (this.peek().kind !== 'end') this.fail();
  }

  path(): Path {
    const path: Path = [this.pathName()];
    for (;;) {
      if (this.peek().text === '.') {
        this.next();
        path.push(this.pathName());
      } else if (this.peek().text === '[') {
        this.next();
        const n = this.next();
        if (n.kind !== 'number') this.fail(n);
        path.push(Number(n.text));
        this.expect(']');
      } else return path;
    }
  }

  private pathName(): string {
    const t = this.next();
    if (t.kind === 'placeholder') return this.ctx.name(t.text);
    if (t.kind === 'name') {
      if (
        RESERVED_FUNCTIONS.has(t.text) ||
        ['AND', 'OR', 'NOT', 'BETWEEN', 'IN'].includes(t.text.toUpperCase())
      )
        throw validationError(
          `Invalid ${this.label}: Attribute name is a reserved keyword; reserved keyword: ${t.text}`,
        );
      return t.text;
    }
    this.fail(t);
  }

  operand(): Operand {
    const t = this.peek();
    if (t.kind === 'value') {
      this.next();
      return { kind: 'value', value: this.ctx.value(t.text) };
    }
    if (t.kind === 'name' && t.text === 'size' && this.peek(1).text === '(') {
      this.next();
      this.next();
      const path = this.path();
      this.expect(')');
      return { kind: 'size', path };
    }
    return { kind: 'path', path: this.path() };
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', cond: this.negation() };
    }
    return this.primary();
  }

  private primary(): Condition {
    const t = this.peek();
    if (t.text === '(') {
      this.next();
      const c = this.condition();
      this.expect(')');
      return c;
    }
    if (t.kind === 'name' && this.peek(1).text === '(' && t.text !== 'size') return this.func();
    const left = this.operand();
    const op = this.peek();
    if (op.kind === 'op') {
      this.next();
      return { kind: 'compare', op: op.text as Comparator, left, right: this.operand() };
    }
    if (this.isKeyword('BETWEEN')) {
      this.next();
      const low = this.operand();
      if (!this.isKeyword('AND')) this.fail();
      this.next();
      return { kind: 'between', operand: left, low, high: this.operand() };
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.expect('(');
      const list = [this.operand()];
      while (this.peek().text === ',') {
        this.next();
        list.push(this.operand());
      }
      this.expect(')');
      return { kind: 'in', operand: left, list };
    }
    this.fail(op);
  }

  private func(): Condition {
    const name = this.next();
    this.expect('(');
    let c: Condition;
    switch (name.text) {
      case 'attribute_exists':
        c = { kind: 'exists', path: this.path() };
        break;
      case 'attribute_not_exists':
        c = { kind: 'not_exists', path: this.path() };
        break;
      case 'attribute_type': {
        const path = this.path();
        this.expect(',');
        c = { kind: 'attribute_type', path, type: this.operand() };
        break;
      }
      case 'begins_with':
      case 'contains': {
        const path = this.path();
        this.expect(',');
        c = { kind: name.text, path, operand: this.operand() };
        break;
      }
      default:
        throw validationError(`Invalid ${this.label}: Invalid function name; function: ${name.text}`);
    }
    this.expect(')');
    return c;
  }

  updateValue(): UpdateValue {
    const a = this.updateTerm();
    const op = this.peek().text;
    if (op === '+' || op === '-') {
      this.next();
      return { kind: 'arith', op, a, b: this.updateTerm() };
    }
    return a;
  }

  private updateTerm(): UpdateValue {
    const t = this.peek();
    if (t.kind === 'name' && this.peek(1).text === '(') {
      this.next();
      this.next();
      let v: UpdateValue;
      if (t.text === 'if_not_exists') {
        const path = this.path();
        this.expect(',');
        v = { kind: 'if_not_exists', path, fallback: this.updateValue() };
      } else if (t.text === 'list_append') {
        const a = this.updateValue();
        this.expect(',');
        v = { kind: 'list_append', a, b: this.updateValue() };
      } else throw validationError(`Invalid ${this.label}: Invalid function name; function: ${t.text}`);
      this.expect(')');
      return v;
    }
    return { kind: 'operand', operand: this.operand() };
  }

  update(): UpdateActions {
    const actions: UpdateActions = { set: [], remove: [], add: [], delete: [] };
    const seen = new Set<string>();
    while (this.peek().kind !== 'end') {
      const clause = this.next();
      const word = clause.text.toUpperCase();
      if (clause.kind !== 'name' || !['SET', 'REMOVE', 'ADD', 'DELETE'].includes(word)) this.fail(clause);
      if (seen.has(word))
        throw validationError(
          `Invalid ${this.label}: The "${word}" section can only be used once in an update expression;`,
        );
      seen.add(word);
      do {
        if (word === 'SET') {
          const path = this.path();
          this.expect('=');
          actions.set.push({ path, value: this.updateValue() });
        } else if (word === 'REMOVE') actions.remove.push(this.path());
        else {
          const path = this.path();
          const v = this.next();
          if (v.kind !== 'value') this.fail(v);
          actions[word === 'ADD' ? 'add' : 'delete'].push({ path, value: this.ctx.value(v.text) });
        }
      } while (this.peek().text === ',' && this.next());
    }
    return actions;
  }

  projection(): Path[] {
    const paths = [this.path()];
    while (this.peek().text === ',') {
      this.next();
      paths.push(this.path());
    }
    return paths;
  }
}

/** Parses a ConditionExpression / FilterExpression / KeyConditionExpression. */
export function parseCondition(
  src: string,
  ctx: ExpressionContext,
  label = 'ConditionExpression',
): Condition {
  const p = new Parser(src, label, ctx);
  const c = p.condition();
  p.expectEnd();
  return c;
}

/** Parses an UpdateExpression. */
export function parseUpdate(src: string, ctx: ExpressionContext): UpdateActions {
  const p = new Parser(src, 'UpdateExpression', ctx);
  return p.update();
}

/** Parses a ProjectionExpression. */
export function parseProjection(src: string, ctx: ExpressionContext): Path[] {
  const p = new Parser(src, 'ProjectionExpression', ctx);
  const paths = p.projection();
  p.expectEnd();
  return paths;
}

// ---- evaluation ----

/** The value at a document path of an item, if any. */
export function resolvePath(item: Item, path: Path): AttributeValue | undefined {
  let cur: AttributeValue | undefined = item[path[0] as string];
  for (const step of path.slice(1)) {
    if (cur === undefined) return undefined;
    if (typeof step === 'number') cur = 'L' in cur ? cur.L[step] : undefined;
    else cur = 'M' in cur ? cur.M[step] : undefined;
  }
  return cur;
}

function operandValue(item: Item, o: Operand): AttributeValue | undefined {
  if (o.kind === 'value') return o.value;
  const v = resolvePath(item, o.path);
  if (o.kind === 'path' || v === undefined) return v;
  const t = typeOf(v);
  const raw = (v as Record<string, unknown>)[t];
  if (t === 'S') return { N: String(Buffer.byteLength(raw as string)) };
  if (t === 'B') return { N: String(Buffer.from(raw as string, 'base64').length) };
  if (t === 'L' || t === 'SS' || t === 'NS' || t === 'BS') return { N: String((raw as unknown[]).length) };
  if (t === 'M') return { N: String(Object.keys(raw as Item).length) };
  void valueSize;
  return undefined;
}

function compare(op: Comparator, a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (op === '=') return valuesEqual(a, b);
  if (op === '<>') return !valuesEqual(a, b);
  const c = compareScalars(a, b);
  if (c === undefined) return false;
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

/** Evaluates a condition against an item (a missing item is `{}`). */
export function evaluate(c: Condition, item: Item): boolean {
  switch (c.kind) {
    case 'and':
      return evaluate(c.left, item) && evaluate(c.right, item);
    case 'or':
      return evaluate(c.left, item) || evaluate(c.right, item);
    case 'not':
      return !evaluate(c.cond, item);
    case 'exists':
      return resolvePath(item, c.path) !== undefined;
    case 'not_exists':
      return resolvePath(item, c.path) === undefined;
    case 'compare':
      return compare(c.op, operandValue(item, c.left), operandValue(item, c.right));
    case 'between': {
      const v = operandValue(item, c.operand);
      const low = operandValue(item, c.low);
      const high = operandValue(item, c.high);
      if (low && high && (compareScalars(low, high) ?? 0) > 0)
        throw validationError(
          'Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound',
        );
      return compare('>=', v, low) && compare('<=', v, high);
    }
    case 'in': {
      const v = operandValue(item, c.operand);
      return c.list.some((o) => compare('=', v, operandValue(item, o)));
    }
    case 'attribute_type': {
      const v = resolvePath(item, c.path);
      const t = operandValue(item, c.type);
      return v !== undefined && t !== undefined && 'S' in t && typeOf(v) === t.S;
    }
    case 'begins_with': {
      const v = resolvePath(item, c.path);
      const p = operandValue(item, c.operand);
      if (!v || !p) return false;
      if ('S' in v && 'S' in p) return v.S.startsWith(p.S);
      if ('B' in v && 'B' in p) {
        const a = Buffer.from(v.B, 'base64');
        const b = Buffer.from(p.B, 'base64');
        return a.subarray(0, b.length).equals(b);
      }
      return false;
    }
    case 'contains': {
      const v = resolvePath(item, c.path);
      const p = operandValue(item, c.operand);
      if (!v || !p) return false;
      if ('S' in v) return 'S' in p && v.S.includes(p.S);
      if ('L' in v) return v.L.some((e) => valuesEqual(e, p));
      const t = typeOf(v);
      if (t === 'SS' || t === 'NS' || t === 'BS') {
        const elemType = t[0] as 'S' | 'N' | 'B';
        const pv = (p as Record<string, unknown>)[elemType];
        return typeof pv === 'string' && setHas(t, (v as Record<string, string[]>)[t]!, pv);
      }
      return false;
    }
  }
}

/** The attribute names (top-level) a projection keeps from an item, nested paths copied as DynamoDB does. */
export function project(item: Item, paths: Path[]): Item {
  const out: Item = {};
  for (const path of paths) {
    const v = resolvePath(item, path);
    if (v === undefined) continue;
    if (path.length === 1) {
      out[path[0] as string] = v;
      continue;
    }
    // Rebuild the containers along the path; list elements are gathered in order of request.
    let target: AttributeValue | undefined = out[path[0] as string];
    const first = item[path[0] as string]!;
    if (target === undefined) {
      target = 'L' in first ? { L: [] } : { M: {} };
      out[path[0] as string] = target;
    }
    let source: AttributeValue = first;
    for (let i = 1; i < path.length; i++) {
      const step = path[i]!;
      const last = i === path.length - 1;
      const child: AttributeValue =
        typeof step === 'number'
          ? (source as { L: AttributeValue[] }).L[step]!
          : (source as { M: Item }).M[step]!;
      const fresh: AttributeValue = last ? child : 'L' in child ? { L: [] } : { M: {} };
      if ('L' in target) {
        target.L.push(fresh);
        target = fresh;
      } else if ('M' in target) {
        const key = step as string;
        target.M[key] ??= fresh;
        target = target.M[key]!;
      }
      source = child;
    }
  }
  return out;
}
