/**
 * Helpers every benchmark shares: flags, percentiles, code zips and deploying a spec through the
 * platform's control API. Benchmarks are plain node over dist/, so this is plain ESM too.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import yazl from 'yazl';

const dist = new URL('../../dist/', import.meta.url);

/** Imports a module from dist/ (e.g. 'platform/platform.js'), or exits telling to build first. */
export async function fromDist(relPath) {
  const url = new URL(relPath, dist);
  if (!existsSync(url)) {
    console.error('bench: dist/ is missing; run `npm run build` first');
    process.exit(1);
  }
  return import(url.href);
}

/** The number after `--name` on the command line, or `def` when the flag is absent. */
export function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** The p-th percentile (0–100) of the samples, nearest rank below. */
export function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Hex SHA-256 of a buffer, as the control API names artifacts. */
export const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/** A logger that says nothing, for a platform started inside a benchmark. */
export const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** Zips `{ name: content }` with a fixed mtime, so the same files always give the same sha. */
export async function zip(files) {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files))
    z.addBuffer(Buffer.from(content), name, { mtime: new Date(2026, 0, 1) });
  z.end();
  const chunks = [];
  for await (const c of z.outputStream) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Uploads a code zip to the platform's artifact store; returns its sha256. */
export async function putArtifact(platformUrl, code) {
  const sha = sha256(code);
  const res = await fetch(`${platformUrl}/_selfless/artifacts/${sha}`, { method: 'PUT', body: code });
  if (!res.ok) throw new Error(`artifact upload failed: ${res.status} ${await res.text()}`);
  return sha;
}

/** A DeploymentSpec for service `bench`, stage `dev`; `extra` overrides resources/sections etc. */
export function benchSpec(functions, extra = {}) {
  return {
    service: 'bench',
    stage: 'dev',
    region: 'us-east-1',
    functions,
    resources: [],
    outputs: {},
    conditions: {},
    sections: {},
    ...extra,
  };
}

/** Applies a DeploymentSpec through the control API; throws with the platform's answer on failure. */
export async function deploy(platformUrl, spec) {
  const res = await fetch(`${platformUrl}/_selfless/deployments`, {
    method: 'POST',
    body: JSON.stringify(spec),
  });
  if (!res.ok) throw new Error(`deploy failed: ${res.status} ${await res.text()}`);
}
