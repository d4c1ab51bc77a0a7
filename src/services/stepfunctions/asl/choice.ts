/** Choice rule evaluation for JSONPath states: data tests, And/Or/Not, AWS's type-mismatch rules. */

import { runtimeError } from './errors.js';
import { evaluatePath, PathNotFound, type PathScope, pathExists } from './jsonpath.js';
import { parseTimestamp } from './timestamp.js';
import type { ChoiceRule, Json } from './types.js';

/** Every comparison operator, with the value type it compares. */
export const COMPARISON_OPERATORS: Record<string, 'string' | 'number' | 'boolean' | 'timestamp' | 'pattern'> =
  {
    StringEquals: 'string',
    StringLessThan: 'string',
    StringGreaterThan: 'string',
    StringLessThanEquals: 'string',
    StringGreaterThanEquals: 'string',
    StringMatches: 'pattern',
    NumericEquals: 'number',
    NumericLessThan: 'number',
    NumericGreaterThan: 'number',
    NumericLessThanEquals: 'number',
    NumericGreaterThanEquals: 'number',
    BooleanEquals: 'boolean',
    TimestampEquals: 'timestamp',
    TimestampLessThan: 'timestamp',
    TimestampGreaterThan: 'timestamp',
    TimestampLessThanEquals: 'timestamp',
    TimestampGreaterThanEquals: 'timestamp',
  };

/** Type-test operators, whose operand is a boolean. */
export const TYPE_TESTS = [
  'IsNull',
  'IsPresent',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
] as const;

/** All operator names a data-test rule may use, including the `...Path` variants. */
export function operatorNames(): string[] {
  const names = [...Object.keys(COMPARISON_OPERATORS), ...TYPE_TESTS];
  for (const op of Object.keys(COMPARISON_OPERATORS)) if (op !== 'StringMatches') names.push(`${op}Path`);
  return names;
}

const OPERATORS = new Set(operatorNames());

/** The operator keys present on a data-test rule. */
export function ruleOperators(rule: ChoiceRule): string[] {
  return Object.keys(rule).filter((k) => OPERATORS.has(k));
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpResult(op: string, c: number): boolean {
  if (op.endsWith('GreaterThanEquals')) return c >= 0;
  if (op.endsWith('LessThanEquals')) return c <= 0;
  if (op.endsWith('GreaterThan')) return c > 0;
  if (op.endsWith('LessThan')) return c < 0;
  return c === 0;
}

/** StringMatches: `*` matches any run of characters; `\*` and `\\` are literal. */
export function stringMatches(value: string, pattern: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined)
        throw runtimeError(`The StringMatches pattern '${pattern}' ends with a dangling escape`);
      re += n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    } else if (c === '*') re += '[\\s\\S]*';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 'u').test(value);
}

function variableValue(rule: ChoiceRule, scope: PathScope): Json {
  try {
    return evaluatePath(rule.Variable as string, scope);
  } catch (e) {
    if (e instanceof PathNotFound) throw runtimeError(e.message);
    throw e;
  }
}

function dataTest(rule: ChoiceRule, scope: PathScope): boolean {
  const [op] = ruleOperators(rule);
  const path = rule.Variable as string;
  if (op === 'IsPresent') return pathExists(path, scope) === rule.IsPresent;
  const value = variableValue(rule, scope);
  switch (op) {
    case 'IsNull':
      return (value === null) === rule.IsNull;
    case 'IsNumeric':
      return (typeof value === 'number') === rule.IsNumeric;
    case 'IsString':
      return (typeof value === 'string') === rule.IsString;
    case 'IsBoolean':
      return (typeof value === 'boolean') === rule.IsBoolean;
    case 'IsTimestamp':
      return (parseTimestamp(value) !== undefined) === rule.IsTimestamp;
  }
  const isPath = op.endsWith('Path');
  const base = isPath ? op.slice(0, -4) : op;
  let operand = rule[op] as Json;
  if (isPath) {
    try {
      operand = evaluatePath(operand as string, scope);
    } catch (e) {
      if (e instanceof PathNotFound) throw runtimeError(e.message);
      throw e;
    }
  }
  switch (COMPARISON_OPERATORS[base]) {
    case 'string':
      if (typeof value !== 'string' || typeof operand !== 'string') return false;
      return cmpResult(base, compare(value, operand));
    case 'pattern':
      if (typeof value !== 'string' || typeof operand !== 'string') return false;
      return stringMatches(value, operand);
    case 'number':
      if (typeof value !== 'number' || typeof operand !== 'number') return false;
      return cmpResult(base, compare(value, operand));
    case 'boolean':
      if (typeof value !== 'boolean' || typeof operand !== 'boolean') return false;
      return value === operand;
    case 'timestamp': {
      const a = parseTimestamp(value);
      const b = parseTimestamp(operand);
      if (a === undefined || b === undefined) return false;
      return cmpResult(base, compare(a, b));
    }
  }
  return false;
}

/** Evaluates a JSONPath Choice rule (Boolean combinator or data test). */
export function evaluateRule(rule: ChoiceRule, scope: PathScope): boolean {
  if (rule.And) return rule.And.every((r) => evaluateRule(r, scope));
  if (rule.Or) return rule.Or.some((r) => evaluateRule(r, scope));
  if (rule.Not) return !evaluateRule(rule.Not, scope);
  return dataTest(rule, scope);
}
