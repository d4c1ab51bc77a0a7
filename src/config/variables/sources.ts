/**
 * The variable sources Selfless resolves locally: self, opt, env, sls, param, file, strToBool, aws.
 * AWS-backed sources (ssm, cf, s3) are recognized and fail with a clear message.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import { parseYaml } from '../yaml.js';
import { type SourceContext, SourceError, type SourceResolver } from './resolver.js';

export interface SourcesInput {
  serviceDir: string;
  options: Record<string, string | boolean | string[]>;
  /** Read lazily: `.env` loading may extend it between passes. */
  env: () => NodeJS.ProcessEnv;
  instanceId: string;
  /** Receives `file(...)` paths that do not exist (for a hint next to "Value not found"). */
  onMissingFile?: (relativePath: string) => void;
}

/** Splits a dot address into keys (`a.b.0` → ['a','b','0']); empty → []. */
function addressKeys(address: unknown): string[] {
  if (address === undefined || address === null || address === '') return [];
  return String(address).split('.');
}

async function stageOf(input: SourcesInput, ctx: SourceContext): Promise<string> {
  const opt = input.options.stage;
  if (typeof opt === 'string' && opt) return opt;
  const fromConfig = await ctx.resolveConfigurationProperty(['provider', 'stage']);
  if (typeof fromConfig === 'string' && fromConfig) return fromConfig;
  return 'dev';
}

async function regionOf(input: SourcesInput, ctx: SourceContext): Promise<string> {
  const opt = input.options.region;
  if (typeof opt === 'string' && opt) return opt;
  const fromConfig = await ctx.resolveConfigurationProperty(['provider', 'region']);
  if (typeof fromConfig === 'string' && fromConfig) return fromConfig;
  return 'us-east-1';
}

/** CLI `--param key=value` pairs, validated. */
export function cliParams(options: SourcesInput['options']): Map<string, string> {
  const raw = options.param;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  const out = new Map<string, string>();
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new SourceError(
        `Encountered invalid "--param" CLI option value: "${item}". Supported format: "--param='<key>=<val>'"`,
        'INVALID_CLI_PARAM_FORMAT',
      );
    }
    out.set(item.slice(0, eq).trim(), item.slice(eq + 1));
  }
  return out;
}

function dig(value: unknown, keys: string[]): unknown {
  let v = value;
  for (const k of keys) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * A JS error as one line for a config message: `Name: first line of the message (file:line:col)`,
 * the position taken from the stack frame (or syntax-error header) inside the file itself.
 */
export function jsErrorSummary(e: unknown, file: string, shown: string): string {
  const err = e instanceof Error ? e : undefined;
  const first = (err ? `${err.name}: ${err.message}` : String(e)).split('\n')[0];
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = new RegExp(`(?:file://)?${escaped}:(\\d+)(?::(\\d+))?`).exec(err?.stack ?? '');
  if (!at) return first;
  return `${first} (${shown}:${at[1]}${at[2] ? `:${at[2]}` : ''})`;
}

async function fileSource(input: SourcesInput, ctx: SourceContext): Promise<unknown> {
  const param = ctx.params?.[0];
  if (typeof param !== 'string' || !param) {
    throw new SourceError('Missing path argument in variable "file" source', 'MISSING_FILE_SOURCE_PATH');
  }
  const abs = path.resolve(input.serviceDir, param);
  const rel = path.relative(input.serviceDir, abs) || param;
  if (!existsSync(abs)) {
    input.onMissingFile?.(rel);
    return null;
  }
  const real = realpathSync(abs);
  const ext = path.extname(real).toLowerCase();
  const keys = addressKeys(ctx.address);
  const fnArg = {
    options: input.options,
    resolveVariable: ctx.resolveVariable,
    resolveConfigurationProperty: ctx.resolveConfigurationProperty,
  };
  if (ext === '.js' || ext === '.cjs' || ext === '.mjs') {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(real).href)) as Record<string, unknown>;
    } catch (e) {
      throw new SourceError(`Cannot load "${rel}": Initialization error: ${jsErrorSummary(e, real, rel)}`);
    }
    let value: unknown = 'default' in mod ? mod.default : mod;
    const call = async (fn: (arg: unknown) => unknown) => {
      try {
        return await fn(fnArg);
      } catch (e) {
        throw new SourceError(
          `Cannot resolve "${rel}": Returned JS function errored with: ${jsErrorSummary(e, real, rel)}`,
        );
      }
    };
    if (typeof value === 'function') value = await call(value as (arg: unknown) => unknown);
    for (const k of keys) {
      if (value === null || value === undefined || typeof value !== 'object') return null;
      value = await (value as Record<string, unknown>)[k];
      if (typeof value === 'function') value = await call(value as (arg: unknown) => unknown);
    }
    return value;
  }
  let text: string;
  try {
    text = readFileSync(real, 'utf8');
  } catch (e) {
    throw new SourceError(`Cannot read "${rel}": ${(e as Error).message}`);
  }
  let content: unknown;
  if (ext === '.yml' || ext === '.yaml') {
    try {
      content = parseYaml(text, rel, false).value;
    } catch (e) {
      throw new SourceError(`Cannot parse "${rel}": ${(e as Error).message}`, 'FILE_PARSE_ERROR');
    }
  } else if (ext === '.json' || ext === '.tfstate') {
    try {
      content = JSON.parse(text);
    } catch (e) {
      throw new SourceError(`Cannot parse "${rel}": ${(e as Error).message}`, 'FILE_PARSE_ERROR');
    }
  } else {
    content = text;
  }
  return keys.length ? dig(content, keys) : content;
}

