/** S3's durable records (kept in the Store) and the events the engine reports. */

/** Where S3 sends notifications: a Lambda function, an SQS queue or an SNS topic. */
export interface NotificationTarget {
  /** The configuration id (`configurationId` in the event). */
  id: string;
  kind: 'lambda' | 'sqs' | 'sns';
  arn: string;
  /** Event types as configured, e.g. `s3:ObjectCreated:*`. */
  events: string[];
  prefix?: string;
  suffix?: string;
}

export interface BucketRecord {
  name: string;
  /** ms since the epoch. */
  createdAt: number;
  region: string;
  notifications: NotificationTarget[];
  /** Set when a deployment created the bucket (service/stage), so removal can tell what it owns. */
  owner?: string;
  /** Versioning state; absent while versioning was never enabled. */
  versioning?: 'Enabled' | 'Suspended';
}

/** One stored object version: its bytes are the blob `blob`, the rest is metadata. */
export interface ObjectRecord {
  key: string;
  /** The blob holding the bytes; '' when they are inline (or the object is empty). */
  blob: string;
  /** Base64 bytes of a small object kept in the record itself. */
  inline?: string;
  size: number;
  /** Hex MD5 (or `md5-of-md5s-N` for multipart), without quotes. */
  etag: string;
  /** ms since the epoch, whole seconds (S3's Last-Modified precision). */
  lastModified: number;
  contentType: string;
  /** Content headers stored with the object: content-encoding, content-disposition, ... */
  headers: Record<string, string>;
  /** User metadata (`x-amz-meta-*`), names lower-cased without the prefix. */
  metadata: Record<string, string>;
  storageClass: string;
  checksum?: { algorithm: string; value: string };
  partsCount?: number;
  /** The version id: absent for writes to a never-versioned bucket, 'null' while suspended. */
  versionId?: string;
  /** A delete marker: no bytes, only a version that makes the key read as deleted. */
  deleteMarker?: boolean;
  /** Creation order among the versions of the key (hex, see versions.ts). */
  order?: string;
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  contentType: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  storageClass: string;
}

export interface PartRecord {
  partNumber: number;
  etag: string;
  size: number;
  blob: string;
  lastModified: number;
}

/** What happened to an object, for notifications. */
export interface ObjectEvent {
  /** `ObjectCreated:Put`, `ObjectRemoved:Delete`, ... (without the `s3:` prefix). */
  eventName: string;
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  sequencer: string;
  /** ms since the epoch. */
  time: number;
  sourceIp: string;
  requestId: string;
  hostId: string;
  /** The version written or removed, when the bucket is versioned. */
  versionId?: string;
}

/** The fixed owner of every bucket. */
export const OWNER = {
  ID: '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a',
  DisplayName: 'selfless',
};
