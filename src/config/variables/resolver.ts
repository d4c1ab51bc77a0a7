/**
 * The variable resolution engine: resolves every `${…}` in a config object in place, lazily and
 * concurrently, following property dependencies (`${self:…}`) with cycle detection, and collects
 * every error (Serverless v3 `resolve.js` semantics and wording).
 */
import { inspect } from 'node:util';
import {
  isVariableSource,
  isWholeValue,
  type Operand,
  parseVariables,
  type Template,
  type Variable,
} from './parse.js';

/** What a source resolver receives. */
export interface SourceContext {
  address: unknown;
  params: unknown[] | undefined;
  /** Humanized path of the property being resolved. */
  propertyPath: string;
  /** Resolves (and returns) another config property, recording the dependency. */
  resolveConfigurationProperty: (keys: string[]) => Promise<unknown>;
  /** Resolves a variable string without `${}` (`'self:provider.stage'`) for JS file sources. */
  resolveVariable: (variable: string) => Promise<unknown>;
}

/** A variable source: returns the value, or null/undefined when it has none (fallbacks apply). */
export type SourceResolver = (ctx: SourceContext) => unknown | Promise<unknown>;

/** An error at one property, already in Serverless's wording. */
export interface ResolutionError {
  /** Property path segments. */
  path: string[];
  message: string;
  code: string;
}

/** Thrown by sources for user errors; the message is prefixed with the property path. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly code = 'VARIABLE_RESOLUTION_ERROR',
  ) {
    super(message);
  }
}

/** Internal: a resolution error with its full message. */
class VarError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Internal: an unknown source type was met (left unresolved, reported at the end). */
class UnknownSource extends Error {
  constructor(readonly type: string) {
    super(`Unrecognized configuration variable source "${type}"`);
  }
}

interface Meta {
  text: string;
  vars: Variable[];
  depth: number;
  error?: VarError;
  unknownSource?: string;
}

const SEP = '\0';
const MAX_DEPTH = 10;

/** `functions.hello.events.0.http` from path segments. */
export function humanizePath(keys: readonly string[]): string {
  return keys.join('.');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Coerces a value embedded in a string; undefined when it cannot be (objects, arrays, null). */
function coerceString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Only JSON-compatible results are accepted, as Serverless does. */
function normalizeResult(type: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) {
    throw new SourceError(`Source "${type}" returned not supported result: "${inspect(value)}"`);
  }
  const normalized = JSON.parse(json) as unknown;
  if (typeof value !== 'object' && normalized !== value) {
    throw new SourceError(`Source "${type}" returned not supported result: "${inspect(value)}"`);
  }
  return normalized;
}

/** Resolves variables of one config object in place; reusable for several passes. */
export class VariablesResolver {
  private readonly metas = new Map<string, Meta>();
  private readonly deps = new Map<string, Set<string>>();
  private memo = new Map<string, Promise<void>>();
  /** Properties being resolved right now, and a counter of finished steps (for the watchdog). */
  private readonly pending = new Set<string>();
  private progress = 0;
  /** Source calls in flight, with how many property waits each is blocked on. */
  private readonly sourceCalls = new Set<{ waiting: number }>();
  /** Syntax errors found while scanning, reported with the rest. */
  private readonly syntaxErrors: ResolutionError[] = [];

  constructor(
    readonly config: Record<string, unknown>,
    readonly sources: Record<string, SourceResolver>,
  ) {
    this.scan(config, []);
  }

  /** Registers every string holding variables under `value` (at `path`). */
  private scan(value: unknown, path: string[], depth = 0): string[] {
    const found: string[] = [];
    const visit = (v: unknown, p: string[]) => {
      if (typeof v === 'string') {
        try {
          const vars = parseVariables(v);
          if (vars) {
            const key = p.join(SEP);
            this.metas.set(key, { text: v, vars, depth });
            found.push(key);
          }
        } catch (e) {
          this.syntaxErrors.push({
            path: p,
            message: `Variable syntax error at "${humanizePath(p)}": ${(e as Error).message}`,
            code: (e as { code?: string }).code ?? 'INVALID_VARIABLE',
          });
        }
      } else if (Array.isArray(v)) {
        v.forEach((item, i) => {
          visit(item, [...p, String(i)]);
        });
      } else if (isPlainObject(v)) {
        for (const [k, item] of Object.entries(v)) visit(item, [...p, k]);
      }
    };
    visit(value, path);
    return found;
  }

