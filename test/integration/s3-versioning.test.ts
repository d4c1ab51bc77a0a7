/**
 * S3 bucket versioning through the real @aws-sdk/client-s3 against a platform on a free port: a
 * serverless.yml deployed with the CLI declares a versioned AWS::S3::Bucket and a function its
 * notifications invoke (the function files each event record in a second bucket); the test puts two
 * versions, reads by version, creates a delete marker, lists versions, deletes a version for good,
 * restarts the platform on the same data dir and checks that nothing was lost.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { ROOT } from './lifecycle-support.js';
import { QUIET, TEST_CREDENTIALS, tempDir } from './platform-helpers.js';

const SERVERLESS_YML = `
service: docs
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
functions:
  record:
    handler: handler.record
    events:
      - s3:
          bucket: versioned-docs
          event: s3:ObjectCreated:*
          existing: true
      - s3:
          bucket: versioned-docs
          event: s3:ObjectRemoved:*
          existing: true
resources:
  Resources:
    Docs:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: versioned-docs
        VersioningConfiguration:
          Status: Enabled
    Seen:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: seen-events
`;

/** Files every S3 event record it receives in the seen-events bucket, under its sequencer. */
const HANDLER = `
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({ forcePathStyle: true });
exports.record = async (event) => {
  for (const r of event.Records) {
    await s3.send(new PutObjectCommand({ Bucket: 'seen-events', Key: r.s3.object.sequencer, Body: JSON.stringify(r) }));
  }
};
`;

const BUCKET = 'versioned-docs';
let platform: Platform;
let data: { dir: string; cleanup: () => void };
let work: { dir: string; cleanup: () => void };
let s3: S3Client;

async function start(): Promise<void> {
  platform = await startPlatform({ port: 0, dataDir: data.dir, log: QUIET });
  s3?.destroy();
  s3 = new S3Client({
    endpoint: platform.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
}

async function cli(args: string[], service = 'docs'): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/selfless.js'), ...args], {
      cwd: path.join(work.dir, service),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SELFLESS_ENDPOINT: platform.url,
        NO_COLOR: '1',
        SELFLESS_NO_STDIN: '1',
      },
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

/** The error an SDK call rejects with (fails the test when it resolves). */
async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

async function text(key: string, versionId?: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }));
  return (await out.Body?.transformToString()) ?? '';
}

/** The event records the function filed so far, in sequencer order. */
async function recorded(): Promise<Array<{ eventName: string; s3: { object: Record<string, unknown> } }>> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: 'seen-events' }));
  const out = [];
  for (const o of list.Contents ?? []) {
    const body = await s3.send(new GetObjectCommand({ Bucket: 'seen-events', Key: o.Key }));
    out.push(JSON.parse((await body.Body?.transformToString()) ?? '{}'));
  }
  return out;
}

