/**
 * The SQS API through the real @aws-sdk/client-sqs (awsJson1_0), raw awsQuery requests and the AWS
 * CLI against a platform on a free port: every operation, FIFO, DLQ redrive, and AWS error shapes.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { tempDir } from './platform-helpers.js';

let platform: Platform;
let sqs: SQSClient;
let cleanup: () => void;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

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

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  platform = await startPlatform({ port: 0, dataDir: t.dir, log: quiet });
  sqs = new SQSClient({
    endpoint: platform.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}, 60_000);

afterAll(async () => {
  sqs?.destroy();
  await platform?.stop();
  cleanup?.();
});

describe('SQS queues', () => {
  it('creates, finds, lists, tags, describes and deletes queues', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'orders',
        Attributes: { VisibilityTimeout: '45' },
        tags: { team: 'a' },
      }),
    );
    expect(QueueUrl).toBe(`${platform.url}/000000000000/orders`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl).toBe(QueueUrl);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'ord' }))).QueueUrls).toEqual([QueueUrl]);
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { env: 'dev' } }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ team: 'a', env: 'dev' });
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })))
      .Attributes;
    expect(attrs).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:orders',
      VisibilityTimeout: '45',
      ApproximateNumberOfMessages: '0',
      MaximumMessageSize: '262144',
    });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DelaySeconds: '5' } }));
    expect(
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['DelaySeconds'] })))
        .Attributes,
    ).toEqual({ DelaySeconds: '5' });
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    const gone = await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' })));
    expect(gone.name).toBe('QueueDoesNotExist');
    expect(gone.message).toBe('The specified queue does not exist.');
    expect(gone.$metadata.httpStatusCode).toBe(400);
  });

  it('refuses invalid names, attributes and conflicting re-creation', async () => {
    const bad = await failure(sqs.send(new CreateQueueCommand({ QueueName: 'bad name' })));
    expect(bad.name).toBe('InvalidParameterValue');
    const attr = await failure(
      sqs.send(new CreateQueueCommand({ QueueName: 'x', Attributes: { VisibilityTimeout: '-1' } })),
    );
    expect(attr.name).toBe('InvalidAttributeValue');
    await sqs.send(new CreateQueueCommand({ QueueName: 'dup', Attributes: { VisibilityTimeout: '10' } }));
    const dup = await failure(
      sqs.send(new CreateQueueCommand({ QueueName: 'dup', Attributes: { VisibilityTimeout: '20' } })),
    );
    expect(dup.name).toBe('QueueNameExists');
  });
});

describe('SQS messages', () => {
  it('sends, receives with attributes, changes visibility and deletes, in batches too', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'msgs' }));
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'hello',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'greeting' },
          n: { DataType: 'Number', StringValue: '3' },
          b: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 30,
      }),
    );
    expect(r.Messages).toHaveLength(1);
    const m = r.Messages![0];
    expect(m.Body).toBe('hello');
    expect(m.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(m.MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'greeting' });
    expect(Buffer.from(m.MessageAttributes!.b.BinaryValue!)).toEqual(Buffer.from([1, 2, 3]));
    expect(m.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: expect.any(String) });
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }),
    );
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(again.Messages![0].Attributes).toEqual({ ApproximateReceiveCount: '2' });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages![0].ReceiptHandle }));

    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two' },
          { Id: 'c', MessageBody: 'x', DelaySeconds: 901 },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(batch.Failed).toEqual([
      {
        Id: 'c',
        SenderFault: true,
        Code: 'InvalidParameterValue',
        Message: expect.stringContaining('DelaySeconds'),
      },
    ]);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((x) => x.Body).sort()).toEqual(['one', 'two']);
    const vis = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: got.Messages!.map((x, i) => ({
          Id: `v${i}`,
          ReceiptHandle: x.ReceiptHandle,
          VisibilityTimeout: 60,
        })),
      }),
    );
    expect(vis.Successful).toHaveLength(2);
    const del = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: got.Messages!.map((x, i) => ({ Id: `d${i}`, ReceiptHandle: x.ReceiptHandle })),
      }),
    );
    expect(del.Successful).toHaveLength(2);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
  });

  it('long-polls until a message arrives', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'longpoll' }));
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
    await new Promise((r) => setTimeout(r, 200));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' }));
    expect((await waiting).Messages?.[0].Body).toBe('late');
  });

  it('keeps FIFO group order and deduplicates', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'jobs.fifo',
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    for (const body of ['a1', 'a2', 'a3'])
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: 'a' }));
    const dup = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a1', MessageGroupId: 'a' }));
    expect(dup.SequenceNumber).toMatch(/^\d+$/);
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    expect(r.Messages?.map((m) => m.Body)).toEqual(['a1', 'a2', 'a3']);
    expect(r.Messages?.[0].Attributes).toMatchObject({
      MessageGroupId: 'a',
      MessageDeduplicationId: expect.any(String),
      SequenceNumber: expect.any(String),
    });
    const missing = await failure(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })));
    expect(missing.name).toBe('MissingParameter');
  });

  it('redrives to the dead-letter queue after maxReceiveCount', async () => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'dead' }));
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'live',
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dead',
            maxReceiveCount: '1',
          }),
        },
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
    expect(first.Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const dead = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, MessageSystemAttributeNames: ['All'] }),
    );
    expect(dead.Messages?.[0].Body).toBe('poison');
    expect(dead.Messages?.[0].Attributes?.DeadLetterQueueSourceArn).toBe(
      'arn:aws:sqs:us-east-1:000000000000:live',
    );
    expect(
      (await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.QueueUrl }))).queueUrls,
    ).toEqual([QueueUrl]);
  });

  it('answers bad input with AWS errors and keeps serving', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'strict' }));
    const big = await failure(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(262_145) })),
    );
    expect(big.name).toBe('InvalidParameterValue');
    expect(big.message).toBe(
      'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    );
    const handle = await failure(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'nonsense' })));
    expect(handle.name).toBe('ReceiptHandleIsInvalid');
    expect(handle.$metadata.httpStatusCode).toBe(404);
    const max = await failure(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })));
    expect(max.name).toBe('InvalidParameterValue');
    const empty = await failure(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })));
    expect(empty.name).toBe('EmptyBatchRequest');
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    const purge = await failure(sqs.send(new PurgeQueueCommand({ QueueUrl })));
    expect(purge.name).toBe('PurgeQueueInProgress');
    expect(purge.$metadata.httpStatusCode).toBe(403);

    // Raw requests: malformed JSON, an unknown operation, a Query call with an unknown action.
    const malformed = await fetch(platform.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: '{not json',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { __type: string }).__type).toContain('SerializationException');
    const unknown = await fetch(platform.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.Explode' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toContain('UnknownOperationException');
    const queryError = await fetch(
      `${platform.url}/?Action=ListQueues&Version=2012-11-05&QueueNamePrefix=str`,
      { method: 'GET' },
    );
    expect(queryError.status).toBe(200);
    expect(await queryError.text()).toContain(`<QueueUrl>${QueueUrl}</QueueUrl>`);
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls).toContain(QueueUrl);
  });
});

describe('SQS over awsQuery', () => {
  it('serves form-encoded calls with XML responses and errors', async () => {
    const post = (body: Record<string, string>) =>
      fetch(platform.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: new URLSearchParams({ Version: '2012-11-05', ...body }).toString(),
      });
    const created = await post({
      Action: 'CreateQueue',
      QueueName: 'q-query',
      'Attribute.1.Name': 'VisibilityTimeout',
      'Attribute.1.Value': '7',
    });
    const xml = await created.text();
    expect(xml).toContain(
      `<CreateQueueResult><QueueUrl>${platform.url}/000000000000/q-query</QueueUrl></CreateQueueResult>`,
    );
    const sent = await post({
      Action: 'SendMessage',
      QueueUrl: `${platform.url}/000000000000/q-query`,
      MessageBody: 'via query',
      'MessageAttribute.1.Name': 'k',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'v',
    });
    expect(await sent.text()).toMatch(
      /<MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody><MD5OfMessageAttributes>/,
    );
    const received = await (
      await post({
        Action: 'ReceiveMessage',
        QueueUrl: `${platform.url}/000000000000/q-query`,
        'AttributeName.1': 'All',
        'MessageAttributeName.1': 'All',
      })
    ).text();
    expect(received).toContain('<Body>via query</Body>');
    expect(received).toContain(
      '<MessageAttribute><Name>k</Name><Value><StringValue>v</StringValue><DataType>String</DataType></Value></MessageAttribute>',
    );
    const missing = await post({ Action: 'GetQueueUrl', QueueName: 'nope' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
    const bogus = await post({ Action: 'Bogus' });
    expect(bogus.status).toBe(400);
    expect(await bogus.text()).toContain('<Code>InvalidAction</Code>');
  });
});

describe('SQS through the AWS CLI', () => {
  it('round-trips a message with --endpoint-url', async () => {
    const run = promisify(execFile);
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: process.env.HOME ?? '/tmp',
    };
    const aws = (...args: string[]) =>
      run('aws', ['--endpoint-url', platform.url, '--output', 'json', 'sqs', ...args], { env });
    const created = JSON.parse((await aws('create-queue', '--queue-name', 'cli-q')).stdout);
    expect(created.QueueUrl).toBe(`${platform.url}/000000000000/cli-q`);
    await aws('send-message', '--queue-url', created.QueueUrl, '--message-body', 'from the cli');
    const got = JSON.parse((await aws('receive-message', '--queue-url', created.QueueUrl)).stdout);
    expect(got.Messages[0].Body).toBe('from the cli');
  }, 60_000);
});

describe('SQS through boto3', () => {
  it.runIf(existsSync('/usr/bin/python3'))(
    'creates, sends with attributes, receives and deletes from Python',
    async () => {
      const script = [
        'import boto3, json',
        `c = boto3.client("sqs", endpoint_url="${platform.url}", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")`,
        'url = c.create_queue(QueueName="py-q")["QueueUrl"]',
        'c.send_message(QueueUrl=url, MessageBody="from python", MessageAttributes={"a": {"DataType": "String", "StringValue": "b"}, "n": {"DataType": "Number", "StringValue": "1"}})',
        'm = c.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"], WaitTimeSeconds=1)["Messages"][0]',
        'c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])',
        'print(json.dumps({"url": url, "body": m["Body"], "attrs": m["MessageAttributes"], "count": m["Attributes"]["ApproximateReceiveCount"], "left": c.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]}))',
      ].join('\n');
      const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', script], {
        env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
      });
      expect(JSON.parse(stdout)).toEqual({
        url: `${platform.url}/000000000000/py-q`,
        body: 'from python',
        attrs: { a: { StringValue: 'b', DataType: 'String' }, n: { StringValue: '1', DataType: 'Number' } },
        count: '1',
        left: { ApproximateNumberOfMessages: '0' },
      });
    },
  );
});
