/**
 * S3's REST-XML wire API: path-style (`/bucket/key`) and virtual-host style (`bucket.localhost`)
 * requests, mapped to the engine, with AWS's headers, XML bodies and errors. Bodies stream in and
 * out; aws-chunked uploads are decoded on the fly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import {
  escapeXml,
  parseXmlBody,
  requestIds,
  sendXml,
  sendXmlError,
  type XmlNode,
  xmlDocument,
  xmlList,
} from '../../aws/rest-xml.js';
import type { Clock } from '../../platform/clock.js';
import { isSelflessError } from '../../platform/errors.js';
import type { Logger, WireRequest } from '../../platform/service.js';
import { algorithmOfHeader, CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from './checksums.js';
import { AwsChunkedDecoder } from './chunked.js';
import type { ObjectAttributes, RequestInfo, S3Engine } from './engine.js';
import { S3Error, type S3ErrorDetails, s3Errors } from './errors.js';
import { type BucketRecord, type ObjectRecord, OWNER } from './model.js';
import { notificationXml, parseNotificationXml } from './notifications.js';
import { postObject } from './post-object.js';
import { isWellFormedVersionId } from './versions.js';

/** Checks notification destinations before they are saved (e.g. that a Lambda function exists). */
export type DestinationCheck = (targets: ReturnType<typeof parseNotificationXml>) => Promise<string[]>;

export interface S3ApiDeps {
  engine: S3Engine;
  clock: Clock;
  region: string;
  log: Logger;
  /** Returns the ARNs that cannot be validated (missing functions). */
  checkDestinations?: DestinationCheck;
  /** Called after a configuration naming SQS/SNS destinations is saved (S3 sends them a test event). */
  onNotificationsSaved?: (bucket: string, info: RequestInfo) => Promise<void>;
}

/** Content headers stored with an object and returned on GET/HEAD. */
const CONTENT_HEADERS = [
  'content-disposition',
  'content-language',
  'cache-control',
  'expires',
  'x-amz-website-redirect-location',
];

interface Target {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

/** Where ListObjectVersions puts its interleaved entries (never a real element name). */
const ENTRIES_PLACEHOLDER = 'SelflessVersionEntries';

/** One element rendered on its own (no XML declaration, no namespace). */
function xmlElement(name: string, body: XmlNode): string {
  const doc = xmlDocument(name, body, '');
  return doc.slice(doc.indexOf('<', 1));
}

/** Finds bucket and key from the Host (virtual-host style) or the path (path style). */
export function resolveTarget(req: IncomingMessage, url: URL): Target {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const rawPath = q >= 0 ? raw.slice(0, q) : raw;
  const query = url.searchParams;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  const vh =
    /^(.+)\.(?:s3\.)?localhost$/.exec(host) ?? /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(host);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (vh && vh[1] !== 's3') {
    const key = rawPath.length > 1 ? decode(rawPath.slice(1)) : undefined;
    return { bucket: vh[1], key, query };
  }
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (path === '') return { query };
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path), query };
  const key = path.slice(slash + 1);
  return { bucket: decode(path.slice(0, slash)), key: key === '' ? undefined : decode(key), query };
}

