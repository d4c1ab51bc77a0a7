/**
 * Provisioned concurrency: for each function with `provisionedConcurrency: N`, N initialised
 * execution environments are kept ready (started with AWS_LAMBDA_INITIALIZATION_TYPE
 * provisioned-concurrency, so their first invocation reports no Init Duration). A reconcile loop
 * on the platform Clock tops the pool up whenever environments died, were killed or idled out.
 *
 * Environments are kept for what unqualified invocations and event sources run here (`$LATEST`).
 */
import type { Clock, TimerHandle } from '../../platform/clock.js';
import type { Logger } from '../../platform/service.js';
import type { LambdaEngine } from './engine.js';

/** The state of one function's provisioned concurrency. */
export interface ProvisionedStatus {
  functionName: string;
  requested: number;
  /** Live environments of the running revision (busy or idle). */
  available: number;
  status: 'READY' | 'IN_PROGRESS' | 'FAILED';
  lastError?: string;
}

/** Keeps provisioned environments alive. */
export class ProvisionedConcurrency {
  private readonly targets = new Map<string, { n: number; lastError?: string }>();
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly engine: LambdaEngine,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** How often the pool is checked and topped up. */
    private readonly intervalMs = 1000,
    /** Told each time a function's N is set (the bill counts provisioned GB-seconds). */
    private readonly onSet?: (functionName: string, n: number) => Promise<void> | void,
  ) {}

  /** Sets N for a function (0 removes it) and provisions right away. */
  async set(functionName: string, n: number): Promise<void> {
    const before = this.targets.get(functionName)?.n ?? 0;
    if (n !== before || n > 0) await this.onSet?.(functionName, n);
    if (n === before) return this.reconcile();
    if (n > 0) this.targets.set(functionName, { n });
    else this.targets.delete(functionName);
    // Fewer wanted: provisioned environments never idle out, so stop the idle ones and refill to n.
    if (n < before) await this.engine.environments.retire(functionName);
    await this.reconcile();
  }

  /** The requested N of a function (0 when none). */
  requested(functionName: string): number {
    return this.targets.get(functionName)?.n ?? 0;
  }

  /** Starts the reconcile loop. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops the loop (environments are stopped by the manager's shutdown). */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Tops up every function's pool once; concurrent calls share one pass. */
  reconcile(): Promise<void> {
    if (!this.running)
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** The status of every function with provisioned concurrency. */
  status(): ProvisionedStatus[] {
    const live = new Map<string, number>();
    for (const s of this.engine.environments.stats())
      if (s.version === '$LATEST')
        live.set(s.functionName, (live.get(s.functionName) ?? 0) + s.busy + s.idle);
    return [...this.targets].map(([functionName, t]) => {
      const available = live.get(functionName) ?? 0;
      return {
        functionName,
        requested: t.n,
        available,
        status: t.lastError ? 'FAILED' : available >= t.n ? 'READY' : 'IN_PROGRESS',
        ...(t.lastError ? { lastError: t.lastError } : {}),
      };
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => {
      void this.reconcile().finally(() => this.schedule());
    }, this.intervalMs);
  }

  private async pass(): Promise<void> {
    const envs = this.engine.environments;
    if (!envs.provision) return;
    for (const [name, t] of [...this.targets]) {
      if (this.stopped) return;
      try {
        const resolved = await this.engine.resolve(name);
        if (resolved.fn.reservedConcurrency === 0) continue;
        await envs.provision(this.engine.runtimeFunction(resolved), t.n);
        if (t.lastError) {
          this.log.info(`Provisioned concurrency of ${name} recovered`);
          delete t.lastError;
        }
      } catch (e) {
        const message = (e as Error).message;
        if (t.lastError !== message) this.log.warn(`Provisioned concurrency of ${name}: ${message}`);
        t.lastError = message;
      }
    }
  }
}
