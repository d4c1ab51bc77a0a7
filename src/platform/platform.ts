/**
 * The platform, in-process: `startPlatform()` opens the data dir's Store, listens on one port and
 * starts the service plugins. `selfless server`, `selfless dev` and the tests all use it.
 */
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { LambdaEngine } from '../services/lambda/engine.js';
import type { EnvironmentFactory } from '../services/lambda/plugin.js';
import type { LogStore } from '../services/logs/store.js';
import { DEFAULT_REGION } from './aws-account.js';
import { type Clock, SystemClock } from './clock.js';
import { handleControl } from './control.js';
import { Deployments } from './deployments.js';
import { SelflessError } from './errors.js';
import { type PlatformLimits, resolveLimits } from './limits.js';
import { servicePlugins } from './registry.js';
import type { Route } from './router.js';
import { createPlatformServer, listen } from './server.js';
import type { Logger, PlatformContext, ServicePlugin } from './service.js';
import type { Store } from './store/port.js';
import { SqliteStore } from './store/sqlite.js';

export interface PlatformOptions {
  /** 0 picks a free port. Default 4566. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where the Store keeps everything. Default `.selfless`. */
  dataDir?: string;
  clock?: Clock;
  region?: string;
  limits?: Partial<PlatformLimits>;
  log?: Logger;
  /** Builds Lambda's execution-environment layer (default: the runtime layer's manager). */
  environments?: EnvironmentFactory;
  /** Replaces the registry's plugins (tests). */
  plugins?: ServicePlugin[];
  /**
   * Pre-start one runtime process per family (node, python) right away, so even the first cold
   * start after boot is served from the pool. On for `server`; `dev` names the families its
   * service uses; tests leave it off.
   */
  warmPool?: boolean | WarmFamily[];
}

export interface Platform {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  dataDir: string;
  store: Store;
  clock: Clock;
  limits: PlatformLimits;
  deployments: Deployments;
  /** A started service's facade by name (`lambda`, `logs`, ...). */
  service<T>(name: string): T;
  stop(): Promise<void>;
}

/** A runtime family the warm pool can pre-start. */
export type WarmFamily = 'node' | 'python';

const VERSION = '0.1.0';

/** A logger writing `selfless: ...` lines to stderr. */
export function stderrLogger(verbose = false): Logger {
  const w = (level: string) => (msg: string) => process.stderr.write(`selfless ${level}: ${msg}\n`);
  return { info: w('info'), warn: w('warn'), error: w('error'), debug: verbose ? w('debug') : () => {} };
}

/** Starts the platform; resolves once it listens and every plugin has started. */
export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const dataDir = path.resolve(opts.dataDir ?? '.selfless');
  const clock = opts.clock ?? new SystemClock();
  const region = opts.region ?? DEFAULT_REGION;
  const limits = resolveLimits(opts.limits);
  const log = opts.log ?? stderrLogger();
  const environments = opts.environments ?? (await defaultEnvironments(opts.warmPool ?? false));

  checkDataDir(dataDir);
  const releaseLock = lockDataDir(dataDir);
  let store: SqliteStore;
  try {
    store = new SqliteStore(dataDir);
  } catch (e) {
    releaseLock();
    throw e;
  }

  const plugins = opts.plugins ?? servicePlugins({ environments });
  const facades = new Map<string, unknown>();
  const routes: Route[] = [];
  let url = '';
  let ready = false;
  const service = <T>(name: string): T => {
    if (!facades.has(name))
      throw new SelflessError('SERVICE_NOT_STARTED', `The ${name} service is not running`, {
        kind: 'system',
      });
    return facades.get(name) as T;
  };
  const deployments = new Deployments(
    store,
    clock,
    plugins,
    () => service<LambdaEngine>('lambda'),
    log,
    () => (facades.has('logs') ? service<LogStore>('logs') : undefined),
  );
  const server: Server = createPlatformServer({
    control: (req, res, u) =>
      handleControl(req, res, u, {
        deployments,
        lambda: () => service<LambdaEngine>('lambda'),
        logs: () => service<LogStore>('logs'),
        limits,
        version: VERSION,
        startedAt,
        services: plugins.map((p) => p.name),
        plugins,
        blobStream: (key) => store.blobs.stream(key),
      }),
    routes: () => routes,
    ready: () => ready,
    region,
    log,
  });
  const startedAt = Date.now();
  const started: ServicePlugin[] = [];
  const stop = async () => {
    ready = false;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    for (const p of started.reverse())
      await p.stop?.().catch((e) => log.error(`stopping ${p.name}: ${(e as Error).message}`));
    await store.close();
    releaseLock();
  };

  try {
    const port = await listen(server, opts.port ?? 4566, opts.host ?? '127.0.0.1').catch(
      (e: NodeJS.ErrnoException) => {
        throw new SelflessError(
          'PORT_UNAVAILABLE',
          e.code === 'EADDRINUSE' ? `Port ${opts.port} is already in use.` : `Cannot listen: ${e.message}`,
          { hint: 'Stop the other process, or pick another port with --port (or SELFLESS_PORT).', cause: e },
        );
      },
    );
    url = `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}`;
    const ctx: PlatformContext = { store, clock, dataDir, region, endpoint: () => url, service, log, limits };
    for (const p of plugins) {
      facades.set(p.name, await p.start(ctx));
      started.push(p);
      if (p.wire) routes.push({ plugin: p.name, api: p.wire });
    }
    ready = true;
    return { url, port, dataDir, store, clock, limits, deployments, service, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/** Fails early, with a clear message, when the data dir cannot be written (read-only, full disk). */
function checkDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
    const probe = path.join(dataDir, '.write-probe');
    writeFileSync(probe, Buffer.alloc(64 * 1024));
    rmSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SelflessError(
      'STORE_UNAVAILABLE',
      code === 'ENOSPC'
        ? `The disk holding the data dir ${dataDir} is full.`
        : `The data dir ${dataDir} is not writable: ${(e as Error).message}`,
      { kind: 'system', where: dataDir, hint: 'Free some disk space or pick another --data-dir.', cause: e },
    );
  }
}

/** One platform per data dir: a pid file refuses a second server while the first one lives. */
function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'selfless.pid');
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid))
      throw new SelflessError(
        'DATA_DIR_LOCKED',
        `Another Selfless server (pid ${pid}) is using ${dataDir}.`,
        {
          where: dataDir,
          hint: 'Stop it first, or pick another --data-dir.',
        },
      );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file);
    } catch {
      // already gone
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The runtime layer's EnvironmentManager: real processes, on the platform's clock and log sink. */
async function defaultEnvironments(warmPool: boolean | WarmFamily[]): Promise<EnvironmentFactory> {
  const { ProcessEnvironmentManager } = await import('../services/lambda/runtime/manager.js');
  return (d) => {
    const manager = new ProcessEnvironmentManager({
      endpointUrl: d.endpoint(),
      clock: d.clock,
      logSink: d.logs,
      concurrencyLimit: d.limits.concurrency,
      idleTimeoutMs: d.limits.idleMs,
    });
    if (warmPool === true) manager.warmPool();
    else if (warmPool) manager.warmPool(warmPool);
    return manager;
  };
}
