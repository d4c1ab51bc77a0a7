/**
 * The process environment of an execution environment: exactly the variables AWS sets (reference
 * §4.1), paths mapped onto this machine (code dir for /var/task, runtimes/<family> for /var/runtime,
 * layer dirs for /opt), then the function's own variables, plus the SDK redirection to the platform.
 * Nothing is inherited from the platform's own environment.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { javaHome } from './java.js';
import {
  declaredVersion,
  installedNodeMajor,
  installedPythonVersion,
  type RuntimeFamily,
  runtimeDir,
} from './runtimes.js';
import type { RuntimeFunction } from './types.js';

/**
 * Variables users cannot set: the Lambda API refuses them in a function's environment, and in a
 * deployed service's environment the platform's values always win.
 */
export const RESERVED_VARIABLES = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
]);

/** `YYYY/MM/DD/[<version>]<32 hex>`, the log stream of one environment. */
export function logStreamName(version: string, envId: string, at: number): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/[${version}]${envId}`;
}

let platformModulesCache: string[] | undefined;

/**
 * The platform's own node_modules directories that hold the AWS SDK v3, put on NODE_PATH after the
 * function's own modules so handlers find `@aws-sdk/*` unpackaged, as on Lambda.
 */
export function platformNodeModules(): string[] {
  if (platformModulesCache) return platformModulesCache;
  const req = createRequire(import.meta.url);
  const dirs = (req.resolve.paths('@aws-sdk/client-s3') ?? []).filter((d) => existsSync(join(d, '@aws-sdk')));
  platformModulesCache = dirs.length ? [dirs[0]] : [];
  return platformModulesCache;
}

export interface EnvironmentVarsInput {
  fn: RuntimeFunction;
  family: RuntimeFamily;
  logStream: string;
  /** host:port of the Runtime API for this environment. */
  runtimeApi: string;
  /** The platform URL the AWS SDKs are pointed at. */
  endpointUrl: string;
  initializationType?: 'on-demand' | 'provisioned-concurrency';
}

/** Later layers override earlier ones in /opt, so lookups must see them first. */
function layerPaths(fn: RuntimeFunction, sub: string[]): string[] {
  const out: string[] = [];
  for (const layer of [...fn.layerDirs].reverse()) for (const s of sub) out.push(join(layer, s));
  return out;
}

/** Builds the complete environment of one execution environment. */
export function buildEnvironmentVars(input: EnvironmentVarsInput): Record<string, string> {
  const { fn, family } = input;
  const rtDir = runtimeDir(family);
  const nodeBin = dirname(process.execPath);
  const jdkHome = family === 'java' ? javaHome() : null;
  const langDirs = family === 'node' ? [nodeBin] : jdkHome ? [join(jdkHome, 'bin')] : [];
  const langLib = family === 'node' ? [join(dirname(nodeBin), 'lib')] : [];
  const env: Record<string, string> = {
    AWS_LAMBDA_FUNCTION_VERSION: fn.version,
    AWS_EXECUTION_ENV: family === 'provided' ? 'AWS_Lambda_rapid' : `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStream,
    AWS_LAMBDA_INITIALIZATION_TYPE: input.initializationType ?? 'on-demand',
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: 'test',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1',
    _AWS_XRAY_DAEMON_PORT: '2000',
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.codeDir,
    LAMBDA_RUNTIME_DIR: rtDir,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    PATH: [...langDirs, '/usr/local/bin', '/usr/bin/', '/bin', ...layerPaths(fn, ['bin'])].join(':'),
    LD_LIBRARY_PATH: [
      ...langLib,
      '/lib64',
      '/usr/lib64',
      rtDir,
      join(rtDir, 'lib'),
      fn.codeDir,
      join(fn.codeDir, 'lib'),
      ...layerPaths(fn, ['lib']),
    ].join(':'),
    PWD: fn.codeDir,
    SHLVL: '0',
  };
  if (family === 'node') {
    const majors = [...new Set([declaredVersion(fn.runtime), String(installedNodeMajor())])];
    env.NODE_PATH = [
      ...layerPaths(fn, [...majors.map((m) => `nodejs/node${m}/node_modules`), 'nodejs/node_modules']),
      ...platformNodeModules(),
      rtDir,
      fn.codeDir,
    ].join(':');
  }
  if (jdkHome) env.JAVA_HOME = jdkHome;
  if (family === 'python') {
    const versions = [...new Set([declaredVersion(fn.runtime), installedPythonVersion() ?? ''])].filter(
      Boolean,
    );
    env.PYTHONPATH = [
      ...layerPaths(fn, [...versions.map((v) => `python/lib/python${v}/site-packages`), 'python']),
      rtDir,
    ].join(':');
    env.LC_CTYPE = 'C.UTF-8';
  }
  // SDK redirection: users may override it (LocalStack applies user variables last too).
  env.AWS_ENDPOINT_URL = input.endpointUrl;
  for (const [k, v] of Object.entries(fn.environment)) {
    if (!RESERVED_VARIABLES.has(k)) env[k] = v;
  }
  return env;
}
