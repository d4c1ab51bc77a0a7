/**
 * S3's wire API through the real @aws-sdk/client-s3 (and plain HTTP for presigned URLs, virtual-host
 * requests and hand-built aws-chunked bodies) against a platform on a free port.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { s3Plugin } from '../../src/services/s3/plugin.js';
import { tempDir } from './platform-helpers.js';

let platform: Platform;
let s3: S3Client;
let cleanup: () => void;
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

/** The error an SDK call rejects with (fails the test when it resolves). */
async function failure(
  p: Promise<unknown>,
): Promise<
  { name: string; message: string; $metadata: { httpStatusCode?: number } } & Record<string, unknown>
> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

/** A raw HTTP request to the platform with arbitrary headers. */
function raw(method: string, path: string, headers: Record<string, string | number>, body?: Buffer | string) {
  const u = new URL(platform.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

const SIGNED =
  'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0';

beforeAll(async () => {
  const t = tempDir('selfless-s3-');
  cleanup = t.cleanup;
  platform = await startPlatform({
    port: 0,
    dataDir: t.dir,
    plugins: [s3Plugin()],
    environments: () => {
      throw new Error('no lambda in this test');
    },
    log: { info() {}, warn() {}, error() {}, debug() {} },
  });
  s3 = new S3Client({
    endpoint: platform.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
});

afterAll(async () => {
  s3?.destroy();
  await platform?.stop();
  cleanup?.();
});

describe('buckets', () => {
  it('creates, lists, heads and deletes buckets; rejects bad names', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'tmp-bucket.1' }));
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining(['data', 'tmp-bucket.1']));
    expect((await s3.send(new HeadBucketCommand({ Bucket: 'tmp-bucket.1' }))).$metadata.httpStatusCode).toBe(
      200,
    );
    // us-east-1 answers 200 when the owner creates a bucket again.
    await s3.send(new CreateBucketCommand({ Bucket: 'tmp-bucket.1' }));
    await s3.send(new PutObjectCommand({ Bucket: 'tmp-bucket.1', Key: 'x', Body: 'x' }));
    const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket: 'tmp-bucket.1' })));
    expect(notEmpty.name).toBe('BucketNotEmpty');
    expect(notEmpty.$metadata.httpStatusCode).toBe(409);
    await s3.send(new DeleteObjectCommand({ Bucket: 'tmp-bucket.1', Key: 'x' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'tmp-bucket.1' }));
    const missing = await failure(s3.send(new HeadBucketCommand({ Bucket: 'tmp-bucket.1' })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
    for (const bad of ['UPPER', 'a', 'bad..dots', '192.168.1.1', '-dash', 'xn--punycode']) {
      const e = await failure(s3.send(new CreateBucketCommand({ Bucket: bad })));
      expect(e.name, bad).toBe('InvalidBucketName');
    }
    const noBucket = await failure(s3.send(new GetObjectCommand({ Bucket: 'nope-nope', Key: 'k' })));
    expect(noBucket.name).toBe('NoSuchBucket');
    expect(noBucket.BucketName).toBe('nope-nope');
  });
});

