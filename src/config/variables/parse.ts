/**
 * The `${…}` variable syntax of Serverless v3 (`lib/configuration/variables/parse.js` semantics):
 * typed literal fallbacks, quoted strings, nested variables in params and addresses, `\${` escapes,
 * and `${Foo:bar}` / `${AWS::Region}` left alone as plain text (CloudFormation `Fn::Sub` syntax).
 */
import { SelflessError } from '../../platform/errors.js';

/** A string that may hold variables; `vars` positions are relative to `text`. */
export interface Template {
  text: string;
  vars: Variable[];
}

/** A param or an address: a literal value, or a template still to resolve. */
export type Operand = { value: unknown } | { template: Template };

export interface VariableSource {
  type: string;
  params?: Operand[];
  address?: Operand;
}

export interface LiteralSource {
  value: unknown;
}

export type Source = VariableSource | LiteralSource;

/** One `${…}`: its span in the enclosing text and its sources, tried left to right. */
export interface Variable {
  start: number;
  end: number;
  sources: Source[];
}

/** True when the source names a type (as opposed to a literal fallback). */
export function isVariableSource(s: Source): s is VariableSource {
  return 'type' in s;
}

const TYPE_RE = /^[a-z][a-zA-Z0-9]*$/;
const isLower = (c: string) => c >= 'a' && c <= 'z';
const isAlnumDot = (c: string) => /^[a-zA-Z0-9.]$/.test(c);

/** Thrown for syntax errors; `code` follows Serverless (INVALID_VARIABLE_TYPE, …). */
export class VariableSyntaxError extends SelflessError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** Marker: the `${` at this position opens no variable (foreign syntax, left verbatim). */
const FOREIGN = Symbol('foreign');

class Parser {
  constructor(readonly input: string) {}

  fail(code: string, message: string): never {
    throw new VariableSyntaxError(code, message);
  }

  /** Literal fallback source: true/false/null/number; anything else is an error unless lenient. */
  literal(raw: string, at: number, lenient: boolean): unknown {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    if (raw === 'null') return null;
    if (raw !== '' && !Number.isNaN(Number(raw))) return Number(raw);
    if (lenient) return raw;
    return this.fail(
      'INVALID_VARIABLE_LITERAL_SOURCE',
      `Invalid literal source "${raw}" at index ${at} in "${this.input}"`,
    );
  }

  /** Index just past the closing quote of the string starting at `i`. */
  skipString(i: number): number {
    const q = this.input[i];
    let j = i + 1;
    while (j < this.input.length) {
      const c = this.input[j];
      if (q === '"' && c === '\\') {
        j += 2;
        continue;
      }
      if (c === q) return j + 1;
      j++;
    }
    return this.fail('UNTERMINATED_VARIABLE', `Missing variable closing bracket in ${this.input}`);
  }

  quoted(start: number, end: number): string {
    const raw = this.input.slice(start, end);
    if (raw[0] === "'") return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch (e) {
      return this.fail(
        'INVALID_VARIABLE_STRING_LITERAL',
        `Invalid string literal at index ${start} in "${this.input}": ${(e as Error).message}`,
      );
    }
  }

  skipSpaces(i: number): number {
    while (this.input[i] === ' ') i++;
    return i;
  }

  /**
   * Scans text from `i` up to (not including) one of `stops` at this nesting level, collecting
   * nested variables. Returns the stop index.
   */
  scanTemplate(
    i: number,
    stops: string,
    onBadChar: (c: string, at: number) => void,
  ): { end: number; vars: Variable[] } {
    const vars: Variable[] = [];
    while (i < this.input.length) {
      const c = this.input[i]!;
      if (c === '$' && this.input[i + 1] === '{') {
        const v = this.variable(i, true);
        if (v !== FOREIGN) {
          vars.push(v);
          i = v.end;
          continue;
        }
      }
      if (stops.includes(c)) return { end: i, vars };
      onBadChar(c, i);
      i++;
    }
    return this.fail('UNTERMINATED_VARIABLE', `Missing variable closing bracket in ${this.input}`);
  }

