/**
 * `invoke local` without the platform: the function of a loaded service as an execution environment
 * runs it (same bootstrap, environment variables and context as on the platform), with the code
 * taken straight from the service directory, and the outcome rendered as Serverless prints it.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CfValue, FunctionConfig, LoadedService } from '../config/types.js';
import { arn } from '../platform/aws-account.js';
import { SelflessError } from '../platform/errors.js';
import type { InvokeOutcome, RuntimeFunction } from '../services/lambda/runtime/types.js';
import { isIntrinsic } from './compile.js';
import { sourcePosition } from './source-position.js';

/** The function `key` of the service, or a clear error listing the ones that exist. */
export function findFunction(loaded: LoadedService, key: string): FunctionConfig {
  const fn = loaded.config.functions[key];
  if (!fn) {
    const known = Object.keys(loaded.config.functions);
    throw new SelflessError(
      'FUNCTION_MISSING_IN_SERVICE',
      `Function "${key}" doesn't exist in this Service`,
      {
        where: path.relative(process.cwd(), loaded.configPath) || loaded.configPath,
        hint:
          known.length > 0
            ? `Functions of this service: ${known.join(', ')}.`
            : 'This service defines no functions.',
      },
    );
  }
  return fn;
}

/** Parses repeated `-e KEY=VALUE` options (split on the first `=`). */
export function parseEnvOptions(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = eq === -1 ? v : v.slice(0, eq);
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new SelflessError('INVALID_CLI_INPUT', `Invalid --env value "${v}": expected KEY=VALUE`, {
        hint: 'Pass each variable as -e NAME=value (repeat -e for more).',
      });
    }
    out[key] = v.slice(eq + 1);
  }
  return out;
}

function runtimeFamilyOf(runtime: string): 'node' | 'python' | 'other' {
  if (runtime.startsWith('nodejs')) return 'node';
  if (runtime.startsWith('python')) return 'python';
  return 'other';
}

/** Candidate files for a handler's module, the way the Lambda runtime clients look them up. */
export function handlerModuleCandidates(
  handler: string,
  runtime: string,
): { module: string; files: string[] } | undefined {
  const family = runtimeFamilyOf(runtime);
  if (family === 'node') {
    // aws-lambda-ric: the module is everything up to the first "." after the last "/".
    const slash = handler.lastIndexOf('/');
    const dot = handler.indexOf('.', slash + 1);
    if (dot === -1) return undefined;
    const module = handler.slice(0, dot);
    return { module, files: [`${module}.js`, `${module}.mjs`, `${module}.cjs`, module] };
  }
  if (family === 'python') {
    // awslambdaric: rsplit('.', 1), then "/" → ".".
    const dot = handler.lastIndexOf('.');
    if (dot === -1) return undefined;
    const module = handler.slice(0, dot).replace(/\./g, '/');
    return { module, files: [`${module}.py`, `${module}/__init__.py`, `${module}.so`] };
  }
  return undefined;
}

/**
 * Fails early, with the handler's position in serverless.yml, when the handler string is malformed
 * or its file does not exist in the code (or a layer).
 */
export function checkHandler(loaded: LoadedService, fn: FunctionConfig, layerDirs: string[]): void {
  const where = sourcePosition(loaded.configPath, ['functions', fn.key, 'handler']);
  if (fn.image !== undefined && fn.handler === undefined) {
    throw new SelflessError(
      'LOCAL_INVOKE_IMAGE_NOT_SUPPORTED',
      'Local invocation of lambdas pointing AWS ECR images is not supported',
      {
        where: sourcePosition(loaded.configPath, ['functions', fn.key, 'image']),
        hint: 'Give the function a handler and a runtime to run it locally.',
      },
    );
  }
  if (fn.handler === undefined) {
    throw new SelflessError('MISSING_HANDLER', `Function "${fn.key}" has no handler`, {
      where,
      hint: 'Set handler: <file>.<export>, e.g. handler.hello.',
    });
  }
  const family = runtimeFamilyOf(fn.runtime);
  if (family === 'other') return;
  const candidates = handlerModuleCandidates(fn.handler, fn.runtime);
  if (!candidates) {
    throw new SelflessError(
      'INVALID_HANDLER',
      `Invalid handler "${fn.handler}" of function "${fn.key}": expected <file>.<export>`,
      {
        where,
        hint: 'Write the handler as the file path without extension, a dot, and the exported function: handler.hello.',
      },
    );
  }
  const roots = [loaded.serviceDir];
  for (const d of layerDirs) roots.push(d, path.join(d, family === 'node' ? 'nodejs' : 'python'));
  const found = roots.some((root) =>
    candidates.files.some((f) => {
      const p = path.join(root, f);
      return (
        existsSync(p) &&
        (statSync(p).isFile() ||
          existsSync(path.join(p, family === 'node' ? 'package.json' : '__init__.py')) ||
          existsSync(path.join(p, 'index.js')))
      );
    }),
  );
  const inNodeModules =
    family === 'node' && existsSync(path.join(loaded.serviceDir, 'node_modules', candidates.module));
  if (!found && !inNodeModules) {
    const shown = family === 'node' ? `${candidates.module}.js` : `${candidates.module}.py`;
    throw new SelflessError(
      'HANDLER_FILE_NOT_FOUND',
      `Handler file "${shown}" of function "${fn.key}" not found`,
      {
        where,
        hint: `The handler "${fn.handler}" is looked up relative to the service directory ${path.relative(process.cwd(), loaded.serviceDir) || '.'}; fix the path in serverless.yml or create the file.`,
      },
    );
  }
}

