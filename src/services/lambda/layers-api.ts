/**
 * The layer operations of the AWS Lambda API (restJson1, path prefix /2018-10-31/layers):
 * PublishLayerVersion, ListLayers, ListLayerVersions, GetLayerVersion, GetLayerVersionByArn and
 * DeleteLayerVersion. Content comes as Content.ZipFile (base64) or as an artifact already
 * uploaded to the platform (Content.S3Bucket `selfless-artifacts`, S3Key `<sha256>.zip`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { lambdaErrors, type RestJsonError, sendRestJson, sendRestJsonError } from '../../aws/rest-json.js';
import { SelflessError } from '../../platform/errors.js';
import { readBody } from '../../platform/http.js';
import type { WireApi, WireRequest } from '../../platform/service.js';
import type { Store } from '../../platform/store/port.js';
import { toLambdaError } from './api.js';
import { artifactKey } from './code.js';
import { type LayerStore, type LayerVersionRecord, parseLayerVersionArn } from './layers.js';
import { readJsonObject } from './request-body.js';

export const LAYERS_PREFIX = '/2018-10-31/layers';
/** The pseudo bucket naming artifacts uploaded to the platform's control API. */
export const ARTIFACT_BUCKET = 'selfless-artifacts';
/** AWS's limit on a zip uploaded in the request (50 MB), base64 in JSON. */
const MAX_REQUEST_BYTES = Math.ceil((50 * 1024 * 1024 * 4) / 3) + 64 * 1024;

type Handler = (w: WireRequest, params: string[]) => Promise<void>;