  operand(start: number, end: number, vars: Variable[], lenientLiteral: boolean | 'raw'): Operand {
    const raw = this.input.slice(start, end);
    const trimmed = raw.trim();
    const lead = raw.length - raw.trimStart().length;
    if (vars.length === 0) {
      return { value: lenientLiteral === 'raw' ? trimmed : this.literal(trimmed, start, true) };
    }
    const shifted = vars.map((v) => shift(v, -(start + lead)));
    return { template: { text: trimmed, vars: shifted } };
  }

  /** Parses the variable opening at `i` (`${`); FOREIGN if it is not variable syntax. */
  variable(i: number, nested: boolean): Variable | typeof FOREIGN {
    const start = i;
    const sources: Source[] = [];
    let j = i + 2;
    // First source must be a typed one.
    if (!isLower(this.input[j] ?? '')) {
      if (nested)
        this.fail('INVALID_VARIABLE_TYPE', `Invalid variable type at index ${j} in "${this.input}"`);
      return FOREIGN;
    }
    let first = true;
    for (;;) {
      const sourceStart = j;
      const c0 = this.input[j];
      if (c0 === undefined)
        this.fail('UNTERMINATED_VARIABLE', `Missing variable closing bracket in ${this.input}`);
      if (!first && (c0 === '"' || c0 === "'")) {
        const after = this.skipString(j);
        const value = this.quoted(j, after);
        const k = this.skipSpaces(after);
        if (this.input[k] !== '}') {
          this.fail(
            'INVALID_VARIABLE_SOURCE',
            `Invalid variable source at index ${sourceStart} in "${this.input}"`,
          );
        }
        sources.push({ value });
        return { start, end: k + 1, sources };
      }
      if (!first && !isAlnumDot(c0)) {
        this.fail('INVALID_VARIABLE_SOURCE', `Invalid variable source at index ${j} in "${this.input}"`);
      }
      // Read a type (or, for fallbacks, maybe a literal).
      let k = j;
      while (k < this.input.length && (isAlnumDot(this.input[k]!) || (!first && this.input[k] === ' '))) k++;
      const stop = this.input[k];
      const word = this.input.slice(j, k);
      if (stop === undefined)
        this.fail('UNTERMINATED_VARIABLE', `Missing variable closing bracket in ${this.input}`);
      if (stop !== ':' && stop !== '(') {
        if (first) {
          if (nested) {
            this.fail(
              'INVALID_VARIABLE_TYPE',
              `Invalid variable type at index ${sourceStart} in "${this.input}"`,
            );
          }
          return FOREIGN;
        }
        if (stop === '}') {
          sources.push({ value: this.literal(word.trim(), sourceStart, false) });
          return { start, end: k + 1, sources };
        }
        this.fail(
          'INVALID_VARIABLE_SOURCE',
          `Invalid variable source at index ${sourceStart} in "${this.input}"`,
        );
      }
      if (!TYPE_RE.test(word)) {
        if (first) {
          if (nested) {
            this.fail(
              'INVALID_VARIABLE_TYPE',
              `Invalid variable type at index ${sourceStart} in "${this.input}"`,
            );
          }
          return FOREIGN;
        }
        this.fail(
          'INVALID_VARIABLE_SOURCE',
          `Invalid variable source at index ${sourceStart} in "${this.input}"`,
        );
      }
      const source: VariableSource = { type: word };
      j = k + 1;
      if (stop === '(') {
        source.params = [];
        j = this.params(j, source.params);
        j = this.skipSpaces(j);
        const c = this.input[j];
        if (c === ':') {
          j++;
        } else if (c === '}' || c === ',') {
          sources.push(source);
          if (c === '}') return { start, end: j + 1, sources };
          j = this.skipSpaces(j + 1);
          first = false;
          continue;
        } else {
          if (c === undefined)
            this.fail('UNTERMINATED_VARIABLE', `Missing variable closing bracket in ${this.input}`);
          this.fail('INVALID_VARIABLE_ADDRESS', `Invalid variable address at index ${j} in "${this.input}"`);
        }
      }
      // Address.
      j = this.skipSpaces(j);
      const a = this.input[j];
      if (a === ':') {
        if (!source.params && first && !nested) return FOREIGN;
        this.fail('INVALID_VARIABLE_ADDRESS', `Invalid variable address at index ${j} in "${this.input}"`);
      }
      if (a === '"' || a === "'") {
        const after = this.skipString(j);
        source.address = { value: this.quoted(j, after) };
        j = this.skipSpaces(after);
        if (this.input[j] !== '}' && this.input[j] !== ',') {
          if (this.input[j] === undefined) {
            this.fail('UNTERMINATED_VARIABLE', `Missing variable closing bracket in ${this.input}`);
          }
          this.fail(
            'INVALID_VARIABLE_ADDRESS',
            `Invalid variable address at index ${after - 1} in "${this.input}"`,
          );
        }
      } else if (a !== '}' && a !== ',') {
        const addrStart = j;
        const { end, vars } = this.scanTemplate(j, '},', (c) => {
          if (c === ':') {
            this.fail(
              'INVALID_VARIABLE_ADDRESS',
              `Invalid variable address at index ${sourceStart} in "${this.input}"`,
            );
          }
        });
        source.address = this.operand(addrStart, end, vars, 'raw');
        j = end;
      }
      sources.push(source);
      if (this.input[j] === '}') return { start, end: j + 1, sources };
      if (this.input[j] === undefined)
        this.fail('UNTERMINATED_VARIABLE', `Missing variable closing bracket in ${this.input}`);
      // ','
      j = this.skipSpaces(j + 1);
      first = false;
    }
  }

