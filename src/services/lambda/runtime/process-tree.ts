/**
 * Linux /proc helpers for an environment's process tree: resident memory (current and peak) and
 * killing the whole tree. Environments run in their own process group.
 */
import { readFileSync } from 'node:fs';

const PAGE = 4096;

/** The pids of a process and all its descendants (threads' children included). */
export function treePids(root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    out.push(pid);
    let tasks: string[];
    try {
      tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ');
    } catch {
      continue;
    }
    for (const t of tasks) if (t.trim()) stack.push(Number(t));
  }
  return out;
}

/** Resident set size in bytes of one process, 0 when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8');
    return Number(statm.split(' ')[1]) * PAGE;
  } catch {
    return 0;
  }
}

/** Peak resident set size (VmHWM) in bytes of one process, 0 when it is gone. */
export function peakRssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Current resident memory of the whole tree in bytes. */
export function treeRssBytes(root: number): number {
  let sum = 0;
  for (const pid of treePids(root)) sum += rssBytes(pid);
  return sum;
}

/** SIGKILLs the process group and any descendant that left it. */
export function killTree(root: number): void {
  const pids = treePids(root);
  try {
    process.kill(-root, 'SIGKILL');
  } catch {
    // group already gone
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
