/**
 * The async queue's ends over the real SQS, SNS and EventBridge engines (functions scripted, the
 * real runtime is covered by test/integration/lambda-destinations.test.ts), on a ManualClock:
 * EventAgeExceeded records and SQS dead letters, an EventBridge on-success destination matched by
 * a rule, settings that follow the invoked qualifier, and deploy-time checks of destinations.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deploy,
  fnSpec,
  json,
  serviceSpec,
  tempDir,
  zipFiles,
} from '../../../test/integration/platform-helpers.js';
import { ManualClock } from '../../platform/clock.js';
import { type Platform, startPlatform } from '../../platform/platform.js';
import type { EventsFacade } from '../events/plugin.js';
import { eventsPlugin } from '../events/plugin.js';
import { logsPlugin } from '../logs/plugin.js';
import { snsPlugin } from '../sns/plugin.js';
import type { SqsFacade } from '../sqs/facade.js';
import { sqsPlugin } from '../sqs/plugin.js';
import { lambdaPlugin } from './plugin.js';
import type { EnvironmentManager, InvokeOutcome, RuntimeFunction } from './runtime/types.js';

/** "Functions" whose code is `result.json`: `{"fail": true}` fails, otherwise answers `{ok: event}`. */
class ScriptedEnvironments implements EnvironmentManager {
  calls: string[] = [];
  async invoke(fn: RuntimeFunction, req: { payload: Buffer; requestId?: string }): Promise<InvokeOutcome> {
    this.calls.push(fn.functionName);
    const script = JSON.parse(readFileSync(path.join(fn.codeDir, 'result.json'), 'utf8'));
    const base = {
      requestId: req.requestId ?? 'r',
      logTail: '',
      executedVersion: fn.version,
      durationMs: 1,
      billedDurationMs: 1,
      maxMemoryUsedMb: 10,
    };
    if (script.fail)
      return {
        ...base,
        payload: Buffer.from('{"errorType":"Error","errorMessage":"boom"}'),
        functionError: 'Unhandled',
        errorType: 'Error',
      };
    return { ...base, payload: Buffer.from(JSON.stringify({ ok: JSON.parse(req.payload.toString()) })) };
  }
  async retire() {}
  stats() {
    return [];
  }
  async shutdown() {}
}

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

