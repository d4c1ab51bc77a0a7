/**
 * S3's errors as typed SelflessErrors: the code is AWS's error code, details carry the HTTP status
 * and the extra elements S3 puts in its `<Error>` body. The wire edge (api.ts) renders them.
 */
import { SelflessError } from '../../platform/errors.js';

export interface S3ErrorDetails extends Record<string, unknown> {
  status: number;
  extra?: Record<string, string | number>;
  headers?: Record<string, string>;
}

/** An S3 error with AWS's code, status, message and extra body elements. */
export class S3Error extends SelflessError {
  constructor(
    code: string,
    status: number,
    message: string,
    extra?: Record<string, string | number>,
    headers?: Record<string, string>,
  ) {
    super(code, message, { details: { status, extra, headers } satisfies S3ErrorDetails });
  }
}

/** The S3 errors this emulation raises, by AWS code. */
export const s3Errors = {
  noSuchBucket: (bucket: string) =>
    new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    new S3Error(
      'BucketAlreadyOwnedByYou',
      409,
      'Your previous request to create the named bucket succeeded and you already own it.',
      { BucketName: bucket },
    ),
  bucketNotEmpty: (bucket: string) =>
    new S3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', { BucketName: bucket }),
  invalidBucketName: (bucket: string) =>
    new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: bucket }),
  keyTooLong: (size: number) =>
    new S3Error('KeyTooLongError', 400, 'Your key is too long', { Size: size, MaxSizeAllowed: 1024 }),
  invalidRange: (range: string, size: number) =>
    new S3Error(
      'InvalidRange',
      416,
      'The requested range is not satisfiable',
      {
        RangeRequested: range,
        ActualObjectSize: size,
      },
      { 'Content-Range': `bytes */${size}` },
    ),
  malformedXml: () =>
    new S3Error(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema',
    ),
  badDigest: (expected: string, calculated: string) =>
    new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.', {
      ExpectedDigest: expected,
      CalculatedDigest: calculated,
    }),
  badChecksum: (algorithm: string) =>
    new S3Error('BadDigest', 400, `The ${algorithm} you specified did not match the calculated checksum.`),
  invalidDigest: (value: string) =>
    new S3Error('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.', {
      'Content-MD5': value,
    }),
  noSuchUpload: (uploadId: string) =>
    new S3Error(
      'NoSuchUpload',
      404,
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    ),
  invalidPart: (partNumber: number, etag: string) =>
    new S3Error(
      'InvalidPart',
      400,
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      { PartNumber: partNumber, ETag: etag },
    ),
  invalidPartOrder: () =>
    new S3Error(
      'InvalidPartOrder',
      400,
      'The list of parts was not in ascending order. Parts must be ordered by part number.',
    ),
  entityTooSmall: (size: number) =>
    new S3Error(
      'EntityTooSmall',
      400,
      'Your proposed upload is smaller than the minimum allowed object size.',
      {
        ProposedSize: size,
        MinSizeAllowed: 5 * 1024 * 1024,
      },
    ),
  entityTooLarge: (size: number) =>
    new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size', {
      ProposedSize: size,
      MaxSizeAllowed: 5 * 1024 ** 3,
    }),
  preconditionFailed: (condition: string) =>
    new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', {
      Condition: condition,
    }),
  notModified: () => new S3Error('NotModified', 304, 'Not Modified'),
  expired: (expires: string, serverTime: string, seconds: string) =>
    new S3Error('AccessDenied', 403, 'Request has expired', {
      'X-Amz-Expires': seconds,
      Expires: expires,
      ServerTime: serverTime,
    }),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error(
      'InvalidArgument',
      400,
      message,
      name === undefined ? undefined : { ArgumentName: name, ArgumentValue: value ?? '' },
    ),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', 400, message),
  incompleteBody: () =>
    new S3Error(
      'IncompleteBody',
      400,
      'You did not provide the number of bytes specified by the Content-Length HTTP header',
    ),
  noSuchVersion: (key: string, versionId: string) =>
    new S3Error('NoSuchVersion', 404, 'The specified version does not exist.', {
      Key: key,
      VersionId: versionId,
    }),
  invalidVersionId: (versionId: string) =>
    new S3Error('InvalidArgument', 400, 'Invalid version id specified', {
      ArgumentName: 'versionId',
      ArgumentValue: versionId,
    }),
  /** GET/HEAD of a delete marker by its version id. */
  deleteMarkerNotAllowed: (lastModified: number, versionId: string) =>
    new S3Error(
      'MethodNotAllowed',
      405,
      'The specified method is not allowed against this resource.',
      { Method: 'GET', ResourceType: 'DeleteMarker' },
      {
        'x-amz-delete-marker': 'true',
        'x-amz-version-id': versionId,
        'Last-Modified': new Date(lastModified).toUTCString(),
        Allow: 'DELETE',
      },
    ),
  methodNotAllowed: (method: string, resource: string) =>
    new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', {
      Method: method,
      ResourceType: resource,
    }),
  notImplemented: (what: string) =>
    new S3Error(
      'NotImplemented',
      501,
      'A header you provided implies functionality that is not implemented',
      {
        Header: what,
      },
    ),
  internal: (why: string) =>
    new S3Error('InternalError', 500, `We encountered an internal error. Please try again. (${why})`),
};

/** Validates a bucket name with S3's rules for new buckets; throws InvalidBucketName. */
export function validateBucketName(name: string): void {
  const ok =
    name.length >= 3 &&
    name.length <= 63 &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.startsWith('sthree-') &&
    !name.endsWith('-s3alias') &&
    !name.endsWith('--ol-s3');
  if (!ok) throw s3Errors.invalidBucketName(name);
}

/** Validates an object key (1–1024 bytes of UTF-8); throws KeyTooLongError or InvalidArgument. */
export function validateKey(key: string): void {
  const size = Buffer.byteLength(key, 'utf8');
  if (size === 0) throw s3Errors.invalidArgument('Object key must not be empty', 'key', '');
  if (size > 1024) throw s3Errors.keyTooLong(size);
}
