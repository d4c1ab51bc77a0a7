/** `selfless openapi` through the real CLI: JSON on stdout, YAML to a file, both valid OpenAPI 3.1. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'openapi-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) =>
  run(process.execPath, [path.resolve('bin/selfless.js'), 'openapi', ...args]);

async function valid(doc: unknown) {
  const r = await new Validator().validate(doc as Record<string, unknown>);
  expect(r.errors ?? []).toEqual([]);
  return r.valid;
}

describe('selfless openapi', () => {
  it('prints the REST API of the example as JSON and writes the HTTP API as YAML', async () => {
    const { stdout } = await cli('-c', 'examples/http-api/serverless.yml');
    const rest = JSON.parse(stdout);
    expect(await valid(rest)).toBe(true);
    expect(rest.paths['/hello/{name}'].get.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/Greeting',
    );
    const file = path.join(dir, 'http.yaml');
    await cli('-c', 'examples/http-api/serverless.yml', '--api', 'http', '--output', file);
    const http = parse(readFileSync(file, 'utf8'));
    expect(await valid(http)).toBe(true);
    expect(http.paths['/hello/{name}'].get.summary).toBe('Greet someone (HTTP API, Node.js)');
  }, 30_000);

  it('fails with a clear message for a service without HTTP events', async () => {
    const err = (await cli('-c', 'examples/hello/serverless.yml').then(
      () => ({ code: 0, stderr: '' }),
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('has no http or httpApi events');
  }, 30_000);
});