describe('async invocation outcomes', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start() {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const clock = new ManualClock(Date.UTC(2026, 4, 1));
    const envs = new ScriptedEnvironments();
    const p = await startPlatform({
      port: 0,
      dataDir: t.dir,
      clock,
      log: quiet,
      plugins: [logsPlugin(), lambdaPlugin(() => envs), sqsPlugin(), snsPlugin(), eventsPlugin()],
      limits: { asyncRetryDelaysMs: [60_000, 120_000] },
    });
    cleanups.push(() => p.stop());
    return { p, envs, clock, sqs: p.service<SqsFacade>('sqs') };
  }

  /** Lets queued work that is due now run to its end. */
  const settle = async () => {
    for (let i = 0; i < 30; i++) await new Promise((res) => setImmediate(res));
  };

  const invokeEvent = (p: Platform, name: string, body: string, qualifier?: string) =>
    fetch(`${p.url}/2015-03-31/functions/${name}/invocations${qualifier ? `?Qualifier=${qualifier}` : ''}`, {
      method: 'POST',
      body,
      headers: { 'X-Amz-Invocation-Type': 'Event' },
    });

  it('sends an event that grew too old between retries to onFailure (EventAgeExceeded) and to an SQS dead-letter queue', async () => {
    const { p, envs, clock, sqs } = await start();
    await sqs.createQueue('records');
    await sqs.createQueue('dead');
    const failing = await zipFiles({ 'result.json': '{"fail":true}' });
    const spec = serviceSpec('svc', 'dev', [
      fnSpec('svc', 'dev', 'aged', failing, {
        extra: {
          maximumEventAge: 90,
          destinations: { onFailure: { type: 'sqs', arn: queueArn('records') } },
          onError: queueArn('dead'),
        },
      }),
    ]);
    expect((await deploy(p.url, spec, [failing])).status).toBe(200);
    const r = await invokeEvent(p, 'svc-dev-aged', '{"n":1}');
    const requestId = r.headers.get('x-amzn-requestid');
    await settle();
    await clock.advance(60_000);
    await settle();
    await clock.advance(120_000);
    await settle();
    expect(envs.calls).toHaveLength(2);

    const [m] = await sqs.receiveMessage('records', { messageAttributeNames: ['All'] });
    expect(JSON.parse(m!.Body)).toEqual({
      version: '1.0',
      timestamp: new Date(Date.UTC(2026, 4, 1) + 180_000).toISOString(),
      requestContext: {
        requestId,
        functionArn: `${ARN}:svc-dev-aged:$LATEST`,
        condition: 'EventAgeExceeded',
        approximateInvokeCount: 2,
      },
      requestPayload: { n: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'boom' },
    });
    const [dead] = await sqs.receiveMessage('dead', { messageAttributeNames: ['All'] });
    expect(dead!.Body).toBe('{"n":1}');
    expect(dead!.MessageAttributes).toEqual({
      RequestID: { DataType: 'String', StringValue: requestId },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: 'boom' },
    });
    expect(await p.store.queue('lambda.async').size()).toBe(0);
    expect(await p.store.queue('lambda.destinations').size()).toBe(0);
  });

  it('puts the Success record on an EventBridge bus, where a rule routes it on', async () => {
    const { p, clock, sqs } = await start();
    const events = p.service<EventsFacade>('events');
    await sqs.createQueue('routed');
    await events.engine.createBus('results');
    await events.engine.putRule({
      Name: 'successes',
      EventBusName: 'results',
      EventPattern: JSON.stringify({
        source: ['lambda'],
        'detail-type': ['Lambda Function Invocation Result - Success'],
      }),
    });
    await events.engine.putTargets('results', 'successes', [{ Id: 'q', Arn: queueArn('routed') }]);
    const ok = await zipFiles({ 'result.json': '{}' });
    const bus = 'arn:aws:events:us-east-1:000000000000:event-bus/results';
    const spec = serviceSpec('svc', 'dev', [
      fnSpec('svc', 'dev', 'fine', ok, {
        extra: { destinations: { onSuccess: { type: 'eventBus', arn: bus } } },
      }),
    ]);
    expect((await deploy(p.url, spec, [ok])).status).toBe(200);
    await invokeEvent(p, 'svc-dev-fine', '{"k":"v"}');
    let got: Awaited<ReturnType<SqsFacade['receiveMessage']>> = [];
    for (let i = 0; i < 20 && got.length === 0; i++) {
      await clock.advance(0);
      await settle();
      await events.settled();
      got = await sqs.receiveMessage('routed');
    }
    const event = JSON.parse(got[0]!.Body);
    expect(event).toMatchObject({
      source: 'lambda',
      'detail-type': 'Lambda Function Invocation Result - Success',
      resources: [bus, `${ARN}:svc-dev-fine:$LATEST`],
      detail: {
        requestContext: { condition: 'Success', approximateInvokeCount: 1 },
        requestPayload: { k: 'v' },
        responsePayload: { ok: { k: 'v' } },
      },
    });
  });

  it("uses the settings of the qualifier invoked, and serverless.yml's only for $LATEST", async () => {
    const { p, envs, clock, sqs } = await start();
    await sqs.createQueue('records');
    const failing = await zipFiles({ 'result.json': '{"fail":true}' });
    const spec = serviceSpec('svc', 'dev', [
      fnSpec('svc', 'dev', 'bad', failing, {
        extra: {
          maximumRetryAttempts: 0,
          destinations: { onFailure: { type: 'sqs', arn: queueArn('records') } },
        },
      }),
    ]);
    expect((await deploy(p.url, spec, [failing])).status).toBe(200);
    // Version 1 (published by the deploy) has no settings of its own: two retries, no destination.
    await invokeEvent(p, 'svc-dev-bad', '{}', '1');
    for (const ms of [0, 60_000, 120_000]) {
      await clock.advance(ms);
      await settle();
    }
    expect(envs.calls).toHaveLength(3);
    expect(await sqs.receiveMessage('records')).toEqual([]);
    // Settings put on version 1 through the API apply to it.
    const put = await fetch(`${p.url}/2019-09-25/functions/svc-dev-bad/event-invoke-config?Qualifier=1`, {
      method: 'PUT',
      body: JSON.stringify({
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: queueArn('records') } },
      }),
    });
    expect(await json(put)).toMatchObject({ FunctionArn: `${ARN}:svc-dev-bad:1`, MaximumRetryAttempts: 0 });
    await invokeEvent(p, 'svc-dev-bad', '{}', '1');
    await settle();
    const [m] = await sqs.receiveMessage('records');
    expect(JSON.parse(m!.Body).requestContext).toMatchObject({
      functionArn: `${ARN}:svc-dev-bad:1`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 1,
    });
    expect(envs.calls).toHaveLength(4);
  });

  it('refuses a destination naming no function of the service, and drops settings removed from serverless.yml', async () => {
    const { p } = await start();
    const ok = await zipFiles({ 'result.json': '{}' });
    const bad = serviceSpec('svc', 'dev', [
      fnSpec('svc', 'dev', 'fine', ok, {
        extra: { destinations: { onSuccess: { type: 'function', functionKey: 'nope' } } },
      }),
    ]);
    const refused = await deploy(p.url, bad, [ok]);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await json(refused))).toContain(
      'Function \\"nope\\" named in functions.fine.destinations.onSuccess is not a function of this service.',
    );
    const config = () => fetch(`${p.url}/2019-09-25/functions/svc-dev-fine/event-invoke-config`);
    const withRetries = serviceSpec('svc', 'dev', [
      fnSpec('svc', 'dev', 'fine', ok, { extra: { maximumRetryAttempts: 1 } }),
    ]);
    expect((await deploy(p.url, withRetries, [ok])).status).toBe(200);
    expect(await json(config())).toMatchObject({ MaximumRetryAttempts: 1 });
    expect(
      (await deploy(p.url, serviceSpec('svc', 'dev', [fnSpec('svc', 'dev', 'fine', ok)]), [ok])).status,
    ).toBe(200);
    expect((await config()).status).toBe(404);
  });
});
