#!/usr/bin/env node
/**
 * Build step after tsc and build-validators: bundles the CLI and the platform (dist/cli/main.js and
 * everything it reaches, with the precompiled config validators) into one CommonJS file,
 * dist/bundle/selfless-cli.cjs. bin/selfless.js runs it through a V8 code cache, so a CLI start
 * neither resolves hundreds of small modules nor compiles 2 MB of JavaScript again (Node 20 has no
 * compile cache for ES modules). dist/ keeps the per-module tsc output, which tests and benchmarks
 * import, and which bin/selfless.js falls back to when the bundle is absent.
 *
 * Modules reached only through import() are evaluated only when a command imports them, as before.
 * The native better-sqlite3 and the AWS SDK (only ever located, never loaded) stay external.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
const outdir = path.join(dist, 'bundle');
const outfile = path.join(outdir, 'selfless-cli.cjs');

// The validators are loaded at run time through createRequire (they may be missing or stale, see
// validate.ts); in the bundle the same call resolves to the copy bundled next to it.
const VALIDATORS_CALL = 'require(`./${PRECOMPILED_FILE}`)';

const adaptModules = {
  name: 'selfless-adapt-modules',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + path.sep)) return undefined;
      let text = await readFile(args.path, 'utf8');
      // Modules find files next to themselves (package.json, templates/, runtimes/) through
      // import.meta.url: each keeps the URL its own file has in dist/.
      const rel = path.relative(outdir, args.path).split(path.sep).join('/');
      text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, __selflessBundleUrl).href`);
      // import() of a computed specifier (user configs, variable files) goes through bin/selfless.js.
      text = text.replace(/\bimport\((?!\s*['"`])/g, '__selflessImport(');
      if (args.path === path.join(dist, 'config/validate.js')) {
        if (!text.includes(VALIDATORS_CALL))
          throw new Error(`bundle-cli: ${VALIDATORS_CALL} not found in dist/config/validate.js; update this script`);
        text = `import __selflessValidators from 'selfless:validators';\n${text.replace(VALIDATORS_CALL, '__selflessValidators()')}`;
      }
      return { contents: text, loader: 'js', resolveDir: path.dirname(args.path) };
    });
    // A function requiring the generated file, so it is bundled but evaluated only when called.
    b.onResolve({ filter: /^selfless:validators$/ }, () => ({ path: 'validators', namespace: 'selfless' }));
    b.onLoad({ filter: /.*/, namespace: 'selfless' }, () => ({
      contents: 'module.exports = () => require("./validators.generated.cjs");',
      loader: 'js',
      resolveDir: path.join(dist, 'config'),
    }));
  },
};

const result = await build({
  entryPoints: [path.join(dist, 'cli/main.js')],
  outfile,
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  banner: { js: "const __selflessBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  external: ['better-sqlite3', '@aws-sdk/*', '@smithy/*', '@aws-crypto/*', 'fsevents'],
  plugins: [adaptModules],
  logLevel: 'warning',
  legalComments: 'none',
  // ASCII only, so bin/selfless.js can read it as latin1, several times faster than decoding UTF-8.
  charset: 'ascii',
});

// With charset ascii, esbuild escapes every string, template and identifier; what is left
// non-ASCII sits in kept comments, where an escape is as good as the character.
const code = result.outputFiles[0].text.replace(
  /[^\x00-\x7f]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
);
// Replaced in one step: a CLI starting meanwhile reads the old bundle or the new one, never half.
await mkdir(outdir, { recursive: true });
const tmp = `${outfile}.${process.pid}`;
await writeFile(tmp, code);
await rename(tmp, outfile);
for (const f of await readdir(outdir)) if (f.endsWith('.cache')) await rm(path.join(outdir, f), { force: true });
