import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, EVENT_SCHEMAS } from './schema.js';
import { AJV_OPTIONS, eventExportName } from './validate.js';

/** The module scripts/build-validators.mjs writes, built and loaded in memory. */
function precompiled(): Record<string, ValidateFunction> {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, source: true } });
  const names: Record<string, string> = { config: 'config' };
  ajv.addSchema(CONFIG_SCHEMA, 'config');
  for (const [type, schema] of Object.entries(EVENT_SCHEMAS)) {
    ajv.addSchema(schema, `event:${type}`);
    names[eventExportName(type)] = `event:${type}`;
  }
  // A CommonJS module: its function is `default` under Node's ESM loader, the import itself elsewhere.
  type Generate = (ajv: Ajv, refs: Record<string, string>) => string;
  const mod = standalone as unknown as Generate & { default?: Generate };
  const code = mod.default ?? mod;
  const exports: Record<string, ValidateFunction> = {};
  new Function('exports', 'require', code(ajv, names))(exports, createRequire(import.meta.url));
  return exports;
}

describe('precompiled config validators', () => {
  const pre = precompiled();
  const compiled = new Ajv(AJV_OPTIONS);
  const cases: Array<[string, unknown]> = [
    ['config', { service: 'svc', provider: { name: 'aws', runtime: 'nodejs20.x' } }],
    ['config', { service: '1bad', provider: { name: 'aws', runtime: 'nodejs99' }, nope: 1 }],
    ['config', { provider: { name: 'aws', memorySize: '512' } }],
    ['http', { path: 'x', method: 'fetch' }],
    ['schedule', 'every 5 minutes'],
  ];
  it.each(cases)('%s validator agrees with the compiled one (errors and coercion)', (which, data) => {
    const schema = which === 'config' ? CONFIG_SCHEMA : EVENT_SCHEMAS[which]!;
    const a = structuredClone(data);
    const b = structuredClone(data);
    const vp = pre[which === 'config' ? 'config' : eventExportName(which)]!;
    const vc = compiled.compile(schema);
    expect(vp(a)).toBe(vc(b));
    expect(vp.errors ?? null).toEqual(vc.errors ?? null);
    expect(a).toEqual(b);
  });
});
