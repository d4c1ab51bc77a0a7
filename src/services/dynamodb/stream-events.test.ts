import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChangeRecord } from './engine.js';
import { dynamoEventRecord } from './stream-events.js';

const fixture = JSON.parse(
  readFileSync(
    path.resolve(
      import.meta.dirname,
      '../../../test/fixtures/aws-events/dynamodb-stream-insert-modify-remove.json',
    ),
    'utf8',
  ),
) as { Records: Array<Record<string, never>> };

describe("Lambda's DynamoDB stream event", () => {
  it('matches the recorded INSERT, MODIFY and REMOVE records member for member, in order', () => {
    for (const expected of fixture.Records) {
      const d = expected.dynamodb as Record<string, never>;
      const record: ChangeRecord = {
        eventID: expected.eventID,
        eventName: expected.eventName,
        sequenceNumber: d.SequenceNumber,
        createdAt: d.ApproximateCreationDateTime,
        keys: d.Keys,
        newImage: d.NewImage,
        oldImage: d.OldImage,
        sizeBytes: d.SizeBytes,
        viewType: d.StreamViewType,
      };
      const got = dynamoEventRecord(record, expected.eventSourceARN, expected.awsRegion);
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    }
  });

  it('marks deletions made by TTL as the service', () => {
    const got = dynamoEventRecord(
      {
        eventID: 'e',
        eventName: 'REMOVE',
        sequenceNumber: '1',
        createdAt: 1,
        keys: { id: { S: 'a' } },
        sizeBytes: 3,
        viewType: 'KEYS_ONLY',
        byService: true,
      },
      'arn',
      'us-east-1',
    );
    expect(got.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
  });
});
