/**
 * The WebSocket listener with real sockets and a real `ws` client; the functions behind the routes
 * are small in-process stand-ins for the Lambda facade (the CLI integration test runs real ones).
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualClock } from '../../platform/clock.js';
import type { FacadeInvokeRequest, FacadeInvokeResult, LambdaFacade } from '../lambda/facade.js';
import { ConnectionRegistry, MAX_FRAME_BYTES } from './websocket-connections.js';
import { IDLE_TIMEOUT_MS, MAX_CONNECTION_AGE_MS, WebSocketListener } from './websocket-listener.js';
import type { WebSocketApiModel } from './websocket-model.js';

type Handler = (event: Record<string, unknown>) => unknown;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

const api: WebSocketApiModel = {
  kind: 'websocket',
  apiId: 'abcdefghij',
  name: 'dev-chat-websockets',
  stage: 'dev',
  routeSelectionExpression: '$request.body.action',
  routes: [
    { routeKey: '$connect', functionKey: 'connect', functionName: 'connect', routeResponse: false },
    { routeKey: '$disconnect', functionKey: 'disconnect', functionName: 'disconnect', routeResponse: false },
    { routeKey: 'echo', functionKey: 'echo', functionName: 'echo', routeResponse: true },
    { routeKey: 'boom', functionKey: 'boom', functionName: 'boom', routeResponse: false },
  ],
};

let listener: WebSocketListener | undefined;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await listener?.close();
  listener = undefined;
});

async function start(handlers: Record<string, Handler>, model = api, clock = new ManualClock()) {
  const events: Array<Record<string, unknown>> = [];
  const lambda = {
    async invoke(req: FacadeInvokeRequest): Promise<FacadeInvokeResult> {
      const event = JSON.parse(String(req.payload)) as Record<string, unknown>;
      events.push(event);
      try {
        const out = await handlers[req.functionName]?.(event);
        return { statusCode: 200, requestId: 'r', payload: Buffer.from(JSON.stringify(out ?? null)) };
      } catch (e) {
        return {
          statusCode: 200,
          requestId: 'r',
          functionError: 'Unhandled',
          payload: Buffer.from(JSON.stringify({ errorMessage: (e as Error).message })),
        };
      }
    },
  } as unknown as LambdaFacade;
  const registry = new ConnectionRegistry();
  listener = new WebSocketListener(model, {
    lambda: () => lambda,
    clock,
    log: quiet,
    region: 'us-east-1',
    registry,
  });
  const port = await listener.listen(0);
  return { port, events, registry, clock };
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    clients.push(ws);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(String(d))));
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('WebSocketListener', () => {
  it('accepts a connection whose $connect returns 2xx and routes messages by action', async () => {
    const { port, events } = await start({
      connect: () => ({ statusCode: 200 }),
      echo: (e) => ({ statusCode: 200, body: `echo:${e.body}` }),
    });
    const ws = await connect(`ws://127.0.0.1:${port}/dev?room=1`);
    expect(events[0]).toMatchObject({
      queryStringParameters: { room: '1' },
      requestContext: { eventType: 'CONNECT' },
      headers: {
        Host: `127.0.0.1:${port}`,
        'Sec-WebSocket-Version': '13',
        'X-Forwarded-For': '127.0.0.1',
        'X-Forwarded-Port': String(port),
        'X-Forwarded-Proto': 'http',
        'X-Amzn-Trace-Id': expect.stringMatching(/^Root=1-/),
      },
    });
    const reply = nextMessage(ws);
    ws.send('{"action":"echo","x":1}');
    expect(await reply).toBe('echo:{"action":"echo","x":1}');
    expect(events[1]).toMatchObject({
      body: '{"action":"echo","x":1}',
      requestContext: {
        routeKey: 'echo',
        eventType: 'MESSAGE',
        domainName: `127.0.0.1:${port}`,
        stage: 'dev',
      },
    });
  });

  it('sends binary frames to $default base64 encoded', async () => {
    const model: WebSocketApiModel = {
      ...api,
      routes: [{ routeKey: '$default', functionKey: 'd', functionName: 'd', routeResponse: true }],
    };
    const { port, events } = await start({ d: (e) => ({ body: `${e.isBase64Encoded}:${e.body}` }) }, model);
    const ws = await connect(`ws://127.0.0.1:${port}/dev`);
    const reply = nextMessage(ws);
    ws.send(Buffer.from([0xff, 0x00, 0x01]), { binary: true });
    expect(await reply).toBe('true:/wAB');
    expect(events[0]?.requestContext).toMatchObject({ routeKey: '$default', eventType: 'MESSAGE' });
  });

  it('refuses the upgrade with 403 when $connect returns non-2xx or throws, and on another stage', async () => {
    let answer: Handler = () => ({ statusCode: 401 });
    const { port } = await start({ connect: (e) => answer(e) });
    await expect(connect(`ws://127.0.0.1:${port}/dev`)).rejects.toThrow('HTTP 403');
    answer = () => {
      throw new Error('no');
    };
    await expect(connect(`ws://127.0.0.1:${port}/dev`)).rejects.toThrow('HTTP 403');
    answer = () => ({ statusCode: 200 });
    await expect(connect(`ws://127.0.0.1:${port}/prod`)).rejects.toThrow('HTTP 403');
    await expect(connect(`ws://127.0.0.1:${port}/dev`)).resolves.toBeDefined();
  });

  it('answers Forbidden without a matching route or $default, and Internal server error on a failure', async () => {
    const { port } = await start({
      boom: () => {
        throw new Error('x');
      },
    });
    const ws = await connect(`ws://127.0.0.1:${port}/dev`);
    let reply = nextMessage(ws);
    ws.send('{"action":"nothing"}');
    expect(JSON.parse(await reply)).toMatchObject({ message: 'Forbidden', connectionId: expect.any(String) });
    reply = nextMessage(ws);
    ws.send('{"action":"boom"}');
    expect(JSON.parse(await reply)).toMatchObject({ message: 'Internal server error' });
  });

  it('answers Endpoint request timed out when the function outlives the integration timeout', async () => {
    const model: WebSocketApiModel = { ...api, integrationTimeoutMs: 1000 };
    const { port, clock, events } = await start({ echo: () => new Promise(() => {}) }, model);
    const ws = await connect(`ws://127.0.0.1:${port}/dev`);
    const reply = nextMessage(ws);
    ws.send('{"action":"echo"}');
    // The $connect event, then the message's.
    await until(() => events.length === 2);
    await clock.advance(1000);
    expect(JSON.parse(await reply)).toMatchObject({ message: 'Endpoint request timed out' });
  });

  it('runs $disconnect with the close code when the client closes', async () => {
    const { port, events } = await start({});
    const ws = await connect(`ws://127.0.0.1:${port}/dev`);
    ws.close(4000, 'done');
    await until(() =>
      events.some((e) => (e.requestContext as { eventType: string }).eventType === 'DISCONNECT'),
    );
    const d = events.find((e) => (e.requestContext as { eventType: string }).eventType === 'DISCONNECT')!;
    expect(d.requestContext).toMatchObject({
      routeKey: '$disconnect',
      disconnectStatusCode: 4000,
      disconnectReason: 'done',
    });
    expect((d.requestContext as { connectionId: string }).connectionId).toBe(
      (events[0]!.requestContext as { connectionId: string }).connectionId,
    );
  });

  it('serves @connections on its port: post, get, delete, and 410 for unknown connections', async () => {
    const { port, events, registry } = await start({});
    const ws = await connect(`ws://127.0.0.1:${port}/dev`);
    const id = (events[0]!.requestContext as { connectionId: string }).connectionId;
    expect(registry.get(id)).toBeDefined();
    const url = `http://127.0.0.1:${port}/dev/@connections/${encodeURIComponent(id)}`;
    const got = nextMessage(ws);
    expect((await fetch(url, { method: 'POST', body: 'hello' })).status).toBe(200);
    expect(await got).toBe('hello');
    const info = await (await fetch(url)).json();
    expect(info).toMatchObject({ identity: { sourceIp: '127.0.0.1' }, connectedAt: expect.any(String) });
    const gone = await fetch(`http://127.0.0.1:${port}/dev/@connections/nope`, { method: 'POST', body: 'x' });
    const wrongStage = await fetch(`http://127.0.0.1:${port}/prod/@connections/${encodeURIComponent(id)}`);
    expect(wrongStage.status).toBe(410);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('x-amzn-errortype')).toBe('GoneException');
    const big = await fetch(url, { method: 'POST', body: 'x'.repeat(MAX_FRAME_BYTES + 1) });
    expect(big.status).toBe(413);
    const done = closed(ws);
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
    await done;
    expect(registry.get(id)).toBeUndefined();
  });

  it('answers @connections on an API port only for that API', async () => {
    const { port, events, registry } = await start({});
    await connect(`ws://127.0.0.1:${port}/dev`);
    const id = (events[0]!.requestContext as { connectionId: string }).connectionId;
    const other = new WebSocketListener(
      { ...api, apiId: 'otherapi00' },
      {
        lambda: () => ({}) as LambdaFacade,
        clock: new ManualClock(),
        log: quiet,
        region: 'us-east-1',
        registry,
      },
    );
    try {
      const otherPort = await other.listen(0);
      const r = await fetch(`http://127.0.0.1:${otherPort}/dev/@connections/${encodeURIComponent(id)}`);
      expect(r.status).toBe(410);
      expect(
        (await fetch(`http://127.0.0.1:${port}/dev/@connections/${encodeURIComponent(id)}`)).status,
      ).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('closes with 1009 on a frame over 128 KB', async () => {
    const { port } = await start({});
    const ws = await connect(`ws://127.0.0.1:${port}/dev`);
    const done = closed(ws);
    ws.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect(await done).toBe(1009);
  });

  it('closes idle connections after 10 minutes on the platform clock', async () => {
    const { port, clock } = await start({});
    const ws = await connect(`ws://127.0.0.1:${port}/dev`);
    const done = closed(ws);
    await clock.advance(IDLE_TIMEOUT_MS - 1);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    await clock.advance(1);
    expect(await done).toBe(1001);
  });

  it('closes a busy connection at the 2 hour maximum age, and runs $disconnect', async () => {
    const { port, clock, events } = await start({ echo: () => ({ statusCode: 200 }) });
    const ws = await connect(`ws://127.0.0.1:${port}/dev`);
    const done = closed(ws);
    // Activity every 5 minutes keeps it from idling out; the age limit still ends it.
    for (let t = 0; t < MAX_CONNECTION_AGE_MS - 5 * 60_000; t += 5 * 60_000) {
      const n = events.length;
      ws.send('{"action":"echo"}');
      await until(() => events.length > n);
      await clock.advance(5 * 60_000);
      expect(ws.readyState).toBe(WebSocket.OPEN);
    }
    await clock.advance(5 * 60_000);
    expect(await done).toBe(1001);
    await until(() =>
      events.some((e) => (e.requestContext as { eventType: string }).eventType === 'DISCONNECT'),
    );
  });

  it('runs a REQUEST authorizer on $connect and passes its context on', async () => {
    const model: WebSocketApiModel = {
      ...api,
      authorizer: {
        name: 'auth',
        functionName: 'auth',
        identitySources: ['route.request.querystring.token'],
      },
    };
    const { port, events } = await start(
      {
        auth: (e) => {
          const token = (e.queryStringParameters as Record<string, string>).token;
          return {
            principalId: 'user-1',
            policyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Action: 'execute-api:Invoke',
                  Effect: token === 'good' ? 'Allow' : 'Deny',
                  Resource: e.methodArn,
                },
              ],
            },
            context: { room: 'a' },
          };
        },
        connect: () => ({ statusCode: 200 }),
      },
      model,
    );
    await expect(connect(`ws://127.0.0.1:${port}/dev`)).rejects.toThrow('HTTP 401');
    await expect(connect(`ws://127.0.0.1:${port}/dev?token=bad`)).rejects.toThrow('HTTP 403');
    await connect(`ws://127.0.0.1:${port}/dev?token=good`);
    const connectEv = events.findLast(
      (e) => (e.requestContext as { eventType: string }).eventType === 'CONNECT' && !('type' in e),
    );
    expect(connectEv?.requestContext).toMatchObject({ authorizer: { principalId: 'user-1', room: 'a' } });
    expect(events.find((e) => e.type === 'REQUEST')?.methodArn).toBe(
      'arn:aws:execute-api:us-east-1:000000000000:abcdefghij/dev/$connect',
    );
  });
});
