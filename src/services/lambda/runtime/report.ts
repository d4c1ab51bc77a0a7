/** The platform's own log lines, in AWS Lambda's exact formats (reference §6.1). */

/** `START RequestId: <id> Version: <version>` */
export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

/** `END RequestId: <id>` */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export interface ReportFigures {
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
}

/** Billed duration: whole milliseconds, rounded up (1-ms granularity), at least 1. */
export function billedDuration(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

/** The REPORT line; Init Duration only on cold starts and last; a trailing tab as on AWS. */
export function reportLine(requestId: string, f: ReportFigures): string {
  let s =
    `REPORT RequestId: ${requestId}\tDuration: ${f.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${billedDuration(f.durationMs)} ms\tMemory Size: ${f.memorySizeMb} MB\t` +
    `Max Memory Used: ${f.maxMemoryUsedMb} MB\t`;
  if (f.initDurationMs !== undefined) s += `Init Duration: ${f.initDurationMs.toFixed(2)} ms\t`;
  return s;
}

/** The log line AWS writes when a function times out (measured seconds, 2 decimals). */
export function timeoutLogLine(at: number, requestId: string, elapsedMs: number): string {
  return `${new Date(at).toISOString()} ${requestId} Task timed out after ${(elapsedMs / 1000).toFixed(2)} seconds`;
}

/** The invoke payload of a timed-out invocation (AWS-validated, reference §7.1). */
export function timeoutPayload(requestId: string, timeoutSeconds: number): string {
  return JSON.stringify({
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
  });
}

/** How Go's os.ProcessState prints an exit (the RAPID agent reports it that way). */
export function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    const names: Record<string, string> = {
      SIGKILL: 'killed',
      SIGTERM: 'terminated',
      SIGSEGV: 'segmentation fault',
      SIGABRT: 'aborted',
      SIGINT: 'interrupt',
      SIGBUS: 'bus error',
      SIGFPE: 'floating point exception',
      SIGILL: 'illegal instruction',
      SIGHUP: 'hangup',
      SIGPIPE: 'broken pipe',
    };
    return `signal: ${names[signal] ?? signal}`;
  }
  return `exit status ${code ?? 0}`;
}

/** `RequestId: <id> Error: Runtime exited with error: <exit>` (payload message and log line). */
export function exitMessage(requestId: string, exit: string): string {
  return `RequestId: ${requestId} Error: Runtime exited with error: ${exit}`;
}
