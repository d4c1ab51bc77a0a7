#!/usr/bin/env node
/**
 * Build step after tsc: compiles the serverless.yml schemas once into standalone ajv code
 * (dist/config/validators.generated.cjs), so the CLI does not load ajv and compile the schema on
 * every start. The file carries a digest of the schemas; validate.ts ignores it when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

const dist = new URL('../dist/config/', import.meta.url);
const { AJV_OPTIONS, PRECOMPILED_FILE, eventExportName, schemasDigest } = await import(
  new URL('validate.js', dist).href
);
const { CONFIG_SCHEMA, EVENT_SCHEMAS } = await import(new URL('schema.js', dist).href);

const ajv = new Ajv({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, source: true } });
const exports = { config: 'config' };
ajv.addSchema(CONFIG_SCHEMA, 'config');
for (const [type, schema] of Object.entries(EVENT_SCHEMAS)) {
  ajv.addSchema(schema, `event:${type}`);
  exports[eventExportName(type)] = `event:${type}`;
}
const code = (standalone.default ?? standalone)(ajv, exports);
writeFileSync(
  new URL(PRECOMPILED_FILE, dist),
  `${code}\nexports.digest = ${JSON.stringify(schemasDigest())};\n`,
);
