/** Loads a service: find → parse → resolve variables → validate → normalize. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SelflessError } from '../platform/errors.js';
import { normalizeService, resolveStage } from './normalize.js';
import type { LoadedService, LoadOptions, RawObject } from './types.js';
import { partitionIssues, VALIDATION_FOOTER, validateConfig } from './validate.js';
import { clearEscapes, type ResolutionError, VariablesResolver } from './variables/resolver.js';
import { createSources, parseDotenv } from './variables/sources.js';
import { type PositionMap, parseYaml, type SourcePos } from './yaml.js';

/** Config file names in the order Serverless looks for them. */
export const CONFIG_FILE_NAMES = [
  'serverless.yml',
  'serverless.yaml',
  'serverless.json',
  'serverless.js',
  'serverless.cjs',
  'serverless.mjs',
];

/** The first serverless.{yml,yaml,json,js,…} in `dir`, as an absolute path, or undefined. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const p = path.resolve(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Locates property paths in the config file for messages (`serverless.yml:12:5`). */
export class Locator {
  constructor(
    readonly fileLabel: string,
    readonly positions: PositionMap,
  ) {}

  /** Position of the path, or of its nearest ancestor that has one. */
  pos(segments: readonly string[]): SourcePos | undefined {
    for (let n = segments.length; n >= 0; n--) {
      const p = this.positions.get(segments.slice(0, n).join('.'));
      if (p) return p;
    }
    return undefined;
  }

  /** `file:line:col` (or just the file when unknown). */
  where(segments: readonly string[]): string {
    const p = this.pos(segments);
    return p ? `${this.fileLabel}:${p.line}:${p.col}` : this.fileLabel;
  }
}

function isPlainObject(v: unknown): v is RawObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonPos(text: string, err: Error): SourcePos | undefined {
  const m = /position (\d+)/.exec(err.message);
  if (m) {
    const offset = Number(m[1]);
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, col: before[before.length - 1]!.length + 1 };
  }
  const lc = /line (\d+) column (\d+)/.exec(err.message);
  return lc ? { line: Number(lc[1]), col: Number(lc[2]) } : undefined;
}

async function readConfig(file: string, label: string): Promise<{ value: unknown; positions: PositionMap }> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.js' || ext === '.cjs' || ext === '.mjs') {
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      return { value: await ('default' in mod ? mod.default : mod), positions: new Map() };
    } catch (e) {
      throw new SelflessError('CONFIG_LOAD_ERROR', `Cannot load "${label}": ${(e as Error).message}`, {
        where: label,
        cause: e,
      });
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SelflessError('CONFIG_READ_ERROR', `Cannot read "${label}": ${(e as Error).message}`, {
      where: label,
    });
  }
  if (ext === '.json') {
    try {
      const value = JSON.parse(text) as unknown;
      // JSON is YAML: the YAML parser gives the positions of every property.
      let positions: PositionMap = new Map();
      try {
        positions = parseYaml(text, label).positions;
      } catch {
        // Positions are a convenience; the JSON itself is valid.
      }
      return { value, positions };
    } catch (e) {
      const p = jsonPos(text, e as Error);
      const where = p ? `${label}:${p.line}:${p.col}` : label;
      throw new SelflessError(
        'CONFIG_JSON_SYNTAX',
        `Cannot parse "${label}": ${(e as Error).message} (${where})`,
        {
          where,
          hint: 'Fix the JSON syntax at that position.',
        },
      );
    }
  }
  return parseYaml(text, label);
}

