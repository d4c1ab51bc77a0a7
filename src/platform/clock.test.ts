import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';

describe('ManualClock', () => {
  it('fires timers in time order only when advanced past them', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => fired.push('b'), 200);
    clock.setTimer(() => fired.push('a'), 100);
    await clock.advance(150);
    expect(fired).toEqual(['a']);
    await clock.advance(50);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(200);
  });

  it('runs timers scheduled by timers within the same advance', async () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    clock.setTimer(() => clock.setTimer(() => at.push(clock.now()), 10), 10);
    await clock.advance(30);
    expect(at).toEqual([20]);
  });

  it('cancels timers', async () => {
    const clock = new ManualClock(0);
    let fired = false;
    clock
      .setTimer(() => {
        fired = true;
      }, 5)
      .cancel();
    await clock.advance(10);
    expect(fired).toBe(false);
  });
});
