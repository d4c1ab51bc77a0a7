/** examples/websocket deployed with the real CLI: its README's client session works as written. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Platform } from '../../src/platform/platform.js';
import { cliAgainst, copyExample, tempDir } from './cli-support.js';
import { startTestPlatform } from './platform-helpers.js';

let platform: Platform;
let stopPlatform: (() => Promise<void>) | undefined;
let work: ReturnType<typeof tempDir>;
let wsUrl: string;
const clients: WebSocket[] = [];
const portBase = process.env.SELFLESS_API_PORT_BASE;

beforeAll(async () => {
  work = tempDir('websocket-example');
  const svc = copyExample('websocket', work.dir);
  process.env.SELFLESS_API_PORT_BASE = '0';
  ({ platform, stop: stopPlatform } = await startTestPlatform());
  const deployed = await cliAgainst(platform.url, svc, ['deploy']);
  expect(deployed.code, deployed.stderr).toBe(0);
  wsUrl = /^endpoint: (ws:\/\/127\.0\.0\.1:\d+\/dev)$/m.exec(deployed.stdout)![1]!;
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

const next = (ws: WebSocket) =>
  new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));

describe('examples/websocket', () => {
  it('answers sendMessage through @connections and unknown actions with a route response', async () => {
    const ws = await open(`${wsUrl}?name=Ada`);
    let reply = next(ws);
    ws.send(JSON.stringify({ action: 'sendMessage', text: 'hello' }));
    expect(JSON.parse(await reply)).toEqual({ from: 'server', text: 'HELLO' });
    reply = next(ws);
    ws.send('{"action":"dance"}');
    expect(await reply).toBe('unknown action: {"action":"dance"}');
  }, 60_000);

  it('refuses a connection without a name', async () => {
    await expect(open(wsUrl)).rejects.toThrow('HTTP 403');
  }, 30_000);
});
