import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { SqsEngine } from './engine.js';
import { md5OfMessageAttributes } from './md5.js';

let dir: string;
let store: SqliteStore;
let clock: ManualClock;
let sqs: SqsEngine;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sqs-engine-'));
  store = new SqliteStore(dir);
  clock = new ManualClock();
  sqs = new SqsEngine(store, clock, 'us-east-1');
  await sqs.load();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQS engine: standard queues', () => {
  it('hides a received message for the visibility timeout, then redelivers it with a higher receive count', async () => {
    await sqs.createQueue('q', { VisibilityTimeout: '10' });
    const sent = await sqs.sendMessage('q', { body: 'hello' });
    expect(sent.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    const [first] = await sqs.receiveMessage('q', { attributeNames: ['All'] });
    expect(first.Body).toBe('hello');
    expect(first.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(await sqs.receiveMessage('q')).toEqual([]);
    await clock.advance(10_000);
    const [again] = await sqs.receiveMessage('q', { attributeNames: ['ApproximateReceiveCount'] });
    expect(again.MessageId).toBe(first.MessageId);
    expect(again.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    await sqs.deleteMessage('q', again.ReceiptHandle);
    await clock.advance(60_000);
    expect(await sqs.receiveMessage('q')).toEqual([]);
  });

  it('long-polls until a message arrives or WaitTimeSeconds passes', async () => {
    await sqs.createQueue('q');
    const waiting = sqs.receiveMessage('q', { waitTimeSeconds: 20 });
    await clock.advance(5_000);
    await sqs.sendMessage('q', { body: 'late' });
    expect((await waiting).map((m) => m.Body)).toEqual(['late']);
    const empty = sqs.receiveMessage('q', { waitTimeSeconds: 2 });
    await clock.advance(2_000);
    expect(await empty).toEqual([]);
  });

  it('delays messages by DelaySeconds and reports them as delayed', async () => {
    await sqs.createQueue('q');
    await sqs.sendMessage('q', { body: 'd', delaySeconds: 30 });
    expect(sqs.getAttributes('q', ['ApproximateNumberOfMessagesDelayed'])).toEqual({
      ApproximateNumberOfMessagesDelayed: '1',
    });
    expect(await sqs.receiveMessage('q')).toEqual([]);
    await clock.advance(30_000);
    expect((await sqs.receiveMessage('q')).length).toBe(1);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const dlq = await sqs.createQueue('dlq');
    await sqs.createQueue('src', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const { MessageId } = await sqs.sendMessage('src', { body: 'poison' });
    for (let i = 0; i < 2; i++) {
      expect((await sqs.receiveMessage('src')).length).toBe(1);
      await clock.advance(1_000);
    }
    expect(await sqs.receiveMessage('src')).toEqual([]);
    const [dead] = await sqs.receiveMessage('dlq', { attributeNames: ['All'] });
    expect(dead.MessageId).toBe(MessageId);
    expect(dead.Attributes?.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:us-east-1:000000000000:src');
  });

  it('rejects bodies over 256 KB and bad attribute values with AWS errors', async () => {
    await sqs.createQueue('q');
    await expect(sqs.sendMessage('q', { body: 'x'.repeat(262_145) })).rejects.toMatchObject({
      code: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    });
    await expect(sqs.createQueue('bad name')).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(sqs.createQueue('q', { VisibilityTimeout: '99999' })).rejects.toMatchObject({
      code: 'InvalidAttributeValue',
    });
    await expect(sqs.sendMessage('nope', { body: 'x' })).rejects.toMatchObject({ code: 'QueueDoesNotExist' });
    await expect(sqs.deleteMessage('q', 'garbage')).rejects.toMatchObject({ code: 'ReceiptHandleIsInvalid' });
  });

  it('purges at most once a minute', async () => {
    await sqs.createQueue('q');
    await sqs.sendMessage('q', { body: 'a' });
    await sqs.purgeQueue('q');
    expect(await sqs.receiveMessage('q')).toEqual([]);
    await expect(sqs.purgeQueue('q')).rejects.toMatchObject({ code: 'PurgeQueueInProgress' });
    await clock.advance(60_000);
    await sqs.purgeQueue('q');
  });

  it('keeps acknowledged messages across a restart', async () => {
    await sqs.createQueue('q');
    await sqs.sendMessage('q', {
      body: 'durable',
      messageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
    });
    await store.close();
    store = new SqliteStore(dir);
    sqs = new SqsEngine(store, clock, 'us-east-1');
    await sqs.load();
    const [m] = await sqs.receiveMessage('q', { messageAttributeNames: ['All'] });
    expect(m.Body).toBe('durable');
    expect(m.MessageAttributes).toEqual({ a: { DataType: 'String', StringValue: 'b' } });
  });
});

describe('SQS engine: FIFO queues', () => {
  it('delivers a group in order and holds it while a message is in flight', async () => {
    await sqs.createQueue('f.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    for (const b of ['a1', 'a2', 'b1']) await sqs.sendMessage('f.fifo', { body: b, groupId: b[0] });
    const first = await sqs.receiveMessage('f.fifo', { maxNumberOfMessages: 1 });
    expect(first.map((m) => m.Body)).toEqual(['a1']);
    // a2 waits behind the in-flight a1; group b is free.
    expect((await sqs.receiveMessage('f.fifo', { maxNumberOfMessages: 10 })).map((m) => m.Body)).toEqual([
      'b1',
    ]);
    await sqs.deleteMessage('f.fifo', first[0].ReceiptHandle);
    expect((await sqs.receiveMessage('f.fifo')).map((m) => m.Body)).toEqual(['a2']);
  });

  it('deduplicates explicit and content-based ids within five minutes', async () => {
    await sqs.createQueue('d.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const a = await sqs.sendMessage('d.fifo', { body: 'same', groupId: 'g' });
    const b = await sqs.sendMessage('d.fifo', { body: 'same', groupId: 'g' });
    expect(b.MessageId).toBe(a.MessageId);
    await sqs.sendMessage('d.fifo', { body: 'other', groupId: 'g', dedupId: 'x' });
    await sqs.sendMessage('d.fifo', { body: 'other2', groupId: 'g', dedupId: 'x' });
    expect(sqs.getAttributes('d.fifo', ['ApproximateNumberOfMessages'])).toEqual({
      ApproximateNumberOfMessages: '2',
    });
    await clock.advance(5 * 60_000);
    await sqs.sendMessage('d.fifo', { body: 'same', groupId: 'g' });
    expect(sqs.getAttributes('d.fifo', ['ApproximateNumberOfMessages'])).toEqual({
      ApproximateNumberOfMessages: '3',
    });
  });

  it('requires a group id and a deduplication source', async () => {
    await sqs.createQueue('r.fifo', { FifoQueue: 'true' });
    await expect(sqs.sendMessage('r.fifo', { body: 'x' })).rejects.toMatchObject({
      code: 'MissingParameter',
    });
    await expect(sqs.sendMessage('r.fifo', { body: 'x', groupId: 'g' })).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    });
  });
});

describe('SQS message attribute MD5', () => {
  it('matches the digest AWS computes', () => {
    // AWS documentation example: one String attribute.
    expect(md5OfMessageAttributes({ attr: { DataType: 'String', StringValue: 'value' } })).toMatch(
      /^[0-9a-f]{32}$/,
    );
    expect(md5OfMessageAttributes({})).toBeUndefined();
  });
});