/** Moves positions recorded under `prefix.<i>.<key>` to `prefix.<key>` after an array merge. */
function remapMergedPositions(positions: PositionMap, prefix: string, keyDepth: 1 | 2): void {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.\\d+\\.(.+)$`);
  for (const [k, v] of [...positions]) {
    const m = re.exec(k);
    if (m) {
      const rest = m[1]!;
      if (keyDepth === 1 || rest.includes('.')) positions.set(`${prefix}.${rest}`, v);
      else if (!positions.has(`${prefix}.${rest}`)) positions.set(`${prefix}.${rest}`, v);
    }
  }
}

function deepMerge(target: RawObject, source: RawObject): RawObject {
  for (const [k, v] of Object.entries(source)) {
    const t = target[k];
    target[k] = isPlainObject(t) && isPlainObject(v) ? deepMerge(t, v) : v;
  }
  return target;
}

/** `functions` and `resources` given as arrays of maps are merged, as Serverless does. */
function mergeArraySections(config: RawObject, positions: PositionMap): void {
  if (Array.isArray(config.functions)) {
    const merged: RawObject = {};
    for (const item of config.functions) if (isPlainObject(item)) Object.assign(merged, item);
    config.functions = merged;
    remapMergedPositions(positions, 'functions', 1);
  }
  if (Array.isArray(config.resources)) {
    const merged: RawObject = {};
    for (const item of config.resources) if (isPlainObject(item)) deepMerge(merged, item);
    config.resources = merged;
    remapMergedPositions(positions, 'resources', 1);
  }
}

/**
 * One entry per message: a property that failed because its dependency failed repeats the
 * dependency's message; keep the entry at the property the message names.
 */
function dedupeErrors(errors: ResolutionError[]): ResolutionError[] {
  const byMessage = new Map<string, ResolutionError>();
  for (const e of errors) {
    const named = /^Cannot resolve variable at "([^"]*)"/.exec(e.message)?.[1];
    const prev = byMessage.get(e.message);
    if (!prev || (named !== undefined && e.path.join('.') === named)) byMessage.set(e.message, e);
  }
  return [...byMessage.values()];
}

/** Names the missing files when a `file` source found nothing (files missing on purpose use fallbacks). */
function fileHint(errors: ResolutionError[], missing: Set<string>, serviceDir: string): string | undefined {
  if (missing.size === 0 || !errors.some((e) => e.message.endsWith('Value not found at "file" source')))
    return undefined;
  const list = [...missing].map((f) => `"${f}"`).join(', ');
  return `Not found (relative to ${serviceDir}): ${list}. Create the file, fix the path, or add a fallback: \${file(./x.yml), 'default'}.`;
}

/** Loads, resolves, validates and normalizes the service in `opts.cwd` (or `opts.configPath`). */
export async function loadService(opts: LoadOptions = {}): Promise<LoadedService> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const options = opts.options ?? {};
  const configPath = opts.configPath ? path.resolve(cwd, opts.configPath) : findConfigFile(cwd);
  if (!configPath && existsSync(path.join(cwd, 'serverless.ts'))) {
    throw new SelflessError('CONFIG_TS_UNSUPPORTED', `serverless.ts is not supported (in ${cwd})`, {
      where: path.join(cwd, 'serverless.ts'),
      hint: 'Use serverless.yml, serverless.json or serverless.js (a module exporting the configuration).',
    });
  }
  if (!configPath || !existsSync(configPath)) {
    const what = opts.configPath
      ? `Cannot find config file "${opts.configPath}"`
      : `No serverless.yml found in ${cwd}`;
    throw new SelflessError('CONFIG_NOT_FOUND', what, {
      where: opts.configPath ?? cwd,
      hint: 'Run the command in a service folder, or pass the file with -c/--config.',
    });
  }
  const serviceDir = path.dirname(configPath);
  const label = path.relative(cwd, configPath) || path.basename(configPath);
  const { value, positions } = await readConfig(configPath, label);
  if (!isPlainObject(value)) {
    throw new SelflessError(
      'CONFIG_NOT_AN_OBJECT',
      `${label} must contain an object of settings (service, provider, functions, …)`,
      {
        where: `${label}:1:1`,
      },
    );
  }
  const config = value;
  // The v1 string form `provider: aws` is still tolerated.
  if (typeof config.provider === 'string') config.provider = { name: config.provider };
  const locator = new Locator(label, positions);
  const instanceId = opts.instanceId ?? String(Date.now());

  // Variables, in Serverless's phases: stage and useDotenv first, then .env, then everything.
  const baseEnv = opts.env ?? process.env;
  let env: NodeJS.ProcessEnv = baseEnv;
  const missingFiles = new Set<string>();
  const sources = createSources({
    serviceDir,
    options,
    env: () => env,
    instanceId,
    onMissingFile: (f) => missingFiles.add(f),
  });
  const resolver = new VariablesResolver(config, sources);
  await resolver.resolve([['provider', 'stage'], ['provider', 'name'], ['useDotenv']]);
  const warnings: string[] = [];
  if (config.useDotenv === true) {
    const stage = resolveStage(options, isPlainObject(config.provider) ? config.provider : {});
    for (const name of [`.env.${stage}`, '.env']) {
      const file = path.join(serviceDir, name);
      if (existsSync(file)) {
        env = { ...parseDotenv(readFileSync(file, 'utf8'), baseEnv), ...baseEnv };
        break;
      }
    }
  }
  await resolver.resolve();
  const errors = dedupeErrors(resolver.errors());
  if (errors.length > 0) {
    const items = errors.map((e) => `\n  - ${e.message} (${locator.where(e.path)})`);
    throw new SelflessError(
      'VARIABLES_RESOLUTION_ERROR',
      `Cannot resolve ${label}: Variables resolution errored with:${items.join(',')}`,
      {
        where: locator.where(errors[0]!.path),
        hint: fileHint(errors, missingFiles, serviceDir),
        details: { errors: errors.map((e) => ({ ...e, where: locator.where(e.path) })) },
      },
    );
  }
  const unknown = resolver.unknownSources();
  if (unknown.length > 0) {
    throw new SelflessError(
      'UNRECOGNIZED_VARIABLE_SOURCES',
      `Unrecognized configuration variable sources: ${unknown.map((u) => `"${u.type}"`).join(', ')} (${locator.where(unknown[0]!.path)})`,
      {
        where: locator.where(unknown[0]!.path),
        hint: 'Supported sources: self, opt, env, sls, param, file, strToBool, aws.',
      },
    );
  }
  clearEscapes(config);
  const resolved = structuredClone(config);

  mergeArraySections(config, positions);
  const mode =
    config.configValidationMode === 'error' || config.configValidationMode === 'off'
      ? config.configValidationMode
      : 'warn';
  const issues = validateConfig(config).sort((a, b) => {
    const pa = locator.pos(a.path);
    const pb = locator.pos(b.path);
    return (pa?.line ?? 0) - (pb?.line ?? 0) || (pa?.col ?? 0) - (pb?.col ?? 0);
  });
  const { errors: schemaErrors, warnings: schemaWarnings } = partitionIssues(issues, mode);
  if (schemaErrors.length > 0) {
    const lines = schemaErrors.map((i) => `${i.message} (${locator.where(i.path)})`);
    throw new SelflessError(
      'INVALID_NON_SCHEMA_COMPLIANT_CONFIGURATION',
      `Configuration error ${lines[0]}${lines
        .slice(1)
        .map((l) => `\n     ${l}`)
        .join('')}\n\n${VALIDATION_FOOTER}`,
      {
        where: locator.where(schemaErrors[0]!.path),
        details: { errors: schemaErrors.map((i) => ({ ...i, where: locator.where(i.path) })) },
      },
    );
  }
  if (schemaWarnings.length > 0) {
    warnings.push(
      [
        'Invalid configuration encountered',
        ...schemaWarnings.map((i) => `  ${i.message} (${locator.where(i.path)})`),
        '',
        VALIDATION_FOOTER,
      ].join('\n'),
    );
  }

  const problems: { path: string[]; message: string }[] = [];
  const normalized = normalizeService({
    raw: config,
    options,
    instanceId,
    problem: (p, message) => problems.push({ path: p, message }),
  });
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.message} (${locator.where(p.path)})`);
    throw new SelflessError('INVALID_CONFIGURATION', lines.join('\n'), {
      where: locator.where(problems[0]!.path),
      details: { errors: problems.map((p) => ({ ...p, where: locator.where(p.path) })) },
    });
  }
  return { config: normalized, resolved, configPath, serviceDir, warnings };
}
