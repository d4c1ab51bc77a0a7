import { describe, expect, it } from 'vitest';
import {
  billedDuration,
  exitDescription,
  exitMessage,
  reportLine,
  timeoutLogLine,
  timeoutPayload,
} from './report.js';

describe('platform log lines', () => {
  it('formats REPORT as AWS: 2-decimal duration, ceil billed, Init Duration last, trailing tab', () => {
    expect(
      reportLine('id-1', {
        durationMs: 3.011,
        memorySizeMb: 128,
        maxMemoryUsedMb: 36,
        initDurationMs: 110.1,
      }),
    ).toBe(
      'REPORT RequestId: id-1\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t',
    );
    expect(reportLine('id-2', { durationMs: 0.2, memorySizeMb: 1024, maxMemoryUsedMb: 50 })).toBe(
      'REPORT RequestId: id-2\tDuration: 0.20 ms\tBilled Duration: 1 ms\tMemory Size: 1024 MB\tMax Memory Used: 50 MB\t',
    );
  });

  it('bills whole milliseconds, rounded up, at least one', () => {
    expect(billedDuration(0)).toBe(1);
    expect(billedDuration(1)).toBe(1);
    expect(billedDuration(1.0001)).toBe(2);
  });

  it('writes the timeout payload with the configured seconds and the log line with the measured ones', () => {
    expect(JSON.parse(timeoutPayload('abc', 3))).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'RequestId: abc Error: Task timed out after 3.00 seconds',
    });
    expect(timeoutLogLine(Date.UTC(2026, 0, 2, 3, 4, 5, 6), 'abc', 3071.4)).toBe(
      '2026-01-02T03:04:05.006Z abc Task timed out after 3.07 seconds',
    );
  });

  it('describes exits the way the Lambda agent prints them', () => {
    expect(exitDescription(1, null)).toBe('exit status 1');
    expect(exitDescription(null, 'SIGKILL')).toBe('signal: killed');
    expect(exitDescription(null, 'SIGSEGV')).toBe('signal: segmentation fault');
    expect(exitMessage('r', 'exit status 2')).toBe(
      'RequestId: r Error: Runtime exited with error: exit status 2',
    );
  });
});
