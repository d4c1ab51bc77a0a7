/**
 * `selfless package` through the real CLI on a generated service: which files go into the zips
 * (patterns with `!`, legacy include/exclude, default excludes, dev dependencies from the lockfile
 * or the installed tree), `individually`, prebuilt artifacts, stable sha256, and the compiled spec.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import yauzl from 'yauzl';
import type { DeploymentSpec } from '../../src/platform/spec.js';
import { FIXTURES, runCli, tempDir } from './cli-support.js';

function write(root: string, rel: string, content: string): void {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
}

/** Entry names of a zip, in archive order. */
function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

const SERVICE_YML = `service: pkg
provider:
  name: aws
  runtime: nodejs20.x
package:
  exclude:
    - tmp/**
  patterns:
    - '!docs/**'
    - docs/keep.md
    - '!**/*.test.js'
functions:
  a:
    handler: src/a.handler
  b:
    handler: src/b.handler
`;

const INDIVIDUAL_YML = `service: pkg
provider:
  name: aws
  runtime: nodejs20.x
package:
  individually: true
  patterns:
    - '!docs/**'
    - '!tmp/**'
functions:
  a:
    handler: src/a.handler
    package:
      patterns:
        - '!src/b.js'
  b:
    handler: src/b.handler
    package:
      patterns:
        - '!src/a.js'
        - '!node_modules/**'
  prebuilt:
    handler: index.handler
    package:
      artifact: prebuilt.zip
`;

/** A service with code, docs, dotfiles and an installed tree of prod and dev dependencies. */
function makeService(root: string): void {
  write(root, 'serverless.yml', SERVICE_YML);
  write(root, 'serverless.individual.yml', INDIVIDUAL_YML);
  write(root, 'src/a.js', 'exports.handler = async () => "a";\n');
  write(root, 'src/b.js', 'exports.handler = async () => "b";\n');
  write(root, 'src/a.test.js', 'test\n');
  write(root, 'docs/readme.md', '# docs\n');
  write(root, 'docs/keep.md', 'kept\n');
  write(root, 'tmp/scratch.txt', 'scratch\n');
  write(root, '.git/HEAD', 'ref: refs/heads/main\n');
  write(root, '.gitignore', 'node_modules\n');
  write(root, '.serverless/stale.txt', 'old\n');
  write(root, 'prebuilt.zip', 'not really a zip, but an artifact all the same\n');
  write(
    root,
    'package.json',
    JSON.stringify({
      name: 'pkg',
      dependencies: { 'prod-dep': '1.0.0' },
      devDependencies: { 'dev-dep': '1.0.0' },
    }),
  );
  const pkg = (name: string, deps: Record<string, string> = {}) =>
    JSON.stringify({
      name,
      version: '1.0.0',
      dependencies: deps,
      bin: name === 'dev-dep' ? { 'dev-cli': 'cli.js' } : undefined,
    });
  write(root, 'node_modules/prod-dep/package.json', pkg('prod-dep', { shared: '1.0.0', nested: '2.0.0' }));
  write(root, 'node_modules/prod-dep/index.js', 'module.exports = 1;\n');
  write(root, 'node_modules/prod-dep/node_modules/nested/package.json', pkg('nested'));
  write(root, 'node_modules/prod-dep/node_modules/nested/index.js', '\n');
  write(root, 'node_modules/shared/package.json', pkg('shared'));
  write(root, 'node_modules/shared/index.js', '\n');
  write(
    root,
    'node_modules/dev-dep/package.json',
    pkg('dev-dep', { 'dev-only-child': '1.0.0', shared: '1.0.0' }),
  );
  write(root, 'node_modules/dev-dep/cli.js', '#!/usr/bin/env node\n');
  write(root, 'node_modules/dev-only-child/package.json', pkg('dev-only-child'));
  write(root, 'node_modules/dev-only-child/index.js', '\n');
  mkdirSync(path.join(root, 'node_modules/.bin'), { recursive: true });
  symlinkSync('../dev-dep/cli.js', path.join(root, 'node_modules/.bin/dev-cli'));
  write(
    root,
    'package-lock.json',
    JSON.stringify({
      name: 'pkg',
      lockfileVersion: 3,
      packages: {
        '': { name: 'pkg', dependencies: { 'prod-dep': '1.0.0' }, devDependencies: { 'dev-dep': '1.0.0' } },
        'node_modules/prod-dep': { version: '1.0.0' },
        'node_modules/prod-dep/node_modules/nested': { version: '2.0.0' },
        'node_modules/shared': { version: '1.0.0' },
        'node_modules/dev-dep': { version: '1.0.0', dev: true },
        'node_modules/dev-only-child': { version: '1.0.0', dev: true },
      },
    }),
  );
}

