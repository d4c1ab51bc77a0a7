import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.js';
import { LogCapture, LogTail } from './log-capture.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('log capture', () => {
  it('splits chunks into lines, keeps partial lines, and strips a trailing carriage return', async () => {
    const lines: string[] = [];
    const cap = new LogCapture(
      new ManualClock(),
      { bytesPerWindow: 1e6, windowMs: 1000, maxLineBytes: 1000 },
      (l) => lines.push(l),
    );
    const s = new PassThrough();
    cap.attach(s);
    s.write('one\ntw');
    s.write('o\r\nthree');
    s.end();
    await tick();
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('drops lines beyond the budget of a window and reports how many', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const cap = new LogCapture(clock, { bytesPerWindow: 10, windowMs: 1000, maxLineBytes: 1000 }, (l) =>
      lines.push(l),
    );
    const s = new PassThrough();
    cap.attach(s);
    s.write('aaaa\nbbbb\ncccc\ndddd\n');
    await tick();
    expect(lines).toEqual(['aaaa', 'bbbb']);
    await clock.advance(1000);
    s.write('eeee\n');
    await tick();
    expect(lines.slice(2)).toEqual([
      '[selfless] 2 log lines dropped: the function wrote more than 10 bytes of logs in 1000 ms',
      'eeee',
    ]);
  });

  it('cuts an endless line into pieces of the maximum size', async () => {
    const lines: string[] = [];
    const cap = new LogCapture(
      new ManualClock(),
      { bytesPerWindow: 1e6, windowMs: 1000, maxLineBytes: 4 },
      (l) => lines.push(l),
    );
    const s = new PassThrough();
    cap.attach(s);
    s.write('abcdefghij');
    await tick();
    expect(lines).toEqual(['abcd', 'efgh']);
  });
});

describe('log tail', () => {
  it('keeps the last 4 KB of lines', () => {
    const tail = new LogTail(10);
    tail.push('12345');
    tail.push('abcdef');
    tail.push('xy');
    expect(tail.text()).toBe('abcdef\nxy\n');
    const small = new LogTail(4);
    small.push('0123456789');
    expect(small.text()).toBe('789\n');
  });
});
