/**
 * EventBridge through the real @aws-sdk/client-eventbridge against a platform on a free port: buses,
 * rules and targets, AWS's errors, and PutEvents delivered to an SQS queue and to real function
 * processes (which report what they received to a queue through the AWS SDK inside the function).
 */
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import {
  deploy,
  fnSpec,
  receiveMessages,
  serviceSpec,
  startTestPlatform,
  TEST_CREDENTIALS,
  zipFiles,
} from './platform-helpers.js';

let platform: Platform;
let eb: EventBridgeClient;
let sqs: SQSClient;
let stopPlatform: (() => Promise<void>) | undefined;
let seenUrl: string;
let directUrl: string;
const creds = { region: 'us-east-1', credentials: TEST_CREDENTIALS };

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

/** Receives (and deletes) messages from a queue until `n` arrived; long polls, no sleeps. */
const receive = (url: string, n: number): Promise<unknown[]> => receiveMessages(sqs, url, n);

/** A handler that forwards what it received (and its name) to the `seen` queue. */
const RECORDER = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event, context) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.SEEN_URL, MessageBody: JSON.stringify({ fn: context.functionName, event }) }));
  return 'ok';
};`;

beforeAll(async () => {
  ({ platform, stop: stopPlatform } = await startTestPlatform({ limits: { idleMs: 60_000 } }));
  eb = new EventBridgeClient({ endpoint: platform.url, ...creds });
  sqs = new SQSClient({ endpoint: platform.url, ...creds });
  seenUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'seen' }))).QueueUrl!;
  directUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'direct' }))).QueueUrl!;
  const zip = await zipFiles({ 'handler.js': RECORDER });
  const res = await deploy(
    platform.url,
    serviceSpec('eb', 'dev', [fnSpec('eb', 'dev', 'recorder', zip, { environment: { SEEN_URL: seenUrl } })]),
    [zip],
  );
  expect(res.status).toBe(200);
}, 60_000);

afterAll(async () => {
  eb?.destroy();
  sqs?.destroy();
  await stopPlatform?.();
});

describe('event buses', () => {
  it('creates, describes, lists and deletes custom buses', async () => {
    const { EventBusArn } = await eb.send(new CreateEventBusCommand({ Name: 'orders' }));
    expect(EventBusArn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/orders');
    expect((await eb.send(new DescribeEventBusCommand({ Name: 'orders' }))).Arn).toBe(EventBusArn);
    expect((await eb.send(new DescribeEventBusCommand({}))).Name).toBe('default');
    const names = (await eb.send(new ListEventBusesCommand({}))).EventBuses?.map((b) => b.Name);
    expect(names).toEqual(expect.arrayContaining(['default', 'orders']));
    expect((await failure(eb.send(new CreateEventBusCommand({ Name: 'orders' })))).name).toBe(
      'ResourceAlreadyExistsException',
    );
    await eb.send(new DeleteEventBusCommand({ Name: 'orders' }));
    expect((await failure(eb.send(new DescribeEventBusCommand({ Name: 'orders' })))).name).toBe(
      'ResourceNotFoundException',
    );
    expect((await failure(eb.send(new DeleteEventBusCommand({ Name: 'default' })))).name).toBe(
      'ValidationException',
    );
  });
});

describe('rules and targets', () => {
  it('validates patterns and schedules with AWS errors', async () => {
    const bad = await failure(eb.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"x"}' })));
    expect(bad.name).toBe('InvalidEventPatternException');
    expect(bad.message).toMatch(/^Event pattern is not valid\. Reason: /);
    const cron = await failure(
      eb.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: 'cron(0 12 * * * *)' })),
    );
    expect(cron.name).toBe('ValidationException');
    expect(cron.message).toBe('Parameter ScheduleExpression is not valid.');
    const neither = await failure(eb.send(new PutRuleCommand({ Name: 'bad' })));
    expect(neither.message).toBe('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    expect((await failure(eb.send(new DescribeRuleCommand({ Name: 'nope' })))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it('describes, lists and deletes rules; refuses to delete a rule with targets', async () => {
    const { RuleArn } = await eb.send(
      new PutRuleCommand({ Name: 'r1', EventPattern: '{"source":["a"]}', Description: 'd' }),
    );
    expect(RuleArn).toBe('arn:aws:events:us-east-1:000000000000:rule/r1');
    expect(await eb.send(new DescribeRuleCommand({ Name: 'r1' }))).toMatchObject({
      Name: 'r1',
      State: 'ENABLED',
      EventPattern: '{"source":["a"]}',
      Description: 'd',
      EventBusName: 'default',
    });
    expect((await eb.send(new ListRulesCommand({ NamePrefix: 'r' }))).Rules?.map((r) => r.Name)).toContain(
      'r1',
    );
    await eb.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:direct' }],
      }),
    );
    expect((await eb.send(new ListTargetsByRuleCommand({ Rule: 'r1' }))).Targets).toEqual([
      { Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:direct' },
    ]);
    expect((await failure(eb.send(new DeleteRuleCommand({ Name: 'r1' })))).name).toBe('ValidationException');
    await eb.send(new RemoveTargetsCommand({ Rule: 'r1', Ids: ['t'] }));
    await eb.send(new DeleteRuleCommand({ Name: 'r1' }));
    const both = await failure(
      eb.send(new PutRuleCommand({ Name: 'r2', EventPattern: '{"source":["a"]}' })).then(() =>
        eb.send(
          new PutTargetsCommand({
            Rule: 'r2',
            Targets: [
              {
                Id: 't',
                Arn: 'arn:aws:sqs:us-east-1:000000000000:direct',
                Input: '{}',
                InputPath: '$.detail',
              },
            ],
          }),
        ),
      ),
    );
    expect(both.name).toBe('ValidationException');
  });

  it('tests patterns like TestEventPattern', async () => {
    const event = JSON.stringify({
      id: '1',
      'detail-type': 'x',
      source: 'shop',
      account: '000000000000',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { total: 12 },
    });
    expect(
      (
        await eb.send(
          new TestEventPatternCommand({
            EventPattern: '{"detail":{"total":[{"numeric":[">",10]}]}}',
            Event: event,
          }),
        )
      ).Result,
    ).toBe(true);
    expect(
      (
        await eb.send(
          new TestEventPatternCommand({ EventPattern: '{"source":[{"prefix":"x"}]}', Event: event }),
        )
      ).Result,
    ).toBe(false);
  });
});

describe('PutEvents', () => {
  it('delivers matching events to an SQS target with InputPath, on a custom bus', async () => {
    await eb.send(new CreateEventBusCommand({ Name: 'shop' }));
    await eb.send(
      new PutRuleCommand({
        Name: 'big-orders',
        EventBusName: 'shop',
        EventPattern: JSON.stringify({ source: ['shop'], detail: { total: [{ numeric: ['>=', 100] }] } }),
      }),
    );
    await eb.send(
      new PutTargetsCommand({
        Rule: 'big-orders',
        EventBusName: 'shop',
        Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:direct', InputPath: '$.detail' }],
      }),
    );
    const r = await eb.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'shop',
            Source: 'shop',
            DetailType: 'Order',
            Detail: JSON.stringify({ id: 1, total: 150 }),
          },
          {
            EventBusName: 'shop',
            Source: 'shop',
            DetailType: 'Order',
            Detail: JSON.stringify({ id: 2, total: 5 }),
          },
          { EventBusName: 'shop', Source: 'shop', DetailType: 'Order', Detail: 'not json' },
          { EventBusName: 'nowhere', Source: 'shop', DetailType: 'Order', Detail: '{}' },
        ],
      }),
    );
    expect(r.FailedEntryCount).toBe(2);
    expect(r.Entries?.[0].EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.Entries?.[2]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(r.Entries?.[3]).toMatchObject({ ErrorCode: 'ResourceNotFoundException' });
    expect(await receive(directUrl, 1)).toEqual([{ id: 1, total: 150 }]);
  });

  it('invokes a Lambda target asynchronously with an InputTransformer', async () => {
    await eb.send(
      new PutRuleCommand({
        Name: 'to-fn',
        EventPattern: JSON.stringify({ source: [{ prefix: 'app.' }], 'detail-type': ['Signup'] }),
      }),
    );
    await eb.send(
      new PutTargetsCommand({
        Rule: 'to-fn',
        Targets: [
          {
            Id: 'fn',
            Arn: 'arn:aws:lambda:us-east-1:000000000000:function:eb-dev-recorder',
            InputTransformer: {
              InputPathsMap: { user: '$.detail.user', plan: '$.detail.plan' },
              InputTemplate:
                '{"greeting": "welcome <user>", "plan": <plan>, "rule": "<aws.events.rule-name>"}',
            },
          },
        ],
      }),
    );
    await eb.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'app.users',
            DetailType: 'Signup',
            Detail: JSON.stringify({ user: 'ada', plan: { tier: 'pro' } }),
          },
        ],
      }),
    );
    await eb.send(
      new PutEventsCommand({ Entries: [{ Source: 'other', DetailType: 'Signup', Detail: '{}' }] }),
    );
    const seen = await receive(seenUrl, 1);
    expect(seen).toEqual([
      { fn: 'eb-dev-recorder', event: { greeting: 'welcome ada', plan: { tier: 'pro' }, rule: 'to-fn' } },
    ]);
  });

  it('delivers to a FIFO queue target with its message group', async () => {
    const fifo = (
      await sqs.send(new CreateQueueCommand({ QueueName: 'orders.fifo', Attributes: { FifoQueue: 'true' } }))
    ).QueueUrl!;
    await eb.send(
      new PutRuleCommand({ Name: 'to-fifo', EventPattern: JSON.stringify({ source: ['fifo.test'] }) }),
    );
    await eb.send(
      new PutTargetsCommand({
        Rule: 'to-fifo',
        Targets: [
          {
            Id: 'f',
            Arn: 'arn:aws:sqs:us-east-1:000000000000:orders.fifo',
            InputPath: '$.detail',
            SqsParameters: { MessageGroupId: 'g1' },
          },
        ],
      }),
    );
    await eb.send(
      new PutEventsCommand({
        Entries: [1, 2].map((n) => ({ Source: 'fifo.test', DetailType: 'x', Detail: JSON.stringify({ n }) })),
      }),
    );
    expect(await receive(fifo, 2)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('publishes to an SNS topic target (seen through an SQS subscription)', async () => {
    const sns = new SNSClient({ endpoint: platform.url, ...creds });
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
      const q = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-inbox' }))).QueueUrl!;
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: 'arn:aws:sqs:us-east-1:000000000000:alerts-inbox',
        }),
      );
      await eb.send(
        new PutRuleCommand({ Name: 'to-topic', EventPattern: JSON.stringify({ 'detail-type': ['Alarm'] }) }),
      );
      await eb.send(
        new PutTargetsCommand({
          Rule: 'to-topic',
          Targets: [{ Id: 't', Arn: TopicArn!, Input: '{"alert":"disk"}' }],
        }),
      );
      await eb.send(
        new PutEventsCommand({ Entries: [{ Source: 'ops', DetailType: 'Alarm', Detail: '{}' }] }),
      );
      const [envelope] = (await receive(q, 1)) as Array<{ Type: string; TopicArn: string; Message: string }>;
      expect(envelope).toMatchObject({ Type: 'Notification', TopicArn });
      expect(JSON.parse(envelope.Message)).toEqual({ alert: 'disk' });
    } finally {
      sns.destroy();
    }
  });

  it('passes the whole envelope by default', async () => {
    await eb.send(
      new PutRuleCommand({ Name: 'whole', EventPattern: JSON.stringify({ source: ['whole.test'] }) }),
    );
    await eb.send(
      new PutTargetsCommand({
        Rule: 'whole',
        Targets: [{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:eb-dev-recorder' }],
      }),
    );
    await eb.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'whole.test',
            DetailType: 'Thing',
            Detail: '{"a":1}',
            Resources: ['arn:x'],
            Time: new Date('2026-03-01T10:00:00Z'),
          },
        ],
      }),
    );
    const [seen] = (await receive(seenUrl, 1)) as Array<{ event: Record<string, unknown> }>;
    expect(seen.event).toMatchObject({
      version: '0',
      'detail-type': 'Thing',
      source: 'whole.test',
      account: '000000000000',
      time: '2026-03-01T10:00:00Z',
      region: 'us-east-1',
      resources: ['arn:x'],
      detail: { a: 1 },
    });
    expect(Object.keys(seen.event).sort()).toEqual([
      'account',
      'detail',
      'detail-type',
      'id',
      'region',
      'resources',
      'source',
      'time',
      'version',
    ]);
  });
});
