/**
 * Definition validation at create/update/deploy time. Every problem names where it is (a JSON
 * pointer such as `/States/Validate/Next`) and what is wrong, in the spirit of AWS's
 * InvalidDefinition messages (SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, ...).
 */
import { operatorNames, ruleOperators } from './choice.js';
import { IntrinsicSyntaxError, isIntrinsic, parseIntrinsic } from './intrinsics.js';
import { compileJsonata, jsonataExpression } from './jsonata.js';
import { isPath, isReferencePath } from './jsonpath.js';
import { parseResource } from './ports.js';
import { parseTimestamp } from './timestamp.js';
import type { ChoiceRule, Json, QueryLanguage, StateDefinition } from './types.js';

/** One problem in a definition. */
export interface ValidationProblem {
  code:
    | 'SCHEMA_VALIDATION_FAILED'
    | 'MISSING_TRANSITION_TARGET'
    | 'UNREACHABLE_STATE'
    | 'DUPLICATE_STATE_NAME'
    | 'INVALID_JSON_PATH'
    | 'INVALID_JSONATA'
    | 'INVALID_INTRINSIC'
    | 'INVALID_FIELD_FOR_QUERY_LANGUAGE';
  message: string;
  /** JSON pointer into the definition, e.g. `/States/Validate/Next`. */
  location: string;
}

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const FIELDS: Record<StateDefinition['Type'], string[]> = {
  Pass: [
    ...COMMON,
    'Next',
    'End',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'Parameters',
    'Result',
    'Assign',
    'Output',
  ],
  Task: [
    ...COMMON,
    'Next',
    'End',
    'Resource',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'Parameters',
    'ResultSelector',
    'Arguments',
    'Output',
    'Assign',
    'Retry',
    'Catch',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Credentials',
  ],
  Choice: [...COMMON, 'Choices', 'Default', 'InputPath', 'OutputPath', 'Assign', 'Output'],
  Wait: [
    ...COMMON,
    'Next',
    'End',
    'Seconds',
    'SecondsPath',
    'Timestamp',
    'TimestampPath',
    'InputPath',
    'OutputPath',
    'Assign',
    'Output',
  ],
  Succeed: [...COMMON, 'InputPath', 'OutputPath', 'Output'],
  Fail: [...COMMON, 'Error', 'ErrorPath', 'Cause', 'CausePath'],
  Parallel: [
    ...COMMON,
    'Next',
    'End',
    'Branches',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'Parameters',
    'ResultSelector',
    'Arguments',
    'Output',
    'Assign',
    'Retry',
    'Catch',
  ],
  Map: [
    ...COMMON,
    'Next',
    'End',
    'ItemProcessor',
    'Iterator',
    'ItemsPath',
    'Items',
    'ItemSelector',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'Label',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'Parameters',
    'ResultSelector',
    'Output',
    'Assign',
    'Retry',
    'Catch',
  ],
};

const JSONPATH_ONLY = new Set([
  'InputPath',
  'OutputPath',
  'ResultPath',
  'Parameters',
  'ResultSelector',
  'ItemsPath',
  'MaxConcurrencyPath',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCountPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'Result',
]);
const JSONATA_ONLY = new Set(['Arguments', 'Output', 'Items']);

const REFERENCE_PATH_FIELDS = [
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
] as const;

const OPERATORS = new Set(operatorNames());
const VARIABLE_NAME = /^[\p{ID_Start}_][\p{ID_Continue}_]*$/u;

class Checker {
  readonly problems: ValidationProblem[] = [];
  private readonly names = new Set<string>();
  constructor(private readonly topLanguage: QueryLanguage) {}

  add(code: ValidationProblem['code'], location: string, message: string): void {
    this.problems.push({ code, location, message });
  }

  schema(location: string, message: string): void {
    this.add('SCHEMA_VALIDATION_FAILED', location, message);
  }

