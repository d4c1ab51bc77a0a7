/**
 * Deterministic zip archives: entries sorted by name, one fixed timestamp, normalized modes. The
 * same files give the same bytes, so the sha256 only changes when the code does (which is what
 * lets a deploy skip unchanged functions).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';

/** One file to archive. */
export interface ZipEntry {
  /** Name inside the archive (`/`-separated, relative). */
  name: string;
  /** Where the content is read from. */
  absPath: string;
}

/** sha256 (hex) and byte size of an artifact. */
export interface ArtifactDigest {
  sha256: string;
  size: number;
}

/**
 * 1980-01-01 00:00 local time: the DOS epoch. Zip stores local-time DOS timestamps, so a date built
 * from local fields encodes identically in every time zone.
 */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Writes `entries` to `outFile` deterministically; resolves with the archive's sha256 and size. */
export function writeDeterministicZip(entries: ZipEntry[], outFile: string): Promise<ArtifactDigest> {
  mkdirSync(path.dirname(outFile), { recursive: true });
  const zip = new yazl.ZipFile();
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of sorted) {
    const executable = (statSync(e.absPath).mode & 0o111) !== 0;
    zip.addFile(e.absPath, e.name, {
      mtime: FIXED_MTIME,
      mode: executable ? 0o100755 : 0o100644,
      compress: true,
      forceDosTimestamp: true,
    });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(outFile);
    zip.outputStream.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    zip.outputStream.on('error', reject);
    out.on('error', reject);
    out.on('finish', () => resolve({ sha256: hash.digest('hex'), size }));
    zip.outputStream.pipe(out);
  });
}
