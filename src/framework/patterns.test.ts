import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devOnlyFromLock, devOnlyFromTree, installedPackageDirs } from './dev-dependencies.js';
import { applyPatterns, listAllFiles, orderedPatterns, selectFiles } from './patterns.js';

const FILES = [
  '.env',
  '.git/HEAD',
  '.gitignore',
  '.serverless/old.zip',
  'docs/a.md',
  'docs/keep.md',
  'handler.js',
  'handler.test.js',
  'lib/util.js',
  'node_modules/x/index.js',
  'yarn-error.log',
];

describe('packaging patterns (Serverless v3 order: excludes, includes, patterns; last match wins)', () => {
  it('starts from every file, dotfiles included', () => {
    expect(applyPatterns(FILES, [])).toEqual(FILES);
  });

  it('excludes with "!" and re-includes with a later positive pattern', () => {
    expect(applyPatterns(FILES, ['!docs/**', 'docs/keep.md'])).not.toContain('docs/a.md');
    expect(applyPatterns(FILES, ['!docs/**', 'docs/keep.md'])).toContain('docs/keep.md');
    // Order matters: a later exclude wins over an earlier include.
    expect(applyPatterns(FILES, ['docs/keep.md', '!docs/**'])).not.toContain('docs/keep.md');
  });

  it('supports globs across directories and a leading ./', () => {
    expect(applyPatterns(FILES, ['!**/*.test.js', '!./lib/**'])).toEqual(
      FILES.filter((f) => f !== 'handler.test.js' && f !== 'lib/util.js'),
    );
  });

  it('applies the default excludes (.git, .gitignore, .serverless, yarn logs) before the user patterns', () => {
    const selected = selectFiles('/unused', {}, FILES);
    expect(selected).toEqual([
      '.env',
      'docs/a.md',
      'docs/keep.md',
      'handler.js',
      'handler.test.js',
      'lib/util.js',
      'node_modules/x/index.js',
    ]);
    expect(selectFiles('/unused', { patterns: ['.gitignore'] }, FILES)).toContain('.gitignore');
  });

  it('turns legacy exclude into "!" patterns placed before include and patterns', () => {
    expect(
      orderedPatterns({
        exclude: ['docs/**', '!lib/**'],
        include: ['docs/keep.md'],
        patterns: ['!handler.test.js'],
      }),
    ).toEqual(['!docs/**', 'lib/**', 'docs/keep.md', '!handler.test.js']);
    expect(selectFiles('/unused', { exclude: ['docs/**'], include: ['docs/keep.md'] }, FILES)).toEqual([
      '.env',
      'docs/keep.md',
      'handler.js',
      'handler.test.js',
      'lib/util.js',
      'node_modules/x/index.js',
    ]);
  });
});

describe('listing a service directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'selfless-patterns-'));
    mkdirSync(path.join(dir, 'a/b'), { recursive: true });
    writeFileSync(path.join(dir, 'a/b/c.txt'), 'c');
    writeFileSync(path.join(dir, 'z.txt'), 'z');
    symlinkSync('a', path.join(dir, 'link'));
    symlinkSync('missing', path.join(dir, 'dangling'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists files sorted, follows symlinked directories and skips dangling links', () => {
    expect(listAllFiles(dir)).toEqual(['a/b/c.txt', 'link/b/c.txt', 'z.txt']);
  });
});

describe('dev dependencies', () => {
  let dir: string;
  const write = (rel: string, content: unknown) => {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'selfless-devdeps-'));
    write('package.json', { dependencies: { a: '1' }, devDependencies: { d: '1' } });
    write('node_modules/a/package.json', { name: 'a', dependencies: { b: '1', '@s/c': '1' } });
    write('node_modules/a/node_modules/b/package.json', { name: 'b' });
    write('node_modules/a/lib/package.json', { name: 'not-a-package-root' });
    write('node_modules/@s/c/package.json', { name: '@s/c' });
    write('node_modules/d/package.json', { name: 'd', dependencies: { b: '2', e: '1' } });
    write('node_modules/b/package.json', { name: 'b', version: '2' });
    write('node_modules/e/package.json', { name: 'e' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds installed package roots, scoped and nested', () => {
    expect(installedPackageDirs(listAllFiles(dir))).toEqual([
      'node_modules/@s/c',
      'node_modules/a',
      'node_modules/a/node_modules/b',
      'node_modules/b',
      'node_modules/d',
      'node_modules/e',
    ]);
  });

  it('walks production dependencies with Node resolution; the rest is dev-only', () => {
    const installed = installedPackageDirs(listAllFiles(dir));
    // a needs its own nested b; the hoisted b@2 is only needed by the dev dependency d.
    expect(devOnlyFromTree(dir, installed)).toEqual(['node_modules/b', 'node_modules/d', 'node_modules/e']);
  });

  it('prefers the lockfile, whose "dev" flags already say it', () => {
    expect(devOnlyFromLock(dir)).toBeUndefined();
    write('package-lock.json', {
      lockfileVersion: 3,
      packages: {
        '': {},
        'node_modules/a': {},
        'node_modules/d': { dev: true },
        'node_modules/e': { dev: true },
      },
    });
    expect(devOnlyFromLock(dir)).toEqual(['node_modules/d', 'node_modules/e']);
    write('package-lock.json', { lockfileVersion: 1, dependencies: {} });
    expect(devOnlyFromLock(dir)).toBeUndefined();
  });
});
