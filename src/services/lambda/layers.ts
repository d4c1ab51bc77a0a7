/**
 * Lambda layers: immutable, numbered layer versions (a zip plus description, compatible runtimes
 * and architectures, licence), published from a stored artifact, unpacked once per sha like
 * function code, and mapped onto a function's /opt in order (up to five). Version numbers of a
 * layer are never reused, even after a version is deleted (as AWS).
 *
 * Tables: `lambda.layerVersions` (key `name:0000000003`), `lambda.layerNames` (key: name → last number).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { arn } from '../../platform/aws-account.js';
import type { Clock } from '../../platform/clock.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';
import type { Store, Table } from '../../platform/store/port.js';
import { artifactKey, codeDir, MAX_UNZIPPED_BYTES, unpackCode } from './code.js';
import { awsTimestamp } from './model.js';

export const LAYER_VERSIONS = 'lambda.layerVersions';
export const LAYER_NAMES = 'lambda.layerNames';

/** AWS: a function references at most five layers. */
export const MAX_LAYERS = 5;

/** One published layer version. */
export interface LayerVersionRecord {
  layerName: string;
  /** The region in its ARN (the deployment's or the API request's). */
  region: string;
  version: number;
  description: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  licenseInfo?: string;
  /** Hex sha256 of the zip. */
  codeSha256: string;
  codeSize: number;
  /** Bytes once unpacked. */
  unzippedSize: number;
  createdAt: number;
  /** The service and stage that published it from its `layers:` section, if any. */
  owner?: { service: string; stage: string; key: string };
  /** Deleted: invisible to the API and new deployments, still mounted by functions already using it. */
  deleted?: boolean;
}

/** What a publication carries besides the artifact. */
export interface PublishLayerInput {
  layerName: string;
  /** The platform's region when absent. */
  region?: string;
  codeSha256: string;
  codeSize: number;
  description?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
  owner?: LayerVersionRecord['owner'];
}

const LAYER_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const LAYER_VERSION_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$/;

/** Top-level folders each runtime family looks in under /opt. */
const EXPECTED_FOLDERS: Record<string, string[]> = {
  node: ['nodejs'],
  python: ['python'],
  provided: ['bin', 'lib'],
  java: ['java'],
};
const ANY_FOLDER = ['nodejs', 'python', 'bin', 'lib', 'java', 'ruby', 'share', 'etc', 'extensions'];

/** Parses a layer version ARN; undefined when it is not one. */
export function parseLayerVersionArn(
  value: string,
): { region: string; account: string; layerName: string; version: number } | undefined {
  const m = LAYER_VERSION_ARN.exec(value);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, layerName: m[3]!, version: Number(m[4]) };
}

/** The runtime family a runtime identifier belongs to (for /opt folder checks). */
function familyOf(runtime: string): string | undefined {
  if (runtime.startsWith('nodejs')) return 'node';
  if (runtime.startsWith('python')) return 'python';
  if (runtime.startsWith('provided')) return 'provided';
  if (runtime.startsWith('java')) return 'java';
  return undefined;
}

