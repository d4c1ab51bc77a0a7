import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type RuntimeFrame } from './frames.js';

describe('fast-channel frames', () => {
  it('round-trip headers and raw bodies across arbitrary chunk boundaries', () => {
    const frames = Buffer.concat([
      encodeFrame({ t: 'next' }),
      encodeFrame({ t: 'response', id: 'r1' }, Buffer.from('{"ok":true}')),
      encodeFrame({ t: 'error', id: 'r2', errorType: 'Error' }, Buffer.from([0, 1, 2, 255])),
    ]);
    for (const step of [1, 3, 7, frames.length]) {
      const got: Array<[RuntimeFrame, string]> = [];
      const d = new FrameDecoder<RuntimeFrame>((h, b) => got.push([h, b.toString('hex')]));
      for (let i = 0; i < frames.length; i += step) d.push(frames.subarray(i, i + step));
      expect(got).toEqual([
        [{ t: 'next' }, ''],
        [{ t: 'response', id: 'r1' }, Buffer.from('{"ok":true}').toString('hex')],
        [{ t: 'error', id: 'r2', errorType: 'Error' }, '000102ff'],
      ]);
    }
  });

  it('rejects a frame larger than the limit', () => {
    const d = new FrameDecoder(() => {}, 16);
    expect(() => d.push(encodeFrame({ t: 'response', id: 'x' }, Buffer.alloc(64)))).toThrow(/exceeds/);
  });
});
