/**
 * `serverless.yml:LINE:COL` of a property, for errors found after loading (a handler file that does
 * not exist, say). Only YAML configs carry positions; other formats give just the file name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';

/** Where a property path is written: `examples/hello/serverless.yml:8:14`, or the file alone. */
export function sourcePosition(
  configPath: string,
  keyPath: readonly (string | number)[],
  cwd = process.cwd(),
): string {
  const label = path.relative(cwd, configPath) || configPath;
  if (!/\.ya?ml$/.test(configPath)) return label;
  try {
    const lines = new LineCounter();
    const doc = parseDocument(readFileSync(configPath, 'utf8'), { lineCounter: lines, uniqueKeys: false });
    // The value's node when it is a scalar, else the key's, so the position points at what to fix.
    const parent = keyPath.length > 1 ? doc.getIn(keyPath.slice(0, -1), true) : doc.contents;
    let offset: number | undefined;
    if (isMap(parent)) {
      const last = keyPath[keyPath.length - 1];
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
      const node = pair && (isScalar(pair.value) ? pair.value : pair.key);
      offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    }
    if (offset === undefined) return label;
    const p = lines.linePos(offset);
    return `${label}:${p.line}:${p.col}`;
  } catch {
    return label;
  }
}