/** Total bytes of the files under a folder. */
export function folderSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += folderSize(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Layer versions in the Store, with an in-memory index so a function's /opt resolves without I/O. */
export class LayerStore {
  private readonly versions: Table<LayerVersionRecord>;
  private readonly names: Table<{ lastVersion: number }>;
  /** `name:version` → record, for synchronous lookups when environments start. */
  private readonly index = new Map<string, LayerVersionRecord>();
  private readonly unzipped = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly dataDir: string,
    private readonly region: string,
  ) {
    this.versions = store.table(LAYER_VERSIONS);
    this.names = store.table(LAYER_NAMES);
  }

  /** Loads the index. */
  async init(): Promise<void> {
    for (const { value } of await this.versions.list()) this.index.set(indexKey(value), value);
  }

  /** The ARN of a layer (unversioned). */
  layerArn(layerName: string, region = this.region): string {
    return arn('lambda', region, `layer:${layerName}`);
  }

  /** The ARN of a layer version. */
  versionArn(layerName: string, version: number, region = this.region): string {
    return `${this.layerArn(layerName, region)}:${version}`;
  }

  /** The ARN of a published version. */
  arnOf(r: LayerVersionRecord): string {
    return this.versionArn(r.layerName, r.version, r.region);
  }

  /**
   * Publishes a new version of a layer from a stored artifact: checks the name and the unzipped
   * size, unpacks it, and returns the record plus warnings (a zip without the folders runtimes
   * look in).
   */
  async publish(input: PublishLayerInput): Promise<{ record: LayerVersionRecord; warnings: string[] }> {
    if (!LAYER_NAME.test(input.layerName))
      throw new SelflessError(
        'INVALID_PARAMETER',
        `1 validation error detected: Value '${input.layerName}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+`,
      );
    const blob = artifactKey(input.codeSha256);
    if (!(await this.store.blobs.has(blob)))
      throw new SelflessError(
        'INVALID_PARAMETER',
        `The layer artifact ${input.codeSha256} was not uploaded.`,
        {
          hint: 'Upload the zip first (PUT /_selfless/artifacts/<sha256>), or pass Content.ZipFile.',
        },
      );
    const dir = await unpackCode(this.dataDir, input.codeSha256, this.store.blobs.path(blob)).catch((e) => {
      // Too large or not a zip: AWS answers InvalidParameterValueException.
      if (isSelflessError(e) && e.code === 'INVALID_ARTIFACT')
        throw new SelflessError('INVALID_PARAMETER', e.message, {
          where: `layers.${input.owner?.key ?? input.layerName}`,
          hint: 'Keep a layer under 250 MB unzipped, or split it into several layers.',
        });
      throw e;
    });
    const unzippedSize = this.unzippedSize(input.codeSha256);
    if (unzippedSize > MAX_UNZIPPED_BYTES)
      throw new SelflessError(
        'INVALID_PARAMETER',
        `Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`,
        { where: `layers.${input.owner?.key ?? input.layerName}` },
      );
    const warnings = folderWarnings(input.layerName, dir, input.compatibleRuntimes ?? []);
    const last = (await this.names.get(input.layerName))?.lastVersion ?? 0;
    const record: LayerVersionRecord = {
      layerName: input.layerName,
      region: input.region ?? this.region,
      version: last + 1,
      description: input.description ?? '',
      compatibleRuntimes: input.compatibleRuntimes ?? [],
      compatibleArchitectures: input.compatibleArchitectures ?? [],
      ...(input.licenseInfo !== undefined ? { licenseInfo: input.licenseInfo } : {}),
      codeSha256: input.codeSha256,
      codeSize: input.codeSize,
      unzippedSize,
      createdAt: this.clock.now(),
      ...(input.owner ? { owner: input.owner } : {}),
    };
    await this.store.batch([
      { table: LAYER_VERSIONS, key: versionKey(record.layerName, record.version), value: record },
      { table: LAYER_NAMES, key: record.layerName, value: { lastVersion: record.version } },
    ]);
    this.index.set(indexKey(record), record);
    return { record, warnings };
  }

  /** One layer version; throws RESOURCE_NOT_FOUND. */
  get(layerName: string, version: number): LayerVersionRecord {
    const r = this.index.get(`${layerName}:${version}`);
    if (!r || r.deleted)
      throw new SelflessError('RESOURCE_NOT_FOUND', 'The resource you requested does not exist.', {
        details: { arn: this.versionArn(layerName, version) },
      });
    return r;
  }

  /** The versions of a layer, newest first (as ListLayerVersions). */
  versionsOf(layerName: string): LayerVersionRecord[] {
    return [...this.index.values()]
      .filter((r) => r.layerName === layerName && !r.deleted)
      .sort((a, b) => b.version - a.version);
  }

  /** Every layer with its newest version, by name. */
  layers(): LayerVersionRecord[] {
    const newest = new Map<string, LayerVersionRecord>();
    for (const r of this.index.values()) {
      if (r.deleted) continue;
      const seen = newest.get(r.layerName);
      if (!seen || seen.version < r.version) newest.set(r.layerName, r);
    }
    return [...newest.values()].sort((a, b) => (a.layerName < b.layerName ? -1 : 1));
  }

  /** Deletes a layer version (no error when absent, as AWS); functions already using it keep running. */
  async delete(layerName: string, version: number): Promise<void> {
    const r = this.index.get(`${layerName}:${version}`);
    if (!r || r.deleted) return;
    const gone = { ...r, deleted: true };
    await this.versions.put(versionKey(layerName, version), gone);
    this.index.set(indexKey(gone), gone);
  }

  /**
   * Checks the layers a function references: at most five, each an existing layer version of
   * this platform, compatible with the runtime when the layer says so, and code plus layers
   * within the unzipped limit. Returns warnings.
   */
  checkFunctionLayers(fn: { key: string; runtime: string; codeSha256: string; layers: string[] }): string[] {
    const where = `functions.${fn.key}.layers`;
    if (fn.layers.length > MAX_LAYERS)
      throw new SelflessError('INVALID_PARAMETER', 'Cannot reference more than 5 layers.', {
        where,
        hint: `Function ${fn.key} lists ${fn.layers.length} layers: merge some of them.`,
      });
    const warnings: string[] = [];
    let total = this.unzippedSize(fn.codeSha256);
    for (const value of fn.layers) {
      const r = this.resolveArn(value, where);
      total += r.unzippedSize;
      if (r.compatibleRuntimes.length > 0 && !r.compatibleRuntimes.includes(fn.runtime))
        warnings.push(
          `Layer ${r.layerName}:${r.version} lists compatibleRuntimes ${r.compatibleRuntimes.join(', ')}, not ${fn.runtime} of function ${fn.key}.`,
        );
    }
    if (total > MAX_UNZIPPED_BYTES)
      throw new SelflessError(
        'INVALID_PARAMETER',
        `Function code combined with layers exceeds the maximum allowed size of ${MAX_UNZIPPED_BYTES} bytes. The actual size is ${total} bytes.`,
        { where },
      );
    return warnings;
  }

  /** The unpacked folders of a function's layers, in order (for RuntimeFunction.layerDirs). */
  dirsOf(layers: string[]): string[] {
    const out: string[] = [];
    for (const value of layers) {
      const ref = parseLayerVersionArn(value);
      const r = ref && this.index.get(`${ref.layerName}:${ref.version}`);
      // A deleted version still serves the functions deployed with it, as on AWS.
      if (r) out.push(codeDir(this.dataDir, r.codeSha256));
    }
    return out;
  }

  /** The AWS Lambda API shape of a layer version (PublishLayerVersion / GetLayerVersion). */
  describe(r: LayerVersionRecord, codeLocation: string) {
    return {
      Content: {
        Location: codeLocation,
        CodeSha256: Buffer.from(r.codeSha256, 'hex').toString('base64'),
        CodeSize: r.codeSize,
      },
      LayerArn: this.layerArn(r.layerName, r.region),
      LayerVersionArn: this.arnOf(r),
      Description: r.description,
      CreatedDate: awsTimestamp(r.createdAt),
      Version: r.version,
      CompatibleRuntimes: r.compatibleRuntimes,
      CompatibleArchitectures: r.compatibleArchitectures,
      ...(r.licenseInfo !== undefined ? { LicenseInfo: r.licenseInfo } : {}),
    };
  }

  private resolveArn(value: string, where: string): LayerVersionRecord {
    const ref = parseLayerVersionArn(value);
    if (!ref)
      throw new SelflessError(
        'INVALID_PARAMETER',
        `1 validation error detected: Value '[${value}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+, Member must not be null]`,
        { where, hint: 'Use a layer version ARN (…:layer:<name>:<version>) or { Ref: <Name>LambdaLayer }.' },
      );
    const r = this.index.get(`${ref.layerName}:${ref.version}`);
    if (!r || r.deleted)
      throw new SelflessError('INVALID_PARAMETER', `Layer version ${value} does not exist.`, {
        where,
        hint: 'Deploy the service that publishes the layer first, or fix the version number.',
      });
    return r;
  }

  private unzippedSize(sha: string): number {
    let n = this.unzipped.get(sha);
    if (n === undefined) {
      try {
        n = folderSize(codeDir(this.dataDir, sha));
      } catch {
        n = 0;
      }
      this.unzipped.set(sha, n);
    }
    return n;
  }
}

function indexKey(r: LayerVersionRecord): string {
  return `${r.layerName}:${r.version}`;
}

function versionKey(name: string, version: number): string {
  return `${name}:${String(version).padStart(10, '0')}`;
}

/** Warns when a layer has none of the top-level folders its runtimes look in under /opt. */
export function folderWarnings(layerName: string, dir: string, runtimes: string[]): string[] {
  let top: string[];
  try {
    top = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    top = [];
  }
  const families = [...new Set(runtimes.map(familyOf).filter((f): f is string => f !== undefined))];
  const expected = families.length ? families.flatMap((f) => EXPECTED_FOLDERS[f] ?? []) : ANY_FOLDER;
  if (expected.some((f) => top.includes(f))) return [];
  return [
    `Layer ${layerName} has none of the folders ${expected.map((f) => `${f}/`).join(', ')} at its root: functions will not find its files under /opt.`,
  ];
}