/** Whether an unsigned request is addressed to S3 (virtual-host style, or a known bucket's path). */
export function claimsS3(w: WireRequest, buckets: Set<string>): boolean {
  const host = (w.req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (/\.localhost$/.test(host) && host !== 'localhost') return true;
  const first = w.url.pathname.split('/')[1];
  return first !== undefined && buckets.has(decodeURIComponent(first));
}

function h(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The S3 wire API over an engine. */
export class S3Api {
  constructor(private readonly d: S3ApiDeps) {}

  /** Handles one request end to end; never throws. */
  async handle(w: WireRequest): Promise<void> {
    const { req, res } = w;
    const ids = requestIds();
    try {
      this.checkPresignedExpiry(w.url.searchParams);
      const t = resolveTarget(req, w.url);
      await this.route(req, res, t, { sourceIp: req.socket.remoteAddress ?? '127.0.0.1', ...ids });
    } catch (e) {
      req.resume();
      if (isSelflessError(e) && typeof (e.details as S3ErrorDetails).status === 'number') {
        const d = e.details as S3ErrorDetails;
        if (d.status === 304) {
          if (!res.headersSent) sendXml(res, 304, undefined, d.headers ?? {});
          return;
        }
        sendXmlError(
          res,
          { status: d.status, code: e.code, message: e.message, extra: d.extra, headers: d.headers },
          req.method,
        );
        return;
      }
      if (isSelflessError(e)) {
        sendXmlError(res, { status: 400, code: e.code, message: e.message }, req.method);
        return;
      }
      this.d.log.error(`s3 ${req.method} ${req.url} failed: ${(e as Error).stack ?? e}`);
      sendXmlError(
        res,
        {
          status: 500,
          code: 'InternalError',
          message: 'We encountered an internal error. Please try again.',
        },
        req.method,
      );
    }
  }

  /** Presigned URLs carry X-Amz-Date + X-Amz-Expires: an expired one is AccessDenied. */
  private checkPresignedExpiry(q: URLSearchParams): void {
    const date = q.get('X-Amz-Date');
    const expires = q.get('X-Amz-Expires');
    if (!date || !expires) return;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
    const seconds = Number(expires);
    if (!m || !Number.isInteger(seconds) || seconds < 1 || seconds > 604800)
      throw new S3Error(
        'AuthorizationQueryParametersError',
        400,
        'X-Amz-Expires must be between 1 and 604800 seconds, and X-Amz-Date must be yyyyMMddTHHmmssZ.',
      );
    const signedAt = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    const now = this.d.clock.now();
    if (now > signedAt + seconds * 1000)
      throw s3Errors.expired(
        iso(signedAt + seconds * 1000).replace('.000', ''),
        iso(now).replace(/\.\d{3}/, ''),
        expires,
      );
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    t: Target,
    info: RequestInfo,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const q = t.query;
    if (!t.bucket) {
      if (method === 'GET') return this.listBuckets(res, info);
      throw s3Errors.methodNotAllowed(method, 'SERVICE');
    }
    const bucket = t.bucket;
    if (t.key === undefined) {
      switch (method) {
        case 'PUT':
          if (q.has('notification')) return this.putNotification(req, res, bucket, info);
          if (q.has('versioning')) return this.putVersioning(req, res, bucket);
          if (q.has('policy') || q.has('cors') || q.has('tagging') || q.has('lifecycle'))
            return this.acceptSubresource(req, res, bucket);
          return this.createBucket(req, res, bucket, info);
        case 'DELETE':
          if (q.has('policy') || q.has('cors') || q.has('tagging') || q.has('lifecycle')) {
            await this.d.engine.bucket(bucket);
            return sendXml(res, 204, undefined);
          }
          await this.d.engine.deleteBucket(bucket);
          return sendXml(res, 204, undefined);
        case 'HEAD': {
          const b = await this.d.engine.bucket(bucket);
          return sendXml(res, 200, undefined, { 'x-amz-bucket-region': b.region });
        }
        case 'GET':
          if (q.has('location')) return this.location(res, bucket);
          if (q.has('notification')) return this.getNotification(res, bucket);
          if (q.has('uploads')) return this.listUploads(res, bucket);
          if (q.has('versioning')) return this.getVersioning(res, bucket);
          if (q.has('versions')) return this.listVersions(res, bucket, q);
          return this.listObjects(res, bucket, q);
        case 'POST':
          if (q.has('delete')) return this.deleteObjects(req, res, bucket, info);
          if (/^multipart\/form-data/i.test(h(req, 'content-type') ?? ''))
            return this.postForm(req, res, bucket, info);
          throw s3Errors.methodNotAllowed(method, 'BUCKET');
        default:
          throw s3Errors.methodNotAllowed(method, 'BUCKET');
      }
    }
    const key = t.key;
    switch (method) {
      case 'PUT':
        if (q.has('uploadId') && q.has('partNumber')) {
          if (h(req, 'x-amz-copy-source')) return this.uploadPartCopy(req, res, bucket, key, q);
          return this.uploadPart(req, res, bucket, key, q);
        }
        if (h(req, 'x-amz-copy-source')) return this.copyObject(req, res, bucket, key, info);
        if (q.has('tagging') || q.has('acl')) return this.acceptSubresource(req, res, bucket);
        return this.putObject(req, res, bucket, key, info);
      case 'GET':
        if (q.has('uploadId')) return this.listParts(res, bucket, key, q);
        return this.getObject(req, res, bucket, key, q, false);
      case 'HEAD':
        return this.getObject(req, res, bucket, key, q, true);
      case 'DELETE':
        if (q.has('uploadId')) {
          await this.d.engine.abortUpload(bucket, key, q.get('uploadId') ?? '');
          return sendXml(res, 204, undefined);
        }
        return this.deleteObject(res, bucket, key, q, info);
      case 'POST':
        if (q.has('uploads')) return this.createUpload(req, res, bucket, key);
        if (q.has('uploadId'))
          return this.completeUpload(req, res, bucket, key, q.get('uploadId') ?? '', info);
        throw s3Errors.methodNotAllowed(method, 'OBJECT');
      default:
        throw s3Errors.methodNotAllowed(method, 'OBJECT');
    }
  }

  private async readXml(req: IncomingMessage, root: string): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    const decoded = this.isChunked(req) ? req.pipe(new AwsChunkedDecoder()) : req;
    for await (const c of decoded) {
      size += (c as Buffer).length;
      if (size > 2 * 1024 * 1024) throw s3Errors.malformedXml();
      chunks.push(c as Buffer);
    }
    try {
      return parseXmlBody(Buffer.concat(chunks).toString('utf8'), root);
    } catch {
      throw s3Errors.malformedXml();
    }
  }

  private isChunked(req: IncomingMessage): boolean {
    return (
      /aws-chunked/i.test(h(req, 'content-encoding') ?? '') ||
      /^STREAMING-/.test(h(req, 'x-amz-content-sha256') ?? '')
    );
  }

  // ---- buckets ----

  private async listBuckets(res: ServerResponse, _info: RequestInfo): Promise<void> {
    const buckets = await this.d.engine.listBuckets();
    sendXml(
      res,
      200,
      xmlDocument('ListAllMyBucketsResult', {
        Owner: OWNER,
        Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: iso(b.createdAt) })) },
      }),
    );
  }

  private async createBucket(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    _info: RequestInfo,
  ): Promise<void> {
    let region = this.d.region;
    const hasBody =
      Number(h(req, 'content-length') ?? '0') > 0 || this.isChunked(req) || h(req, 'transfer-encoding');
    if (hasBody) {
      const body = await this.readXml(req, 'CreateBucketConfiguration');
      if (typeof body.LocationConstraint === 'string' && body.LocationConstraint)
        region = body.LocationConstraint;
    } else req.resume();
    const created = await this.d.engine.createBucket(bucket, { region });
    // us-east-1 answers 200 to its owner re-creating a bucket; other regions answer 409.
    if (!created && this.d.region !== 'us-east-1') throw s3Errors.bucketAlreadyOwnedByYou(bucket);
    sendXml(res, 200, undefined, { Location: `/${bucket}`, 'Content-Length': 0 });
  }

  private async acceptSubresource(req: IncomingMessage, res: ServerResponse, bucket: string): Promise<void> {
    req.resume();
    await this.d.engine.bucket(bucket);
    sendXml(res, 200, undefined, { 'Content-Length': 0 });
  }

  private async location(res: ServerResponse, bucket: string): Promise<void> {
    const b = await this.d.engine.bucket(bucket);
    // us-east-1 is reported as an empty LocationConstraint.
    const region = b.region === 'us-east-1' ? '' : escapeXml(b.region);
    sendXml(
      res,
      200,
      `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`,
    );
  }

  private async getNotification(res: ServerResponse, bucket: string): Promise<void> {
    const b: BucketRecord = await this.d.engine.bucket(bucket);
    sendXml(res, 200, xmlDocument('NotificationConfiguration', notificationXml(b.notifications)));
  }

  private async putNotification(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    info: RequestInfo,
  ): Promise<void> {
    await this.d.engine.bucket(bucket);
    const body = await this.readXml(req, 'NotificationConfiguration');
    const targets = parseNotificationXml(body);
    const bad = (await this.d.checkDestinations?.(targets)) ?? [];
    if (bad.length) {
      const extra: Record<string, string> = {};
      bad.forEach((arn, i) => {
        extra[`ArgumentName${i + 1}`] = arn;
        extra[`ArgumentValue${i + 1}`] = `Not authorized to invoke function [${arn}]`;
      });
      throw new S3Error(
        'InvalidArgument',
        400,
        'Unable to validate the following destination configurations',
        extra,
      );
    }
    await this.d.engine.setNotifications(bucket, targets);
    await this.d.onNotificationsSaved?.(bucket, info);
    sendXml(res, 200, undefined, { 'Content-Length': 0 });
  }

  private async listUploads(res: ServerResponse, bucket: string): Promise<void> {
    const uploads = await this.d.engine.listUploads(bucket);
    sendXml(
      res,
      200,
      xmlDocument('ListMultipartUploadsResult', {
        Bucket: bucket,
        KeyMarker: '',
        UploadIdMarker: '',
        MaxUploads: 1000,
        IsTruncated: false,
        Upload: uploads.map((u) => ({
          Key: u.key,
          UploadId: u.uploadId,
          Initiator: { ID: OWNER.ID, DisplayName: OWNER.DisplayName },
          Owner: OWNER,
          StorageClass: u.storageClass,
          Initiated: iso(u.initiated),
        })),
      }),
    );
  }

  // ---- versioning ----

  private async putVersioning(req: IncomingMessage, res: ServerResponse, bucket: string): Promise<void> {
    await this.d.engine.bucket(bucket);
    const body = await this.readXml(req, 'VersioningConfiguration');
    if (body.Status !== undefined) {
      if (body.Status !== 'Enabled' && body.Status !== 'Suspended') throw s3Errors.malformedXml();
      await this.d.engine.setVersioning(bucket, body.Status);
    }
    sendXml(res, 200, undefined);
  }

  private async getVersioning(res: ServerResponse, bucket: string): Promise<void> {
    const b = await this.d.engine.bucket(bucket);
    // A bucket that never had versioning answers an empty configuration, as S3 does.
    sendXml(res, 200, xmlDocument('VersioningConfiguration', b.versioning ? { Status: b.versioning } : {}));
  }

  private async listVersions(res: ServerResponse, bucket: string, q: URLSearchParams): Promise<void> {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') || undefined;
    const encode = q.get('encoding-type') === 'url';
    if (q.has('encoding-type') && !encode)
      throw s3Errors.invalidArgument(
        'Invalid Encoding Method specified in Request',
        'encoding-type',
        q.get('encoding-type') ?? '',
      );
    const maxText = q.get('max-keys');
    const maxKeys = maxText === null ? 1000 : Number(maxText);
    if (!Number.isInteger(maxKeys) || maxKeys < 0)
      throw s3Errors.invalidArgument(
        'Provided max-keys not an integer or within integer range',
        'max-keys',
        maxText ?? '',
      );
    const keyMarker = q.get('key-marker') ?? '';
    const versionIdMarker = q.get('version-id-marker') ?? '';
    if (versionIdMarker && !isWellFormedVersionId(versionIdMarker))
      throw s3Errors.invalidVersionId(versionIdMarker);
    if (versionIdMarker && !keyMarker)
      throw s3Errors.invalidArgument(
        'A version-id marker cannot be specified without a key marker.',
        'version-id-marker',
        versionIdMarker,
      );
    const result = await this.d.engine.listVersions(bucket, {
      prefix,
      delimiter,
      keyMarker: keyMarker || undefined,
      versionIdMarker: versionIdMarker || undefined,
      maxKeys: Math.min(maxKeys, 1000),
    });
    const enc = (s: string) => (encode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    // Versions and delete markers interleave in key and version order, as S3 sends them; the document
    // builder groups repeated names, so the entries are rendered apart and put in place of a placeholder.
    const entries = result.versions
      .map((o) => {
        const common = {
          Key: enc(o.key),
          VersionId: o.versionId ?? 'null',
          IsLatest: o.isLatest,
          LastModified: iso(o.lastModified),
        };
        if (o.deleteMarker) return xmlElement('DeleteMarker', { ...common, Owner: OWNER });
        return xmlElement('Version', {
          ...common,
          ETag: `"${o.etag}"`,
          ...(o.checksum ? { ChecksumAlgorithm: o.checksum.algorithm } : {}),
          Size: o.size,
          StorageClass: o.storageClass,
          Owner: OWNER,
        });
      })
      .join('');
    const doc = xmlDocument('ListVersionsResult', {
      Name: bucket,
      Prefix: enc(prefix),
      KeyMarker: enc(keyMarker),
      VersionIdMarker: versionIdMarker,
      ...(result.nextKeyMarker !== undefined ? { NextKeyMarker: enc(result.nextKeyMarker) } : {}),
      ...(result.nextVersionIdMarker !== undefined
        ? { NextVersionIdMarker: result.nextVersionIdMarker }
        : {}),
      MaxKeys: maxKeys,
      ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
      ...(encode ? { EncodingType: 'url' } : {}),
      IsTruncated: result.isTruncated,
      [ENTRIES_PLACEHOLDER]: '',
      CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
    });
    sendXml(
      res,
      200,
      doc.replace(`<${ENTRIES_PLACEHOLDER}></${ENTRIES_PLACEHOLDER}>`, () => entries),
    );
  }

  /** DeleteObject: 204 with the delete marker or removed version in headers. */
  private async deleteObject(
    res: ServerResponse,
    bucket: string,
    key: string,
    q: URLSearchParams,
    info: RequestInfo,
  ): Promise<void> {
    const versionId = q.get('versionId') ?? undefined;
    const r = await this.d.engine.deleteObject(bucket, key, info, { versionId });
    const headers: Record<string, string> = {};
    if (r?.deleteMarker) headers['x-amz-delete-marker'] = 'true';
    if (r?.versionId) headers['x-amz-version-id'] = r.versionId;
    else if (versionId !== undefined) headers['x-amz-version-id'] = versionId;
    sendXml(res, 204, undefined, headers, { requestId: info.requestId, hostId: info.hostId });
  }

  private async listObjects(res: ServerResponse, bucket: string, q: URLSearchParams): Promise<void> {
    const v2 = q.get('list-type') === '2';
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') || undefined;
    const encode = q.get('encoding-type') === 'url';
    if (q.has('encoding-type') && !encode)
      throw s3Errors.invalidArgument(
        'Invalid Encoding Method specified in Request',
        'encoding-type',
        q.get('encoding-type') ?? '',
      );
    const maxText = q.get('max-keys');
    const maxKeys = maxText === null ? 1000 : Number(maxText);
    if (!Number.isInteger(maxKeys) || maxKeys < 0)
      throw s3Errors.invalidArgument(
        'Provided max-keys not an integer or within integer range',
        'max-keys',
        maxText ?? '',
      );
    let after: string | undefined;
    const token = q.get('continuation-token');
    if (v2) {
      if (token !== null) {
        after = Buffer.from(token, 'base64url').toString('utf8');
        if (!after)
          throw s3Errors.invalidArgument(
            'The continuation token provided is incorrect',
            'continuation-token',
            token,
          );
      } else after = q.get('start-after') ?? undefined;
    } else after = q.get('marker') ?? undefined;
    const result = await this.d.engine.list(bucket, {
      prefix,
      delimiter,
      after,
      maxKeys: Math.min(maxKeys, 1000),
    });
    const enc = (s: string) => (encode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    const contents = result.contents.map((o) => ({
      Key: enc(o.key),
      LastModified: iso(o.lastModified),
      ETag: `"${o.etag}"`,
      ...(o.checksum ? { ChecksumAlgorithm: o.checksum.algorithm } : {}),
      Size: o.size,
      ...(!v2 || q.get('fetch-owner') === 'true' ? { Owner: OWNER } : {}),
      StorageClass: o.storageClass,
    }));
    const common = result.commonPrefixes.map((p) => ({ Prefix: enc(p) }));
    const body: XmlNode = v2
      ? {
          Name: bucket,
          Prefix: enc(prefix),
          ...(token !== null ? { ContinuationToken: token } : {}),
          ...(result.isTruncated && result.lastReturned !== undefined
            ? { NextContinuationToken: Buffer.from(result.lastReturned, 'utf8').toString('base64url') }
            : {}),
          ...(q.has('start-after') ? { StartAfter: enc(q.get('start-after') ?? '') } : {}),
          KeyCount: contents.length + common.length,
          MaxKeys: maxKeys,
          ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
          ...(encode ? { EncodingType: 'url' } : {}),
          IsTruncated: result.isTruncated,
          Contents: contents,
          CommonPrefixes: common,
        }
      : {
          Name: bucket,
          Prefix: enc(prefix),
          Marker: enc(q.get('marker') ?? ''),
          ...(result.isTruncated && delimiter && result.lastReturned !== undefined
            ? { NextMarker: enc(result.lastReturned) }
            : {}),
          MaxKeys: maxKeys,
          ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
          ...(encode ? { EncodingType: 'url' } : {}),
          IsTruncated: result.isTruncated,
          Contents: contents,
          CommonPrefixes: common,
        };
    sendXml(res, 200, xmlDocument('ListBucketResult', body));
  }

  private async deleteObjects(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    info: RequestInfo,
  ): Promise<void> {
    await this.d.engine.bucket(bucket);
    const body = await this.readXml(req, 'Delete');
    const objects = xmlList<Record<string, unknown>>(body.Object);
    if (objects.length === 0 || objects.length > 1000) throw s3Errors.malformedXml();
    const quiet = String(body.Quiet ?? '').toLowerCase() === 'true';
    const deleted: XmlNode[] = [];
    const errors: XmlNode[] = [];
    for (const o of objects) {
      const key = typeof o.Key === 'string' ? o.Key : String(o.Key ?? '');
      if (!key) throw s3Errors.malformedXml();
      const versionId = typeof o.VersionId === 'string' && o.VersionId ? o.VersionId : undefined;
      try {
        const r = await this.d.engine.deleteObject(bucket, key, info, { versionId });
        if (!quiet)
          deleted.push({
            Key: key,
            ...(versionId !== undefined ? { VersionId: versionId } : {}),
            ...(r?.deleteMarker ? { DeleteMarker: true } : {}),
            ...(r?.deleteMarker && r.versionId ? { DeleteMarkerVersionId: r.versionId } : {}),
          });
      } catch (e) {
        errors.push({
          Key: key,
          ...(versionId !== undefined ? { VersionId: versionId } : {}),
          Code: isSelflessError(e) ? e.code : 'InternalError',
          Message: (e as Error).message,
        });
      }
    }
    sendXml(res, 200, xmlDocument('DeleteResult', { Deleted: deleted, Error: errors }));
  }

  /** POST object (browser form upload): 204 by default, 201 with a PostResponse, or a redirect. */
  private async postForm(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    info: RequestInfo,
  ): Promise<void> {
    await this.d.engine.bucket(bucket);
    const { record, status, redirect } = await postObject(req, bucket, this.d.engine, this.d.clock, info);
    const host = h(req, 'host') ?? '127.0.0.1';
    const location = `http://${host}/${bucket}/${encodeURIComponent(record.key).replace(/%2F/g, '/')}`;
    const ids = { requestId: info.requestId, hostId: info.hostId };
    const version: Record<string, string> = record.versionId ? { 'x-amz-version-id': record.versionId } : {};
    if (redirect) {
      const u = new URL(redirect);
      u.searchParams.set('bucket', bucket);
      u.searchParams.set('key', record.key);
      u.searchParams.set('etag', `"${record.etag}"`);
      sendXml(
        res,
        303,
        undefined,
        { Location: u.toString(), ETag: `"${record.etag}"`, 'Content-Length': 0, ...version },
        ids,
      );
      return;
    }
    if (status === 201) {
      const xml = xmlDocument(
        'PostResponse',
        { Location: location, Bucket: bucket, Key: record.key, ETag: `"${record.etag}"` },
        '',
      );
      sendXml(res, 201, xml, { ETag: `"${record.etag}"`, Location: location, ...version }, ids);
      return;
    }
    sendXml(
      res,
      status,
      undefined,
      { ETag: `"${record.etag}"`, Location: location, 'Content-Length': 0, ...version },
      ids,
    );
  }

  // ---- objects ----

  /** Content type, content headers, user metadata and storage class from request headers. */
  private attributes(req: IncomingMessage): ObjectAttributes {
    const headers: Record<string, string> = {};
    for (const name of CONTENT_HEADERS) {
      const v = h(req, name);
      if (v !== undefined) headers[name] = v;
    }
    const encoding = (h(req, 'content-encoding') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && s.toLowerCase() !== 'aws-chunked')
      .join(', ');
    if (encoding) headers['content-encoding'] = encoding;
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (name.startsWith('x-amz-meta-') && value !== undefined)
        metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
    const size = Object.entries(metadata).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
      0,
    );
    if (size > 2048)
      throw new S3Error(
        'MetadataTooLarge',
        400,
        'Your metadata headers exceed the maximum allowed metadata size',
        {
          Size: size,
          MaxSizeAllowed: 2048,
        },
      );
    return {
      contentType: h(req, 'content-type'),
      headers,
      metadata,
      storageClass: h(req, 'x-amz-storage-class'),
    };
  }

  /** The request body as the object's bytes (aws-chunked decoded) plus what to verify. */
  private body(req: IncomingMessage) {
    const chunked = this.isChunked(req);
    const md5 = h(req, 'content-md5');
    if (md5 !== undefined && Buffer.from(md5, 'base64').length !== 16) throw s3Errors.invalidDigest(md5);
    const lengthText = chunked ? h(req, 'x-amz-decoded-content-length') : h(req, 'content-length');
    const contentLength = lengthText === undefined ? undefined : Number(lengthText);
    if (contentLength !== undefined && (!Number.isSafeInteger(contentLength) || contentLength < 0))
      throw s3Errors.invalidArgument('Invalid Content-Length', 'Content-Length', lengthText);
    let algorithm: ChecksumAlgorithm | undefined;
    let headerValue: string | undefined;
    for (const name of Object.keys(req.headers)) {
      const a = algorithmOfHeader(name);
      if (a) {
        algorithm = a;
        headerValue = h(req, name);
      }
    }
    const trailer = (h(req, 'x-amz-trailer') ?? '').toLowerCase().trim();
    const trailerAlgo = trailer ? algorithmOfHeader(trailer) : undefined;
    const sdkAlgo = (h(req, 'x-amz-sdk-checksum-algorithm') ?? '').toUpperCase() as ChecksumAlgorithm;
    algorithm ??= trailerAlgo ?? (CHECKSUM_ALGORITHMS.includes(sdkAlgo) ? sdkAlgo : undefined);
    const decoder = chunked ? new AwsChunkedDecoder() : undefined;
    const stream: NodeJS.ReadableStream = decoder ? req.pipe(decoder) : req;
    if (decoder) req.on('error', (e) => decoder.destroy(e));
    if (decoder) req.on('aborted', () => decoder.destroy(new Error('aborted')));
    const checksum = algorithm
      ? {
          algorithm,
          expected: () => headerValue ?? (trailerAlgo && decoder ? decoder.trailers[trailer] : undefined),
        }
      : undefined;
    return { stream, contentLength, contentMd5: md5, checksum };
  }

  private objectHeaders(o: ObjectRecord): Record<string, string | number> {
    const headers: Record<string, string | number> = {
      ETag: `"${o.etag}"`,
      'Last-Modified': httpDate(o.lastModified),
      'Content-Type': o.contentType,
      'Accept-Ranges': 'bytes',
      ...o.headers,
    };
    for (const [k, v] of Object.entries(o.metadata)) headers[`x-amz-meta-${k}`] = v;
    if (o.storageClass !== 'STANDARD') headers['x-amz-storage-class'] = o.storageClass;
    if (o.versionId) headers['x-amz-version-id'] = o.versionId;
    return headers;
  }

  private async putObject(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    info: RequestInfo,
  ): Promise<void> {
    const attrs = this.attributes(req);
    const body = this.body(req);
    const o = await this.d.engine.putObject(
      bucket,
      key,
      body.stream,
      {
        ...attrs,
        contentLength: body.contentLength,
        contentMd5: body.contentMd5,
        checksum: body.checksum,
        ifNoneMatch: h(req, 'if-none-match'),
      },
      info,
    );
    const headers: Record<string, string> = { ETag: `"${o.etag}"`, 'Content-Length': '0' };
    if (o.versionId) headers['x-amz-version-id'] = o.versionId;
    if (o.checksum) headers[`x-amz-checksum-${o.checksum.algorithm.toLowerCase()}`] = o.checksum.value;
    sendXml(res, 200, undefined, headers, { requestId: info.requestId, hostId: info.hostId });
  }

  /** The bucket and key named by `x-amz-copy-source` (`/bucket/key`, URL-encoded, optional ?versionId). */
  private copySource(req: IncomingMessage): { bucket: string; key: string; versionId?: string } {
    const raw = h(req, 'x-amz-copy-source') ?? '';
    const query = new URLSearchParams(raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '');
    const versionId = query.get('versionId') ?? undefined;
    const decoded = decodeURIComponent(raw.split('?')[0]).replace(/^\//, '');
    const slash = decoded.indexOf('/');
    if (slash <= 0 || slash === decoded.length - 1)
      throw s3Errors.invalidArgument(
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
        'x-amz-copy-source',
        raw,
      );
    return {
      bucket: decoded.slice(0, slash),
      key: decoded.slice(slash + 1),
      ...(versionId !== undefined ? { versionId } : {}),
    };
  }

  /** UploadPartCopy: a part made from (a byte range of) an existing object. */
  private async uploadPartCopy(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    q: URLSearchParams,
  ): Promise<void> {
    req.resume();
    const src = this.copySource(req);
    const source = await this.d.engine.head(src.bucket, src.key, src.versionId);
    this.checkConditions(req, source, 'x-amz-copy-source-', true);
    let range: { start: number; end: number } | undefined;
    const rangeText = h(req, 'x-amz-copy-source-range');
    if (rangeText !== undefined) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(rangeText.trim());
      if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= source.size)
        throw s3Errors.invalidArgument(
          `Range specified is not valid for source object of size: ${source.size}`,
          'x-amz-copy-source-range',
          rangeText,
        );
      range = { start: Number(m[1]), end: Number(m[2]) };
    }
    const length = range ? range.end - range.start + 1 : source.size;
    const p = await this.d.engine.uploadPart(
      bucket,
      key,
      q.get('uploadId') ?? '',
      Number(q.get('partNumber')),
      this.d.engine.openObject(source, range),
      { contentLength: length },
    );
    sendXml(
      res,
      200,
      xmlDocument('CopyPartResult', { LastModified: iso(p.lastModified), ETag: `"${p.etag}"` }),
      source.versionId ? { 'x-amz-copy-source-version-id': source.versionId } : {},
    );
  }

  private async copyObject(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    info: RequestInfo,
  ): Promise<void> {
    req.resume();
    const src = this.copySource(req);
    const source = await this.d.engine.head(src.bucket, src.key, src.versionId);
    this.checkConditions(req, source, 'x-amz-copy-source-', true);
    const directive = (h(req, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
    if (directive !== 'COPY' && directive !== 'REPLACE')
      throw s3Errors.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
    const o = await this.d.engine.copyObject(
      src,
      { bucket, key },
      {
        replace: directive === 'REPLACE' ? this.attributes(req) : undefined,
        storageClass: h(req, 'x-amz-storage-class'),
      },
      info,
    );
    const headers: Record<string, string> = {};
    if (o.versionId) headers['x-amz-version-id'] = o.versionId;
    if (source.versionId) headers['x-amz-copy-source-version-id'] = source.versionId;
    sendXml(
      res,
      200,
      xmlDocument('CopyObjectResult', { LastModified: iso(o.lastModified), ETag: `"${o.etag}"` }),
      headers,
      info,
    );
  }

  /** Evaluates If-Match / If-None-Match / If-(Un)Modified-Since as S3 does (RFC 7232 precedence). */
  private checkConditions(req: IncomingMessage, o: ObjectRecord, prefix = '', copy = false): void {
    const etagMatches = (list: string) =>
      list.split(',').some((t) => {
        const tag = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
        return tag === '*' || tag === o.etag;
      });
    const date = (name: string) => {
      const v = h(req, `${prefix}${name}`);
      const ms = v === undefined ? Number.NaN : Date.parse(v);
      return Number.isNaN(ms) ? undefined : ms;
    };
    const ifMatch = h(req, `${prefix}if-match`);
    const ifNoneMatch = h(req, `${prefix}if-none-match`);
    const modifiedSince = date('if-modified-since');
    const unmodifiedSince = date('if-unmodified-since');
    if (ifMatch !== undefined) {
      if (!etagMatches(ifMatch))
        throw s3Errors.preconditionFailed(`${copy ? 'x-amz-copy-source-' : ''}If-Match`);
    } else if (unmodifiedSince !== undefined && o.lastModified > unmodifiedSince)
      throw s3Errors.preconditionFailed(`${copy ? 'x-amz-copy-source-' : ''}If-Unmodified-Since`);
    const notModified = copy
      ? () => s3Errors.preconditionFailed('x-amz-copy-source-If-None-Match')
      : () => {
          const e = s3Errors.notModified();
          (e.details as S3ErrorDetails).headers = {
            ETag: `"${o.etag}"`,
            'Last-Modified': httpDate(o.lastModified),
          };
          return e;
        };
    if (ifNoneMatch !== undefined) {
      if (etagMatches(ifNoneMatch)) throw notModified();
    } else if (modifiedSince !== undefined && o.lastModified <= modifiedSince) throw notModified();
  }

  private async getObject(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    q: URLSearchParams,
    headOnly: boolean,
  ): Promise<void> {
    req.resume();
    const o = await this.d.engine.head(bucket, key, q.get('versionId') ?? undefined);
    this.checkConditions(req, o);
    const headers = this.objectHeaders(o);
    const overrides: Array<[string, string]> = [
      ['response-content-type', 'Content-Type'],
      ['response-content-language', 'content-language'],
      ['response-expires', 'expires'],
      ['response-cache-control', 'cache-control'],
      ['response-content-disposition', 'content-disposition'],
      ['response-content-encoding', 'content-encoding'],
    ];
    for (const [param, header] of overrides) {
      const v = q.get(param);
      if (v !== null) headers[header] = v;
    }
    const rangeHeader = h(req, 'range');
    const range = rangeHeader ? parseRange(rangeHeader, o.size) : undefined;
    if (range === 'unsatisfiable') throw s3Errors.invalidRange(rangeHeader ?? '', o.size);
    if (!range && o.checksum && (h(req, 'x-amz-checksum-mode') ?? '').toUpperCase() === 'ENABLED')
      headers[`x-amz-checksum-${o.checksum.algorithm.toLowerCase()}`] = o.checksum.value;
    const ids = requestIds();
    const base = { 'x-amz-request-id': ids.requestId, 'x-amz-id-2': ids.hostId, ...headers };
    if (range) {
      res.writeHead(206, {
        ...base,
        'Content-Length': range.end - range.start + 1,
        'Content-Range': `bytes ${range.start}-${range.end}/${o.size}`,
      });
    } else res.writeHead(200, { ...base, 'Content-Length': o.size });
    if (headOnly) {
      res.end();
      return;
    }
    const stream = this.d.engine.openObject(o, range);
    try {
      await pipeline(stream, res);
    } catch {
      // The client went away mid-download; nothing to answer.
      res.destroy();
    }
  }

  // ---- multipart ----

  private async createUpload(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
  ): Promise<void> {
    req.resume();
    const u = await this.d.engine.createUpload(bucket, key, this.attributes(req));
    sendXml(
      res,
      200,
      xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: u.uploadId }),
    );
  }

  private async uploadPart(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    q: URLSearchParams,
  ): Promise<void> {
    const body = this.body(req);
    const p = await this.d.engine.uploadPart(
      bucket,
      key,
      q.get('uploadId') ?? '',
      Number(q.get('partNumber')),
      body.stream,
      {
        contentLength: body.contentLength,
        contentMd5: body.contentMd5,
        checksum: body.checksum,
      },
    );
    sendXml(res, 200, undefined, { ETag: `"${p.etag}"`, 'Content-Length': 0 });
  }

  private async listParts(
    res: ServerResponse,
    bucket: string,
    key: string,
    q: URLSearchParams,
  ): Promise<void> {
    const uploadId = q.get('uploadId') ?? '';
    const after = Number(q.get('part-number-marker') ?? '0') || 0;
    const max = Math.min(Number(q.get('max-parts') ?? '1000') || 1000, 1000);
    const { upload, parts, isTruncated } = await this.d.engine.listParts(bucket, key, uploadId, {
      after,
      max,
    });
    sendXml(
      res,
      200,
      xmlDocument('ListPartsResult', {
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        Initiator: { ID: OWNER.ID, DisplayName: OWNER.DisplayName },
        Owner: OWNER,
        StorageClass: upload.storageClass,
        PartNumberMarker: after,
        NextPartNumberMarker: parts.length ? parts[parts.length - 1].partNumber : after,
        MaxParts: max,
        IsTruncated: isTruncated,
        Part: parts.map((p) => ({
          PartNumber: p.partNumber,
          LastModified: iso(p.lastModified),
          ETag: `"${p.etag}"`,
          Size: p.size,
        })),
      }),
    );
  }

  private async completeUpload(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    uploadId: string,
    info: RequestInfo,
  ): Promise<void> {
    const body = await this.readXml(req, 'CompleteMultipartUpload');
    const parts = xmlList<Record<string, unknown>>(body.Part).map((p) => {
      const partNumber = Number(p.PartNumber);
      if (!Number.isInteger(partNumber) || typeof p.ETag !== 'string') throw s3Errors.malformedXml();
      return { partNumber, etag: p.ETag };
    });
    const o = await this.d.engine.completeUpload(bucket, key, uploadId, parts, info);
    const host = h(req, 'host') ?? '127.0.0.1';
    sendXml(
      res,
      200,
      xmlDocument('CompleteMultipartUploadResult', {
        Location: `http://${host}/${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
        Bucket: bucket,
        Key: key,
        ETag: `"${o.etag}"`,
      }),
      o.versionId ? { 'x-amz-version-id': o.versionId } : {},
      info,
    );
  }
}

/** Parses a single `bytes=` range against a size; undefined means "serve the whole object" (as S3 ignores bad syntax). */
export function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
