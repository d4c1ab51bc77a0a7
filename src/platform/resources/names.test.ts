import { describe, expect, it } from 'vitest';
import type { DeployContext } from '../service.js';
import { cfnString, cfnTags, fitName, generatedName, physicalName } from './names.js';

const ctx = { service: 'shop', stage: 'dev', region: 'us-east-1' } as DeployContext;

describe('resource names', () => {
  it('generates the same stack-shaped name for the same service, stage and logical id', () => {
    const a = generatedName(ctx, 'Orders', 80);
    expect(a).toMatch(/^shop-dev-Orders-[0-9A-Z]{1,12}$/);
    expect(generatedName(ctx, 'Orders', 80)).toBe(a);
    expect(generatedName({ ...ctx, stage: 'prod' }, 'Orders', 80)).not.toBe(a.replace('-dev-', '-prod-'));
  });

  it('keeps the suffix and the length limit', () => {
    const name = generatedName(ctx, 'A'.repeat(200), 80, { suffix: '.fifo' });
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name.endsWith('.fifo')).toBe(true);
  });

  it('makes lowercase names for services that need them (S3 buckets)', () => {
    const name = generatedName({ ...ctx, service: 'My_Shop' }, 'UploadsBucket', 63, { lowercase: true });
    expect(name).toMatch(/^my-shop-dev-uploadsbucket-[0-9a-z]+$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('prefers the explicit name property', () => {
    expect(physicalName(ctx, 'Q', 'orders', 80)).toBe('orders');
    expect(physicalName(ctx, 'Q', '', 80)).toBe(generatedName(ctx, 'Q', 80));
  });

  it('fits long names with a hash and leaves short ones alone', () => {
    expect(fitName('short')).toBe('short');
    const long = fitName('x'.repeat(100), 64);
    expect(long).toHaveLength(64);
    expect(fitName('x'.repeat(100), 64)).toBe(long);
  });

  it('reads string properties and tags', () => {
    expect(cfnString({ a: 1 })).toBe('{"a":1}');
    expect(cfnString(30)).toBe('30');
    expect(cfnTags([{ Key: 'team', Value: 'data' }])).toEqual({ team: 'data' });
  });
});