describe('objects', () => {
  it('stores bytes with MD5 ETags, content headers and user metadata', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'dir/héllo wörld+x.txt',
        Body: 'hello world',
        ContentType: 'text/plain',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment',
        Metadata: { owner: 'ada', 'x-trace': '42' },
      }),
    );
    expect(put.ETag).toBe(`"${md5('hello world')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'dir/héllo wörld+x.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello world');
    expect(got).toMatchObject({
      ContentType: 'text/plain',
      ContentLength: 11,
      CacheControl: 'max-age=60',
      ContentDisposition: 'attachment',
      Metadata: { owner: 'ada', 'x-trace': '42' },
      ETag: `"${md5('hello world')}"`,
      AcceptRanges: 'bytes',
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'dir/héllo wörld+x.txt' }));
    expect(head.ContentLength).toBe(11);
    expect(head.LastModified).toBeInstanceOf(Date);
    const missing = await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'missing' })));
    expect(missing.name).toBe('NoSuchKey');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.Key).toBe('missing');
    const headMissing = await failure(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'missing' })));
    expect(headMissing.name).toBe('NotFound');
  });

  it('decodes aws-chunked streaming uploads from the SDK and checks their trailing checksum', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const all = Buffer.concat(chunks);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'stream.bin',
        Body: Readable.from(chunks),
        ContentLength: all.length,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'stream.bin' }));
    expect(md5(Buffer.from(await got.Body!.transformToByteArray()))).toBe(md5(all));
    expect(got.ETag).toBe(`"${md5(all)}"`);

    // The same framing by hand, once right and once with a wrong CRC32 trailer.
    const body = (crc: string) => `b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`;
    const headers = (b: string) => ({
      authorization: SIGNED,
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': 11,
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'content-length': Buffer.byteLength(b),
    });
    const ok = await raw('PUT', '/data/chunked.txt', headers(body('DUoRhQ==')), body('DUoRhQ=='));
    expect(ok.status).toBe(200);
    expect(ok.headers['x-amz-checksum-crc32']).toBe('DUoRhQ==');
    const bad = await raw('PUT', '/data/chunked-bad.txt', headers(body('AAAAAA==')), body('AAAAAA=='));
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>BadDigest</Code>');
    const notStored = await failure(
      s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'chunked-bad.txt' })),
    );
    expect(notStored.$metadata.httpStatusCode).toBe(404);
  });

  it('rejects a wrong Content-MD5 with BadDigest and keeps nothing', async () => {
    const e = await failure(
      s3.send(
        new PutObjectCommand({
          Bucket: 'data',
          Key: 'md5.txt',
          Body: 'abc',
          ContentMD5: Buffer.from(md5('xyz'), 'hex').toString('base64'),
        }),
      ),
    );
    expect(e.name).toBe('BadDigest');
    expect(e.$metadata.httpStatusCode).toBe(400);
    expect(
      (await failure(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'md5.txt' })))).$metadata
        .httpStatusCode,
    ).toBe(404);
  });

  it('serves byte ranges (206) and refuses unsatisfiable ones (416 InvalidRange)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'digits', Body: '0123456789' }));
    const part = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', Range: 'bytes=2-5' }));
    expect(part.$metadata.httpStatusCode).toBe(206);
    expect(part.ContentRange).toBe('bytes 2-5/10');
    expect(await part.Body?.transformToString()).toBe('2345');
    const suffix = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', Range: 'bytes=-3' }));
    expect(await suffix.Body?.transformToString()).toBe('789');
    const open = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', Range: 'bytes=8-' }));
    expect(await open.Body?.transformToString()).toBe('89');
    const e = await failure(
      s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', Range: 'bytes=10-20' })),
    );
    expect(e.name).toBe('InvalidRange');
    expect(e.$metadata.httpStatusCode).toBe(416);
  });

  it('evaluates If-Match, If-None-Match and If-Modified-Since (304 / 412)', async () => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'cond', Body: 'v1' }));
    const same = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'cond', IfMatch: ETag }));
    expect(await same.Body?.transformToString()).toBe('v1');
    expect(
      (await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'cond', IfNoneMatch: ETag }))))
        .$metadata.httpStatusCode,
    ).toBe(304);
    const pf = await failure(
      s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'cond', IfMatch: '"0000"' })),
    );
    expect(pf.$metadata.httpStatusCode).toBe(412);
    expect(pf.name).toBe('PreconditionFailed');
    const future = new Date(Date.now() + 3600_000);
    expect(
      (await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'cond', IfModifiedSince: future }))))
        .$metadata.httpStatusCode,
    ).toBe(304);
    const past = new Date(Date.now() - 3600_000);
    expect(
      (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'cond', IfModifiedSince: past }))).$metadata
        .httpStatusCode,
    ).toBe(200);
    const headPf = await failure(
      s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'cond', IfUnmodifiedSince: past })),
    );
    expect(headPf.$metadata.httpStatusCode).toBe(412);
  });

  it('copies objects, keeping or replacing metadata', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'src.txt',
        Body: 'copy me',
        ContentType: 'text/x-a',
        Metadata: { a: '1' },
      }),
    );
    const kept = await s3.send(
      new CopyObjectCommand({ Bucket: 'data', Key: 'copy 1.txt', CopySource: 'data/src.txt' }),
    );
    expect(kept.CopyObjectResult?.ETag).toBe(`"${md5('copy me')}"`);
    const c1 = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'copy 1.txt' }));
    expect(c1).toMatchObject({ ContentType: 'text/x-a', Metadata: { a: '1' } });
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'data',
        Key: 'copy2.txt',
        CopySource: 'data/src.txt',
        MetadataDirective: 'REPLACE',
        ContentType: 'text/x-b',
        Metadata: { b: '2' },
      }),
    );
    const c2 = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'copy2.txt' }));
    expect(c2).toMatchObject({ ContentType: 'text/x-b', Metadata: { b: '2' } });
    expect(await c2.Body?.transformToString()).toBe('copy me');
    const self = await failure(
      s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'src.txt', CopySource: 'data/src.txt' })),
    );
    expect(self.name).toBe('InvalidRequest');
    const gone = await failure(
      s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'x', CopySource: 'data/absent' })),
    );
    expect(gone.name).toBe('NoSuchKey');
  });

  it('deletes objects one by one and in batches', async () => {
    for (const k of ['del/a', 'del/b', 'del/c'])
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: k, Body: k }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'del/a' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'del/never-existed' }));
    const res = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'data', Delete: { Objects: [{ Key: 'del/b' }, { Key: 'del/c' }] } }),
    );
    expect(res.Deleted?.map((d) => d.Key).sort()).toEqual(['del/b', 'del/c']);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'del/' }));
    expect(left.KeyCount).toBe(0);
    const malformed = await raw(
      'POST',
      '/data?delete',
      { authorization: SIGNED, 'content-type': 'application/xml' },
      '<Delete><Object>',
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body).toContain('<Code>MalformedXML</Code>');
  });
});

describe('listing', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    for (const k of ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'd/4.txt', 'e 5.txt', 'f😀.txt'])
      await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
  });

  it('lists with prefix and delimiter into keys and common prefixes', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(['a.txt', 'e 5.txt', 'f😀.txt']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/', 'd/']);
    expect(top.KeyCount).toBe(5);
    const b = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'b/', Delimiter: '/' }));
    expect(b.Contents?.map((c) => c.Key)).toEqual(['b/1.txt', 'b/2.txt']);
    expect(b.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/c/']);
    expect(b.Contents?.[0]).toMatchObject({ Size: 7, ETag: `"${md5('b/1.txt')}"`, StorageClass: 'STANDARD' });
  });

  it('paginates ListObjectsV2 with continuation tokens and start-after', async () => {
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 3, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
      pages++;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    expect(pages).toBe(3);
    expect(keys).toEqual(['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'd/4.txt', 'e 5.txt', 'f😀.txt']);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/c/3.txt' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['d/4.txt', 'e 5.txt', 'f😀.txt']);
  });

  it('paginates ListObjects (v1) with markers', async () => {
    const first = await s3.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 2, Delimiter: '/' }));
    expect(first.Contents?.map((c) => c.Key)).toEqual(['a.txt']);
    expect(first.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/']);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBe('b/');
    const second = await s3.send(
      new ListObjectsCommand({ Bucket: 'listing', Marker: first.NextMarker, Delimiter: '/' }),
    );
    expect(second.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['d/']);
    expect(second.Contents?.map((c) => c.Key)).toEqual(['e 5.txt', 'f😀.txt']);
  });
});

describe('multipart uploads', () => {
  it('assembles parts with the md5-of-md5s-N ETag; lists and aborts', async () => {
    const p1 = Buffer.alloc(5 * 1024 * 1024, 'a');
    const p2 = Buffer.from('tail');
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'data',
        Key: 'big.bin',
        ContentType: 'application/x-big',
        Metadata: { m: '1' },
      }),
    );
    const e1 = await s3.send(
      new UploadPartCommand({ Bucket: 'data', Key: 'big.bin', UploadId, PartNumber: 1, Body: p1 }),
    );
    const e2 = await s3.send(
      new UploadPartCommand({ Bucket: 'data', Key: 'big.bin', UploadId, PartNumber: 2, Body: p2 }),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'data', Key: 'big.bin', UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, p1.length],
      [2, 4],
    ]);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'data',
        Key: 'big.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: e1.ETag },
            { PartNumber: 2, ETag: e2.ETag },
          ],
        },
      }),
    );
    const expected = `${createHash('md5')
      .update(Buffer.concat([Buffer.from(md5(p1), 'hex'), Buffer.from(md5(p2), 'hex')]))
      .digest('hex')}-2`;
    expect(done.ETag).toBe(`"${expected}"`);
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'data', Key: 'big.bin', Range: `bytes=${p1.length - 2}-` }),
    );
    expect(await got.Body?.transformToString()).toBe('aatail');
    expect(got).toMatchObject({ ContentType: 'application/x-big', Metadata: { m: '1' } });
    const noUpload = await failure(
      s3.send(new ListPartsCommand({ Bucket: 'data', Key: 'big.bin', UploadId })),
    );
    expect(noUpload.name).toBe('NoSuchUpload');

    const small = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'small.bin' }));
    const s1 = await s3.send(
      new UploadPartCommand({
        Bucket: 'data',
        Key: 'small.bin',
        UploadId: small.UploadId,
        PartNumber: 1,
        Body: 'x',
      }),
    );
    const s2 = await s3.send(
      new UploadPartCommand({
        Bucket: 'data',
        Key: 'small.bin',
        UploadId: small.UploadId,
        PartNumber: 2,
        Body: 'y',
      }),
    );
    const tooSmall = await failure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'data',
          Key: 'small.bin',
          UploadId: small.UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: s1.ETag },
              { PartNumber: 2, ETag: s2.ETag },
            ],
          },
        }),
      ),
    );
    expect(tooSmall.name).toBe('EntityTooSmall');
    const wrongPart = await failure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'data',
          Key: 'small.bin',
          UploadId: small.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] },
        }),
      ),
    );
    expect(wrongPart.name).toBe('InvalidPart');
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: 'data', Key: 'small.bin', UploadId: small.UploadId }),
    );
    const aborted = await failure(
      s3.send(
        new UploadPartCommand({
          Bucket: 'data',
          Key: 'small.bin',
          UploadId: small.UploadId,
          PartNumber: 3,
          Body: 'z',
        }),
      ),
    );
    expect(aborted.name).toBe('NoSuchUpload');
    expect(
      (await failure(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'small.bin' })))).$metadata
        .httpStatusCode,
    ).toBe(404);
  });
});

describe('multipart copies', () => {
  it('builds parts from byte ranges of existing objects (UploadPartCopy)', async () => {
    const five = Buffer.alloc(5 * 1024 * 1024, 'z');
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'five.bin', Body: five }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'ten', Body: '0123456789' }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'assembled.bin' }),
    );
    const p1 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'data',
        Key: 'assembled.bin',
        UploadId,
        PartNumber: 1,
        CopySource: 'data/five.bin',
      }),
    );
    const p2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'data',
        Key: 'assembled.bin',
        UploadId,
        PartNumber: 2,
        CopySource: 'data/ten',
        CopySourceRange: 'bytes=3-6',
      }),
    );
    expect(p2.CopyPartResult?.ETag).toBe(`"${md5('3456')}"`);
    const bad = await failure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: 'data',
          Key: 'assembled.bin',
          UploadId,
          PartNumber: 3,
          CopySource: 'data/ten',
          CopySourceRange: 'bytes=5-10',
        }),
      ),
    );
    expect(bad.name).toBe('InvalidArgument');
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'data',
        Key: 'assembled.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const tail = await s3.send(
      new GetObjectCommand({ Bucket: 'data', Key: 'assembled.bin', Range: `bytes=${five.length - 2}-` }),
    );
    expect(await tail.Body?.transformToString()).toBe('zz3456');
    expect(tail.ContentRange).toBe(`bytes ${five.length - 2}-${five.length + 3}/${five.length + 4}`);
  });
});

describe('presigned URLs and virtual-host addressing', () => {
  it('accepts presigned PUT and GET over plain HTTP, and refuses expired ones', async () => {
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'data', Key: 'pre signed.txt' }), {
      expiresIn: 60,
    });
    const put = await fetch(putUrl, { method: 'PUT', body: 'via presigned' });
    expect(put.status).toBe(200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'data', Key: 'pre signed.txt' }), {
      expiresIn: 60,
    });
    const get = await fetch(getUrl);
    expect(await get.text()).toBe('via presigned');
    const expiredUrl = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: 'data', Key: 'pre signed.txt' }),
      {
        expiresIn: 1,
        signingDate: new Date(Date.now() - 120_000),
      },
    );
    const expired = await fetch(expiredUrl);
    expect(expired.status).toBe(403);
    const text = await expired.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('<Message>Request has expired</Message>');
  });

  it('resolves the bucket from a bucket.localhost Host header', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'vh/key.txt', Body: 'virtual' }));
    const port = new URL(platform.url).port;
    const res = await raw('GET', '/vh/key.txt', { host: `data.localhost:${port}`, authorization: SIGNED });
    expect(res.status).toBe(200);
    expect(res.body).toBe('virtual');
    const list = await raw('GET', '/?list-type=2&prefix=vh/', {
      host: `data.localhost:${port}`,
      authorization: SIGNED,
    });
    expect(list.body).toContain('<Key>vh/key.txt</Key>');
  });
});

describe('POST object (browser form uploads)', () => {
  const policy = (expiration: string) =>
    Buffer.from(JSON.stringify({ expiration, conditions: [] })).toString('base64');
  const form = (fields: Record<string, string>, file = 'from a form') => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    f.append('file', new Blob([file], { type: 'text/plain' }), 'report.txt');
    return f;
  };

  it('stores the file under the key field, with content type and metadata; 204 by default, 201 on request', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const r1 = await fetch(`${platform.url}/data`, {
      method: 'POST',
      body: form({
        key: 'forms/${filename}',
        'Content-Type': 'text/x-form',
        'x-amz-meta-origin': 'browser',
        policy: policy(future),
      }),
    });
    expect(r1.status).toBe(204);
    expect(r1.headers.get('etag')).toBe(`"${md5('from a form')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'forms/report.txt' }));
    expect(await got.Body?.transformToString()).toBe('from a form');
    expect(got).toMatchObject({ ContentType: 'text/x-form', Metadata: { origin: 'browser' } });
    const r2 = await fetch(`${platform.url}/data`, {
      method: 'POST',
      body: form({ key: 'forms/b.txt', success_action_status: '201' }),
    });
    expect(r2.status).toBe(201);
    const xml = await r2.text();
    expect(xml).toContain('<Key>forms/b.txt</Key>');
    // S3 escapes the ETag's quotes in XML bodies.
    expect(xml).toContain(`<ETag>&quot;${md5('from a form')}&quot;</ETag>`);
  });

  it('refuses a form without a key, and an expired policy', async () => {
    const noKey = await fetch(`${platform.url}/data`, { method: 'POST', body: form({}) });
    expect(noKey.status).toBe(400);
    expect(await noKey.text()).toContain('Bucket POST must contain a field named &apos;key&apos;.');
    const expired = await fetch(`${platform.url}/data`, {
      method: 'POST',
      body: form({ key: 'forms/late.txt', policy: policy('2020-01-01T00:00:00Z') }),
    });
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Invalid according to Policy: Policy expired.');
    expect(
      (await failure(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'forms/late.txt' })))).$metadata
        .httpStatusCode,
    ).toBe(404);
  });
});

