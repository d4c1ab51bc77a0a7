/**
 * The baseline: the same handler module called in-process from a bare node:http server.
 * `node bench/lib/bare-server.mjs HANDLER_FILE` prints the port it listens on.
 */
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const handler = require(process.argv[2]);
const server = http.createServer(async (req, res) => {
  const r = await handler.hello({ path: req.url, httpMethod: req.method, headers: req.headers });
  res.writeHead(r.statusCode, r.headers);
  res.end(r.body);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
