/**
 * Stable API ports: each service and stage keeps the port it got first (from 3000 up, or
 * `custom.selfless.httpPort`), remembered in the store so URLs survive restarts.
 */
import net from 'node:net';
import type { Table } from '../../platform/store/port.js';

/** Whether a TCP port can be bound on host right now. */
export function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Chooses the port of a service: the wanted one, the remembered one, or the first free from `base`. */
export async function choosePort(opts: {
  key: string;
  table: Table<number>;
  wanted?: number;
  base: number;
  host: string;
  /** Ports this process already serves (for other services). */
  inUse: Set<number>;
}): Promise<{ port: number; note?: string }> {
  if (opts.wanted !== undefined) return { port: opts.wanted };
  const remembered = await opts.table.get(opts.key);
  if (remembered !== undefined && !opts.inUse.has(remembered) && (await portFree(remembered, opts.host)))
    return { port: remembered };
  if (opts.base === 0) return { port: 0 };
  const taken = new Set((await opts.table.list()).filter((e) => e.key !== opts.key).map((e) => e.value));
  for (let p = opts.base; p < opts.base + 1000; p++) {
    if (taken.has(p) || opts.inUse.has(p)) continue;
    if (await portFree(p, opts.host))
      return {
        port: p,
        note:
          remembered !== undefined && remembered !== p
            ? `Port ${remembered} of ${opts.key} is taken by another process; the API moved to ${p}.`
            : undefined,
      };
  }
  return { port: 0 };
}