/** Builds the layers wire API over a LayerStore. */
export function layersWireApi(layers: LayerStore, store: Store, endpoint: () => string): WireApi {
  const location = (r: LayerVersionRecord) => `${endpoint()}/_selfless/artifacts/${r.codeSha256}`;
  const versionShape = (r: LayerVersionRecord) => {
    const { Content: _content, LayerArn: _arn, ...rest } = layers.describe(r, location(r));
    return rest;
  };

  const publish: Handler = async (w, [name]) => {
    const body = await readJsonObject(w, MAX_REQUEST_BYTES, 'PublishLayerVersion');
    const content = body.Content as Record<string, unknown> | undefined;
    if (!content || typeof content !== 'object')
      throw new SelflessError(
        'INVALID_PARAMETER',
        "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null",
      );
    let sha: string;
    let size: number;
    if (typeof content.ZipFile === 'string') {
      const zip = Buffer.from(content.ZipFile, 'base64');
      sha = createHash('sha256').update(zip).digest('hex');
      size = zip.length;
      if (!(await store.blobs.has(artifactKey(sha)))) await store.blobs.put(artifactKey(sha), zip);
    } else if (content.S3Bucket === ARTIFACT_BUCKET && typeof content.S3Key === 'string') {
      sha = content.S3Key.replace(/\.zip$/, '');
      if (!/^[0-9a-f]{64}$/.test(sha) || !(await store.blobs.has(artifactKey(sha))))
        throw new SelflessError(
          'INVALID_PARAMETER',
          `Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.`,
        );
      size = statSync(store.blobs.path(artifactKey(sha))).size;
    } else
      throw new SelflessError(
        'INVALID_PARAMETER',
        `Please provide Content.ZipFile, or Content.S3Bucket "${ARTIFACT_BUCKET}" with S3Key "<sha256>.zip" of an artifact uploaded to this platform.`,
      );
    const { record } = await layers.publish({
      layerName: layerNameOf(name),
      region: w.region,
      codeSha256: sha,
      codeSize: size,
      description: typeof body.Description === 'string' ? body.Description : undefined,
      compatibleRuntimes: stringList(body.CompatibleRuntimes),
      compatibleArchitectures: stringList(body.CompatibleArchitectures),
      licenseInfo: typeof body.LicenseInfo === 'string' ? body.LicenseInfo : undefined,
    });
    sendRestJson(w.res, 201, layers.describe(record, location(record)));
  };

  const routes: Array<{ method: string; path: RegExp; handler: Handler }> = [
    {
      method: 'GET',
      path: /^\/2018-10-31\/layers\/?$/,
      handler: async (w) => {
        if (w.url.searchParams.get('find') === 'LayerVersion') {
          const arnParam = w.url.searchParams.get('Arn') ?? '';
          const ref = parseLayerVersionArn(arnParam);
          if (!ref)
            throw new SelflessError(
              'INVALID_PARAMETER',
              `1 validation error detected: Value '${arnParam}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)`,
            );
          const r = layers.get(ref.layerName, ref.version);
          return sendRestJson(w.res, 200, layers.describe(r, location(r)));
        }
        const runtime = w.url.searchParams.get('CompatibleRuntime');
        const arch = w.url.searchParams.get('CompatibleArchitecture');
        const items = layers
          .layers()
          .map((newest) =>
            layers
              .versionsOf(newest.layerName)
              .find(
                (r) =>
                  (!runtime || r.compatibleRuntimes.includes(runtime)) &&
                  (!arch || r.compatibleArchitectures.includes(arch)),
              ),
          )
          .filter((r): r is LayerVersionRecord => r !== undefined)
          .map((r) => ({
            LayerName: r.layerName,
            LayerArn: layers.layerArn(r.layerName, r.region),
            LatestMatchingVersion: versionShape(r),
          }));
        const { page, next } = paginate(items, w);
        sendRestJson(w.res, 200, { Layers: page, ...(next ? { NextMarker: next } : {}) });
      },
    },
    { method: 'POST', path: /^\/2018-10-31\/layers\/([^/]+)\/versions\/?$/, handler: publish },
    {
      method: 'GET',
      path: /^\/2018-10-31\/layers\/([^/]+)\/versions\/?$/,
      handler: async (w, [name]) => {
        const runtime = w.url.searchParams.get('CompatibleRuntime');
        const items = layers
          .versionsOf(layerNameOf(name))
          .filter((r) => !runtime || r.compatibleRuntimes.includes(runtime))
          .map(versionShape);
        const { page, next } = paginate(items, w);
        sendRestJson(w.res, 200, { LayerVersions: page, ...(next ? { NextMarker: next } : {}) });
      },
    },
    {
      method: 'GET',
      path: /^\/2018-10-31\/layers\/([^/]+)\/versions\/([^/]+)\/?$/,
      handler: async (w, [name, version]) => {
        const r = layers.get(layerNameOf(name), versionNumber(version));
        sendRestJson(w.res, 200, layers.describe(r, location(r)));
      },
    },
    {
      method: 'DELETE',
      path: /^\/2018-10-31\/layers\/([^/]+)\/versions\/([^/]+)\/?$/,
      handler: async (w, [name, version]) => {
        await layers.delete(layerNameOf(name), versionNumber(version));
        w.res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
        w.res.end();
      },
    },
  ];

  return {
    signingNames: ['lambda'],
    claims: (w) => w.url.pathname === LAYERS_PREFIX || w.url.pathname.startsWith(`${LAYERS_PREFIX}/`),
    async handle(w: WireRequest) {
      const method = w.req.method ?? 'GET';
      try {
        for (const r of routes) {
          if (r.method !== method) continue;
          const m = r.path.exec(w.url.pathname);
          if (!m) continue;
          await r.handler(
            w,
            m.slice(1).map((s) => decodeURIComponent(s)),
          );
          return;
        }
        await readBody(w.req, MAX_REQUEST_BYTES).catch(() => undefined);
        sendRestJsonError(w.res, lambdaErrors.unknownOperation(method, w.url.pathname));
      } catch (e) {
        const err: RestJsonError = toLambdaError(e);
        if (!w.res.headersSent) sendRestJsonError(w.res, err);
        else w.res.destroy();
      }
    },
  };
}

/** A layer name or layer ARN from the path → the name. */
function layerNameOf(value: string): string {
  const m = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:([a-zA-Z0-9-_]+)$/.exec(value);
  return m ? m[1]! : value;
}

function versionNumber(value: string): number {
  if (!/^\d+$/.test(value))
    throw new SelflessError(
      'INVALID_PARAMETER',
      `1 validation error detected: Value '${value}' at 'versionNumber' failed to satisfy constraint: Member must be a number`,
    );
  return Number(value);
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function paginate<T>(items: T[], w: WireRequest): { page: T[]; next?: string } {
  const marker = Number(w.url.searchParams.get('Marker') ?? 0) || 0;
  const max = Math.min(Number(w.url.searchParams.get('MaxItems') ?? 50) || 50, 50);
  const page = items.slice(marker, marker + max);
  return { page, next: marker + max < items.length ? String(marker + max) : undefined };
}
