/**
 * Code artifacts: zips stored as blobs under their sha256, unpacked once per sha into
 * `<dataDir>/code/<sha256>/` (LAMBDA_TASK_ROOT). Unpacking goes to a temp folder renamed into
 * place, so a half-unpacked tree is never used.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { SelflessError } from '../../platform/errors.js';

/** AWS's unzipped code limit. */
export const MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;

/** The blob key of a code artifact. */
export const artifactKey = (sha256: string) => `artifacts/${sha256}.zip`;

/** The folder an artifact is unpacked into. */
export const codeDir = (dataDir: string, sha256: string) => path.join(dataDir, 'code', sha256);

/** Unpacks the zip at zipPath into codeDir(dataDir, sha) unless already there; returns the folder. */
export async function unpackCode(dataDir: string, sha256: string, zipPath: string): Promise<string> {
  const target = codeDir(dataDir, sha256);
  if (existsSync(target)) return target;
  const tmp = path.join(dataDir, 'code', `.tmp-${randomUUID()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await extractZip(zipPath, tmp);
    try {
      renameSync(tmp, target);
    } catch (e) {
      // Another deploy unpacked the same sha meanwhile: theirs is as good as ours.
      if (!existsSync(target)) throw e;
      rmSync(tmp, { recursive: true, force: true });
    }
    return target;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Extracts every entry of a zip into dir, keeping Unix modes and refusing paths outside dir. */
export async function extractZip(zipPath: string, dir: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true, strictFileNames: false }, (err, z) =>
      err ? reject(invalidZip(zipPath, err)) : resolve(z),
    ),
  );
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err) => reject(invalidZip(zipPath, err)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName.replace(/\\/g, '/');
          const dest = path.resolve(dir, name);
          if (dest !== dir && !dest.startsWith(dir + path.sep))
            throw new SelflessError(
              'INVALID_ARTIFACT',
              `The code zip has an entry outside its root: ${name}`,
            );
          const mode = (entry.externalFileAttributes >>> 16) & 0o7777;
          if (name.endsWith('/')) {
            mkdirSync(dest, { recursive: true });
          } else {
            total += entry.uncompressedSize;
            if (total > MAX_UNZIPPED_BYTES)
              throw new SelflessError(
                'INVALID_ARTIFACT',
                `Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`,
              );
            mkdirSync(path.dirname(dest), { recursive: true });
            const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
              zip.openReadStream(entry, (err, s) => (err ? rej(invalidZip(zipPath, err)) : res(s))),
            );
            await pipeline(stream, createWriteStream(dest));
            // Zips made on Windows carry no mode: default to rw-r--r--, keeping executables executable.
            await chmod(dest, mode ? mode | 0o400 : 0o644);
          }
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

function invalidZip(zipPath: string, err: Error): SelflessError {
  return new SelflessError('INVALID_ARTIFACT', `The code artifact is not a valid zip: ${err.message}`, {
    where: zipPath,
    hint: 'Package the service again (selfless package) and redeploy.',
    cause: err,
  });
}
