/** Validates a DeploymentSpec received on the control API: every field the platform relies on. */
import { SelflessError } from './errors.js';
import type { DeploymentSpec } from './spec.js';

const NAME = /^[a-zA-Z0-9-_]{1,140}$/;

/** Returns the spec typed, or throws INVALID_SPEC naming the first wrong field. */
export function validateSpec(input: unknown): DeploymentSpec {
  const fail = (where: string, what: string): never => {
    throw new SelflessError('INVALID_SPEC', `Invalid deployment spec at ${where}: ${what}`, {
      where,
      hint: 'Deploy with the selfless CLI of the same version as the server.',
    });
  };
  const obj = (v: unknown, where: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(where, 'must be an object');
  const str = (v: unknown, where: string): string =>
    typeof v === 'string' && v !== '' ? v : fail(where, 'must be a non-empty string');
  const num = (v: unknown, where: string, min: number, max: number): number =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
      ? v
      : fail(where, `must be a number from ${min} to ${max}`);

  const spec = obj(input, 'spec');
  str(spec.service, 'service');
  str(spec.stage, 'stage');
  str(spec.region, 'region');
  if (!Array.isArray(spec.functions)) fail('functions', 'must be a list');
  if (!Array.isArray(spec.resources)) fail('resources', 'must be a list');
  for (const k of ['outputs', 'conditions', 'sections'] as const) if (spec[k] !== undefined) obj(spec[k], k);
  const names = new Set<string>();
  const keys = new Set<string>();
  (spec.functions as unknown[]).forEach((f, i) => {
    const at = `functions[${i}]`;
    const fn = obj(f, at);
    const key = str(fn.key, `${at}.key`);
    const name = str(fn.name, `${at}.name`);
    if (!NAME.test(name))
      fail(
        `${at}.name`,
        `"${name}" is not a valid Lambda function name (letters, digits, - and _, up to 140)`,
      );
    if (names.has(name)) fail(`${at}.name`, `two functions are named ${name}`);
    if (keys.has(key)) fail(`${at}.key`, `two functions have the key ${key}`);
    names.add(name);
    keys.add(key);
    str(fn.runtime, `${at}.runtime`);
    str(fn.handler, `${at}.handler`);
    num(fn.memorySize, `${at}.memorySize`, 128, 10240);
    num(fn.timeout, `${at}.timeout`, 1, 900);
    const env = obj(fn.environment, `${at}.environment`);
    for (const [k, v] of Object.entries(env))
      if (typeof v !== 'string') fail(`${at}.environment.${k}`, 'must be a string');
    if (fn.architecture !== 'x86_64' && fn.architecture !== 'arm64')
      fail(`${at}.architecture`, 'must be x86_64 or arm64');
    if (fn.reservedConcurrency !== undefined)
      num(fn.reservedConcurrency, `${at}.reservedConcurrency`, 0, 100000);
    str(fn.logGroup, `${at}.logGroup`);
    if (typeof fn.codeSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(fn.codeSha256))
      fail(`${at}.codeSha256`, 'must be a sha256 in lower-case hex');
    num(fn.codeSize, `${at}.codeSize`, 0, Number.MAX_SAFE_INTEGER);
    if (!Array.isArray(fn.layers) || fn.layers.some((l) => typeof l !== 'string'))
      fail(`${at}.layers`, 'must be a list of strings');
    if (!Array.isArray(fn.events)) fail(`${at}.events`, 'must be a list');
    if (fn.extra !== undefined) obj(fn.extra, `${at}.extra`);
  });
  (spec.resources as unknown[]).forEach((r, i) => {
    const res = obj(r, `resources[${i}]`);
    str(res.logicalId, `resources[${i}].logicalId`);
    str(res.type, `resources[${i}].type`);
    if (res.properties !== undefined) obj(res.properties, `resources[${i}].properties`);
  });
  return {
    ...(spec as unknown as DeploymentSpec),
    outputs: (spec.outputs as Record<string, unknown>) ?? {},
    conditions: (spec.conditions as Record<string, unknown>) ?? {},
    sections: (spec.sections as Record<string, unknown>) ?? {},
  };
}