describe('notification configuration', () => {
  it('round-trips queue and topic configurations and rejects overlaps and bad events', async () => {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'data',
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'to-queue',
              QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
              Events: ['s3:ObjectCreated:*'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'prefix', Value: 'in/' },
                    { Name: 'suffix', Value: '.csv' },
                  ],
                },
              },
            },
          ],
          TopicConfigurations: [
            {
              Id: 'to-topic',
              TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
              Events: ['s3:ObjectRemoved:*'],
            },
          ],
        },
      }),
    );
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'data' }));
    expect(got.QueueConfigurations).toEqual([
      {
        Id: 'to-queue',
        QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'Prefix', Value: 'in/' },
              { Name: 'Suffix', Value: '.csv' },
            ],
          },
        },
      },
    ]);
    expect(got.TopicConfigurations?.[0]).toMatchObject({ Id: 'to-topic', Events: ['s3:ObjectRemoved:*'] });
    const overlap = await failure(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'data',
          NotificationConfiguration: {
            QueueConfigurations: [
              { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q', Events: ['s3:ObjectCreated:*'] },
              { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:r', Events: ['s3:ObjectCreated:Put'] },
            ],
          },
        }),
      ),
    );
    expect(overlap.name).toBe('InvalidArgument');
    const badEvent = await failure(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'data',
          NotificationConfiguration: {
            QueueConfigurations: [
              { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q', Events: ['s3:Nope' as never] },
            ],
          },
        }),
      ),
    );
    expect(badEvent.name).toBe('InvalidArgument');
    await s3.send(
      new PutBucketNotificationConfigurationCommand({ Bucket: 'data', NotificationConfiguration: {} }),
    );
    expect(
      (await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'data' }))).QueueConfigurations,
    ).toBeUndefined();
  });
});

describe('large objects', () => {
  it('streams a 256 MB upload and download without holding it in memory', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const total = 256;
    async function* gen() {
      for (let i = 0; i < total; i++) yield chunk;
    }
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: 'data',
          Key: 'huge.bin',
          Body: Readable.from(gen()),
          ContentLength: total * chunk.length,
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'huge.bin' }));
      let size = 0;
      for await (const c of got.Body as Readable) size += (c as Buffer).length;
      expect(size).toBe(total * chunk.length);
    } finally {
      clearInterval(sample);
    }
    // Client and server share this process: both sides together stay far below the object's size.
    expect(peak - rssBefore).toBeLessThan(96 * 1024 * 1024);
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'huge.bin' }));
  });
});