/** Polls until the function filed `n` records (events are delivered asynchronously). */
async function waitForRecords(n: number): Promise<Awaited<ReturnType<typeof recorded>>> {
  for (let i = 0; i < 300; i++) {
    const r = await recorded();
    if (r.length >= n) return r;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return recorded();
}

beforeAll(async () => {
  data = tempDir('selfless-s3v-data-');
  work = tempDir('selfless-s3v-work-');
  await start();
  mkdirSync(path.join(work.dir, 'docs'), { recursive: true });
  writeFileSync(path.join(work.dir, 'docs', 'serverless.yml'), SERVERLESS_YML);
  writeFileSync(path.join(work.dir, 'docs', 'handler.js'), HANDLER);
  const r = await cli(['deploy']);
  if (r.code !== 0) throw new Error(r.stderr);
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await platform?.stop();
  data?.cleanup();
  work?.cleanup();
});

describe('S3 bucket versioning', () => {
  const ids: Record<string, string> = {};

  it('reports the configuration: Enabled from serverless.yml, empty for a never-versioned bucket', async () => {
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    const plain = await s3.send(new GetBucketVersioningCommand({ Bucket: 'plain' }));
    expect(plain.Status).toBeUndefined();
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'plain', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'plain', VersioningConfiguration: { Status: 'Suspended' } }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBe('Suspended');
    const put = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'n', Body: 'null version' }));
    expect(put.VersionId).toBe('null');
    const form = new FormData();
    form.append('key', 'posted.txt');
    form.append('file', new Blob(['via form']), 'posted.txt');
    const posted = await fetch(`${platform.url}/plain`, { method: 'POST', body: form });
    expect(posted.status).toBe(204);
    expect(posted.headers.get('x-amz-version-id')).toBe('null');
  });

  it('refuses a deployment whose VersioningConfiguration has an unknown Status', async () => {
    mkdirSync(path.join(work.dir, 'bad'), { recursive: true });
    writeFileSync(
      path.join(work.dir, 'bad', 'serverless.yml'),
      [
        'service: bad',
        'provider:',
        '  name: aws',
        '  runtime: nodejs20.x',
        'resources:',
        '  Resources:',
        '    Files:',
        '      Type: AWS::S3::Bucket',
        '      Properties:',
        '        VersioningConfiguration:',
        '          Status: On',
        '',
      ].join('\n'),
    );
    const r = await cli(['deploy'], 'bad');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('resources.Resources.Files.Properties.VersioningConfiguration.Status');
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect(buckets?.filter((b) => b?.startsWith('bad-'))).toEqual([]);
  });

  it('keeps every put as a version, readable by its id', async () => {
    const one = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', Body: 'one' }));
    const two = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', Body: 'two' }));
    expect(one.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(two.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(two.VersionId).not.toBe(one.VersionId);
    ids.one = one.VersionId!;
    ids.two = two.VersionId!;
    expect(await text('doc.txt')).toBe('two');
    expect(await text('doc.txt', ids.one)).toBe('one');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: ids.one }));
    expect(head.VersionId).toBe(ids.one);
    expect(head.ContentLength).toBe(3);
  });

  it('a delete adds a marker: the key reads as deleted, the marker by id is 405', async () => {
    const del = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doc.txt' }));
    expect(del.DeleteMarker).toBe(true);
    expect(del.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    ids.marker = del.VersionId!;
    const missing = await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt' })));
    expect(missing.name).toBe('NoSuchKey');
    // Plain HTTP for the headers S3 puts on these errors.
    const plain = await fetch(`${platform.url}/${BUCKET}/doc.txt`);
    expect(plain.status).toBe(404);
    expect(plain.headers.get('x-amz-delete-marker')).toBe('true');
    expect(plain.headers.get('x-amz-version-id')).toBe(ids.marker);
    const byId = await fetch(`${platform.url}/${BUCKET}/doc.txt?versionId=${ids.marker}`);
    expect(byId.status).toBe(405);
    expect(await byId.text()).toContain('<Code>MethodNotAllowed</Code>');
    expect(byId.headers.get('x-amz-delete-marker')).toBe('true');
    expect(await text('doc.txt', ids.two)).toBe('two');
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount).toBe(0);
  });

  it('lists versions and delete markers with IsLatest, and pages through them', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'other/a.txt', Body: 'a' }));
    const all = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(all.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest])).toEqual([
      ['doc.txt', ids.marker, true],
    ]);
    expect(all.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
      ['doc.txt', ids.two, false, 3],
      ['doc.txt', ids.one, false, 3],
      ['other/a.txt', expect.any(String), true, 1],
    ]);
    // On the wire, versions and markers interleave in key and version order.
    const xml = await (await fetch(`${platform.url}/${BUCKET}?versions`)).text();
    expect(xml.match(/<(Version|DeleteMarker)>/g)).toEqual([
      '<DeleteMarker>',
      '<Version>',
      '<Version>',
      '<Version>',
    ]);
    const rolled = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Delimiter: '/' }));
    expect(rolled.CommonPrefixes).toEqual([{ Prefix: 'other/' }]);
    const first = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, MaxKeys: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect([first.NextKeyMarker, first.NextVersionIdMarker]).toEqual(['doc.txt', ids.two]);
    const rest = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: BUCKET,
        KeyMarker: first.NextKeyMarker,
        VersionIdMarker: first.NextVersionIdMarker,
      }),
    );
    expect(rest.IsTruncated).toBe(false);
    expect(rest.Versions?.map((v) => v.Key)).toEqual(['doc.txt', 'other/a.txt']);
    expect(rest.DeleteMarkers).toBeUndefined();
    const bogus = await failure(
      s3.send(
        new ListObjectVersionsCommand({ Bucket: BUCKET, KeyMarker: 'doc.txt', VersionIdMarker: 'bogus' }),
      ),
    );
    expect([bogus.name, bogus.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
  });

  it('deletes one version for good; the bucket cannot be deleted while versions remain', async () => {
    const del = await s3.send(
      new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: ids.one }),
    );
    expect(del.VersionId).toBe(ids.one);
    expect(del.DeleteMarker).toBeUndefined();
    const gone = await failure(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc.txt', VersionId: ids.one })),
    );
    expect(gone.name).toBe('NoSuchVersion');
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'other/a.txt' }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount).toBe(0);
    const refused = await failure(s3.send(new DeleteBucketCommand({ Bucket: BUCKET })));
    expect(refused.name).toBe('BucketNotEmpty');
  });

  it('notified the function with version ids and DeleteMarkerCreated', async () => {
    const records = await waitForRecords(6);
    expect(records.map((r) => [r.eventName, r.s3.object.key, r.s3.object.versionId])).toEqual([
      ['ObjectCreated:Put', 'doc.txt', ids.one],
      ['ObjectCreated:Put', 'doc.txt', ids.two],
      ['ObjectRemoved:DeleteMarkerCreated', 'doc.txt', ids.marker],
      ['ObjectCreated:Put', 'other/a.txt', expect.any(String)],
      ['ObjectRemoved:Delete', 'doc.txt', ids.one],
      ['ObjectRemoved:DeleteMarkerCreated', 'other/a.txt', expect.any(String)],
    ]);
    expect(Object.keys(records[0].s3.object)).toEqual(['key', 'size', 'eTag', 'versionId', 'sequencer']);
  });

  it('keeps versions, markers and bytes across a restart', async () => {
    const before = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    await platform.stop();
    await start();
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(after.Versions).toEqual(before.Versions);
    expect(after.DeleteMarkers).toEqual(before.DeleteMarkers);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
    expect(await text('doc.txt', ids.two)).toBe('two');
    // Removing the delete marker makes the version under it current again.
    const undo = await s3.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'doc.txt', VersionId: ids.marker }] },
      }),
    );
    expect(undo.Deleted).toEqual([
      { Key: 'doc.txt', VersionId: ids.marker, DeleteMarker: true, DeleteMarkerVersionId: ids.marker },
    ]);
    expect(await text('doc.txt')).toBe('two');
  });
});
