/**
 * Pre-started runtime processes: our node and python bootstraps started ahead of need with a
 * minimal environment, waiting on fd 3 for the function they become (chdir, environment, handler
 * load). Taking one skips interpreter start-up, the bulk of a cold start.
 */
import type { Clock } from '../../../platform/clock.js';
import { killTree } from './process-tree.js';
import { poolEnvironment, type RuntimeProcess, spawnBootstrap } from './spawn.js';

export type PooledFamily = 'node' | 'python';

export class PrestartPool {
  private ready: Record<PooledFamily, RuntimeProcess[]> = { node: [], python: [] };
  /** Families asked for at least once: only those are kept filled. */
  private wanted = new Set<PooledFamily>();
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly clock: Clock,
    /** Refill after this delay, so a new interpreter does not compete with the cold start it serves. */
    private readonly refillDelayMs = 250,
  ) {}

  /** A ready process of the family, or undefined; either way the pool refills in the background. */
  take(family: PooledFamily): RuntimeProcess | undefined {
    if (this.size <= 0 || this.closed) return undefined;
    this.wanted.add(family);
    let proc: RuntimeProcess | undefined;
    for (;;) {
      proc = this.ready[family].shift();
      if (!proc || (proc.child.exitCode === null && proc.child.signalCode === null)) break;
    }
    this.clock.setTimer(() => this.fill(family), this.refillDelayMs);
    return proc;
  }

  /** Starts filling a family's pool now (e.g. at platform start). */
  warm(family: PooledFamily): void {
    if (this.size <= 0) return;
    this.wanted.add(family);
    this.fill(family);
  }

  /** Number of ready processes per family. */
  counts(): Record<PooledFamily, number> {
    return { node: this.ready.node.length, python: this.ready.python.length };
  }

  private fill(family: PooledFamily): void {
    if (this.closed) return;
    while (this.ready[family].length < this.size) {
      const proc = spawnBootstrap(family, { fast: true, env: poolEnvironment(), cwd: '/' });
      this.ready[family].push(proc);
      proc.child.once('exit', () => {
        const list = this.ready[family];
        const i = list.indexOf(proc);
        if (i >= 0) list.splice(i, 1);
      });
      // Unread output must not block a process that is waiting in the pool.
      proc.child.stdout?.resume();
      proc.child.stderr?.resume();
    }
  }

  /** Kills every waiting process. */
  close(): void {
    this.closed = true;
    for (const family of ['node', 'python'] as const) {
      for (const p of this.ready[family]) if (p.child.pid) killTree(p.child.pid);
      this.ready[family] = [];
    }
  }
}
