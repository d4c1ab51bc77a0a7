import { chmodSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { writeDeterministicZip } from './zip.js';

function entries(file: string): Promise<Array<{ name: string; mode: number; date: string }>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: Array<{ name: string; mode: number; date: string }> = [];
      zip.on('entry', (e: yauzl.Entry) => {
        out.push({
          name: e.fileName,
          mode: (e.externalFileAttributes >>> 16) & 0o777,
          date: `${e.lastModFileDate}/${e.lastModFileTime}`,
        });
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

describe('deterministic zips', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'selfless-zip-'));
    writeFileSync(path.join(dir, 'b.js'), 'b');
    writeFileSync(path.join(dir, 'a.js'), 'a'.repeat(1000));
    writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'run.sh'), 0o775);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const files = () => ['b.js', 'run.sh', 'a.js'].map((name) => ({ name, absPath: path.join(dir, name) }));

  it('gives the same bytes for the same files, whatever their order and modification times', async () => {
    const first = await writeDeterministicZip(files(), path.join(dir, 'out/1.zip'));
    utimesSync(path.join(dir, 'a.js'), new Date(2001, 1, 1), new Date(2031, 1, 1));
    const second = await writeDeterministicZip(files().reverse(), path.join(dir, 'out/2.zip'));
    expect(second).toEqual(first);
    expect(readFileSync(path.join(dir, 'out/2.zip')).equals(readFileSync(path.join(dir, 'out/1.zip')))).toBe(
      true,
    );
    expect(first.size).toBe(readFileSync(path.join(dir, 'out/1.zip')).length);
  });

  it('sorts entries, fixes the timestamp to the DOS epoch and keeps only the executable bit', async () => {
    await writeDeterministicZip(files(), path.join(dir, 'out/3.zip'));
    const list = await entries(path.join(dir, 'out/3.zip'));
    expect(list.map((e) => e.name)).toEqual(['a.js', 'b.js', 'run.sh']);
    expect(list.map((e) => e.mode)).toEqual([0o644, 0o644, 0o755]);
    // 1980-01-01 00:00:00 in DOS date/time fields: date (0 << 9) | (1 << 5) | 1 = 33, time 0.
    expect(new Set(list.map((e) => e.date))).toEqual(new Set(['33/0']));
  });

  it('changes the sha256 when content changes', async () => {
    const before = await writeDeterministicZip(files(), path.join(dir, 'out/4.zip'));
    writeFileSync(path.join(dir, 'b.js'), 'B');
    const after = await writeDeterministicZip(files(), path.join(dir, 'out/5.zip'));
    expect(after.sha256).not.toBe(before.sha256);
  });
});
