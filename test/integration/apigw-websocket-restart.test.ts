/** A deployed WebSocket API comes back on the same port after a platform restart, and keeps it on redeploy. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { deployLocal } from '../../src/cli/commands/dev.js';
import { loadService } from '../../src/config/index.js';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import type { ApiGatewayFacade } from '../../src/services/apigateway/plugin.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const dir = mkdtempSync(path.join(tmpdir(), 'apigw-ws-restart-'));
let platform: Platform | undefined;

afterAll(async () => {
  await platform?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Connects, sends one echo and returns the reply. */
async function echo(url: string, text: string): Promise<unknown> {
  const ws = new WebSocket(`${url}?token=ok`);
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send(JSON.stringify({ action: 'echo', text }));
    return JSON.parse(await reply);
  } finally {
    ws.close();
  }
}

describe('WebSocket API ports across restarts', () => {
  it('serves the same ws:// URL after the platform restarts, and keeps the port on redeploy', async () => {
    const dataDir = path.join(dir, 'data');
    const env = process.env.SELFLESS_API_PORT_BASE;
    process.env.SELFLESS_API_PORT_BASE = String(20000 + Math.floor(Math.random() * 20000));
    try {
      platform = await startPlatform({ port: 0, dataDir, log: quiet });
      const loaded = await loadService({ cwd: path.resolve('test/fixtures/services/websocket') });
      await deployLocal(platform, loaded, path.join(dir, 'pkg'));
      const before = platform.service<ApiGatewayFacade>('apigateway').endpoints('wschat', 'dev')!;
      expect(before.websocketUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/dev$/);
      expect(before.endpoints).toEqual([`GET - ${before.baseUrl}/health`, before.websocketUrl]);
      // The HTTP API takes the first free port from the base, the WebSocket API a later one.
      const wsPort = Number(/:(\d+)\//.exec(before.websocketUrl!)![1]);
      expect(wsPort).toBeGreaterThan(before.port);
      expect(await echo(before.websocketUrl!, 'one')).toEqual({ echo: 'one', routeKey: 'echo' });
      await platform.stop();
      platform = undefined;

      platform = await startPlatform({ port: 0, dataDir, log: quiet });
      const after = platform.service<ApiGatewayFacade>('apigateway').endpoints('wschat', 'dev')!;
      expect(after.websocketUrl).toBe(before.websocketUrl);
      expect(await echo(after.websocketUrl!, 'two')).toEqual({ echo: 'two', routeKey: 'echo' });
      await deployLocal(platform, loaded, path.join(dir, 'pkg'));
      expect(platform.service<ApiGatewayFacade>('apigateway').endpoints('wschat', 'dev')!.websocketUrl).toBe(
        before.websocketUrl,
      );
    } finally {
      if (env === undefined) delete process.env.SELFLESS_API_PORT_BASE;
      else process.env.SELFLESS_API_PORT_BASE = env;
    }
  }, 60_000);
});
