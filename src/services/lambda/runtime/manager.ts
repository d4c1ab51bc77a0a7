/**
 * The execution-environment manager: one OS process per environment, one invocation at a time
 * each, warm reuse, scale-out up to reservedConcurrency and the platform limit, idle environments
 * stopped after a while, older revisions retired without failing what runs on them.
 */
import { randomUUID } from 'node:crypto';
import { type Clock, SystemClock, type TimerHandle } from '../../../platform/clock.js';
import { SelflessError } from '../../../platform/errors.js';
import { type ChannelMode, Environment, EnvironmentLostError } from './environment.js';
import { javaAvailable, javaMissing } from './java.js';
import { checkInvokeRequest } from './limits.js';
import { DEFAULT_LOG_BUDGET, type LogBudget } from './log-capture.js';
import { PrestartPool } from './pool.js';
import { killTree } from './process-tree.js';
import { Reaper } from './reaper.js';
import { RuntimeApiServer } from './runtime-api.js';
import { runtimeFamily } from './runtimes.js';
import type {
  EnvironmentManager,
  EnvironmentStats,
  InvokeOutcome,
  InvokeRequest,
  LogSink,
  RuntimeFunction,
} from './types.js';

export interface ProcessEnvironmentManagerOptions {
  /** The platform URL functions' AWS SDKs are pointed at (AWS_ENDPOINT_URL). */
  endpointUrl: string;
  clock?: Clock;
  logSink?: LogSink;
  /**
   * How our node/python bootstraps talk to the platform: the private fast channel (default) or the
   * Lambda Runtime API. Env SELFLESS_LAMBDA_CHANNEL=runtime-api forces the latter.
   */
  channel?: ChannelMode;
  /** Account-wide concurrent executions (default 1000). */
  concurrencyLimit?: number;
  /** Idle environments stop after this long (default 10 minutes, Lambda's keep-alive). */
  idleTimeoutMs?: number;
  /** Lambda's init limit (default 10 s). */
  initTimeoutMs?: number;
  /** Pre-started processes kept ready per runtime family on the fast channel (default 1; 0 disables). */
  prestart?: number;
  logBudget?: LogBudget;
  memorySampleMs?: number;
  /** Freeze idle environments as Lambda does (default true). */
  freeze?: boolean;
}

/** Resolves the channel from options, then SELFLESS_LAMBDA_CHANNEL, then the default. */
export function resolveChannel(opt?: ChannelMode): ChannelMode {
  if (opt) return opt;
  const v = process.env.SELFLESS_LAMBDA_CHANNEL;
  if (v === 'runtime-api' || v === 'fast') return v;
  if (v) {
    throw new SelflessError(
      'INVALID_CONFIG',
      `SELFLESS_LAMBDA_CHANNEL must be fast or runtime-api, not ${v}`,
      {
        where: 'SELFLESS_LAMBDA_CHANNEL',
      },
    );
  }
  return 'fast';
}

const MAX_LOST_RETRIES = 3;

const liveManagers = new Set<ProcessEnvironmentManager>();
let exitHookInstalled = false;

/** Variables that act when an interpreter starts: a pre-started process cannot honour them. */
const STARTUP_VARIABLES =
  /^(NODE_OPTIONS|NODE_EXTRA_CA_CERTS|AWS_LAMBDA_EXEC_WRAPPER|LD_PRELOAD|LD_LIBRARY_PATH|PYTHON\w*)$/;

/** True when a pre-started process can become this function without changing its behaviour. */
export function poolable(fn: RuntimeFunction): boolean {
  return !Object.keys(fn.environment).some((k) => STARTUP_VARIABLES.test(k));
}

export class ProcessEnvironmentManager implements EnvironmentManager {
  private readonly clock: Clock;
  private readonly channel: ChannelMode;
  private readonly limit: number;
  private readonly idleTimeoutMs: number;
  private readonly runtimeApi = new RuntimeApiServer();
  private readonly pool: PrestartPool;
  private readonly reaper = new Reaper();
  /** Environments by function name (all versions and revisions). */
  private readonly envs = new Map<string, Set<Environment>>();
  private readonly inFlightByFunction = new Map<string, number>();
  private inFlight = 0;
  private readonly idleTimers = new Map<Environment, TimerHandle>();
  private closed = false;

