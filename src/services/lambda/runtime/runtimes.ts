/**
 * Lambda runtime identifiers → how this machine runs them. Managed runtimes run our own bootstraps
 * on the installed interpreters (a declared version the machine lacks still runs, on what it has);
 * `provided.*` runs the function's own `bootstrap` executable; `java*` runs our Java bootstrap on the
 * installed JDK.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SelflessError } from '../../../platform/errors.js';
import { javaBinDir } from './java.js';

export type RuntimeFamily = 'node' | 'python' | 'provided' | 'java';

/** The Java runtimes Lambda offers; all run on the installed JDK. */
const JAVA_RUNTIMES = new Set(['java8.al2', 'java11', 'java17', 'java21']);

/** Absolute path of the system python: never the PATH `python3` (a slow pyenv shim on dev machines). */
export const PYTHON_BIN = '/usr/bin/python3';

/** The package root (holds runtimes/ and node_modules/), found from this file in src/ or dist/. */
let packageRootCache: string | undefined;

export function packageRoot(): string {
  if (packageRootCache) return packageRootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'runtimes')) && existsSync(join(dir, 'package.json'))) {
      packageRootCache = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('selfless: cannot locate the package root (runtimes/ missing)');
    dir = up;
  }
}

/** The directory shipped to environments as LAMBDA_RUNTIME_DIR for a family. */
export function runtimeDir(family: RuntimeFamily): string {
  return resolve(packageRoot(), 'runtimes', family);
}

/** Which family runs a runtime identifier, or a typed error for runtimes this machine cannot run. */
export function runtimeFamily(runtime: string): RuntimeFamily {
  if (/^nodejs\d+\.x$/.test(runtime)) return 'node';
  if (/^python3\.\d+$/.test(runtime)) return 'python';
  if (runtime === 'provided' || runtime === 'provided.al2' || runtime === 'provided.al2023')
    return 'provided';
  if (JAVA_RUNTIMES.has(runtime)) return 'java';
  throw new SelflessError('RUNTIME_UNAVAILABLE', `Runtime ${runtime} cannot run on this machine`, {
    where: 'runtime',
    hint: 'Use a nodejs*.x, python3.*, java8.al2/java11/java17/java21 or provided.al2/provided.al2023 runtime.',
    details: { runtime },
  });
}

let pythonVersionCache: string | null | undefined;

/** The installed python's `3.x` version, or null when /usr/bin/python3 is missing. */
export function installedPythonVersion(): string | null {
  if (pythonVersionCache !== undefined) return pythonVersionCache;
  try {
    const out = execFileSync(PYTHON_BIN, ['-c', 'import sys;print("%d.%d"%sys.version_info[:2])'], {
      env: {},
      encoding: 'utf8',
    });
    pythonVersionCache = out.trim();
  } catch {
    pythonVersionCache = null;
  }
  return pythonVersionCache;
}

let javaVersionCache: string | null | undefined;

/** The installed JDK's feature version (`17`), from its `release` file; null without a JDK. */
export function installedJavaMajor(): string | null {
  if (javaVersionCache !== undefined) return javaVersionCache;
  javaVersionCache = null;
  const bin = javaBinDir();
  if (bin) {
    try {
      const release = readFileSync(join(dirname(bin), 'release'), 'utf8');
      const m = /JAVA_VERSION="(?:1\.)?(\d+)/.exec(release);
      if (m) javaVersionCache = m[1]!;
    } catch {
      // no release file: the version stays unknown
    }
  }
  return javaVersionCache;
}

/** The installed node's major version (the platform's own node runs node functions). */
export function installedNodeMajor(): number {
  return Number(process.versions.node.split('.')[0]);
}

/**
 * True when the runtime runs on a matching interpreter here; false when it would run on a different
 * installed version (the deploy path prints a one-line warning) or cannot run at all.
 */
export function isRuntimeNativelyAvailable(runtime: string): boolean {
  let family: RuntimeFamily;
  try {
    family = runtimeFamily(runtime);
  } catch {
    return false;
  }
  if (family === 'provided') return true;
  if (family === 'java') return runtime.slice(4).replace('.al2', '') === installedJavaMajor();
  if (family === 'node') return Number(runtime.slice(6, -2)) === installedNodeMajor();
  return runtime.slice(6) === installedPythonVersion();
}

/** The declared language version of a runtime: `20` for nodejs20.x, `3.12` for python3.12. */
export function declaredVersion(runtime: string): string {
  if (runtime.startsWith('nodejs')) return runtime.slice(6, -2);
  if (runtime.startsWith('python')) return runtime.slice(6);
  return '';
}
