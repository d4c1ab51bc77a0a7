/** The API of a deployed service comes back on the same port after a platform restart, without a redeploy. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployLocal } from '../../src/cli/commands/dev.js';
import { loadService } from '../../src/config/index.js';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import type { ApiGatewayFacade } from '../../src/services/apigateway/plugin.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const dir = mkdtempSync(path.join(tmpdir(), 'apigw-restart-'));
let platform: Platform | undefined;

afterAll(async () => {
  await platform?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('API ports across restarts', () => {
  it('serves the same URLs after the platform restarts, and keeps the port on redeploy', async () => {
    const dataDir = path.join(dir, 'data');
    const env = process.env.SELFLESS_API_PORT_BASE;
    process.env.SELFLESS_API_PORT_BASE = String(20000 + Math.floor(Math.random() * 20000));
    try {
      platform = await startPlatform({ port: 0, dataDir, log: quiet });
      const loaded = await loadService({ cwd: path.resolve('test/fixtures/services/dev-node') });
      await deployLocal(platform, loaded, path.join(dir, 'pkg'));
      const before = platform.service<ApiGatewayFacade>('apigateway').endpoints('devnode', 'dev')!;
      expect(await (await fetch(`${before.restUrl}/users/2`)).json()).toEqual({ id: '2', name: 'Grace' });
      await platform.stop();
      platform = undefined;
      await expect(fetch(`${before.restUrl}/users/2`)).rejects.toThrow();

      platform = await startPlatform({ port: 0, dataDir, log: quiet });
      const after = platform.service<ApiGatewayFacade>('apigateway').endpoints('devnode', 'dev')!;
      expect(after.port).toBe(before.port);
      expect(await (await fetch(`${after.baseUrl}/items`)).json()).toEqual([{ sku: 'a' }, { sku: 'b' }]);
      await deployLocal(platform, loaded, path.join(dir, 'pkg'));
      expect(platform.service<ApiGatewayFacade>('apigateway').endpoints('devnode', 'dev')!.port).toBe(
        before.port,
      );
    } finally {
      if (env === undefined) delete process.env.SELFLESS_API_PORT_BASE;
      else process.env.SELFLESS_API_PORT_BASE = env;
    }
  }, 60_000);
});
