/**
 * The Kinesis Data Streams API through the real @aws-sdk/client-kinesis (awsJson1_1 over its
 * default HTTP/2 handler, i.e. h2c on the platform port) next to @aws-sdk/client-sqs over
 * HTTP/1.1 on the same port: streams, shards, puts, every iterator type, AWS error shapes, and
 * records that survive a platform restart.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect } from 'node:http2';
import { promisify } from 'node:util';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RemoveTagsFromStreamCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { tempDir } from './platform-helpers.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
let platform: Platform;
let kinesis: KinesisClient;
let dataDir: string;
let cleanup: () => void;

function client(url: string): KinesisClient {
  return new KinesisClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

async function iterator(
  stream: string,
  shardId: string,
  type: ShardIteratorType,
  extra: Record<string, unknown> = {},
) {
  const out = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: type, ...extra }),
  );
  return out.ShardIterator as string;
}

async function readAll(it: string) {
  const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: it }));
  return {
    data: (out.Records ?? []).map((r) => Buffer.from(r.Data ?? new Uint8Array()).toString()),
    records: out.Records ?? [],
    next: out.NextShardIterator as string,
  };
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  dataDir = t.dir;
  platform = await startPlatform({ port: 0, dataDir, log: quiet, clock });
  kinesis = client(platform.url);
}, 60_000);

afterAll(async () => {
  kinesis?.destroy();
  await platform?.stop();
  cleanup?.();
});

describe('Kinesis streams over h2c', () => {
  it('creates, describes, lists and deletes streams; HTTP/1.1 clients share the port', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 3 }));
    await kinesis.send(
      new CreateStreamCommand({ StreamName: 'clicks', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    );
    const d = (await kinesis.send(new DescribeStreamCommand({ StreamName: 'orders' }))).StreamDescription!;
    expect(d.StreamARN).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/orders');
    expect(d.StreamStatus).toBe('ACTIVE');
    expect(d.StreamCreationTimestamp?.getTime()).toBe(clock.now());
    expect(d.Shards?.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
    expect(d.Shards?.[0].HashKeyRange?.StartingHashKey).toBe('0');
    expect(d.Shards?.[2].HashKeyRange?.EndingHashKey).toBe(((1n << 128n) - 1n).toString());
    expect(BigInt(d.Shards![1].HashKeyRange!.StartingHashKey!)).toBe(
      BigInt(d.Shards![0].HashKeyRange!.EndingHashKey!) + 1n,
    );
    const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: d.StreamARN })))
      .StreamDescriptionSummary!;
    expect(summary.OpenShardCount).toBe(3);
    const clicks = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'clicks' })))
      .StreamDescriptionSummary!;
    expect(clicks.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
    expect(clicks.OpenShardCount).toBe(4);
    const listed = await kinesis.send(new ListStreamsCommand({ Limit: 1 }));
    expect(listed.StreamNames).toEqual(['clicks']);
    expect(listed.HasMoreStreams).toBe(true);
    const rest = await kinesis.send(new ListStreamsCommand({ NextToken: listed.NextToken }));
    expect(rest.StreamNames).toEqual(['orders']);
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: 'orders', MaxResults: 2 }));
    expect(shards.Shards?.length).toBe(2);
    const more = await kinesis.send(new ListShardsCommand({ NextToken: shards.NextToken }));
    expect(more.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);

    const sqs = new SQSClient({
      endpoint: platform.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    expect((await sqs.send(new ListQueuesCommand({}))).$metadata.httpStatusCode).toBe(200);
    sqs.destroy();

    await kinesis.send(new DeleteStreamCommand({ StreamName: 'clicks' }));
    const gone = await failure(kinesis.send(new DescribeStreamCommand({ StreamName: 'clicks' })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.message).toBe('Stream clicks under account 000000000000 not found.');
    expect(gone.$metadata.httpStatusCode).toBe(400);
  });

  it('serves raw h2c prior-knowledge requests, as the SDK HTTP/2 handler sends them', async () => {
    const session = connect(platform.url);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': '/',
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Kinesis_20131202.ListStreams',
        });
        let text = '';
        let code = 0;
        req.on('response', (h) => {
          code = Number(h[':status']);
        });
        req.on('data', (c: Buffer) => {
          text += c.toString();
        });
        req.on('end', () => resolve({ status: code, body: text }));
        req.on('error', reject);
        req.end('{}');
      });
      expect(status).toBe(200);
      expect(JSON.parse(body).StreamNames).toEqual(['orders']);
    } finally {
      session.close();
    }
  });

  it('answers AWS errors for bad input', async () => {
    expect(
      (await failure(kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 })))).name,
    ).toBe('ResourceInUseException');
    expect(
      (await failure(kinesis.send(new CreateStreamCommand({ StreamName: 'bad name', ShardCount: 1 })))).name,
    ).toBe('ValidationException');
    const noShard = await failure(iterator('orders', 'shardId-000000000009', 'LATEST'));
    expect(noShard.name).toBe('ResourceNotFoundException');
    expect(noShard.message).toContain('Shard shardId-000000000009 in stream orders');
    const noSeq = await failure(iterator('orders', 'shardId-000000000000', 'AT_SEQUENCE_NUMBER'));
    expect(noSeq.name).toBe('InvalidArgumentException');
    const badSeq = await failure(
      iterator('orders', 'shardId-000000000000', 'AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: '12' }),
    );
    expect(badSeq.name).toBe('InvalidArgumentException');
    const badHash = await failure(
      kinesis.send(
        new PutRecordCommand({
          StreamName: 'orders',
          PartitionKey: 'k',
          Data: Buffer.from('x'),
          ExplicitHashKey: '-1',
        }),
      ),
    );
    expect(badHash.name).toBe('InvalidArgumentException');
    const missing = await failure(
      kinesis.send(new PutRecordCommand({ StreamName: 'nope', PartitionKey: 'k', Data: Buffer.from('x') })),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('places records by the MD5 of the partition key and reads them back with every iterator type', async () => {
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: 'orders' }))).Shards!;
    const shardOf = (key: string) => {
      const h = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
      return shards.find(
        (s) => h >= BigInt(s.HashKeyRange!.StartingHashKey!) && h <= BigInt(s.HashKeyRange!.EndingHashKey!),
      )!.ShardId;
    };
    const put = await kinesis.send(
      new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'alpha', Data: Buffer.from('a1') }),
    );
    expect(put.ShardId).toBe(shardOf('alpha'));
    expect(put.SequenceNumber).toMatch(/^\d{56}$/);
    await clock.advance(1000);
    const batch = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'orders',
        Records: [
          { PartitionKey: 'alpha', Data: Buffer.from('a2') },
          { PartitionKey: 'beta', Data: Buffer.from('b1') },
          { PartitionKey: 'alpha', Data: Buffer.from('a3') },
        ],
      }),
    );
    expect(batch.FailedRecordCount).toBe(0);
    expect(batch.Records?.map((r) => r.ShardId)).toEqual([
      shardOf('alpha'),
      shardOf('beta'),
      shardOf('alpha'),
    ]);
    const seqs = [put.SequenceNumber!, batch.Records![0].SequenceNumber!, batch.Records![2].SequenceNumber!];
    expect(seqs.map(BigInt)).toEqual([...seqs.map(BigInt)].sort((a, b) => (a < b ? -1 : 1)));
    const shard = shardOf('alpha')!;

    const horizon = await readAll(await iterator('orders', shard, 'TRIM_HORIZON'));
    expect(horizon.data).toEqual(['a1', 'a2', 'a3']);
    expect(horizon.records[0].PartitionKey).toBe('alpha');
    expect(horizon.records[0].ApproximateArrivalTimestamp?.getTime()).toBe(clock.now() - 1000);
    expect(
      (
        await readAll(
          await iterator('orders', shard, 'AT_SEQUENCE_NUMBER', { StartingSequenceNumber: seqs[1] }),
        )
      ).data,
    ).toEqual(['a2', 'a3']);
    expect(
      (
        await readAll(
          await iterator('orders', shard, 'AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: seqs[1] }),
        )
      ).data,
    ).toEqual(['a3']);
    expect(
      (await readAll(await iterator('orders', shard, 'AT_TIMESTAMP', { Timestamp: new Date(clock.now()) })))
        .data,
    ).toEqual(['a2', 'a3']);

    const latest = await readAll(await iterator('orders', shard, 'LATEST'));
    expect(latest.data).toEqual([]);
    await kinesis.send(
      new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'alpha', Data: Buffer.from('a4') }),
    );
    const after = await readAll(latest.next);
    expect(after.data).toEqual(['a4']);
    expect((await readAll(after.next)).data).toEqual([]);

    const limited = await kinesis.send(
      new GetRecordsCommand({ ShardIterator: await iterator('orders', shard, 'TRIM_HORIZON'), Limit: 2 }),
    );
    expect(limited.Records?.length).toBe(2);
    expect((await readAll(limited.NextShardIterator!)).data).toEqual(['a3', 'a4']);
  });

  it('works with the AWS CLI over HTTP/1.1', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: process.env.HOME ?? '/tmp',
    };
    const aws = async (...args: string[]) =>
      JSON.parse(
        (
          await promisify(execFile)(
            'aws',
            ['--endpoint-url', platform.url, '--output', 'json', 'kinesis', ...args],
            { env },
          )
        ).stdout || '{}',
      );
    await aws('create-stream', '--stream-name', 'cli-stream', '--shard-count', '1');
    const put = await aws(
      'put-record',
      '--stream-name',
      'cli-stream',
      '--partition-key',
      'k',
      '--data',
      'from the cli',
    );
    expect(put.ShardId).toBe('shardId-000000000000');
    const it = await aws(
      'get-shard-iterator',
      '--stream-name',
      'cli-stream',
      '--shard-id',
      put.ShardId,
      '--shard-iterator-type',
      'AT_SEQUENCE_NUMBER',
      '--starting-sequence-number',
      put.SequenceNumber,
    );
    const got = await aws('get-records', '--shard-iterator', it.ShardIterator);
    expect(got.Records.map((r: { Data: string }) => Buffer.from(r.Data, 'base64').toString())).toEqual([
      'from the cli',
    ]);
    await aws('delete-stream', '--stream-name', 'cli-stream');
  });

  it('changes the retention period and tags, with AWS errors for the wrong direction', async () => {
    await kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 'orders', RetentionPeriodHours: 48 }),
    );
    const wrong = await failure(
      kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: 'orders', RetentionPeriodHours: 30 }),
      ),
    );
    expect(wrong.name).toBe('InvalidArgumentException');
    expect(wrong.message).toContain('Use DecreaseRetentionPeriod API');
    await kinesis.send(
      new DecreaseStreamRetentionPeriodCommand({ StreamName: 'orders', RetentionPeriodHours: 36 }),
    );
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders' }));
    expect(summary.StreamDescriptionSummary?.RetentionPeriodHours).toBe(36);
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: 'orders', Tags: { team: 'a', env: 'dev' } }));
    await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: 'orders', TagKeys: ['team'] }));
    const tags = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'orders' }));
    expect(tags.Tags).toEqual([{ Key: 'env', Value: 'dev' }]);
    expect(tags.HasMoreTags).toBe(false);
  });

  it('expires iterators after five minutes', async () => {
    const it = await iterator('orders', 'shardId-000000000000', 'TRIM_HORIZON');
    await clock.advance(300_001);
    const e = await failure(kinesis.send(new GetRecordsCommand({ ShardIterator: it })));
    expect(e.name).toBe('ExpiredIteratorException');
    expect(e.message).toContain('Iterator expired');
  });

  it('keeps streams and records across a restart, numbering on from where it stopped', async () => {
    const shard = (
      await kinesis.send(
        new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'alpha', Data: Buffer.from('a5') }),
      )
    ).ShardId!;
    kinesis.destroy();
    await platform.stop();
    platform = await startPlatform({ port: 0, dataDir, log: quiet, clock });
    kinesis = client(platform.url);
    const next = await kinesis.send(
      new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'alpha', Data: Buffer.from('a6') }),
    );
    const all = await readAll(await iterator('orders', shard, 'TRIM_HORIZON'));
    expect(all.data).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    expect(all.records[5].SequenceNumber).toBe(next.SequenceNumber);
  });
});
