/**
 * Starting runtime processes: our node and python bootstraps (on the fast channel or the Runtime
 * API), `provided.*` bootstrap executables and our Java bootstrap. Each process leads its own process group so the
 * whole tree can be killed, and gets only the environment it is given.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { jvmOptions } from './java.js';
import { PYTHON_BIN, type RuntimeFamily, runtimeDir } from './runtimes.js';

export interface RuntimeProcess {
  family: RuntimeFamily;
  child: ChildProcess;
  /** fd 3 of the child, present on the fast channel. */
  socket?: Socket;
  /** performance.now() at spawn. */
  spawnedAt: number;
}

/**
 * Execution environments run under Linux's SCHED_BATCH policy (through util-linux `chrt`, which
 * execs the runtime in place, so the pid stays the runtime's). A batch task that wakes does not
 * preempt the task running on its CPU: when the platform hands an event to an environment, the
 * platform keeps its CPU and goes on dispatching and answering, and the environment runs on a free
 * CPU or at the next tick. Without it, every dispatch at concurrency 50 on two cores cost the
 * platform's thread a preemption (0.7 per request, measured; 0.25 with it). Functions see no
 * difference but scheduling latency; where chrt is missing, runtimes start as plain processes.
 */
const CHRT = process.platform === 'linux' && existsSync('/usr/bin/chrt') ? '/usr/bin/chrt' : undefined;

/** The command line that starts `cmd args` under the environments' scheduling policy. */
export function scheduled(cmd: string, args: string[]): [string, string[]] {
  return CHRT ? [CHRT, ['--batch', '0', cmd, ...args]] : [cmd, args];
}

/** The minimal environment of a pre-started process before it is given a function. */
export function poolEnvironment(): Record<string, string> {
  return { PATH: '/usr/local/bin:/usr/bin/:/bin', LANG: 'en_US.UTF-8', TZ: ':UTC' };
}

/** Starts our bootstrap for node or python. */
export function spawnBootstrap(
  family: 'node' | 'python',
  opts: { fast: boolean; env: Record<string, string>; cwd: string },
): RuntimeProcess {
  const dir = runtimeDir(family);
  const fdArgs = opts.fast ? ['--fd=3'] : [];
  const [cmd, args] =
    family === 'node'
      ? scheduled(process.execPath, [join(dir, 'index.mjs'), ...fdArgs])
      : scheduled(PYTHON_BIN, ['-u', join(dir, 'bootstrap.py'), ...fdArgs]);
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: opts.fast ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const socket = opts.fast ? (child.stdio[3] as Socket) : undefined;
  return { family, child, socket, spawnedAt: performance.now() };
}

/** Finds a provided.* bootstrap as Lambda does: the code dir first, then layers (/opt). */
export function findProvidedBootstrap(codeDir: string, layerDirs: string[]): string | { error: string } {
  const candidates = [
    join(codeDir, 'bootstrap'),
    ...[...layerDirs].reverse().map((d) => join(d, 'bootstrap')),
  ];
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(c, constants.X_OK);
    } catch {
      return { error: `fork/exec ${c}: permission denied` };
    }
    return c;
  }
  return { error: `Couldn't find valid bootstrap(s): [${candidates.join(' ')}]` };
}

/** Starts a provided.* bootstrap executable on the Runtime API. */
export function spawnProvided(
  bootstrap: string,
  opts: { env: Record<string, string>; cwd: string },
): RuntimeProcess {
  const [cmd, args] = scheduled(bootstrap, []);
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return { family: 'provided', child, spawnedAt: performance.now() };
}

/**
 * Starts our Java bootstrap (a Runtime API client) on the installed JDK with Lambda's JVM options.
 * Its arguments are the layers' `java/lib` folders, whose jars join the classpath as /opt/java/lib/*.
 */
export function spawnJava(
  javaBin: string,
  classes: string,
  opts: { env: Record<string, string>; cwd: string; memorySize: number; layerDirs: string[] },
): RuntimeProcess {
  const [cmd, args] = scheduled(javaBin, [
    ...jvmOptions(opts.memorySize),
    '-cp',
    classes,
    'selfless.lambda.Bootstrap',
    // Later layers override earlier ones in /opt: their jars come first.
    ...[...opts.layerDirs].reverse().map((d) => join(d, 'java', 'lib')),
  ]);
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return { family: 'java', child, spawnedAt: performance.now() };
}
