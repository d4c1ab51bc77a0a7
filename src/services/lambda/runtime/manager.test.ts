import { afterEach, describe, expect, it } from 'vitest';
import { poolable, resolveChannel } from './manager.js';
import type { RuntimeFunction } from './types.js';

describe('channel selection', () => {
  const saved = process.env.SELFLESS_LAMBDA_CHANNEL;
  afterEach(() => {
    if (saved === undefined) delete process.env.SELFLESS_LAMBDA_CHANNEL;
    else process.env.SELFLESS_LAMBDA_CHANNEL = saved;
  });

  it('defaults to the fast channel, and SELFLESS_LAMBDA_CHANNEL=runtime-api forces the Runtime API', () => {
    delete process.env.SELFLESS_LAMBDA_CHANNEL;
    expect(resolveChannel()).toBe('fast');
    process.env.SELFLESS_LAMBDA_CHANNEL = 'runtime-api';
    expect(resolveChannel()).toBe('runtime-api');
    expect(resolveChannel('fast')).toBe('fast');
  });

  it('rejects an unknown channel name with the variable named', () => {
    process.env.SELFLESS_LAMBDA_CHANNEL = 'pigeon';
    expect(() => resolveChannel()).toThrow(/SELFLESS_LAMBDA_CHANNEL must be fast or runtime-api, not pigeon/);
  });
});

describe('pre-started processes', () => {
  const fn = (environment: Record<string, string>) => ({ environment }) as RuntimeFunction;
  it('serve functions unless they set variables that only act at interpreter start', () => {
    expect(poolable(fn({ STAGE: 'dev' }))).toBe(true);
    expect(poolable(fn({ NODE_OPTIONS: '--enable-source-maps' }))).toBe(false);
    expect(poolable(fn({ PYTHONWARNINGS: 'ignore' }))).toBe(false);
    expect(poolable(fn({ LD_PRELOAD: '/x.so' }))).toBe(false);
  });
});
