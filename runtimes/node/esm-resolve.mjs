// Module resolution hook for ESM handlers: bare specifiers the function cannot resolve itself
// fall back to NODE_PATH (layers, then the platform's AWS SDK), as `require` does on Lambda.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

let dirs = [];

export function initialize(data) {
  dirs = data?.dirs ?? [];
}

const isBare = (s) => !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z+.-]*:)/.test(s);

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
    for (const dir of dirs) {
      try {
        return await nextResolve(specifier, { ...context, parentURL: pathToFileURL(join(dir, '_')).href });
      } catch {
        // try the next directory
      }
    }
    throw err;
  }
}
