/**
 * serverless.yml `schedule` and `eventBridge` schedules on a platform driven by a ManualClock:
 * rule schedules and EventBridge Scheduler schedules (with a timezone) fire real functions with
 * AWS's scheduled-event payloads (or the configured input), disabled ones stay quiet, a schedule
 * missed while the platform was down fires once on restart and never twice, and invalid
 * expressions and patterns are rejected at deploy.
 */
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { deploy, fnSpec, serviceSpec, tempDir, zipFiles } from './platform-helpers.js';

const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
let platform: Platform;
let sqs: SQSClient;
let dataDir: string;
let cleanup: () => void;
let seenUrl: string;

// biome-ignore lint/suspicious/noExplicitAny: assertions dig freely into events.
type Seen = { fn: string; event: any };

const RECORDER = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event, context) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.SEEN_URL, MessageBody: JSON.stringify({ fn: context.functionName, event }) }));
};`;

/** Environments never idle out here: hours of manual-clock time pass between invocations. */
let port = 0;
async function start(): Promise<void> {
  // Restarts keep the port: the function's SEEN_URL names it.
  platform = await startPlatform({
    port,
    dataDir,
    clock,
    log: quiet,
    limits: { idleMs: 7 * 24 * 3_600_000 },
  });
  port = platform.port;
  sqs?.destroy();
  sqs = new SQSClient({
    endpoint: platform.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** Collects exactly `n` recorded events (then checks briefly that no more arrive). */
async function collect(n: number): Promise<Seen[]> {
  const out: Seen[] = [];
  let idle = 0;
  // ReceiveMessage long polling waits on the platform's (manual) clock, so poll in real time.
  while (idle < (out.length >= n ? 5 : 150)) {
    // Work queued for "now" (Lambda's async queue) waits on clock timers: let due ones run.
    await clock.advance(0);
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: seenUrl, MaxNumberOfMessages: 10 }));
    const got = r.Messages ?? [];
    for (const m of got) {
      out.push(JSON.parse(m.Body ?? 'null'));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: seenUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    idle = got.length ? 0 : idle + 1;
    if (!got.length) await new Promise((r) => setTimeout(r, 100));
  }
  return out.sort((a, b) =>
    String(a.event.time ?? a.event.at ?? '').localeCompare(String(b.event.time ?? b.event.at ?? '')),
  );
}

beforeAll(async () => {
  const t = tempDir('selfless-schedules-');
  dataDir = t.dir;
  cleanup = t.cleanup;
  await start();
  seenUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'seen' }))).QueueUrl!;
  const zip = await zipFiles({ 'handler.js': RECORDER });
  const spec = serviceSpec('cron', 'dev', [
    fnSpec('cron', 'dev', 'ticker', zip, {
      environment: { SEEN_URL: seenUrl },
      events: [
        { schedule: 'rate(1 hour)' },
        { schedule: { rate: 'cron(0 12 * * ? *)', input: { job: 'noon' } } },
        {
          schedule: {
            rate: 'cron(0 9 * * ? *)',
            method: 'scheduler',
            timezone: 'Europe/Paris',
            name: 'paris-morning',
          },
        },
        { schedule: { rate: 'rate(5 minutes)', enabled: false } },
        {
          eventBridge: {
            schedule: 'cron(30 1 * * ? *)',
            inputTransformer: {
              inputPathsMap: { t: '$.time', r: '$.resources[0]' },
              inputTemplate: '{"at": <t>, "rule": <r>}',
            },
          },
        },
      ],
    }),
  ]);
  const res = await deploy(platform.url, spec, [zip]);
  expect(res.status, await res.clone().text()).toBe(200);
}, 60_000);

afterAll(async () => {
  sqs?.destroy();
  await platform?.stop();
  cleanup?.();
});

describe('schedules on a manual clock', () => {
  it('fires rule schedules with the Scheduled Event payload and eventBridge schedules through their transformer', async () => {
    // Step the clock from firing to firing: a function mid-invocation must not see hours pass at once
    // (its timeout runs on the same clock).
    const seen: Seen[] = [];
    for (const t of ['01:00', '01:30', '02:00']) {
      await clock.advanceTo(Date.parse(`2026-01-01T${t}:00Z`));
      seen.push(...(await collect(1)));
    }
    expect(seen.map((s) => s.event.time ?? s.event.at)).toEqual([
      '2026-01-01T01:00:00Z',
      '2026-01-01T01:30:00Z',
      '2026-01-01T02:00:00Z',
    ]);
    expect(seen[0]).toEqual({
      fn: 'cron-dev-ticker',
      event: {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: '2026-01-01T01:00:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:000000000000:rule/cron-dev-TickerEventsRuleSchedule1'],
        detail: {},
      },
    });
    expect(seen[1].event).toEqual({
      at: '2026-01-01T01:30:00Z',
      rule: 'arn:aws:events:us-east-1:000000000000:rule/cron-dev-ticker-rule-5',
    });
  });

  it('fires the input of a cron schedule and a Scheduler schedule in its timezone; disabled ones never', async () => {
    const seen: Seen[] = [];
    for (let hour = 3; hour <= 12; hour++) {
      await clock.advanceTo(Date.UTC(2026, 0, 1, hour));
      seen.push(...(await collect(hour === 8 || hour === 12 ? 2 : 1)));
    }
    expect(seen).toHaveLength(12);
    expect(seen.filter((s) => s.event.source === 'aws.events')).toHaveLength(10);
    expect(seen.find((s) => s.event.job)).toEqual({ fn: 'cron-dev-ticker', event: { job: 'noon' } });
    const paris = seen.find((s) => s.event.source === 'aws.scheduler');
    expect(paris?.event).toMatchObject({
      'detail-type': 'Scheduled Event',
      time: '2026-01-01T08:00:00Z',
      resources: ['arn:aws:scheduler:us-east-1:000000000000:schedule/default/paris-morning'],
      detail: '{}',
    });
  }, 120_000);

  it('fires a schedule missed while the platform was down once on restart, and never twice', async () => {
    await platform.stop();
    await clock.advanceTo(Date.parse('2026-01-01T15:30:00Z'));
    await start();
    const after = await collect(1);
    expect(after.map((s) => s.event.time)).toEqual(['2026-01-01T15:00:00Z']);
    await platform.stop();
    await start();
    expect(await collect(0)).toEqual([]);
    await clock.advanceTo(Date.parse('2026-01-01T16:00:00Z'));
    expect((await collect(1)).map((s) => s.event.time)).toEqual(['2026-01-01T16:00:00Z']);
  }, 120_000);
});

describe('deploy-time validation', () => {
  it('rejects invalid cron expressions and event patterns, naming the function and event', async () => {
    const zip = await zipFiles({ 'handler.js': RECORDER });
    const bad = async (events: Array<Record<string, unknown>>) => {
      const res = await deploy(
        platform.url,
        serviceSpec('bad', 'dev', [fnSpec('bad', 'dev', 'f', zip, { events })]),
        [zip],
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      return ((await res.json()) as { error: { message: string; where?: string; hint?: string } }).error;
    };
    const cron = await bad([{ schedule: 'cron(0 12 * * * *)' }]);
    expect(cron.message).toContain('Function "f", functions.f.events[0].schedule.rate');
    expect(cron.message).toContain('cron(0 12 * * * *)');
    expect(cron.message).toContain('exactly one of day-of-month and day-of-week must be "?"');
    const rate = await bad([{ schedule: { rate: 'rate(1 minutes)' } }]);
    expect(rate.message).toContain('use the singular unit');
    const pattern = await bad([{ eventBridge: { pattern: { source: 'my.app' } } }]);
    expect(pattern.message).toContain('functions.f.events[0].eventBridge.pattern');
    expect(pattern.message).toContain(
      'Event pattern is not valid. Reason: "source" must be an object or an array',
    );
    const tz = await bad([
      { schedule: { rate: 'cron(0 9 * * ? *)', method: 'scheduler', timezone: 'Mars/Olympus' } },
    ]);
    expect(tz.message).toContain('unknown timezone');
  });
});
