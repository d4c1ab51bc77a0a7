// biome-ignore-all lint/suspicious/noTemplateCurlyInString: specs about ${} variables in plain strings
import { describe, expect, it } from 'vitest';
import { VariablesResolver } from './resolver.js';

describe('VariablesResolver', () => {
  it('resolves with any source table (plugin-style sources)', async () => {
    const config = { a: '${upper:hello}', b: 'x-${upper(one, 2):}' };
    const r = new VariablesResolver(config, {
      upper: ({ address, params }) => (params ? params.join('+') : String(address).toUpperCase()),
    });
    await r.resolve();
    expect(config).toEqual({ a: 'HELLO', b: 'x-one+2' });
    expect(r.errors()).toEqual([]);
  });

  it('resolves only the requested properties (and what they depend on) in an early pass', async () => {
    const config = { provider: { stage: '${self:custom.s}' }, custom: { s: 'beta', other: '${later:x}' } };
    const r = new VariablesResolver(config, {
      self: ({ address, resolveConfigurationProperty }) =>
        resolveConfigurationProperty(String(address).split('.')),
    });
    await r.resolve([['provider', 'stage']]);
    expect(config.provider.stage).toBe('beta');
    expect(config.custom.other).toBe('${later:x}');
    expect(r.unknownSources()).toEqual([]);
    await r.resolve();
    expect(r.unknownSources()).toEqual([{ type: 'later', path: ['custom', 'other'] }]);
  });

  it('rejects results that are not JSON values', async () => {
    const config = { a: '${weird:x}' };
    const r = new VariablesResolver(config, { weird: () => () => 1 });
    await r.resolve();
    expect(r.errors()[0]!.message).toMatch(
      /^Cannot resolve variable at "a": Source "weird" returned not supported result/,
    );
  });

  it('does not hang if property waits never settle (a resolver bug): the stuck properties are reported', async () => {
    const config = { a: '${self:b}', b: 'value' };
    const r = new VariablesResolver(config, {
      self: ({ address, resolveConfigurationProperty }) =>
        resolveConfigurationProperty(String(address).split('.')),
    });
    // Simulate the bug the watchdog guards against: a dependency wait that never settles.
    (r as unknown as { resolveDependency: () => Promise<unknown> }).resolveDependency = () =>
      new Promise(() => {});
    await r.resolve();
    expect(r.errors()[0]!.message).toBe(
      'Cannot resolve variable at "a": Variables resolution stalled among "a" properties (circular reference?)',
    );
  });

  it('waits for sources doing their own work (module loading, I/O), however many turns it takes', async () => {
    const config = { a: '${slow:x}' };
    const r = new VariablesResolver(config, {
      slow: async () => {
        for (let i = 0; i < 500; i++) await new Promise((res) => setImmediate(res));
        return 'done';
      },
    });
    await r.resolve();
    expect(config.a).toBe('done');
  });
});