/** The execution-environment description of a service function, for a local run. */
export function localRuntimeFunction(
  loaded: LoadedService,
  fn: FunctionConfig,
  opts: { env?: Record<string, string>; warn?: (msg: string) => void } = {},
): RuntimeFunction {
  const { config } = loaded;
  const warn = opts.warn ?? (() => {});
  const overrides = opts.env ?? {};
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(fn.environment)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') environment[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') environment[k] = String(v);
    else if (!(k in overrides)) {
      warn(
        `Could not resolve "${k}" environment variable: Unsupported environment variable format: ${JSON.stringify(v)}. It is not set for this local invocation (pass -e ${k}=<value> to set it).`,
      );
    }
  }
  environment.IS_LOCAL = 'true';
  Object.assign(environment, overrides);
  const layerDirs: string[] = [];
  for (const l of fn.layers) {
    const dir = localLayerDir(loaded, l);
    if (dir) layerDirs.push(dir);
    else
      warn(
        `Layer ${JSON.stringify(l)} of function "${fn.key}" is not part of this service; it is not available locally.`,
      );
  }
  return {
    functionName: fn.name,
    functionArn: arn('lambda', config.provider.region, `function:${fn.name}`),
    version: '$LATEST',
    runtime: fn.runtime,
    handler: fn.handler ?? '',
    memorySize: fn.memorySize,
    timeout: fn.timeout,
    environment,
    codeDir: loaded.serviceDir,
    layerDirs,
    logGroup: fn.logGroup,
    region: config.provider.region,
    architecture: fn.architecture,
    reservedConcurrency: fn.reservedConcurrency,
    revision: `local-${config.instanceId}`,
  };
}

/** The directory of a `{ Ref: <Layer>LambdaLayer }` of this service (layer content = /opt). */
function localLayerDir(loaded: LoadedService, ref: CfValue): string | undefined {
  if (!isIntrinsic(ref) || typeof ref.Ref !== 'string') return undefined;
  const layer = Object.values(loaded.config.layers).find((l) => l.logicalId === ref.Ref);
  return layer?.path ? path.resolve(loaded.serviceDir, layer.path) : undefined;
}

/** Error types the runtimes report when the handler cannot be loaded at all. */
export const HANDLER_LOAD_ERRORS = new Set([
  'Runtime.ImportModuleError',
  'Runtime.HandlerNotFound',
  'Runtime.MalformedHandlerName',
  'Runtime.UserCodeSyntaxError',
]);

/** How an invocation ends up on the terminal. */
export interface RenderedOutcome {
  /** What goes to stdout (the result or the error, as 4-space JSON). */
  stdout: string;
  failed: boolean;
  errorType?: string;
  errorMessage?: string;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Renders an outcome as Serverless's `invoke local` prints it: the result as
 * `JSON.stringify(result, null, 4)` (for node, a JSON `body` under `Content-Type: application/json`
 * is parsed first), a failure as `{ errorMessage, errorType, stackTrace }`.
 */
export function renderOutcome(outcome: InvokeOutcome, runtime: string): RenderedOutcome {
  const text = outcome.payload.toString('utf8');
  const parsed = parseJson(text);
  if (outcome.functionError) {
    const err =
      parsed.ok && parsed.value && typeof parsed.value === 'object'
        ? (parsed.value as Record<string, unknown>)
        : {};
    const errorMessage = typeof err.errorMessage === 'string' ? err.errorMessage : text;
    const errorType = typeof err.errorType === 'string' ? err.errorType : (outcome.errorType ?? 'Error');
    const stack = Array.isArray(err.stackTrace)
      ? err.stackTrace
      : Array.isArray(err.trace)
        ? err.trace
        : undefined;
    const shaped: Record<string, unknown> = { errorMessage, errorType };
    if (stack) shaped.stackTrace = stack;
    return { stdout: JSON.stringify(shaped, null, 4), failed: true, errorType, errorMessage };
  }
  if (!parsed.ok) return { stdout: text, failed: false };
  let result = parsed.value;
  if (runtimeFamilyOf(runtime) === 'node' && result && typeof result === 'object') {
    const r = result as { headers?: Record<string, unknown>; body?: unknown };
    if (r.headers?.['Content-Type'] === 'application/json' && typeof r.body === 'string') {
      const body = parseJson(r.body);
      if (!body.ok) {
        throw new SelflessError(
          'INVALID_JSON_BODY',
          'Content-Type of response is application/json but body is not json',
        );
      }
      result = { ...r, body: body.value };
    }
  }
  return { stdout: JSON.stringify(result, null, 4) ?? 'null', failed: false };
}
