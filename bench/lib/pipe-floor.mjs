/**
 * A second baseline for bench/apigw.mjs: the least a gateway with Lambda's concurrency model can
 * do. A bare node:http server hands each request to its own child process (one per concurrent
 * request, reused when idle, as Lambda scales out), over a socket with length-prefixed JSON, and
 * the child calls the same handler. No events, logs, limits or freezing: it shows what running
 * handlers in separate processes costs on this machine by itself.
 *
 *   node bench/lib/pipe-floor.mjs HANDLER_FILE     (prints the port it listens on)
 */
import { spawn } from 'node:child_process';
import http from 'node:http';

const handlerFile = process.argv[2];
const CHILD = `
const fs = require('node:fs');
const handler = require(${JSON.stringify(handlerFile)});
const head = Buffer.alloc(4);
function readExact(n) {
  const b = Buffer.allocUnsafe(n);
  for (let o = 0; o < n; ) { const r = fs.readSync(3, b, o, n - o, null); if (r === 0) process.exit(0); o += r; }
  return b;
}
(async () => {
  for (;;) {
    const len = readExact(4).readUInt32BE(0);
    const event = JSON.parse(readExact(len).toString());
    const out = Buffer.from(JSON.stringify(await handler.hello(event)));
    const pre = Buffer.alloc(4); pre.writeUInt32BE(out.length, 0);
    fs.writeSync(3, Buffer.concat([pre, out]));
  }
})();
`;

const idle = [];
const children = new Set();

function newChild() {
  const p = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
  children.add(p);
  const sock = p.stdio[3];
  const c = { sock, buf: Buffer.alloc(0), waiter: null };
  sock.on('data', (d) => {
    c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
    if (c.buf.length >= 4) {
      const len = c.buf.readUInt32BE(0);
      if (c.buf.length >= 4 + len) {
        const body = c.buf.subarray(4, 4 + len);
        c.buf = c.buf.subarray(4 + len);
        const w = c.waiter;
        c.waiter = null;
        w(JSON.parse(body.toString()));
      }
    }
  });
  return c;
}

function call(event) {
  const c = idle.pop() ?? newChild();
  return new Promise((resolve) => {
    c.waiter = (r) => {
      idle.push(c);
      resolve(r);
    };
    const body = Buffer.from(JSON.stringify(event));
    const pre = Buffer.alloc(4);
    pre.writeUInt32BE(body.length, 0);
    c.sock.write(Buffer.concat([pre, body]));
  });
}

const server = http.createServer(async (req, res) => {
  const r = await call({ path: req.url, httpMethod: req.method, headers: req.headers });
  res.writeHead(r.statusCode, r.headers);
  res.end(r.body);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => {
  for (const p of children) p.kill('SIGKILL');
  server.close(() => process.exit(0));
});
