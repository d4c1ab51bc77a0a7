/**
 * CPU time per process from /proc (all threads, user + system, in ms), to split a benchmark's cost
 * between the platform, its execution environments and anything else. Linux only; elsewhere it
 * reports nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (ms) a process has run so far, from /proc/<pid>/schedstat (load-independent); NaN if gone. */
export function cpuMs(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** pid → { ms, cmd } for every process readable now. */
export function cpuSnapshot() {
  const out = new Map();
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (Number.isNaN(ms)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      out.set(Number(pid), { ms, cmd });
    } catch {
      // gone in between
    }
  }
  return out;
}

/** CPU ms spent between two snapshots, summed per group name (classify(pid, cmd) → name or null). */
export function cpuByGroup(before, after, classify) {
  const groups = new Map();
  for (const [pid, v] of after) {
    const ms = v.ms - (before.get(pid)?.ms ?? 0);
    if (ms <= 0) continue;
    const name = classify(pid, v.cmd);
    if (name) groups.set(name, (groups.get(name) ?? 0) + ms);
  }
  return groups;
}