const STR_TO_BOOL = new Map([
  ['true', true],
  ['1', true],
  ['false', false],
  ['0', false],
]);

/** Builds the source table for one load. */
export function createSources(input: SourcesInput): Record<string, SourceResolver> {
  const awsOnly = (type: string) => () => {
    throw new SourceError(
      `The "${type}" source reads from AWS, which Selfless does not reach. Use \${param:…}, \${env:…} or \${file(…)} instead`,
      'UNSUPPORTED_VARIABLE_SOURCE',
    );
  };
  return {
    self: (ctx) => ctx.resolveConfigurationProperty(addressKeys(ctx.address)),
    opt: (ctx) => {
      if (ctx.address === undefined || ctx.address === '') return input.options;
      return input.options[String(ctx.address)] ?? null;
    },
    env: (ctx) => {
      if (ctx.address === undefined || ctx.address === '') {
        throw new SourceError(
          'Missing address argument in variable "env" source',
          'MISSING_ENV_SOURCE_ADDRESS',
        );
      }
      return input.env()[String(ctx.address)] ?? null;
    },
    sls: async (ctx) => {
      if (ctx.address === 'stage') return stageOf(input, ctx);
      if (ctx.address === 'instanceId') return input.instanceId;
      throw new SourceError(
        `Unsupported "${String(ctx.address ?? '')}" address argument in variable "sls" source`,
        'UNSUPPORTED_SLS_SOURCE_ADDRESS',
      );
    },
    param: async (ctx) => {
      const key = ctx.address;
      if (key === undefined || key === '') {
        throw new SourceError(
          'Missing address argument in variable "param" source',
          'MISSING_PARAM_SOURCE_ADDRESS',
        );
      }
      const fromCli = cliParams(input.options).get(String(key));
      if (fromCli !== undefined) return fromCli;
      const stage = await stageOf(input, ctx);
      const staged = await ctx.resolveConfigurationProperty(['params', stage, String(key)]);
      if (staged !== undefined && staged !== null) return staged;
      return ctx.resolveConfigurationProperty(['params', 'default', String(key)]);
    },
    file: (ctx) => fileSource(input, ctx),
    strToBool: (ctx) => {
      const raw = ctx.params?.[0];
      const s = String(raw ?? '')
        .trim()
        .toLowerCase();
      const v = STR_TO_BOOL.get(s);
      if (v === undefined) {
        throw new SourceError(
          `Invalid "strToBool" input: Expected either "true", "false", "0", or "1". Received: ${String(raw)}`,
          'INVALID_STR_TO_BOOL_INPUT',
        );
      }
      return v;
    },
    aws: async (ctx) => {
      if (ctx.address === 'accountId') return ACCOUNT_ID;
      if (ctx.address === 'region') return regionOf(input, ctx);
      throw new SourceError(
        `Unsupported "${String(ctx.address ?? '')}" address argument in variable "aws" source`,
        'UNSUPPORTED_AWS_SOURCE_ADDRESS',
      );
    },
    ssm: awsOnly('ssm'),
    cf: awsOnly('cf'),
    s3: awsOnly('s3'),
  };
}

/** Parses a dotenv file: KEY=VALUE lines, `export`, quotes, comments, `${VAR}` expansion. */
export function parseDotenv(text: string, base: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)?\s*$/.exec(rawLine);
    if (!m) continue;
    let value = (m[2] ?? '').trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && value.endsWith(quote!) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    if (quote !== "'") {
      value = value.replace(/\$\{([\w]+)\}|\$([A-Za-z_]\w*)/g, (_, a: string, b: string) => {
        const name = a ?? b;
        return base[name] ?? out[name] ?? '';
      });
    }
    out[m[1]!] = value;
  }
  return out;
}
