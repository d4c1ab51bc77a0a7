/**
 * A watchdog for a platform that dies without cleaning up (SIGKILL, OOM): a tiny shell process
 * holding a pipe from the platform. It learns the environments' process groups as they come and go,
 * and when the pipe closes it SIGKILLs those still listed. Needed because an environment frozen
 * between invocations (SIGSTOP) cannot notice that its platform is gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';

// It ignores terminal signals: Ctrl-C reaches the whole foreground group, and the watchdog must
// outlive the platform long enough to do its job.
const SCRIPT = `
trap '' INT TERM HUP QUIT
pids=' '
while read -r op pid; do
  case "$op" in
    add) pids="$pids$pid " ;;
    del) case "$pids" in *" $pid "*) pids="\${pids%% $pid *} \${pids#* $pid }" ;; esac ;;
  esac
done
for p in $pids; do kill -9 "-$p" 2>/dev/null; done
`;

export class Reaper {
  private child?: ChildProcess;

  /** Starts watching a process group (the environment's pid: it leads its own group). */
  add(pgid: number): void {
    this.send(`add ${pgid}\n`);
  }

  /** Stops watching a process group that is gone. */
  remove(pgid: number): void {
    this.send(`del ${pgid}\n`);
  }

  /** Ends the watchdog (after a clean shutdown nothing is left for it to kill). */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private send(line: string): void {
    if (!this.child) {
      const child = spawn('/bin/sh', ['-c', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], env: {} });
      child.on('error', () => {});
      child.stdin?.on('error', () => {});
      // Neither the watchdog nor its pipe may keep the platform alive.
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      this.child = child;
    }
    this.child.stdin?.write(line);
  }
}