  constructor(private readonly opts: ProcessEnvironmentManagerOptions) {
    this.clock = opts.clock ?? new SystemClock();
    this.channel = resolveChannel(opts.channel);
    this.limit = opts.concurrencyLimit ?? 1000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 10 * 60 * 1000;
    this.pool = new PrestartPool(this.channel === 'fast' ? (opts.prestart ?? 1) : 0, this.clock);
    liveManagers.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // One listener for all managers: kill what is left when the platform exits without shutdown().
      process.on('exit', () => {
        for (const m of liveManagers) m.killAllNow();
      });
    }
  }

  /** Which channel our bootstraps use in this manager. */
  get channelMode(): ChannelMode {
    return this.channel;
  }

  async invoke(fn: RuntimeFunction, req: InvokeRequest): Promise<InvokeOutcome> {
    if (this.closed)
      throw new SelflessError('SHUTTING_DOWN', 'The platform is shutting down', { kind: 'system' });
    checkInvokeRequest(req);
    if (runtimeFamily(fn.runtime) === 'java' && !javaAvailable()) throw javaMissing();
    this.admit(fn);
    const requestId = req.requestId ?? randomUUID();
    this.inFlight++;
    this.inFlightByFunction.set(fn.functionName, (this.inFlightByFunction.get(fn.functionName) ?? 0) + 1);
    try {
      for (let attempt = 0; ; attempt++) {
        const env = this.pickWarm(fn) ?? (await this.startEnvironment(fn));
        env.reserved = true;
        this.cancelIdle(env);
        try {
          return await env.invoke({ ...req, requestId });
        } catch (e) {
          if (e instanceof EnvironmentLostError && attempt < MAX_LOST_RETRIES) continue;
          throw e;
        } finally {
          env.reserved = false;
          this.afterInvocation(env);
        }
      }
    } finally {
      this.inFlight--;
      this.inFlightByFunction.set(fn.functionName, (this.inFlightByFunction.get(fn.functionName) ?? 1) - 1);
    }
  }

  /** Throws the throttling errors AWS answers with 429. */
  private admit(fn: RuntimeFunction): void {
    if (fn.reservedConcurrency === 0) {
      throw new SelflessError('FUNCTION_DISABLED', 'Rate Exceeded.', {
        details: {
          reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
          functionName: fn.functionName,
        },
        hint: 'The function has reservedConcurrency 0; raise it to invoke the function.',
      });
    }
    const busy = this.inFlightByFunction.get(fn.functionName) ?? 0;
    if (fn.reservedConcurrency !== undefined && busy >= fn.reservedConcurrency) {
      throw new SelflessError('TOO_MANY_REQUESTS', 'Rate Exceeded.', {
        details: {
          reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
          functionName: fn.functionName,
        },
      });
    }
    if (this.inFlight >= this.limit) {
      throw new SelflessError('TOO_MANY_REQUESTS', 'Rate Exceeded.', {
        details: { reason: 'ConcurrentInvocationLimitExceeded', limit: this.limit },
      });
    }
  }

  /** A warm environment of exactly this version and revision: idle first, then nearly idle. */
  private pickWarm(fn: RuntimeFunction): Environment | undefined {
    const set = this.envs.get(fn.functionName);
    if (!set) return undefined;
    let best: Environment | undefined;
    const rank = { idle: 0, draining: 1, starting: 2, busy: 9, dead: 9 } as const;
    for (const env of set) {
      if (env.fn.version === fn.version && env.revision !== fn.revision && !env.retiring) {
        // The function changed under this version ($LATEST): its old environments can never serve again.
        env.retiring = true;
        if (!env.reserved) void env.stop();
        continue;
      }
      if (env.reserved || env.retiring || env.revision !== fn.revision || env.fn.version !== fn.version)
        continue;
      const r = rank[env.state];
      if (r > 2) continue;
      // Among idle ones, the most recently used: the others may idle out.
      if (!best || r < rank[best.state] || (r === rank[best.state] && env.lastUsedAt > best.lastUsedAt))
        best = env;
    }
    return best;
  }

  private async startEnvironment(fn: RuntimeFunction, provisioned = false): Promise<Environment> {
    const family = runtimeFamily(fn.runtime);
    const prestarted =
      family === 'provided' || family === 'java' || !poolable(fn) ? undefined : this.pool.take(family);
    const env = await Environment.start(fn, {
      clock: this.clock,
      endpointUrl: this.opts.endpointUrl,
      channel: this.channel,
      runtimeApi: this.runtimeApi,
      logSink: this.opts.logSink,
      logBudget: this.opts.logBudget ?? DEFAULT_LOG_BUDGET,
      initTimeoutMs: this.opts.initTimeoutMs ?? 10_000,
      memorySampleMs: this.opts.memorySampleMs,
      freeze: this.opts.freeze,
      prestarted,
      initializationType: provisioned ? 'provisioned-concurrency' : 'on-demand',
    });
    let set = this.envs.get(fn.functionName);
    if (!set) {
      set = new Set();
      this.envs.set(fn.functionName, set);
    }
    set.add(env);
    const pid = env.pid;
    if (pid !== undefined) this.reaper.add(pid);
    env.onDead = (e) => {
      if (pid !== undefined) this.reaper.remove(pid);
      this.forget(e);
    };
    env.onAvailable = (e) => this.afterInvocation(e);
    // It may already be gone (no code dir, no bootstrap): its first invocation reports why.
    if (env.state === 'dead') env.onDead(env);
    if (this.closed) void env.stop();
    return env;
  }

  private afterInvocation(env: Environment): void {
    if (env.state === 'dead' || env.reserved) return;
    if (env.retiring) {
      if (env.state === 'idle' || env.state === 'draining' || env.state === 'starting') void env.stop();
      return;
    }
    if (env.state === 'idle') this.scheduleIdle(env);
  }

  private scheduleIdle(env: Environment): void {
    this.cancelIdle(env);
    this.idleTimers.set(
      env,
      this.clock.setTimer(() => {
        this.idleTimers.delete(env);
        if (!env.reserved && env.state === 'idle') void env.stop();
      }, this.idleTimeoutMs),
    );
  }

  private cancelIdle(env: Environment): void {
    this.idleTimers.get(env)?.cancel();
    this.idleTimers.delete(env);
  }

  private forget(env: Environment): void {
    this.cancelIdle(env);
    const set = this.envs.get(env.fn.functionName);
    set?.delete(env);
    if (set && set.size === 0) this.envs.delete(env.fn.functionName);
  }

  async retire(functionName: string, keepRevision?: string): Promise<void> {
    const set = this.envs.get(functionName);
    if (!set) return;
    const stops: Promise<void>[] = [];
    for (const env of set) {
      if (keepRevision !== undefined && env.revision === keepRevision) continue;
      env.retiring = true;
      if (!env.reserved) stops.push(env.stop());
    }
    await Promise.all(stops);
  }

  async provision(fn: RuntimeFunction, n: number): Promise<void> {
    const set = this.envs.get(fn.functionName);
    let have = 0;
    for (const env of set ?? []) {
      if (
        !env.retiring &&
        env.revision === fn.revision &&
        env.fn.version === fn.version &&
        env.state !== 'dead'
      )
        have++;
    }
    const starts: Promise<Environment>[] = [];
    for (let i = have; i < n; i++) starts.push(this.startEnvironment(fn, true));
    await Promise.all(starts);
  }

  stats(): EnvironmentStats[] {
    const out = new Map<string, EnvironmentStats>();
    for (const [functionName, set] of this.envs) {
      for (const env of set) {
        const key = `${functionName}\u0000${env.fn.version}`;
        let s = out.get(key);
        if (!s) {
          s = { functionName, version: env.fn.version, busy: 0, idle: 0 };
          out.set(key, s);
        }
        if (env.reserved || env.state === 'busy') s.busy++;
        else if (env.state !== 'dead') s.idle++;
      }
    }
    return [...out.values()];
  }

  /** The environments of a function (for diagnostics and tests): id, pid, state, log stream. */
  environments(functionName: string): Array<{ id: string; pid?: number; state: string; logStream: string }> {
    return [...(this.envs.get(functionName) ?? [])].map((e) => ({
      id: e.id,
      pid: e.pid,
      state: e.state,
      logStream: e.logStream,
    }));
  }

  /** Starts filling the pre-started pools (optional: they otherwise fill on first use). */
  warmPool(families: Array<'node' | 'python'> = ['node', 'python']): void {
    for (const f of families) this.pool.warm(f);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    this.pool.close();
    for (const t of this.idleTimers.values()) t.cancel();
    this.idleTimers.clear();
    const all: Promise<void>[] = [];
    for (const set of this.envs.values()) for (const env of set) all.push(env.stop());
    await Promise.all(all);
    this.runtimeApi.close();
    this.reaper.close();
    liveManagers.delete(this);
  }

  /** Synchronous last resort when the platform process exits without shutdown(). */
  killAllNow(): void {
    this.pool.close();
    for (const set of this.envs.values()) for (const env of set) if (env.pid) killTree(env.pid);
  }
}