const EXPECTED_SERVICE_ZIP = [
  'docs/keep.md',
  'node_modules/prod-dep/index.js',
  'node_modules/prod-dep/node_modules/nested/index.js',
  'node_modules/prod-dep/node_modules/nested/package.json',
  'node_modules/prod-dep/package.json',
  'node_modules/shared/index.js',
  'node_modules/shared/package.json',
  'package-lock.json',
  'package.json',
  'prebuilt.zip',
  'serverless.individual.yml',
  'src/a.js',
  'src/b.js',
];

describe('package', { timeout: 120_000 }, () => {
  let svc: { dir: string; cleanup: () => void };
  beforeAll(() => {
    svc = tempDir('package');
    makeService(svc.dir);
  });
  afterAll(() => svc.cleanup());

  it('zips the service honouring patterns, legacy exclude, default excludes and dev dependencies', async ({
    expect,
  }) => {
    const run = await runCli(['package'], { cwd: svc.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Packaging pkg for stage dev \(us-east-1\)\n/);
    expect(run.stderr).toMatch(/✔ Service packaged \(\d+s\)\n$/);
    const zip = path.join(svc.dir, '.serverless/pkg.zip');
    expect(await zipEntries(zip)).toEqual(EXPECTED_SERVICE_ZIP);
    // package:cleanup emptied .serverless of what packaging writes; other files stay out of the zip.
    const spec = JSON.parse(
      readFileSync(path.join(svc.dir, '.serverless/selfless-deployment.json'), 'utf8'),
    ) as DeploymentSpec;
    expect(spec.functions.map((f) => [f.key, f.name, f.codeSha256, f.codeSize])).toEqual([
      ['a', 'pkg-dev-a', sha256(zip), readFileSync(zip).length],
      ['b', 'pkg-dev-b', sha256(zip), readFileSync(zip).length],
    ]);
  });

  it('produces byte-identical zips again, even after file times change', async ({ expect }) => {
    const zip = path.join(svc.dir, '.serverless/pkg.zip');
    await runCli(['package'], { cwd: svc.dir });
    const first = sha256(zip);
    const later = new Date(Date.UTC(2030, 0, 1));
    for (const f of ['src/a.js', 'src/b.js', 'package.json']) utimesSync(path.join(svc.dir, f), later, later);
    const again = await runCli(['package'], { cwd: svc.dir, env: { TZ: 'Asia/Tokyo' } });
    expect(again.code).toBe(0);
    expect(sha256(zip)).toBe(first);
    writeFileSync(path.join(svc.dir, 'src/a.js'), 'exports.handler = async () => "changed";\n');
    await runCli(['package'], { cwd: svc.dir });
    expect(sha256(zip)).not.toBe(first);
    writeFileSync(path.join(svc.dir, 'src/a.js'), 'exports.handler = async () => "a";\n');
  });

  it('finds dev dependencies from the installed tree when there is no lockfile', async ({ expect }) => {
    const t = tempDir('package-nolock');
    try {
      makeService(t.dir);
      rmSync(path.join(t.dir, 'package-lock.json'));
      const run = await runCli(['package'], { cwd: t.dir });
      expect(run.code).toBe(0);
      expect(await zipEntries(path.join(t.dir, '.serverless/pkg.zip'))).toEqual(
        EXPECTED_SERVICE_ZIP.filter((f) => f !== 'package-lock.json'),
      );
    } finally {
      t.cleanup();
    }
  });

  it('packages functions individually with their own patterns, uses prebuilt artifacts, and honours -p', async ({
    expect,
  }) => {
    const run = await runCli(['package', '-c', 'serverless.individual.yml', '-p', 'out', '--verbose'], {
      cwd: svc.dir,
    });
    expect(run.code).toBe(0);
    const out = path.join(svc.dir, 'out');
    const a = await zipEntries(path.join(out, 'a.zip'));
    const b = await zipEntries(path.join(out, 'b.zip'));
    expect(a).toContain('src/a.js');
    expect(a).not.toContain('src/b.js');
    expect(a).toContain('node_modules/prod-dep/index.js');
    expect(a).not.toContain('node_modules/dev-dep/cli.js');
    expect(a).toContain('serverless.yml');
    expect(a).not.toContain('serverless.individual.yml');
    expect(b).toEqual(
      [
        'package-lock.json',
        'package.json',
        'prebuilt.zip',
        'serverless.yml',
        'src/b.js',
        'src/a.test.js',
      ].sort(),
    );
    const spec = JSON.parse(
      readFileSync(path.join(out, 'selfless-deployment.json'), 'utf8'),
    ) as DeploymentSpec;
    const prebuilt = spec.functions.find((f) => f.key === 'prebuilt')!;
    expect(prebuilt.codeSha256).toBe(sha256(path.join(svc.dir, 'prebuilt.zip')));
    expect(spec.functions.find((f) => f.key === 'a')!.codeSha256).toBe(sha256(path.join(out, 'a.zip')));
    // --verbose lists every artifact with its sha256.
    expect(run.stderr).toContain(`sha256 ${sha256(path.join(out, 'b.zip'))}`);
  });

  it('zips a layer from its path and keeps the layer out of the function code', async ({ expect }) => {
    const out = tempDir('package-layer');
    try {
      const fixture = path.join(FIXTURES, 'python-handlers');
      const run = await runCli(['package', '-c', path.join(fixture, 'serverless.yml'), '-p', out.dir]);
      expect(run.code).toBe(0);
      // Running the fixture may have left bytecode next to the sources; it is packaged like any file.
      const layer = (await zipEntries(path.join(out.dir, 'greet.zip'))).filter(
        (f) => !f.includes('__pycache__/'),
      );
      expect(layer).toEqual(['python/greetlib/__init__.py']);
      const code = await zipEntries(path.join(out.dir, 'python-handlers.zip'));
      expect(code).toContain('handler.py');
      expect(code).toContain('layered.py');
      expect(code.filter((f) => f.startsWith('layer/'))).toEqual([]);
      const spec = JSON.parse(
        readFileSync(path.join(out.dir, 'selfless-deployment.json'), 'utf8'),
      ) as DeploymentSpec;
      expect((spec.sections.layers as Record<string, { codeSha256: string }>).greet!.codeSha256).toBe(
        sha256(path.join(out.dir, 'greet.zip')),
      );
      expect(spec.functions.find((f) => f.key === 'layered')!.extra!.layersWithIntrinsics).toEqual([
        { Ref: 'GreetLambdaLayer' },
      ]);
    } finally {
      out.cleanup();
    }
  });

  it('says which prebuilt artifact is missing', async ({ expect }) => {
    const t = tempDir('package-missing');
    try {
      write(
        t.dir,
        'serverless.yml',
        'service: pkg\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: a.handler\n    package:\n      artifact: build/a.zip\n',
      );
      const run = await runCli(['package'], { cwd: t.dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      // The progress notice comes first; the error block starts with ✖.
      expect(run.stderr.split('\n').find((l) => l.startsWith('✖'))).toBe(
        '✖ The package artifact "build/a.zip" does not exist (functions.a.package.artifact).',
      );
    } finally {
      t.cleanup();
    }
  });
});
