/**
 * Schema validation of the resolved config with ajv (draft-07, allErrors, coerceTypes 'array' as
 * Serverless: validation coerces scalars in place), with Serverless's message style
 * (`at 'functions.hello': unrecognized property 'foo'`) plus the source position.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { CF_FUNCTION_COMMENT, CONFIG_SCHEMA, EVENT_SCHEMAS } from './schema.js';
import type { ConfigValidationMode } from './types.js';

/** One normalized schema problem. */
export interface SchemaIssue {
  /** Property path segments of the offending value (or of the unknown key). */
  path: string[];
  /** Serverless-style message, `at 'a.b': …`. */
  message: string;
  /** True when Selfless cannot run the service with this problem, whatever the mode. */
  fatal: boolean;
  keyword: string;
}

/** ajv's options for the config schemas (also used by scripts/build-validators.mjs). */
export const AJV_OPTIONS = {
  allErrors: true,
  coerceTypes: 'array',
  strict: false,
  allowUnionTypes: true,
  // optimize: false halves compile time; the generated validators are as correct, marginally slower.
  code: { optimize: false },
} as const;

/** The build's precompiled validators, next to this module in dist/. */
export const PRECOMPILED_FILE = 'validators.generated.cjs';

/** The export name of an event type's precompiled validator. */
export function eventExportName(type: string): string {
  return `event_${type.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** A digest of every schema: precompiled validators built from other schemas are not used. */
export function schemasDigest(): string {
  return createHash('sha256')
    .update(JSON.stringify([CONFIG_SCHEMA, EVENT_SCHEMAS, AJV_OPTIONS]))
    .digest('hex');
}

type Precompiled = Record<string, ValidateFunction | undefined> & { digest?: string };

// The build writes standalone validators (scripts/build-validators.mjs): loading them costs a few
// ms where importing ajv and compiling the schema costs hundreds. Without them (tests on src/, a
// plain tsc build, a stale file) the schemas are compiled lazily: config once, each event type on
// first use.
let precompiled: Precompiled | null | undefined;
let ajv: Ajv | undefined;
let configValidator: ValidateFunction | undefined;
const eventValidators = new Map<string, ValidateFunction>();

function loadPrecompiled(): Precompiled | null {
  if (precompiled !== undefined) return precompiled;
  try {
    const m = require(`./${PRECOMPILED_FILE}`) as Precompiled;
    precompiled = m.digest === schemasDigest() ? m : null;
  } catch {
    precompiled = null;
  }
  return precompiled;
}

const require = createRequire(import.meta.url);

function getAjv(): Ajv {
  // Required on first use: with precompiled validators, ajv itself is never loaded.
  ajv ??= new (require('ajv') as typeof import('ajv')).Ajv(AJV_OPTIONS);
  return ajv;
}

function configValidatorFn(): ValidateFunction {
  configValidator ??= loadPrecompiled()?.config ?? getAjv().compile(CONFIG_SCHEMA);
  return configValidator;
}

function eventValidator(type: string): ValidateFunction | undefined {
  const schema = EVENT_SCHEMAS[type];
  if (!schema) return undefined;
  let v = eventValidators.get(type);
  if (!v) {
    v = loadPrecompiled()?.[eventExportName(type)] ?? getAjv().compile(schema);
    eventValidators.set(type, v);
  }
  return v;
}

/** The schema object an error's schemaPath points into (the keyword's parent schema). */
function parentSchemaOf(root: unknown, schemaPath: string): unknown {
  const parts = decodePointer(schemaPath.replace(/^#/, '')).slice(0, -1);
  let node: unknown = root;
  for (const p of parts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/** The instance value an error's instancePath points at. */
function dataAt(root: unknown, instancePath: string): unknown {
  let node: unknown = root;
  for (const p of decodePointer(instancePath)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/** Event types Selfless's schema knows. */
export function knownEventTypes(): string[] {
  return Object.keys(EVENT_SCHEMAS);
}

function decodePointer(p: string): string[] {
  if (!p) return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Keeps only the errors of the anyOf/oneOf variant the user evidently meant (Serverless's
 * normalize-ajv-errors heuristics): variants failing only on the value's type are dropped; if one
 * variant is left its errors stand, otherwise the "no variant matched" error stands alone.
 */
function filterAnyOf(errors: ErrorObject[], rootSchema: unknown): ErrorObject[] {
  const set = new Set(errors);
  const roots = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const root of roots) {
    if (!set.has(root)) continue;
    const prefix = root.schemaPath.replace(/\/(anyOf|oneOf)$/, `/${root.keyword}/`);
    const byVariant = new Map<string, ErrorObject[]>();
    for (const e of set) {
      if (e === root || !e.schemaPath.startsWith(prefix)) continue;
      if (e.instancePath !== root.instancePath && !e.instancePath.startsWith(`${root.instancePath}/`))
        continue;
      const idx = e.schemaPath.slice(prefix.length).split('/')[0]!;
      if (!byVariant.has(idx)) byVariant.set(idx, []);
      byVariant.get(idx)!.push(e);
    }
    let variants = [...byVariant.values()];
    const isTypeOnly = (v: ErrorObject[]) =>
      v.length === 1 &&
      (v[0]!.keyword === 'type' || v[0]!.keyword === 'const') &&
      v[0]!.instancePath === root.instancePath &&
      /^\d+\/(type|const)$/.test(v[0]!.schemaPath.slice(prefix.length));
    const typeOnly = variants.filter(isTypeOnly);
    variants = variants.filter((v) => !isTypeOnly(v));
    for (const v of typeOnly) for (const e of v) set.delete(e);
    if (variants.length > 1) {
      // A variant failing only on type or on being a CloudFormation intrinsic was not what the
      // user meant when another variant is left.
      const weak = (v: ErrorObject[]) =>
        v.every(
          (e) =>
            e.keyword === 'type' ||
            e.keyword === 'anyOf' ||
            e.keyword === 'oneOf' ||
            (parentSchemaOf(rootSchema, e.schemaPath) as { $comment?: string } | undefined)?.$comment ===
              CF_FUNCTION_COMMENT,
        );
      const strong = variants.filter((v) => !weak(v));
      if (strong.length > 0 && strong.length < variants.length) {
        for (const v of variants.filter(weak)) for (const e of v) set.delete(e);
        variants = strong;
      }
    }
    if (variants.length > 1) {
      const depth = (v: ErrorObject[]) => Math.max(...v.map((e) => e.instancePath.split('/').length));
      const deepest = Math.max(...variants.map(depth));
      for (const v of variants.filter((x) => depth(x) !== deepest)) for (const e of v) set.delete(e);
      variants = variants.filter((v) => depth(v) === deepest);
    }
    if (variants.length === 1) {
      set.delete(root);
    } else {
      // `anyOf: [{required: [a]}, {required: [b]}]`: say which properties would do.
      const required = variants.flat();
      if (required.length > 0 && required.every((e) => e.keyword === 'required')) {
        const names = required.map((e) => `'${(e.params as { missingProperty: string }).missingProperty}'`);
        (root as ErrorObject & { selflessMessage?: string }).selflessMessage =
          `must have required property ${names.join(' or ')}`;
      }
      for (const v of variants) for (const e of v) set.delete(e);
    }
  }
  return [...set];
}

function messageOf(e: ErrorObject, eventRoot: boolean, data: unknown): string {
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      return e.instancePath === '/functions'
        ? `name '${prop}' must be alphanumeric`
        : `unrecognized property '${prop}'`;
    }
    case 'pattern': {
      const value = dataAt(data, e.instancePath);
      // An empty or absent name is not a value to quote back ("value 'undefined'").
      if ((value === undefined || value === '') && /^\/service(\/name)?$/.test(e.instancePath))
        return 'the service name is missing: set "service: my-service" (letters, digits and dashes, starting with a letter)';
      return `value '${String(value)}' does not satisfy pattern /${(e.params as { pattern: string }).pattern}/`;
    }
    case 'anyOf':
    case 'oneOf':
      if ((e as ErrorObject & { selflessMessage?: string }).selflessMessage) {
        return (e as ErrorObject & { selflessMessage?: string }).selflessMessage!;
      }
      return eventRoot ? 'unsupported function event' : 'unsupported configuration format';
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const base = e.message ?? 'must be equal to one of the allowed values';
      return allowed.every((v) => typeof v === 'string')
        ? `${base} [${allowed.join(', ')}]`
        : `${base} [${allowed.join(', ')}]`;
    }
    case 'const':
      return `${e.message ?? 'must be equal to constant'} (${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)})`;
    default:
      return e.message ?? 'is invalid';
  }
}

function quotePath(path: string[]): string {
  return path.length === 0 ? 'root' : `'${path.join('.')}'`;
}

/** Whether an issue at `path` stops Selfless regardless of configValidationMode. */
function isFatal(path: string[], keyword: string): boolean {
  if (keyword === 'additionalProperties') return false;
  const [top, , field] = path;
  if (path.length === 0) return keyword === 'required' || keyword === 'type';
  if (top === 'provider') return path[1] === 'runtime' || path[1] === 'name';
  if (top === 'service') return true;
  if (top === 'functions') {
    if (path.length === 1) return false;
    if (field === 'runtime' || field === 'handler') return true;
    // Event shapes: a wrong shape cannot be wired. Only the `http` string form's pattern
    // (`GET hello`, no leading slash) warns, as in Serverless, since it can still be wired.
    if (field === 'events') return !(keyword === 'pattern' && path.length === 5 && path[4] === 'http');
  }
  return false;
}

function toIssue(e: ErrorObject, basePath: string[], eventRoot: boolean, data: unknown): SchemaIssue {
  const path = [...basePath, ...decodePointer(e.instancePath)];
  const message = `at ${quotePath(path)}: ${messageOf(e, eventRoot, data)}`;
  const issuePath =
    e.keyword === 'additionalProperties'
      ? [...path, (e.params as { additionalProperty: string }).additionalProperty]
      : path;
  return { path: issuePath, message, fatal: isFatal(path, e.keyword), keyword: e.keyword };
}

/** Removes null values (recorded) so `key: ~` is not a type error, as Serverless does. */
function stripNulls(
  value: unknown,
  path: (string | number)[],
  removed: { path: (string | number)[] }[],
): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (v && typeof v === 'object') stripNulls(v, [...path, i], removed);
    });
  } else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (v === null || v === undefined) {
        removed.push({ path: [...path, k] });
        delete obj[k];
      } else if (typeof v === 'object') stripNulls(v, [...path, k], removed);
    }
  }
}

function restoreNulls(root: unknown, removed: { path: (string | number)[] }[]): void {
  for (const { path } of removed) {
    let t = root as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) t = t[k] as Record<string | number, unknown>;
    t[path[path.length - 1]!] = null;
  }
}

/**
 * Validates (and coerces, in place) the resolved config. Returns every issue, de-duplicated;
 * the caller decides by mode and `fatal` what warns and what fails.
 */
export function validateConfig(config: Record<string, unknown>): SchemaIssue[] {
  const validate = configValidatorFn();
  const removed: { path: (string | number)[] }[] = [];
  stripNulls(config, [], removed);
  const issues: SchemaIssue[] = [];
  try {
    if (!validate(config)) {
      for (const e of filterAnyOf(validate.errors ?? [], CONFIG_SCHEMA))
        issues.push(toIssue(e, [], false, config));
    }
    const functions = config.functions;
    if (functions && typeof functions === 'object' && !Array.isArray(functions)) {
      for (const [fnKey, fn] of Object.entries(functions as Record<string, unknown>)) {
        const evs = (fn as { events?: unknown } | null)?.events;
        if (!Array.isArray(evs)) continue;
        evs.forEach((ev, i) => {
          const base = ['functions', fnKey, 'events', String(i)];
          const keys = ev && typeof ev === 'object' ? Object.keys(ev) : [];
          const type = keys[0];
          const check = keys.length === 1 && type ? eventValidator(type) : undefined;
          if (!check) {
            issues.push({
              path: base,
              message: `at ${quotePath(base)}: unsupported function event`,
              fatal: true,
              keyword: 'anyOf',
            });
            return;
          }
          const holder = ev as Record<string, unknown>;
          if (!check(holder[type!])) {
            for (const e of filterAnyOf(check.errors ?? [], EVENT_SCHEMAS[type!])) {
              issues.push(toIssue(e, [...base, type!], false, holder[type!]));
            }
          }
        });
      }
    }
  } finally {
    restoreNulls(config, removed);
  }
  const seen = new Set<string>();
  return issues.filter((i) => {
    if (seen.has(i.message)) return false;
    seen.add(i.message);
    return true;
  });
}

/** The footer Serverless prints under validation problems. */
export const VALIDATION_FOOTER =
  'Learn more about configuration validation here: http://slss.io/configuration-validation';

/** Splits issues into warnings and errors for a mode. */
export function partitionIssues(
  issues: SchemaIssue[],
  mode: ConfigValidationMode,
): { errors: SchemaIssue[]; warnings: SchemaIssue[] } {
  const errors: SchemaIssue[] = [];
  const warnings: SchemaIssue[] = [];
  for (const i of issues) {
    if (i.fatal || mode === 'error') errors.push(i);
    else if (mode === 'warn') warnings.push(i);
  }
  return { errors, warnings };
}