  /**
   * Resolves all pending properties, or only those at/under/above `only` paths (and what they
   * depend on). Safe to call again after sources gain data (e.g. after loading .env).
   */
  async resolve(only?: string[][]): Promise<void> {
    this.memo = new Map();
    const keys = [...this.metas.keys()].filter((key) => {
      if (!only) return true;
      return only.some((o) => {
        const target = o.join(SEP);
        return key === target || key.startsWith(target + SEP) || target.startsWith(key + SEP);
      });
    });
    let settled = false;
    const all = Promise.all(keys.map((k) => this.resolveProperty(k))).finally(() => {
      settled = true;
    });
    await Promise.race([all, this.watchdog(() => settled)]);
  }

  /**
   * Safety net: if resolution stops making progress while nothing else (file reads, modules,
   * timers) is pending, the properties still waiting wait on each other. Mark them as a cycle
   * instead of leaving the promise unsettled (which would end the process silently).
   */
  private async watchdog(isSettled: () => boolean): Promise<void> {
    let last = -1;
    let idleTurns = 0;
    while (!isSettled()) {
      await new Promise((r) => setImmediate(r));
      if (isSettled()) return;
      // Busy: a source is working on its own (module loading, I/O), not waiting on a property.
      const busy =
        [...this.sourceCalls].some((c) => c.waiting === 0) ||
        process
          .getActiveResourcesInfo()
          .some((r) => r !== 'Immediate' && r !== 'TTYWrap' && r !== 'PipeWrap' && !r.startsWith('Signal'));
      if (busy || this.progress !== last) {
        last = this.progress;
        idleTurns = 0;
        continue;
      }
      if (++idleTurns < 50) continue;
      const stuck = [...this.pending].map((k) => humanizePath(k.split(SEP)));
      const names = stuck.map((n) => `"${n}"`).join(', ');
      for (const key of this.pending) {
        const meta = this.metas.get(key);
        if (meta && !meta.error) {
          meta.error = new VarError(
            `Cannot resolve variable at "${humanizePath(key.split(SEP))}": Variables resolution stalled among ${names} properties (circular reference?)`,
            'CIRCULAR_PROPERTY_DEPENDENCY',
          );
        }
      }
      return;
    }
  }

  /** Errors collected so far (syntax errors first), one per property. */
  errors(): ResolutionError[] {
    const out = [...this.syntaxErrors];
    for (const [key, meta] of this.metas) {
      if (meta.error) out.push({ path: key.split(SEP), message: meta.error.message, code: meta.error.code });
    }
    return out;
  }

  /** Unknown source types left unresolved, with the first property using each. */
  unknownSources(): { type: string; path: string[] }[] {
    const seen = new Map<string, string[]>();
    for (const [key, meta] of this.metas) {
      if (meta.unknownSource && !meta.error && !seen.has(meta.unknownSource)) {
        seen.set(meta.unknownSource, key.split(SEP));
      }
    }
    return [...seen].map(([type, path]) => ({ type, path }));
  }

  private resolveProperty(key: string): Promise<void> {
    let p = this.memo.get(key);
    if (!p) {
      p = this.resolvePropertyNow(key);
      this.memo.set(key, p);
    }
    return p;
  }

  private async resolvePropertyNow(key: string): Promise<void> {
    this.pending.add(key);
    try {
      await this.resolvePropertyOnce(key);
    } finally {
      this.pending.delete(key);
      this.progress++;
    }
  }

