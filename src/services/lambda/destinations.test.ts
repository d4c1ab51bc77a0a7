import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/integration/platform-helpers.js';
import { ManualClock } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import {
  type Delivery,
  type DeliveryTargets,
  DestinationDeliveries,
  deadLetterInfo,
  invocationRecord,
  sendDelivery,
} from './destinations.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:svc-dev-worker';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:records';
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

describe('invocationRecord', () => {
  it("is Lambda's version 1.0 record, members in AWS's order", () => {
    const r = invocationRecord({
      at: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      requestId: 'req-1',
      functionArn: `${FN}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      requestPayload: b64('{"order":7}'),
      response: {
        statusCode: 200,
        executedVersion: '$LATEST',
        functionError: 'Unhandled',
        payload: b64('{"errorType":"Error","errorMessage":"boom"}'),
      },
    });
    expect(JSON.stringify(r)).toBe(
      JSON.stringify({
        version: '1.0',
        timestamp: '2026-01-02T03:04:05.678Z',
        requestContext: {
          requestId: 'req-1',
          functionArn: `${FN}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: { order: 7 },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'Error', errorMessage: 'boom' },
      }),
    );
  });

  it('gives a handler that returned nothing a null response, non-JSON as text, no response when it never ran', () => {
    const base = {
      at: 0,
      requestId: 'r',
      functionArn: `${FN}:live`,
      approximateInvokeCount: 1,
      requestPayload: b64('"plain"'),
    };
    const ok = invocationRecord({
      ...base,
      condition: 'Success',
      response: { statusCode: 200, executedVersion: '4', payload: b64('null') },
    });
    expect(ok.responseContext).toEqual({ statusCode: 200, executedVersion: '4' });
    expect(ok.responsePayload).toBeNull();
    expect(ok.requestPayload).toBe('plain');
    const text = invocationRecord({
      ...base,
      condition: 'Success',
      response: { statusCode: 200, executedVersion: '4', payload: b64('not json') },
    });
    expect(text.responsePayload).toBe('not json');
    const old = invocationRecord({ ...base, condition: 'EventAgeExceeded', approximateInvokeCount: 0 });
    expect(Object.keys(old)).toEqual(['version', 'timestamp', 'requestContext', 'requestPayload']);
  });
});

describe('deadLetterInfo', () => {
  it("takes the function's errorMessage, cut to 1 KB, and the invoke status", () => {
    const long = 'é'.repeat(600);
    const info = deadLetterInfo(
      'r',
      {
        statusCode: 200,
        executedVersion: '$LATEST',
        functionError: 'Unhandled',
        payload: b64(JSON.stringify({ errorMessage: long })),
      },
      { errorCode: 500, errorMessage: 'unused' },
    );
    expect(info.errorCode).toBe(200);
    expect(Buffer.byteLength(info.errorMessage)).toBe(1024);
    expect(info.errorMessage).toBe('é'.repeat(512));
    expect(deadLetterInfo('r', undefined, { errorCode: 429, errorMessage: 'Rate Exceeded.' })).toEqual({
      requestId: 'r',
      errorCode: 429,
      errorMessage: 'Rate Exceeded.',
    });
  });
});

/** Delivery targets that record what they are sent; `failing` sends throw that error. */
function recordingTargets() {
  const sent: Array<{ to: string; input: unknown }> = [];
  let failing: Error | undefined;
  const take = (to: string) => async (input: unknown) => {
    if (failing) throw failing;
    sent.push({ to, input });
    return { EntryCount: 1, FailedEntryCount: 0, Entries: [{ EventId: 'e' }] } as never;
  };
  const targets: DeliveryTargets = {
    lambda: { invoke: take('lambda') as never },
    sqs: () => ({ sendMessage: async (queue, input) => take('sqs')({ queue, ...input }) }),
    sns: () => ({ publish: take('sns') as never }),
    events: () => ({ engine: { putEvents: async (entries: unknown) => take('events')(entries) } as never }),
  };
  return { targets, sent, fail: (e: Error | undefined) => (failing = e) };
}

const delivery = (over: Partial<Delivery> = {}): Delivery => ({
  target: QUEUE,
  body: '{"version":"1.0"}',
  functionArn: `${FN}:$LATEST`,
  queuedAt: 0,
  failures: 0,
  ...over,
});

