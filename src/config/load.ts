/** Loads a service: the orchestration of find → parse → resolve → validate → normalize. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SelflessError } from '../platform/errors.js';
import type { LoadedService, LoadOptions } from './types.js';

/** Config file names in the order Serverless looks for them. */
export const CONFIG_FILE_NAMES = [
  'serverless.yml',
  'serverless.yaml',
  'serverless.json',
  'serverless.js',
  'serverless.cjs',
  'serverless.mjs',
  'serverless.ts',
];

/** The first serverless.{yml,yaml,json,…} in `dir`, as an absolute path, or undefined. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const p = path.resolve(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Loads, resolves, validates and normalizes the service in `opts.cwd` (or `opts.configPath`). */
export async function loadService(_opts: LoadOptions = {}): Promise<LoadedService> {
  throw new SelflessError('NOT_IMPLEMENTED', 'loadService is being implemented (src/config)', {
    kind: 'system',
  });
}
