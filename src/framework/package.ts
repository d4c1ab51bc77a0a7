/**
 * Packaging: the zip artifacts of a service, as `serverless package` builds them. One zip for the
 * service (`<service>.zip`) or one per function (`individually`, `<function>.zip`), prebuilt
 * `artifact`s used as they are, and one zip per layer with a `path`. Zips are deterministic.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LoadedService, PackageConfig } from '../config/types.js';
import { SelflessError } from '../platform/errors.js';
import { devDependencyExcludes } from './dev-dependencies.js';
import { listAllFiles, selectFiles } from './patterns.js';
import { type ArtifactDigest, writeDeterministicZip } from './zip.js';

/** A packaged artifact on disk. */
export interface Artifact extends ArtifactDigest {
  /** Absolute path of the zip. */
  path: string;
  /** True when several functions share it (the service zip or a service-level artifact). */
  shared: boolean;
  /** Number of files in it (undefined for prebuilt artifacts). */
  fileCount?: number;
}

/** What `packageService` produced. */
export interface PackageResult {
  outputDir: string;
  /** By function key; image functions have none. */
  functions: Record<string, Artifact>;
  /** By layer key. */
  layers: Record<string, Artifact>;
}

/** sha256 and size of an existing file. */
export function digestFile(file: string): Promise<ArtifactDigest> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    createReadStream(file)
      .on('data', (chunk) => {
        const b = chunk as Buffer;
        hash.update(b);
        size += b.length;
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), size }));
  });
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

async function prebuilt(serviceDir: string, artifact: string, where: string): Promise<Artifact> {
  const abs = path.resolve(serviceDir, artifact);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new SelflessError(
      'PACKAGE_ARTIFACT_NOT_FOUND',
      `The package artifact "${artifact}" does not exist (${where}).`,
      {
        where,
        hint: 'Build the artifact first, or remove package.artifact to let Selfless package the code.',
      },
    );
  }
  return { path: abs, ...(await digestFile(abs)), shared: false };
}

/** Exclude patterns that apply to every code artifact of the service (not to layers). */
export function serviceExcludes(loaded: LoadedService, files: string[], outputDir: string): string[] {
  const { config, serviceDir } = loaded;
  const excludes: string[] = [];
  const configRel = toPosix(path.relative(serviceDir, loaded.configPath));
  if (!configRel.startsWith('..')) excludes.push(configRel);
  const outRel = toPosix(path.relative(serviceDir, outputDir));
  if (outRel !== '' && !outRel.startsWith('..')) excludes.push(`${outRel}/**`);
  for (const layer of Object.values(config.layers)) {
    if (layer.path) {
      const rel = toPosix(path.relative(serviceDir, path.resolve(serviceDir, layer.path)));
      if (rel !== '' && !rel.startsWith('..')) excludes.push(`${rel}/**`);
    }
  }
  if (config.useDotenv) excludes.push('.env*');
  if (config.package.excludeDevDependencies) excludes.push(...devDependencyExcludes(serviceDir, files));
  return excludes;
}

/** The files one code artifact contains (service zip: fn undefined). */
export function artifactFiles(
  files: string[],
  serviceDir: string,
  excludes: string[],
  service: PackageConfig,
  fn?: PackageConfig,
): string[] {
  return selectFiles(
    serviceDir,
    {
      exclude: [...excludes, ...service.exclude, ...(fn?.exclude ?? [])],
      include: [...service.include, ...(fn?.include ?? [])],
      patterns: [...service.patterns, ...(fn?.patterns ?? [])],
    },
    files,
  );
}

async function zipFiles(baseDir: string, files: string[], outFile: string): Promise<Artifact> {
  const digest = await writeDeterministicZip(
    files.map((name) => ({ name, absPath: path.join(baseDir, name) })),
    outFile,
  );
  return { path: outFile, ...digest, shared: false, fileCount: files.length };
}

/**
 * Packages the service into `outputDir` (default `<serviceDir>/.serverless`, emptied first as
 * Serverless's `package:cleanup` does) and returns every artifact with its sha256 and size.
 */
export async function packageService(
  loaded: LoadedService,
  opts: { outputDir?: string } = {},
): Promise<PackageResult> {
  const { config, serviceDir } = loaded;
  const outputDir = path.resolve(serviceDir, opts.outputDir ?? '.serverless');
  if (existsSync(outputDir)) {
    // Only clear what packaging writes; a user-chosen directory may hold other things.
    for (const entry of readdirSync(outputDir)) {
      if (entry.endsWith('.zip') || entry.endsWith('.json'))
        rmSync(path.join(outputDir, entry), { force: true, recursive: true });
    }
  }
  mkdirSync(outputDir, { recursive: true });
  const files = listAllFiles(serviceDir);
  const excludes = serviceExcludes(loaded, files, outputDir);
  const result: PackageResult = { outputDir, functions: {}, layers: {} };

  let serviceArtifact: Artifact | undefined;
  const sharedArtifact = async (): Promise<Artifact> => {
    if (!serviceArtifact) {
      if (config.package.artifact) {
        serviceArtifact = {
          ...(await prebuilt(serviceDir, config.package.artifact, 'package.artifact')),
          shared: true,
        };
      } else {
        const selected = artifactFiles(files, serviceDir, excludes, config.package);
        serviceArtifact = {
          ...(await zipFiles(serviceDir, selected, path.join(outputDir, `${config.service}.zip`))),
          shared: true,
        };
      }
    }
    return serviceArtifact;
  };

  for (const fn of Object.values(config.functions)) {
    if (fn.image !== undefined && fn.handler === undefined) continue;
    if (fn.package.artifact) {
      result.functions[fn.key] = await prebuilt(
        serviceDir,
        fn.package.artifact,
        `functions.${fn.key}.package.artifact`,
      );
    } else if (config.package.individually || fn.package.individually) {
      const selected = artifactFiles(files, serviceDir, excludes, config.package, fn.package);
      result.functions[fn.key] = await zipFiles(serviceDir, selected, path.join(outputDir, `${fn.key}.zip`));
    } else {
      result.functions[fn.key] = await sharedArtifact();
    }
  }

  for (const layer of Object.values(config.layers)) {
    if (layer.package?.artifact) {
      result.layers[layer.key] = await prebuilt(
        serviceDir,
        layer.package.artifact,
        `layers.${layer.key}.package.artifact`,
      );
      continue;
    }
    if (!layer.path) continue;
    const layerDir = path.resolve(serviceDir, layer.path);
    if (!existsSync(layerDir) || !statSync(layerDir).isDirectory()) {
      throw new SelflessError(
        'LAYER_PATH_NOT_FOUND',
        `The layer path "${layer.path}" is not a directory (layers.${layer.key}.path).`,
        {
          where: `layers.${layer.key}.path`,
        },
      );
    }
    const selected = selectFiles(layerDir, { patterns: layer.package?.patterns ?? [] });
    result.layers[layer.key] = await zipFiles(layerDir, selected, path.join(outputDir, `${layer.key}.zip`));
  }
  return result;
}