  block(block: unknown, at: string): void {
    if (!isObject(block)) {
      this.schema(at, 'must be an object with StartAt and States');
      return;
    }
    const startAt = block.StartAt;
    const states = block.States;
    if (typeof startAt !== 'string')
      this.schema(`${at}/StartAt`, "The field 'StartAt' is required and must be a string");
    if (!isObject(states) || Object.keys(states).length === 0) {
      this.schema(`${at}/States`, "The field 'States' is required and must have at least one state");
      return;
    }
    if (typeof startAt === 'string' && !Object.hasOwn(states, startAt))
      this.add('MISSING_TRANSITION_TARGET', `${at}/StartAt`, `Missing 'StartAt' target: ${startAt}`);
    for (const [name, state] of Object.entries(states)) {
      if (this.names.has(name))
        this.add('DUPLICATE_STATE_NAME', `${at}/States/${name}`, `Duplicate State name: ${name}`);
      this.names.add(name);
      if (name.length === 0 || [...name].length > 80)
        this.schema(`${at}/States/${name}`, 'State names must be 1 to 80 characters long');
      this.state(name, state, `${at}/States/${name}`, states);
    }
    this.reachability(startAt, states as Record<string, StateDefinition>, at);
  }

  private reachability(startAt: unknown, states: Record<string, StateDefinition>, at: string): void {
    if (typeof startAt !== 'string' || !Object.hasOwn(states, startAt)) return;
    const seen = new Set<string>();
    const stack = [startAt];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (seen.has(name) || !Object.hasOwn(states, name)) continue;
      seen.add(name);
      const s = states[name];
      if (!isObject(s)) continue;
      if (typeof s.Next === 'string') stack.push(s.Next);
      if (typeof s.Default === 'string') stack.push(s.Default);
      for (const r of Array.isArray(s.Choices) ? s.Choices : [])
        if (typeof r?.Next === 'string') stack.push(r.Next);
      for (const c of Array.isArray(s.Catch) ? s.Catch : [])
        if (typeof c?.Next === 'string') stack.push(c.Next);
    }
    for (const name of Object.keys(states))
      if (!seen.has(name))
        this.add('UNREACHABLE_STATE', `${at}/States/${name}`, `State '${name}' is not reachable`);
  }

  private target(next: unknown, states: Record<string, unknown>, location: string): void {
    if (typeof next !== 'string') {
      this.schema(location, 'must be a string naming a state');
      return;
    }
    if (!Object.hasOwn(states, next))
      this.add('MISSING_TRANSITION_TARGET', location, `Missing 'Next' target: ${next}`);
  }

  private state(_name: string, raw: unknown, at: string, states: Record<string, unknown>): void {
    if (!isObject(raw)) {
      this.schema(at, 'A state must be an object');
      return;
    }
    const state = raw as unknown as StateDefinition;
    const type = state.Type;
    if (!Object.hasOwn(FIELDS, type)) {
      this.schema(
        `${at}/Type`,
        `The field 'Type' must be one of Task, Pass, Choice, Wait, Succeed, Fail, Parallel, Map (got ${JSON.stringify(type)})`,
      );
      return;
    }
    const lang = state.QueryLanguage ?? this.topLanguage;
    if (
      state.QueryLanguage !== undefined &&
      state.QueryLanguage !== 'JSONPath' &&
      state.QueryLanguage !== 'JSONata'
    )
      this.schema(`${at}/QueryLanguage`, "The field 'QueryLanguage' must be 'JSONPath' or 'JSONata'");
    if (this.topLanguage === 'JSONata' && state.QueryLanguage === 'JSONPath')
      this.add(
        'INVALID_FIELD_FOR_QUERY_LANGUAGE',
        `${at}/QueryLanguage`,
        "A state cannot use 'JSONPath' when the state machine's QueryLanguage is 'JSONata'",
      );
    const allowed = new Set(FIELDS[type]);
    for (const field of Object.keys(state)) {
      if (!allowed.has(field)) {
        this.schema(`${at}/${field}`, `The field '${field}' is not supported for a ${type} state`);
        continue;
      }
      if (lang === 'JSONata' && JSONPATH_ONLY.has(field))
        this.add(
          'INVALID_FIELD_FOR_QUERY_LANGUAGE',
          `${at}/${field}`,
          `The field '${field}' is not supported when QueryLanguage is 'JSONata'`,
        );
      if (lang === 'JSONPath' && JSONATA_ONLY.has(field))
        this.add(
          'INVALID_FIELD_FOR_QUERY_LANGUAGE',
          `${at}/${field}`,
          `The field '${field}' is only supported when QueryLanguage is 'JSONata'`,
        );
    }
    const terminal = type === 'Choice' || type === 'Succeed' || type === 'Fail';
    if (!terminal) {
      if (state.Next !== undefined && state.End !== undefined)
        this.schema(`${at}/End`, "The fields 'Next' and 'End' are mutually exclusive");
      else if (state.Next === undefined && state.End !== true)
        this.schema(at, "A state must have 'Next' or 'End': true");
      if (state.Next !== undefined) this.target(state.Next, states, `${at}/Next`);
    }
    this.ioFields(state, lang, at);
    switch (type) {
      case 'Task':
        this.task(state, lang, at);
        break;
      case 'Choice':
        this.choice(state, lang, at, states);
        break;
      case 'Wait':
        this.wait(state, lang, at);
        break;
      case 'Fail':
        this.fail(state, lang, at);
        break;
      case 'Parallel':
        if (!Array.isArray(state.Branches) || state.Branches.length === 0)
          this.schema(`${at}/Branches`, "The field 'Branches' is required and must be a non-empty array");
        else for (const [i, b] of state.Branches.entries()) this.block(b, `${at}/Branches/${i}`);
        break;
      case 'Map': {
        const proc = state.ItemProcessor ?? state.Iterator;
        if (proc === undefined)
          this.schema(at, "A Map state needs 'ItemProcessor' (or the older 'Iterator')");
        else this.block(proc, `${at}/${state.ItemProcessor ? 'ItemProcessor' : 'Iterator'}`);
        if (state.ItemSelector !== undefined && state.Parameters !== undefined)
          this.schema(`${at}/Parameters`, "Use either 'ItemSelector' or 'Parameters', not both");
        if (lang === 'JSONPath' && state.ItemSelector !== undefined)
          this.template(state.ItemSelector, `${at}/ItemSelector`);
        if (lang === 'JSONata') {
          if (state.ItemSelector !== undefined) this.jsonataValue(state.ItemSelector, `${at}/ItemSelector`);
          if (state.Items !== undefined) this.jsonataValue(state.Items, `${at}/Items`);
        }
        for (const f of ['MaxConcurrency', 'ToleratedFailureCount', 'ToleratedFailurePercentage'] as const) {
          const v = state[f];
          if (v === undefined) continue;
          if (lang === 'JSONata' && jsonataExpression(v) !== undefined)
            this.jsonataValue(v as Json, `${at}/${f}`);
          else if (
            typeof v !== 'number' ||
            v < 0 ||
            (f !== 'ToleratedFailurePercentage' && !Number.isInteger(v))
          )
            this.schema(
              `${at}/${f}`,
              `The field '${f}' must be a non-negative ${f === 'ToleratedFailurePercentage' ? 'number' : 'integer'}`,
            );
          if (state[`${f}Path`] !== undefined)
            this.schema(`${at}/${f}Path`, `Use either '${f}' or '${f}Path', not both`);
        }
        break;
      }
    }
    if (type === 'Task' || type === 'Parallel' || type === 'Map') this.recovery(state, lang, at, states);
  }

  private ioFields(state: StateDefinition, lang: QueryLanguage, at: string): void {
    if (lang === 'JSONPath') {
      for (const f of ['InputPath', 'OutputPath'] as const) {
        const v = state[f];
        if (v !== undefined && v !== null && (typeof v !== 'string' || !isPath(v)))
          this.add(
            'INVALID_JSON_PATH',
            `${at}/${f}`,
            `The value for the field '${f}' must be a valid JSONPath`,
          );
      }
      if (state.ResultPath !== undefined && state.ResultPath !== null)
        this.resultPath(state.ResultPath, `${at}/ResultPath`);
      for (const f of REFERENCE_PATH_FIELDS) {
        const v = state[f];
        if (v !== undefined && (typeof v !== 'string' || !isReferencePath(v)))
          this.add(
            'INVALID_JSON_PATH',
            `${at}/${f}`,
            `The value for the field '${f}' must be a valid Reference Path`,
          );
      }
      if (state.Parameters !== undefined) this.template(state.Parameters, `${at}/Parameters`);
      if (state.ResultSelector !== undefined) this.template(state.ResultSelector, `${at}/ResultSelector`);
      if (state.Assign !== undefined) this.assign(state.Assign, lang, `${at}/Assign`);
    } else {
      if (state.Arguments !== undefined) this.jsonataValue(state.Arguments, `${at}/Arguments`);
      if (state.Output !== undefined) this.jsonataValue(state.Output, `${at}/Output`);
      if (state.Assign !== undefined) this.assign(state.Assign, lang, `${at}/Assign`);
    }
  }

  private resultPath(v: unknown, location: string): void {
    if (
      typeof v !== 'string' ||
      v.startsWith('$$') ||
      !isReferencePath(v) ||
      !v.startsWith('$') ||
      /^\$[\p{ID_Start}_]/u.test(v)
    )
      this.add(
        'INVALID_JSON_PATH',
        location,
        "The value for the field 'ResultPath' must be a valid Reference Path into the state input",
      );
  }

  private assign(assign: Json, lang: QueryLanguage, at: string): void {
    if (!isObject(assign)) {
      this.schema(at, "The field 'Assign' must be an object");
      return;
    }
    for (const key of Object.keys(assign)) {
      const name = lang === 'JSONPath' && key.endsWith('.$') ? key.slice(0, -2) : key;
      if (!VARIABLE_NAME.test(name) || [...name].length > 80)
        this.schema(`${at}/${key}`, `'${name}' is not a valid variable name`);
      if (name === 'states') this.schema(`${at}/${key}`, "The variable name 'states' is reserved");
    }
    if (lang === 'JSONPath') this.template(assign, at);
    else this.jsonataValue(assign, at);
  }

  /** JSONPath payload template: `.$` values must be paths or intrinsic calls; no duplicate keys. */
  template(t: Json, at: string): void {
    if (Array.isArray(t)) {
      for (const [i, x] of t.entries()) this.template(x, `${at}/${i}`);
      return;
    }
    if (!isObject(t)) return;
    const seen = new Set<string>();
    for (const [key, value] of Object.entries(t)) {
      const plain = key.endsWith('.$') ? key.slice(0, -2) : key;
      if (seen.has(plain)) this.schema(`${at}/${key}`, `The field '${plain}' appears more than once`);
      seen.add(plain);
      if (key.endsWith('.$')) {
        if (typeof value !== 'string') {
          this.schema(
            `${at}/${key}`,
            `The value for the field '${key}' must be a string path or intrinsic function`,
          );
          continue;
        }
        if (value.startsWith('$')) {
          if (!isPath(value))
            this.add(
              'INVALID_JSON_PATH',
              `${at}/${key}`,
              `The value for the field '${key}' must be a valid JSONPath`,
            );
        } else if (isIntrinsic(value)) {
          try {
            parseIntrinsic(value);
          } catch (e) {
            if (e instanceof IntrinsicSyntaxError)
              this.add(
                'INVALID_INTRINSIC',
                `${at}/${key}`,
                `The value for the field '${key}' is not a valid intrinsic function: ${e.message}`,
              );
          }
        } else
          this.add(
            'INVALID_JSON_PATH',
            `${at}/${key}`,
            `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call`,
          );
      } else this.template(value, `${at}/${key}`);
    }
  }

  jsonataValue(v: Json, at: string): void {
    const expr = jsonataExpression(v);
    if (expr !== undefined) {
      try {
        compileJsonata(expr);
      } catch (e) {
        const err = e as { code?: string; message?: string };
        this.add(
          'INVALID_JSONATA',
          at,
          `The JSONata expression '${expr}' is invalid: ${err.code ? `${err.code}: ` : ''}${err.message}`,
        );
      }
      return;
    }
    if (Array.isArray(v)) for (const [i, x] of v.entries()) this.jsonataValue(x, `${at}/${i}`);
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) this.jsonataValue(x as Json, `${at}/${k}`);
  }

  private task(state: StateDefinition, lang: QueryLanguage, at: string): void {
    if (typeof state.Resource !== 'string')
      this.schema(`${at}/Resource`, "The field 'Resource' is required and must be a string");
    else if (!parseResource(state.Resource))
      this.schema(`${at}/Resource`, `The resource '${state.Resource}' is not a valid Task resource ARN`);
    for (const f of ['TimeoutSeconds', 'HeartbeatSeconds'] as const) {
      const v = state[f];
      if (v === undefined) continue;
      if (lang === 'JSONata' && jsonataExpression(v) !== undefined)
        this.jsonataValue(v as Json, `${at}/${f}`);
      else if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
        this.schema(`${at}/${f}`, `The field '${f}' must be a positive integer`);
      if (state[`${f}Path`] !== undefined)
        this.schema(`${at}/${f}Path`, `Use either '${f}' or '${f}Path', not both`);
    }
    if (
      typeof state.TimeoutSeconds === 'number' &&
      typeof state.HeartbeatSeconds === 'number' &&
      state.HeartbeatSeconds >= state.TimeoutSeconds
    )
      this.schema(`${at}/HeartbeatSeconds`, "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'");
  }

  private choice(
    state: StateDefinition,
    lang: QueryLanguage,
    at: string,
    states: Record<string, unknown>,
  ): void {
    if (!Array.isArray(state.Choices) || state.Choices.length === 0) {
      this.schema(`${at}/Choices`, "The field 'Choices' is required and must be a non-empty array");
      return;
    }
    state.Choices.forEach((rule, i) => {
      const loc = `${at}/Choices/${i}`;
      if (!isObject(rule)) {
        this.schema(loc, 'A choice rule must be an object');
        return;
      }
      if (rule.Next === undefined) this.schema(`${loc}/Next`, "A top-level choice rule needs 'Next'");
      else this.target(rule.Next, states, `${loc}/Next`);
      if (rule.Assign !== undefined) this.assign(rule.Assign, lang, `${loc}/Assign`);
      if (lang === 'JSONata') {
        if (rule.Condition === undefined)
          this.schema(`${loc}/Condition`, "A JSONata choice rule needs 'Condition'");
        else if (typeof rule.Condition !== 'boolean')
          this.jsonataValue(rule.Condition as Json, `${loc}/Condition`);
        if (rule.Output !== undefined) this.jsonataValue(rule.Output as Json, `${loc}/Output`);
        const stray = Object.keys(rule).filter(
          (k) => OPERATORS.has(k) || k === 'Variable' || k === 'And' || k === 'Or' || k === 'Not',
        );
        for (const k of stray)
          this.add(
            'INVALID_FIELD_FOR_QUERY_LANGUAGE',
            `${loc}/${k}`,
            `The field '${k}' is not supported when QueryLanguage is 'JSONata'`,
          );
      } else this.rule(rule, loc, true);
    });
    if (state.Default !== undefined) this.target(state.Default, states, `${at}/Default`);
  }

  private rule(rule: ChoiceRule, at: string, top: boolean): void {
    if (!isObject(rule)) {
      this.schema(at, 'A choice rule must be an object');
      return;
    }
    if (!top && rule.Next !== undefined) this.schema(`${at}/Next`, "Nested choice rules cannot have 'Next'");
    if (rule.Condition !== undefined)
      this.add(
        'INVALID_FIELD_FOR_QUERY_LANGUAGE',
        `${at}/Condition`,
        "The field 'Condition' is only supported when QueryLanguage is 'JSONata'",
      );
    const combinators = ['And', 'Or', 'Not'].filter((k) => rule[k] !== undefined);
    const ops = ruleOperators(rule);
    if (combinators.length + (ops.length > 0 ? 1 : 0) !== 1 || ops.length > 1) {
      this.schema(at, 'A choice rule must have exactly one comparison operator or one of And, Or, Not');
      return;
    }
    if (combinators.length === 1) {
      const k = combinators[0];
      if (k === 'Not') {
        this.rule(rule.Not as ChoiceRule, `${at}/Not`, false);
        return;
      }
      const list = rule[k];
      if (!Array.isArray(list) || list.length === 0) {
        this.schema(`${at}/${k}`, `'${k}' must be a non-empty array`);
        return;
      }
      for (const [i, r] of list.entries()) this.rule(r as ChoiceRule, `${at}/${k}/${i}`, false);
      return;
    }
    const op = ops[0];
    if (typeof rule.Variable !== 'string' || !isPath(rule.Variable))
      this.add(
        'INVALID_JSON_PATH',
        `${at}/Variable`,
        "The field 'Variable' is required and must be a valid JSONPath",
      );
    const value = rule[op];
    if (op.endsWith('Path')) {
      if (typeof value !== 'string' || !isPath(value))
        this.add('INVALID_JSON_PATH', `${at}/${op}`, `The value for '${op}' must be a valid JSONPath`);
    } else if (op.startsWith('Is') || op === 'BooleanEquals') {
      if (typeof value !== 'boolean') this.schema(`${at}/${op}`, `The value for '${op}' must be a boolean`);
    } else if (op.startsWith('Numeric')) {
      if (typeof value !== 'number') this.schema(`${at}/${op}`, `The value for '${op}' must be a number`);
    } else if (op.startsWith('Timestamp')) {
      if (parseTimestamp(value) === undefined)
        this.schema(`${at}/${op}`, `The value for '${op}' must be an RFC 3339 timestamp`);
    } else if (typeof value !== 'string')
      this.schema(`${at}/${op}`, `The value for '${op}' must be a string`);
  }

  private wait(state: StateDefinition, lang: QueryLanguage, at: string): void {
    const fields = (['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'] as const).filter(
      (f) => state[f] !== undefined,
    );
    if (fields.length !== 1) {
      this.schema(
        at,
        "A Wait state needs exactly one of 'Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'",
      );
      return;
    }
    const f = fields[0];
    const v = state[f];
    if (lang === 'JSONata' && jsonataExpression(v) !== undefined) {
      this.jsonataValue(v as Json, `${at}/${f}`);
      return;
    }
    if (f === 'Seconds' && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
      this.schema(`${at}/Seconds`, "The field 'Seconds' must be a non-negative integer");
    if (f === 'Timestamp' && parseTimestamp(v) === undefined)
      this.schema(
        `${at}/Timestamp`,
        "The field 'Timestamp' must be an RFC 3339 timestamp such as 2026-03-14T01:59:00Z",
      );
  }

  private fail(state: StateDefinition, lang: QueryLanguage, at: string): void {
    for (const f of ['Error', 'Cause'] as const) {
      const v = state[f];
      if (v !== undefined && typeof v !== 'string')
        this.schema(`${at}/${f}`, `The field '${f}' must be a string`);
      if (lang === 'JSONata' && typeof v === 'string') this.jsonataValue(v, `${at}/${f}`);
      const p = state[`${f}Path`];
      if (p === undefined) continue;
      if (v !== undefined) this.schema(`${at}/${f}Path`, `Use either '${f}' or '${f}Path', not both`);
      if (typeof p !== 'string' || (p.startsWith('$') ? !isPath(p) : !isIntrinsic(p)))
        this.add(
          'INVALID_JSON_PATH',
          `${at}/${f}Path`,
          `The value for the field '${f}Path' must be a valid JSONPath or intrinsic function`,
        );
    }
  }

  private recovery(
    state: StateDefinition,
    lang: QueryLanguage,
    at: string,
    states: Record<string, unknown>,
  ): void {
    const lists = [
      ['Retry', state.Retry],
      ['Catch', state.Catch],
    ] as const;
    for (const [field, list] of lists) {
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        this.schema(`${at}/${field}`, `The field '${field}' must be an array`);
        continue;
      }
      list.forEach((entry, i) => {
        const loc = `${at}/${field}/${i}`;
        if (!isObject(entry)) {
          this.schema(loc, 'must be an object');
          return;
        }
        const eq = entry.ErrorEquals;
        if (!Array.isArray(eq) || eq.length === 0 || eq.some((x) => typeof x !== 'string')) {
          this.schema(
            `${loc}/ErrorEquals`,
            "The field 'ErrorEquals' is required and must be a non-empty array of strings",
          );
          return;
        }
        if (eq.includes('States.ALL') && (eq.length > 1 || i !== list.length - 1))
          this.schema(`${loc}/ErrorEquals`, "'States.ALL' must appear alone and in the last entry");
        if (field === 'Retry') {
          const r = entry as unknown as Record<string, unknown>;
          const intField = (name: string, min: number) => {
            const v = r[name];
            if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min))
              this.schema(`${loc}/${name}`, `The field '${name}' must be an integer >= ${min}`);
          };
          intField('IntervalSeconds', 1);
          intField('MaxAttempts', 0);
          intField('MaxDelaySeconds', 1);
          if (r.BackoffRate !== undefined && (typeof r.BackoffRate !== 'number' || r.BackoffRate < 1))
            this.schema(`${loc}/BackoffRate`, "The field 'BackoffRate' must be a number >= 1.0");
          if (r.JitterStrategy !== undefined && r.JitterStrategy !== 'FULL' && r.JitterStrategy !== 'NONE')
            this.schema(`${loc}/JitterStrategy`, "The field 'JitterStrategy' must be 'FULL' or 'NONE'");
        } else {
          const c = entry as unknown as Record<string, unknown>;
          this.target(c.Next, states, `${loc}/Next`);
          if (lang === 'JSONPath') {
            if (c.ResultPath !== undefined && c.ResultPath !== null)
              this.resultPath(c.ResultPath, `${loc}/ResultPath`);
            if (c.Output !== undefined)
              this.add(
                'INVALID_FIELD_FOR_QUERY_LANGUAGE',
                `${loc}/Output`,
                "The field 'Output' is only supported when QueryLanguage is 'JSONata'",
              );
          } else {
            if (c.ResultPath !== undefined)
              this.add(
                'INVALID_FIELD_FOR_QUERY_LANGUAGE',
                `${loc}/ResultPath`,
                "The field 'ResultPath' is not supported when QueryLanguage is 'JSONata'",
              );
            if (c.Output !== undefined) this.jsonataValue(c.Output as Json, `${loc}/Output`);
          }
          if (c.Assign !== undefined) this.assign(c.Assign as Json, lang, `${loc}/Assign`);
        }
      });
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Validates a parsed definition; an empty list means it is valid. */
export function validateDefinition(definition: unknown): ValidationProblem[] {
  if (!isObject(definition))
    return [
      { code: 'SCHEMA_VALIDATION_FAILED', location: '/', message: 'The definition must be a JSON object' },
    ];
  const top = definition.QueryLanguage ?? 'JSONPath';
  const checker = new Checker(top === 'JSONata' ? 'JSONata' : 'JSONPath');
  if (definition.QueryLanguage !== undefined && top !== 'JSONPath' && top !== 'JSONata')
    checker.schema('/QueryLanguage', "The field 'QueryLanguage' must be 'JSONPath' or 'JSONata'");
  if (definition.Version !== undefined && definition.Version !== '1.0')
    checker.schema('/Version', "The field 'Version' must be '1.0'");
  const t = definition.TimeoutSeconds;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t <= 0))
    checker.schema('/TimeoutSeconds', "The field 'TimeoutSeconds' must be a positive integer");
  checker.block(definition, '');
  return checker.problems;
}

/** AWS's InvalidDefinition message for a list of problems. */
export function formatProblems(problems: ValidationProblem[]): string {
  const parts = problems.map((p) => `${p.code}: ${p.message} at ${p.location || '/'}`);
  return `Invalid State Machine Definition: '${parts.join(', ')}'`;
}