  private async resolvePropertyOnce(key: string): Promise<void> {
    const meta = this.metas.get(key);
    if (!meta || meta.error) return;
    const path = key.split(SEP);
    const human = humanizePath(path);
    let value: unknown;
    try {
      value = await this.resolveTemplate({ text: meta.text, vars: meta.vars }, human, key);
    } catch (e) {
      if (e instanceof UnknownSource) {
        meta.unknownSource = e.type;
        return;
      }
      if (e instanceof MissingDependency) return;
      if (e instanceof VarError) {
        meta.error = e;
        return;
      }
      throw e;
    }
    const whole = isWholeValue(meta.text, meta.vars);
    this.metas.delete(key);
    this.assign(path, value);
    if (!whole) return; // concatenated strings are final (escapes already cleared)
    let nested: string[] = [];
    if (typeof value === 'string') {
      try {
        const vars = parseVariables(value);
        if (vars) {
          this.metas.set(key, { text: value, vars, depth: meta.depth + 1 });
          nested = [key];
        }
      } catch (e) {
        this.metas.set(key, {
          text: value,
          vars: [],
          depth: meta.depth + 1,
          error: new VarError(
            `Cannot resolve variable at "${human}": Approached variable syntax error in resolved value "${value}": ${(e as Error).message}`,
            'INVALID_VARIABLE',
          ),
        });
        return;
      }
    } else if (Array.isArray(value) || isPlainObject(value)) {
      nested = this.scan(value, path, meta.depth + 1);
    }
    if (nested.length === 0) return;
    if (meta.depth + 1 > MAX_DEPTH) {
      for (const k of nested) this.metas.delete(k);
      this.metas.set(key, {
        text: '',
        vars: [],
        depth: meta.depth + 1,
        error: new VarError(
          `Cannot resolve variable at "${human}": Excessive property variables nest depth`,
          'EXCESSIVE_RESOLVED_PROPERTIES_NEST_DEPTH',
        ),
      });
      return;
    }
    // The property now waits on what it produced: record it, so cycles through it are detected.
    for (const k of nested) if (k !== key) this.addDependency(key, k);
    await Promise.all(nested.map((k) => (k === key ? this.resolvePropertyNow(k) : this.resolveProperty(k))));
  }

  private assign(path: string[], value: unknown): void {
    let target = this.config as Record<string, unknown>;
    for (const k of path.slice(0, -1)) target = target[k] as Record<string, unknown>;
    target[path[path.length - 1]!] = value;
  }

  /** Resolves a template: a whole-value variable keeps its type, otherwise a string is built. */
  private async resolveTemplate(tpl: Template, human: string, key: string): Promise<unknown> {
    const values = await Promise.all(tpl.vars.map((v) => this.resolveVariable(v, human, key)));
    if (isWholeValue(tpl.text, tpl.vars)) return values[0];
    let out = '';
    let last = 0;
    tpl.vars.forEach((v, i) => {
      const s = coerceString(values[i]);
      if (s === undefined) {
        throw new VarError(
          `Cannot resolve variable at "${human}": String value consist of variable which resolve with non-string value`,
          'NON_STRING_VARIABLE_RESULT',
        );
      }
      out += unescapeText(tpl.text.slice(last, v.start)) + s;
      last = v.end;
    });
    return out + unescapeText(tpl.text.slice(last));
  }

  private async operand(op: Operand, human: string, key: string): Promise<unknown> {
    if ('value' in op) return op.value;
    return this.resolveTemplate(op.template, human, key);
  }

  private async resolveVariable(v: Variable, human: string, key: string): Promise<unknown> {
    for (let i = 0; i < v.sources.length; i++) {
      const source = v.sources[i]!;
      if (!isVariableSource(source)) return source.value;
      const resolver = this.sources[source.type];
      if (!resolver) throw new UnknownSource(source.type);
      const params = source.params
        ? await Promise.all(source.params.map((p) => this.operand(p, human, key)))
        : undefined;
      const address = source.address ? await this.operand(source.address, human, key) : undefined;
      let value: unknown;
      const call = { waiting: 0 };
      const blocked = async <T>(p: () => Promise<T>): Promise<T> => {
        call.waiting++;
        try {
          return await p();
        } finally {
          call.waiting--;
        }
      };
      this.sourceCalls.add(call);
      try {
        value = normalizeResult(
          source.type,
          await resolver({
            address,
            params,
            propertyPath: human,
            resolveConfigurationProperty: (keys) => blocked(() => this.resolveDependency(key, keys)),
            resolveVariable: (s) => blocked(() => this.resolveVariableString(s, human, key)),
          }),
        );
      } catch (e) {
        if (e instanceof UnknownSource || e instanceof MissingDependency) throw e;
        if (e instanceof VarError && e.message.startsWith('Cannot resolve variable at ')) throw e;
        const message = e instanceof Error ? e.message : `Non-error exception: ${inspect(e)}`;
        const code = (e as { code?: string }).code ?? 'VARIABLE_RESOLUTION_ERROR';
        throw new VarError(`Cannot resolve variable at "${human}": ${message}`, code);
      } finally {
        this.sourceCalls.delete(call);
        this.progress++;
      }
      if (value !== null && value !== undefined) return value;
      if (i === v.sources.length - 1) {
        throw new VarError(
          `Cannot resolve variable at "${human}": Value not found at "${source.type}" source`,
          'MISSING_VARIABLE_RESULT',
        );
      }
    }
    return undefined;
  }

