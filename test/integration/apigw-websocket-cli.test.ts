/**
 * A WebSocket API deployed with the real CLI to a platform on a free port: real function processes,
 * a real `ws` client, a $connect REQUEST authorizer, handlers answering through
 * @aws-sdk/client-apigatewaymanagementapi, a refused $connect, $disconnect seen in the function's
 * logs, and @connections on the platform port.
 */

import { cpSync } from 'node:fs';
import path from 'node:path';
import {
  ApiGatewayManagementApiClient,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Platform } from '../../src/platform/platform.js';
import { type CliRun, cliAgainst, FIXTURES, tempDir } from './cli-support.js';
import { startTestPlatform, TEST_CREDENTIALS } from './platform-helpers.js';

let platform: Platform;
let stopPlatform: (() => Promise<void>) | undefined;
let work: ReturnType<typeof tempDir>;
let svc: string;
let deployOut: string;
let wsUrl: string;
const clients: WebSocket[] = [];
const portBase = process.env.SELFLESS_API_PORT_BASE;

const cli = (args: string[]): Promise<CliRun> => cliAgainst(platform.url, svc, args);

beforeAll(async () => {
  work = tempDir('websocket-svc');
  svc = path.join(work.dir, 'websocket');
  cpSync(path.join(FIXTURES, 'websocket'), svc, { recursive: true });
  process.env.SELFLESS_API_PORT_BASE = '0';
  ({ platform, stop: stopPlatform } = await startTestPlatform());
  const deployed = await cli(['deploy']);
  expect(deployed.code, deployed.stderr).toBe(0);
  deployOut = deployed.stdout;
  const m = /(ws:\/\/127\.0\.0\.1:\d+\/dev)/.exec(deployOut);
  expect(m, deployOut).not.toBeNull();
  wsUrl = m![1]!;
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.terminate();
  await stopPlatform?.();
  if (portBase === undefined) delete process.env.SELFLESS_API_PORT_BASE;
  else process.env.SELFLESS_API_PORT_BASE = portBase;
  work?.cleanup();
});

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    clients.push(ws);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(String(d))));
}

describe('WebSocket API through the CLI', () => {
  it('prints the WebSocket endpoint beside the HTTP API on deploy and info', async () => {
    const lines = deployOut.split('\n');
    const at = lines.indexOf('endpoints:');
    expect(at, deployOut).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toMatch(/^ {2}GET - http:\/\/127\.0\.0\.1:\d+\/health$/);
    expect(lines[at + 2]).toBe(`  ${wsUrl}`);
    const httpUrl = lines[at + 1]!.replace(/^ {2}GET - /, '');
    expect(await (await fetch(httpUrl)).text()).toBe('ok');
    const info = await cli(['info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain(`endpoints:\n${lines[at + 1]}\n  ${wsUrl}\n`);
  });

  it('routes messages by action; handlers reply through PostToConnection and GetConnection', async () => {
    const ws = await open(`${wsUrl}?token=ok`);
    let reply = next(ws);
    ws.send(JSON.stringify({ action: 'echo', text: 'hi' }));
    expect(JSON.parse(await reply)).toEqual({ echo: 'hi', routeKey: 'echo' });
    reply = next(ws);
    ws.send(JSON.stringify({ action: 'whoami' }));
    const me = JSON.parse(await reply);
    expect(me.sourceIp).toBe('127.0.0.1');
    expect(me.connectedAt).toBe(me.eventConnectedAt);
    expect(me.authorizer).toMatchObject({ principalId: 'user-ok', plan: 'free' });
    // No route for the action: $default, whose body is its route response.
    reply = next(ws);
    ws.send('plain text');
    expect(await reply).toBe('default:plain text');

    // The management API on the platform port (AWS_ENDPOINT_URL) too, with GoneException for unknown ids.
    const mgmt = new ApiGatewayManagementApiClient({
      endpoint: platform.url,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });
    reply = next(ws);
    await mgmt.send(new PostToConnectionCommand({ ConnectionId: me.connectionId, Data: 'from outside' }));
    expect(await reply).toBe('from outside');
    const c = await mgmt.send(new GetConnectionCommand({ ConnectionId: me.connectionId }));
    expect(c.ConnectedAt?.getTime()).toBe(me.connectedAt);
    const gone = await mgmt
      .send(new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAA==', Data: 'x' }))
      .catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect((gone as Error).name).toBe('GoneException');
    expect((gone as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(410);
    mgmt.destroy();
  }, 60_000);

  it('refuses the connection through the $connect authorizer: 401 without a token, 403 when denied', async () => {
    await expect(open(wsUrl)).rejects.toThrow('HTTP 401');
    await expect(open(`${wsUrl}?token=bad`)).rejects.toThrow('HTTP 403');
  }, 30_000);

  it('refuses the connection when $connect returns non-2xx or throws', async () => {
    await expect(open(`${wsUrl}?token=ok&deny=1`)).rejects.toThrow('HTTP 403');
    await expect(open(`${wsUrl}?token=ok&crash=1`)).rejects.toThrow('HTTP 403');
  }, 30_000);

  it('runs $disconnect when the client closes', async () => {
    const ws = await open(`${wsUrl}?token=ok`);
    const reply = next(ws);
    ws.send(JSON.stringify({ action: 'whoami' }));
    const { connectionId } = JSON.parse(await reply);
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
    });
    let logs = '';
    for (let i = 0; i < 100 && !logs.includes(`DISCONNECT ${connectionId} 1000`); i++) {
      logs = (await cli(['logs', '-f', 'disconnect'])).stdout;
      if (!logs.includes(connectionId)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(logs).toContain(`DISCONNECT ${connectionId} 1000`);
  }, 60_000);

  it('stops serving the WebSocket API on remove', async () => {
    const removed = await cli(['remove']);
    expect(removed.code, removed.stderr).toBe(0);
    await expect(open(`${wsUrl}?token=ok`)).rejects.toThrow();
  }, 60_000);
});
