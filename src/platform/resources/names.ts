/**
 * Names and property values shared by every service's CloudFormation resource types: one way to
 * derive a physical name, fit a name into a length limit, and read string-valued properties.
 */
import { createHash } from 'node:crypto';
import type { DeployContext } from '../service.js';

/** Shortens a name to `max` characters, keeping it unique with a hash of the whole name. */
export function fitName(name: string, max = 64): string {
  if (name.length <= max) return name;
  const hash = createHash('md5').update(name).digest('hex');
  return `${name.slice(0, max - hash.length - 1)}-${hash}`;
}

/**
 * A stable physical name for a resource without an explicit one, shaped as CloudFormation makes
 * them (`<stack>-<LogicalId>-<RANDOM>`); the suffix is derived from service, stage and logical id so
 * redeploys and restarts keep the same name.
 */
export function generatedName(
  ctx: DeployContext,
  logicalId: string,
  max: number,
  opts: { suffix?: string; lowercase?: boolean } = {},
): string {
  const suffix = opts.suffix ?? '';
  const hash = createHash('sha256').update(`${ctx.service}:${ctx.stage}:${logicalId}`).digest('hex');
  let rand = BigInt(`0x${hash.slice(0, 16)}`)
    .toString(36)
    .toUpperCase()
    .slice(0, 12);
  let base = `${ctx.service}-${ctx.stage}-${logicalId}`;
  if (opts.lowercase) {
    rand = rand.toLowerCase();
    base = base.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  }
  return `${base.slice(0, max - rand.length - 1 - suffix.length)}-${rand}${suffix}`;
}

/** The resource's name property when set, else a generated stable name. */
export function physicalName(
  ctx: DeployContext,
  logicalId: string,
  explicit: unknown,
  max: number,
  opts: { suffix?: string; lowercase?: boolean } = {},
): string {
  return typeof explicit === 'string' && explicit !== ''
    ? explicit
    : generatedName(ctx, logicalId, max, opts);
}

/** A property value as the string attribute AWS APIs take (objects as JSON). */
export function cfnString(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** CloudFormation `Tags: [{Key, Value}]` as a record. */
export function cfnTags(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v))
    for (const t of v as Array<{ Key?: unknown; Value?: unknown }>)
      out[String(t.Key)] = String(t.Value ?? '');
  return out;
}
