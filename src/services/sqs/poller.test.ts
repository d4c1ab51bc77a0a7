import { describe, expect, it } from 'vitest';
import { failedItems, sqsRecord } from './poller.js';
import type { ReceivedMessage } from './types.js';

const msg = (id: string): ReceivedMessage => ({
  MessageId: id,
  ReceiptHandle: `h-${id}`,
  MD5OfBody: 'x',
  Body: id,
});
const batch = ['a', 'b', 'c'].map(msg);
const res = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('partial batch responses (ReportBatchItemFailures)', () => {
  it('treats an empty, null or empty-list response as success', () => {
    expect(failedItems(Buffer.from(''), batch, false)).toEqual(new Set());
    expect(failedItems(res(null), batch, false)).toEqual(new Set());
    expect(failedItems(res({ batchItemFailures: [] }), batch, false)).toEqual(new Set());
    expect(failedItems(res({ batchItemFailures: null }), batch, false)).toEqual(new Set());
  });

  it('retries only the reported messages', () => {
    expect(failedItems(res({ batchItemFailures: [{ itemIdentifier: 'b' }] }), batch, false)).toEqual(
      new Set(['b']),
    );
  });

  it('fails the whole batch for an empty, null or unknown identifier', () => {
    expect(failedItems(res({ batchItemFailures: [{ itemIdentifier: '' }] }), batch, false)).toBeUndefined();
    expect(failedItems(res({ batchItemFailures: [{ itemIdentifier: null }] }), batch, false)).toBeUndefined();
    expect(
      failedItems(res({ batchItemFailures: [{ itemIdentifier: 'zzz' }] }), batch, false),
    ).toBeUndefined();
  });

  it('on FIFO queues, retries the first failure and everything after it', () => {
    expect(failedItems(res({ batchItemFailures: [{ itemIdentifier: 'b' }] }), batch, true)).toEqual(
      new Set(['b', 'c']),
    );
  });
});

describe('SQS records', () => {
  it('have the keys and attribute order of AWS’s event', () => {
    const r = sqsRecord(
      {
        ...msg('a'),
        Attributes: {
          SenderId: 's',
          ApproximateFirstReceiveTimestamp: '2',
          ApproximateReceiveCount: '1',
          SentTimestamp: '1',
        },
        MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
        MD5OfMessageAttributes: 'm',
      },
      'arn:aws:sqs:us-east-1:000000000000:q',
      'us-east-1',
    );
    expect(Object.keys(r)).toEqual([
      'messageId',
      'receiptHandle',
      'body',
      'attributes',
      'messageAttributes',
      'md5OfBody',
      'md5OfMessageAttributes',
      'eventSource',
      'eventSourceARN',
      'awsRegion',
    ]);
    expect(Object.keys(r.attributes as object)).toEqual([
      'ApproximateReceiveCount',
      'SentTimestamp',
      'SenderId',
      'ApproximateFirstReceiveTimestamp',
    ]);
    expect(r.messageAttributes).toEqual({
      k: { stringValue: 'v', stringListValues: [], binaryListValues: [], dataType: 'String' },
    });
  });
});
