import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../platform/store/sqlite.js';
import { choosePort, portFree } from './ports.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ports-'));
const store = new SqliteStore(dir);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((r) => srv.close(() => r())) });
    });
  });
}

describe('stable API ports', () => {
  it('gives the first free port from the base, skipping ports in use', async () => {
    const table = store.table<number>('ports-a');
    const busy = await occupy();
    const { port } = await choosePort({
      key: 's:dev',
      table,
      base: busy.port,
      host: '127.0.0.1',
      inUse: new Set(),
    });
    expect(port).toBeGreaterThan(busy.port);
    expect(await portFree(busy.port, '127.0.0.1')).toBe(false);
    await busy.close();
  });

  it('reuses the remembered port of a service, and moves (with a note) when another process took it', async () => {
    const table = store.table<number>('ports-b');
    const busy = await occupy();
    await busy.close();
    await table.put('s:dev', busy.port);
    expect(
      await choosePort({ key: 's:dev', table, base: 40000, host: '127.0.0.1', inUse: new Set() }),
    ).toEqual({
      port: busy.port,
    });
    const squatter = await occupy();
    await table.put('s:dev', squatter.port);
    const moved = await choosePort({
      key: 's:dev',
      table,
      base: squatter.port,
      host: '127.0.0.1',
      inUse: new Set(),
    });
    expect(moved.port).not.toBe(squatter.port);
    expect(moved.note).toContain(`Port ${squatter.port} of s:dev is taken`);
    await squatter.close();
  });

  it('never hands out a port another service remembers, and honours custom.selfless.httpPort', async () => {
    const table = store.table<number>('ports-c');
    const free = await occupy();
    await free.close();
    await table.put('other:dev', free.port);
    const { port } = await choosePort({
      key: 's:dev',
      table,
      base: free.port,
      host: '127.0.0.1',
      inUse: new Set(),
    });
    expect(port).not.toBe(free.port);
    expect(
      (
        await choosePort({
          key: 's:dev',
          table,
          wanted: 4321,
          base: 3000,
          host: '127.0.0.1',
          inUse: new Set(),
        })
      ).port,
    ).toBe(4321);
  });
});