  /** Parses `(p1, p2)` contents starting after `(`; returns the index after `)`. */
  params(j: number, out: Operand[]): number {
    for (;;) {
      j = this.skipSpaces(j);
      const c = this.input[j];
      if (c === undefined)
        this.fail('UNTERMINATED_VARIABLE', `Missing variable closing bracket in ${this.input}`);
      if (c === ')') return j + 1;
      if (c === ',') {
        out.push({ value: null });
        j++;
        continue;
      }
      if (c === '}')
        this.fail('INVALID_VARIABLE_PARAM', `Invalid variable param at index ${j} in "${this.input}"`);
      const paramStart = j;
      if (c === '"' || c === "'") {
        const after = this.skipString(j);
        out.push({ value: this.quoted(j, after) });
        j = this.skipSpaces(after);
        const d = this.input[j];
        if (d === ')') return j + 1;
        if (d === ',') {
          j++;
          continue;
        }
        this.fail(
          'INVALID_VARIABLE_PARAM',
          `Invalid variable param at index ${paramStart} in "${this.input}"`,
        );
      }
      const { end, vars } = this.scanTemplate(j, '),}', () => {});
      if (this.input[end] === '}') {
        this.fail(
          'INVALID_VARIABLE_PARAM',
          `Invalid variable param at index ${paramStart} in "${this.input}"`,
        );
      }
      const raw = this.input.slice(paramStart, end).trim();
      if (raw !== '' || this.input[end] === ',') out.push(this.operand(paramStart, end, vars, true));
      j = end + 1;
      if (this.input[end] === ')') return j;
    }
  }
}

function shift(v: Variable, by: number): Variable {
  return { ...v, start: v.start + by, end: v.end + by };
}

/**
 * Parses every variable in `input`. Returns null when there is none. Throws VariableSyntaxError.
 * A variable spanning the whole string is a "whole value" variable (keeps its resolved type).
 */
export function parseVariables(input: string): Variable[] | null {
  if (!input.includes('${')) return null;
  const p = new Parser(input);
  const vars: Variable[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '$' && input[i + 1] === '{') {
      const v = p.variable(i, false);
      if (v !== FOREIGN) {
        vars.push(v);
        i = v.end;
        continue;
      }
    }
    i++;
  }
  return vars.length ? vars : null;
}

/** True when the single variable covers the whole string (the result keeps its type). */
export function isWholeValue(text: string, vars: Variable[]): boolean {
  return vars.length === 1 && vars[0]!.start === 0 && vars[0]!.end === text.length;
}

/** Removes the backslash of `\${` escapes, once variables are resolved. */
export function unescapeVariables(s: string): string {
  return s.includes('\\${') ? s.replace(/\\\$\{/g, '${') : s;
}
