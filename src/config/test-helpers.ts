/** Test helpers: throwaway service folders on disk; call `removeServiceDirs` in `afterAll`. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isSelflessError, type SelflessError } from '../platform/errors.js';
import { loadService } from './load.js';
import type { LoadedService, LoadOptions } from './types.js';

const dirs: string[] = [];
/** Removes every folder `serviceDir` made (no vitest import here: this file is part of the build). */
export function removeServiceDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes `files` (path → content) into a fresh temp folder and returns it. */
export function serviceDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'selfless-config-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}

/** Loads serverless.yml text (plus extra files) with the given options. */
export function load(
  yml: string,
  opts: Omit<LoadOptions, 'cwd'> & { files?: Record<string, string> } = {},
): Promise<LoadedService> {
  const cwd = serviceDir({ 'serverless.yml': yml, ...(opts.files ?? {}) });
  return loadService({ env: {}, instanceId: '1700000000000', ...opts, cwd });
}

/** Loads and returns the SelflessError it must throw. */
export async function loadError(
  yml: string,
  opts: Omit<LoadOptions, 'cwd'> & { files?: Record<string, string> } = {},
): Promise<SelflessError> {
  try {
    await load(yml, opts);
  } catch (e) {
    if (isSelflessError(e)) return e;
    throw e;
  }
  throw new Error('expected the config to fail to load');
}
