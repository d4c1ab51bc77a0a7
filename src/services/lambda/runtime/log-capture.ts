/**
 * Line-by-line capture of an environment's stdout and stderr with bounded memory: partial lines are
 * capped, and lines beyond the per-window byte budget are dropped and counted (reported as one log
 * line), so a flooding function costs the platform one pass over its bytes and nothing more.
 * Pipes are always read to the end: pausing them would only shift a flood's lines into later
 * invocations.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../../../platform/clock.js';

export interface LogBudget {
  /** Bytes accepted per window before lines are dropped. */
  bytesPerWindow: number;
  windowMs: number;
  /** A longer partial line is emitted in pieces of this size. */
  maxLineBytes: number;
}

export const DEFAULT_LOG_BUDGET: LogBudget = {
  bytesPerWindow: 8 * 1024 * 1024,
  windowMs: 1000,
  maxLineBytes: 256 * 1024,
};

/** Splits the streams of one process into lines and enforces the shared budget. */
export class LogCapture {
  private used = 0;
  private windowStart: number;
  private dropped = 0;
  private dataSeen = 0;
  /** Emitters of each stream's unterminated last line. */
  private partials: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    private readonly budget: LogBudget,
    private readonly emit: (line: string) => void,
  ) {
    this.windowStart = clock.now();
  }

  /** Starts capturing one stream (stdout or stderr). */
  attach(stream: Readable): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.dataSeen++;
      let text = partial + chunk;
      partial = '';
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        this.line(text.slice(start, nl));
        start = nl + 1;
      }
      text = start ? text.slice(start) : text;
      while (text.length >= this.budget.maxLineBytes) {
        this.line(text.slice(0, this.budget.maxLineBytes));
        text = text.slice(this.budget.maxLineBytes);
      }
      partial = text;
    });
    stream.on('end', () => {
      if (partial) this.line(partial);
      partial = '';
    });
    this.partials.push(() => {
      if (partial) this.line(partial);
      partial = '';
    });
  }

  /** A counter that moves whenever output arrived; used to wait until the pipes are drained. */
  get activity(): number {
    return this.dataSeen;
  }

  /** Emits output not yet ended by a newline (an invocation is over: it belongs to it). */
  flushPartialLines(): void {
    for (const flush of this.partials) flush();
  }

  /** Reports dropped lines (if any) as one log line and starts a fresh count. */
  flushDropped(): void {
    if (this.dropped === 0) return;
    const n = this.dropped;
    this.dropped = 0;
    this.emit(
      `[selfless] ${n} log line${n === 1 ? '' : 's'} dropped: the function wrote more than ${this.budget.bytesPerWindow} bytes of logs in ${this.budget.windowMs} ms`,
    );
  }

  /** Reports what is left (the process is gone). */
  close(): void {
    this.flushDropped();
  }

  private line(text: string): void {
    const now = this.clock.now();
    if (now - this.windowStart >= this.budget.windowMs) {
      this.windowStart = now;
      this.used = 0;
      this.flushDropped();
    }
    this.used += text.length + 1;
    if (this.used > this.budget.bytesPerWindow) {
      this.dropped++;
      return;
    }
    this.emit(text.endsWith('\r') ? text.slice(0, -1) : text);
  }
}

/** Keeps the last `limit` bytes of an invocation's log lines (for X-Amz-Log-Type: Tail). */
export class LogTail {
  private lines: string[] = [];
  private bytes = 0;

  constructor(private readonly limit = 4096) {}

  /** Adds one line. */
  push(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    while (this.lines.length > 1 && this.bytes - (Buffer.byteLength(this.lines[0]) + 1) >= this.limit) {
      this.bytes -= Buffer.byteLength(this.lines.shift() as string) + 1;
    }
  }

  /** The last `limit` bytes, newline-terminated lines. */
  text(): string {
    const all = Buffer.from(this.lines.map((l) => `${l}\n`).join(''));
    return all.length <= this.limit ? all.toString() : all.subarray(all.length - this.limit).toString();
  }
}
