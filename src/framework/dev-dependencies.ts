/**
 * `package.excludeDevDependencies` (default true): which installed packages only development needs.
 * Serverless runs `npm ls` twice for this (minutes on big trees); the lockfile already knows it:
 * npm marks every package only reachable from devDependencies with `"dev": true`. Without a lockfile
 * the installed tree is walked from package.json's dependencies with Node's resolution rules.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface LockFile {
  lockfileVersion?: number;
  packages?: Record<string, { dev?: boolean; link?: boolean }>;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Installed package dirs under `root` (relative to root, e.g. `node_modules/a/node_modules/@s/b`), from a file list relative to root. */
export function installedPackageDirs(filesUnderRoot: string[]): string[] {
  const dirs = new Set<string>();
  const re = /^((?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/]+)\/package\.json$/;
  for (const f of filesUnderRoot) {
    const m = re.exec(f);
    if (m && !m[1]!.split('/').includes('.bin')) {
      // Only the package's own package.json marks it (not one of its subfolders' package.json).
      const rest = m[1]!.slice(m[1]!.lastIndexOf('node_modules/') + 'node_modules/'.length);
      if (rest.split('/').length <= (rest.startsWith('@') ? 2 : 1)) dirs.add(m[1]!);
    }
  }
  return [...dirs].sort();
}

/** Dev-only package dirs from a v2/v3 lockfile, or undefined when there is no usable lockfile. */
export function devOnlyFromLock(root: string): string[] | undefined {
  for (const name of ['npm-shrinkwrap.json', 'package-lock.json']) {
    const lock = readJson<LockFile>(path.join(root, name));
    if (lock?.packages && (lock.lockfileVersion ?? 1) >= 2) {
      return Object.entries(lock.packages)
        .filter(([key, meta]) => key.startsWith('node_modules/') && meta.dev === true && !meta.link)
        .map(([key]) => key)
        .sort();
    }
  }
  return undefined;
}

/** Resolves `name` required from package dir `fromDir` (relative to root) like Node does. */
function resolveInstalled(installed: Set<string>, fromDir: string, name: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (installed.has(candidate)) return candidate;
    if (dir === '') return undefined;
    const idx = dir.lastIndexOf('/node_modules/');
    dir = idx === -1 ? '' : dir.slice(0, idx);
  }
}

/** Dev-only package dirs by walking the installed tree from the root's production dependencies. */
export function devOnlyFromTree(root: string, installedDirs: string[]): string[] {
  const installed = new Set(installedDirs);
  const prod = new Set<string>();
  const rootPkg = readJson<PackageJson>(path.join(root, 'package.json')) ?? {};
  const queue: Array<{ from: string; names: string[] }> = [
    {
      from: '',
      names: [...Object.keys(rootPkg.dependencies ?? {}), ...Object.keys(rootPkg.optionalDependencies ?? {})],
    },
  ];
  while (queue.length > 0) {
    const { from, names } = queue.shift()!;
    for (const name of names) {
      const dir = resolveInstalled(installed, from, name);
      if (!dir || prod.has(dir)) continue;
      prod.add(dir);
      const pkg = readJson<PackageJson>(path.join(root, dir, 'package.json')) ?? {};
      queue.push({
        from: dir,
        names: [
          ...Object.keys(pkg.dependencies ?? {}),
          ...Object.keys(pkg.optionalDependencies ?? {}),
          ...Object.keys(pkg.peerDependencies ?? {}),
        ],
      });
    }
  }
  return installedDirs.filter((d) => !prod.has(d));
}

/**
 * Exclude patterns (relative to the service dir) for every dev-only package of every package.json
 * root in the service (outside node_modules), plus `.bin` links into them.
 */
export function devDependencyExcludes(serviceDir: string, files: string[]): string[] {
  const roots = files
    .filter(
      (f) => (f === 'package.json' || f.endsWith('/package.json')) && !f.split('/').includes('node_modules'),
    )
    .map((f) => (f === 'package.json' ? '' : f.slice(0, -'/package.json'.length)));
  const excludes: string[] = [];
  for (const rootRel of roots) {
    const root = path.join(serviceDir, rootRel);
    if (!existsSync(path.join(root, 'node_modules'))) continue;
    const prefix = rootRel === '' ? '' : `${rootRel}/`;
    const under = files.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
    const installed = installedPackageDirs(under);
    const devOnly = devOnlyFromLock(root) ?? devOnlyFromTree(root, installed);
    for (const d of devOnly) excludes.push(`${prefix}${d}/**`);
    if (devOnly.length === 0) continue;
    const devReal = devOnly.map((d) => {
      try {
        return realpathSync(path.join(root, d)) + path.sep;
      } catch {
        return path.join(root, d) + path.sep;
      }
    });
    for (const f of under) {
      if (!/(^|\/)node_modules\/\.bin\/[^/]+$/.test(f)) continue;
      try {
        const target = realpathSync(path.join(root, f));
        if (devReal.some((d) => target.startsWith(d))) excludes.push(`${prefix}${f}`);
      } catch {
        // Dangling .bin links are not packaged anyway.
      }
    }
  }
  return excludes;
}