  private async resolveVariableString(s: string, human: string, key: string): Promise<unknown> {
    const text = '${' + s + '}';
    const vars = parseVariables(text);
    if (!vars) throw new SourceError(`Invalid variable "${s}"`);
    return this.resolveTemplate({ text, vars }, human, key);
  }

  private checkDependency(dependent: string, dependency: string, seen = new Set<string>()): void {
    if (dependent === dependency) {
      throw new VarError(
        `Circular reference. "${humanizePath(dependent.split(SEP))}" refers to itself`,
        'CIRCULAR_PROPERTY_DEPENDENCY',
      );
    }
    const next = this.deps.get(dependency);
    if (!next) return;
    if (next.has(dependent)) {
      throw new VarError(
        `Circular reference among "${humanizePath(dependent.split(SEP))}" and "${humanizePath(dependency.split(SEP))}" properties`,
        'CIRCULAR_PROPERTY_DEPENDENCY',
      );
    }
    for (const d of next) {
      if (seen.has(d)) continue;
      seen.add(d);
      this.checkDependency(dependent, d, seen);
    }
  }

  private addDependency(dependent: string, dependency: string): void {
    let set = this.deps.get(dependent);
    if (!set) {
      set = new Set();
      this.deps.set(dependent, set);
    }
    set.add(dependency);
  }

  private async waitFor(dependent: string, dependency: string): Promise<void> {
    try {
      this.checkDependency(dependent, dependency);
    } catch (e) {
      // Serverless words cycles as source errors of the dependent property.
      throw new SourceError((e as Error).message, 'CIRCULAR_PROPERTY_DEPENDENCY');
    }
    this.addDependency(dependent, dependency);
    await this.resolveProperty(dependency);
    const meta = this.metas.get(dependency);
    if (!meta) return;
    if (meta.error) throw meta.error;
    if (meta.unknownSource) throw new MissingDependency();
    // Still pending after resolution (e.g. re-registered nested variables): resolve again.
    await this.resolvePropertyNow(dependency);
    const again = this.metas.get(dependency);
    if (again?.error) throw again.error;
    if (again) throw new MissingDependency();
  }

  /** Value of the property at `keys` once every variable it holds (or sits under) is resolved. */
  private async resolveDependency(dependent: string, keys: string[]): Promise<unknown> {
    let value: unknown = this.config;
    for (let i = 0; i < keys.length; i++) {
      if (value === null || value === undefined) return undefined;
      const prefix = keys.slice(0, i + 1).join(SEP);
      if (this.metas.has(prefix)) await this.waitFor(dependent, prefix);
      value = (value as Record<string, unknown>)[keys[i]!];
    }
    if (typeof value !== 'object' || value === null) return value;
    const nest = keys.length ? keys.join(SEP) + SEP : '';
    const inner = [...this.metas.keys()].filter((k) => k.startsWith(nest));
    await Promise.all(inner.map((k) => this.waitFor(dependent, k)));
    // Re-read: resolution replaced values in place.
    let out: unknown = this.config;
    for (const k of keys) out = (out as Record<string, unknown> | undefined)?.[k];
    return out;
  }
}

/** Internal: a dependency is blocked on an unknown source; leave the dependent unresolved. */
class MissingDependency extends Error {}

function unescapeText(s: string): string {
  return s.includes('\\${') ? s.replace(/\\\$\{/g, '${') : s;
}

/** Clears `\${` escapes in every string of a fully resolved value (in place). */
export function clearEscapes(value: unknown): unknown {
  if (typeof value === 'string') return unescapeText(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = clearEscapes(value[i]);
    return value;
  }
  if (isPlainObject(value)) {
    for (const k of Object.keys(value)) value[k] = clearEscapes(value[k]);
  }
  return value;
}
