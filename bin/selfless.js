#!/usr/bin/env node
// Thin entry: everything lives in the compiled CLI. The bundle (scripts/bundle-cli.mjs) runs through a
// V8 code cache kept next to it, so a start skips most parsing and compiling; the per-module build
// is the fallback when only `tsc` ran.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const argv = process.argv.slice(2);
const bundle = fileURLToPath(new URL('../dist/bundle/selfless-cli.cjs', import.meta.url));
let source;
let stamp;
try {
  // A bundle older than the tsc output (tsc ran alone) would run stale code: use the modules then.
  const st = statSync(bundle);
  if (st.mtimeMs >= statSync(new URL('../dist/cli/main.js', import.meta.url)).mtimeMs) {
    source = readFileSync(bundle, 'latin1'); // ASCII only (scripts/bundle-cli.mjs)
    stamp = Math.floor(st.mtimeMs).toString(36);
  }
} catch {
  source = undefined;
}
if (source === undefined) {
  import('../dist/cli/main.js').then((m) => m.main(argv));
} else {
  // The cache belongs to this bundle (V8 checks only the source length, hence the stamp) and this
  // node binary (V8 rejects it otherwise, and it is rewritten). One per verb: each holds the
  // functions its verb compiles.
  const verb = /^[a-z][a-z-]*$/.test(argv[0] ?? '') ? argv[0] : 'none';
  const cacheFile = `${bundle}.${stamp}.${process.arch}-${process.versions.v8}.${verb}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(wrap(source), {
    filename: bundle,
    cachedData,
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    // Written on exit, so the cache holds the functions this run compiled, not only the top level.
    process.once('exit', (code) => {
      // A failed run (a mistyped verb, say) leaves no cache behind.
      if (code !== 0) return;
      try {
        const tmp = `${cacheFile}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // A read-only install only loses the cache.
      }
    });
  }
  const module = { exports: {} };
  // import() of the bundle's non-literal specifiers runs here: Node 20 loses a vm script's dynamic
  // import hook when the script comes from a code cache.
  const importer = (specifier) => import(specifier);
  script.runInThisContext()(
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    path.dirname(bundle),
    importer,
  );
  module.exports.main(argv);
}

/** The bundle as a CommonJS module function, with the importer as one more argument. */
function wrap(code) {
  return `(function (exports, require, module, __filename, __dirname, __selflessImport) {${code}\n})`;
}
