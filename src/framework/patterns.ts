/**
 * Which files of a service go into an artifact, exactly as Serverless v3 decides it
 * (`lib/plugins/package/lib/package-service.js`): start from every file (`**`, dotfiles included),
 * then apply, in order, the default excludes, the legacy `exclude` (as `!pattern`), the legacy
 * `include`, then `patterns`; a pattern starting with `!` excludes, any other re-includes, and
 * the last matching pattern wins.
 */
import { type Dirent, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

/** Excluded from every artifact before the user's patterns (Serverless's defaults). */
export const DEFAULT_EXCLUDES = [
  '.git/**',
  '.gitignore',
  '.DS_Store',
  'npm-debug.log',
  'yarn-*.log',
  '.serverless/**',
  '.serverless_plugins/**',
  // Selfless's own data dir never belongs in an artifact either.
  '.selfless/**',
];

/** Every file under `dir` (relative, `/`-separated, sorted), following symlinked directories once. */
export function listAllFiles(dir: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (abs: string, rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const childAbs = path.join(abs, e.name);
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        walk(childAbs, childRel);
      } else if (e.isSymbolicLink()) {
        try {
          const real = realpathSync(childAbs);
          const st = statOf(real);
          if (st?.isDirectory()) {
            if (seen.has(real)) continue;
            seen.add(real);
            walk(childAbs, childRel);
          } else if (st?.isFile()) {
            out.push(childRel);
          }
        } catch {
          // A dangling link is not a file.
        }
      } else if (e.isFile()) {
        out.push(childRel);
      }
    }
  };
  walk(dir, '');
  return out.sort();
}

function statOf(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** The ordered pattern list Serverless builds from excludes, includes and patterns. */
export function orderedPatterns(spec: {
  exclude?: string[];
  include?: string[];
  patterns?: string[];
}): string[] {
  const out: string[] = [];
  for (const p of spec.exclude ?? []) out.push(p.startsWith('!') ? p.slice(1) : `!${p}`);
  for (const p of spec.include ?? []) out.push(p);
  for (const p of spec.patterns ?? []) out.push(p);
  return out;
}

/**
 * Applies ordered patterns to a file list: each pattern flips the state of the files it matches
 * (`!` → excluded, otherwise included); returns the included files, sorted.
 */
export function applyPatterns(files: string[], patterns: string[]): string[] {
  const state = new Map<string, boolean>(files.map((f) => [f, true]));
  for (const raw of patterns) {
    const exclude = raw.startsWith('!');
    let pattern = exclude ? raw.slice(1) : raw;
    if (pattern.startsWith('./')) pattern = pattern.slice(2);
    if (pattern === '') continue;
    const isMatch = picomatch(pattern, { dot: true });
    for (const f of files) if (isMatch(f)) state.set(f, !exclude);
  }
  return files.filter((f) => state.get(f)).sort();
}

/** Files of `dir` selected by the defaults plus the given excludes/includes/patterns. */
export function selectFiles(
  dir: string,
  spec: { exclude?: string[]; include?: string[]; patterns?: string[] },
  files: string[] = listAllFiles(dir),
): string[] {
  const patterns = [...DEFAULT_EXCLUDES.map((p) => `!${p}`), ...orderedPatterns(spec)];
  return applyPatterns(files, patterns);
}
