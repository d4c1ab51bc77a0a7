import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPlatformServer, listen } from './server.js';

describe('the platform port', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });
  const start = async (firstBytesTimeoutMs: number) => {
    const server = createPlatformServer({
      control: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      },
      routes: () => [],
      ready: () => true,
      region: 'us-east-1',
      log: { info() {}, warn() {}, error() {}, debug() {} },
      firstBytesTimeoutMs,
    });
    const port = await listen(server, 0, '127.0.0.1');
    closers.push(() => {
      server.closeAllConnections();
      server.close();
    });
    return port;
  };
  const opened = (port: number) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    });
  const closed = (s: Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));

  it('closes a connection that never sends a byte, and keeps serving the others', async () => {
    const port = await start(150);
    const silent = await opened(port);
    const res = await fetch(`http://127.0.0.1:${port}/_selfless/health`);
    expect(await res.json()).toEqual({ ok: true });
    await closed(silent);
    expect(silent.destroyed).toBe(true);
  });

  it('does not close a connection once its request has started', async () => {
    const port = await start(150);
    const s = await opened(port);
    const answer = new Promise<string>((resolve) => {
      let got = '';
      s.on('data', (d) => {
        got += d;
        if (got.includes('{"ok":true}')) resolve(got);
      });
    });
    s.write('GET /_selfless/health HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 400));
    s.write('\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 200/);
    s.destroy();
  });
});