describe('sendDelivery', () => {
  it('sends records and dead letters in the shape each service takes', async () => {
    const { targets, sent } = recordingTargets();
    const dl = { requestId: 'r', errorCode: 200, errorMessage: 'boom' };
    await sendDelivery(targets, delivery({ deadLetter: dl, body: '{"n":1}' }));
    await sendDelivery(targets, delivery({ target: 'arn:aws:sns:us-east-1:000000000000:t', deadLetter: dl }));
    await sendDelivery(targets, delivery({ target: `${FN.replace('worker', 'audit')}`, success: true }));
    await sendDelivery(
      targets,
      delivery({ target: 'arn:aws:events:us-east-1:000000000000:event-bus/results', success: false }),
    );
    expect(sent).toEqual([
      {
        to: 'sqs',
        input: {
          queue: QUEUE,
          body: '{"n":1}',
          messageAttributes: {
            RequestID: { DataType: 'String', StringValue: 'r' },
            ErrorCode: { DataType: 'Number', StringValue: '200' },
            ErrorMessage: { DataType: 'String', StringValue: 'boom' },
          },
        },
      },
      {
        to: 'sns',
        input: {
          topicArn: 'arn:aws:sns:us-east-1:000000000000:t',
          message: '{"version":"1.0"}',
          messageAttributes: {
            RequestID: { Type: 'String', Value: 'r' },
            ErrorCode: { Type: 'Number', Value: '200' },
            ErrorMessage: { Type: 'String', Value: 'boom' },
          },
        },
      },
      {
        to: 'lambda',
        input: {
          functionName: 'arn:aws:lambda:us-east-1:000000000000:function:svc-dev-audit',
          payload: '{"version":"1.0"}',
          invocationType: 'Event',
        },
      },
      {
        to: 'events',
        input: [
          {
            Source: 'lambda',
            DetailType: 'Lambda Function Invocation Result - Failure',
            Detail: '{"version":"1.0"}',
            EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/results',
            Resources: ['arn:aws:events:us-east-1:000000000000:event-bus/results', `${FN}:$LATEST`],
          },
        ],
      },
    ]);
  });
});

describe('DestinationDeliveries', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const open = (dir: string, clock: ManualClock, targets: DeliveryTargets) => {
    const store = new SqliteStore(dir);
    const d = new DestinationDeliveries(store, targets, clock, quiet);
    cleanups.push(
      () => store.close(),
      () => d.stop(),
    );
    return { store, d };
  };

  it('retries a refused delivery with back-off on the clock, and keeps it across a restart', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const clock = new ManualClock(1_000_000);
    const rec = recordingTargets();
    rec.fail(new SelflessError('QueueDoesNotExist', 'The specified queue does not exist.'));
    const first = open(t.dir, clock, rec.targets);
    const outcomes: string[] = [];
    first.d.onResult = (_d, o) => outcomes.push(o);
    first.d.start();
    await first.d.enqueue([{ id: 'req|on-failure', delivery: delivery({ queuedAt: clock.now() }) }]);
    await first.d.settled();
    expect(outcomes).toEqual(['retrying']);
    await clock.advance(999);
    await first.d.settled();
    expect(outcomes).toEqual(['retrying']);
    await clock.advance(1);
    await first.d.settled();
    expect(outcomes).toEqual(['retrying', 'retrying']);
    // The same outcome queued again (a redelivered event) adds nothing.
    await first.d.enqueue([{ id: 'req|on-failure', delivery: delivery() }]);
    expect(await first.d.size()).toBe(1);
    first.d.stop();
    await first.store.close();

    rec.fail(undefined);
    const second = open(t.dir, clock, rec.targets);
    second.d.start();
    await clock.advance(2_000);
    await second.d.settled();
    expect(rec.sent).toHaveLength(1);
    expect(await second.d.size()).toBe(0);
  });

  it('drops what no retry can fix, and anything older than six hours', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const clock = new ManualClock(50_000_000);
    const rec = recordingTargets();
    const { d } = open(t.dir, clock, rec.targets);
    const outcomes: string[] = [];
    d.onResult = (_d, o) => outcomes.push(o);
    d.start();
    rec.fail(new SelflessError('InvalidParameterValue', 'too long'));
    await d.enqueue([{ id: 'a', delivery: delivery({ queuedAt: clock.now() }) }]);
    await d.settled();
    rec.fail(new SelflessError('QueueDoesNotExist', 'gone'));
    await d.enqueue([{ id: 'b', delivery: delivery({ queuedAt: clock.now() - 6 * 3_600_000 }) }]);
    await d.settled();
    expect(outcomes).toEqual(['dropped', 'dropped']);
    expect(await d.size()).toBe(0);
  });
});
