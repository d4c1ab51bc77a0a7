/**
 * Watching a service folder for `selfless dev`: file changes are batched over a short quiet period
 * and handed on as one list; build output, state and dependency folders are ignored.
 */
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

/** Folders whose changes never trigger a redeploy (state, build output, VCS). */
export const IGNORED_DIRS = [
  '.selfless',
  '.serverless',
  '.git',
  'node_modules',
  '__pycache__',
  '.pytest_cache',
];

export interface ServiceWatcher {
  /** Resolves once the initial scan is done and changes are being reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Quiet period before a batch is reported (ms, default 30). */
  debounceMs?: number;
  /** Extra directories (absolute) to ignore, e.g. the data dir when it is elsewhere. */
  ignore?: string[];
}

/** True when a path (relative to the service folder) is inside an ignored folder or is an editor temp file. */
export function isIgnored(rel: string): boolean {
  if (rel === '' || rel === '.') return false;
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => IGNORED_DIRS.includes(p))) return true;
  const base = parts[parts.length - 1]!;
  return (
    base.endsWith('~') ||
    base.endsWith('.swp') ||
    base.endsWith('.swx') ||
    base.startsWith('.#') ||
    base.endsWith('.pyc')
  );
}

/** Watches `dir`; calls `onChange` with the changed files (absolute paths) after each quiet period. */
export function watchService(
  dir: string,
  onChange: (files: string[]) => void,
  opts: WatchOptions = {},
): ServiceWatcher {
  const root = path.resolve(dir);
  const extra = (opts.ignore ?? []).map((p) => path.resolve(p));
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    ignored: (p: string) =>
      isIgnored(path.relative(root, p)) || extra.some((e) => p === e || p.startsWith(e + path.sep)),
  });
  const fire = () => {
    timer = undefined;
    const files = [...pending];
    pending.clear();
    if (files.length > 0) onChange(files);
  };
  const note = (p: string) => {
    pending.add(p);
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, opts.debounceMs ?? 30);
  };
  watcher.on('add', note).on('change', note).on('unlink', note);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}
