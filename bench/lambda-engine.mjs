// Lambda engine benchmark: cold start (environment spawn → first response) and warm invoke latency
// for node and python hello functions, over the fast channel and the Runtime API, side by side with
// the raw cost of one Runtime API round trip and of a bare node:http request measured in this run.
// Plain node over dist/ (run `npm run build` first, or `npm run bench`). Not a test.
//
//   node bench/lambda-engine.mjs [--warm N] [--cold N]
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { arg, fromDist, pct, sleep } from './lib/common.mjs';
import { cpuMs } from './lib/proc-cpu.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { ProcessEnvironmentManager } = await fromDist('services/lambda/runtime/manager.js');

const WARM = arg('warm', 2000);
const COLD = arg('cold', 15);

function stats(samples) {
  return { p50: pct(samples, 50), p99: pct(samples, 99), n: samples.length };
}

let seq = 0;
function hello(runtime) {
  const py = runtime.startsWith('python');
  const functionName = `bench-${runtime}-${++seq}`;
  return {
    functionName,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    version: '$LATEST',
    runtime,
    handler: py ? 'handler.hello' : 'index.handler',
    memorySize: 1024,
    timeout: 30,
    environment: {},
    codeDir: join(here, 'functions', py ? 'python-hello' : 'node-hello'),
    layerDirs: [],
    logGroup: `/aws/lambda/${functionName}`,
    region: 'us-east-1',
    architecture: 'x86_64',
    revision: 'r1',
  };
}
const payload = Buffer.from('{"bench":true}');
const request = (fn) => ({ payload, invokedFunctionArn: fn.functionArn });
const sink = { write() {} };

async function warmLatency(channel, runtime) {
  const m = new ProcessEnvironmentManager({
    endpointUrl: 'http://127.0.0.1:4566',
    channel,
    prestart: 0,
    logSink: sink,
  });
  const fn = hello(runtime);
  try {
    for (let i = 0; i < 200; i++) await m.invoke(fn, request(fn));
    const samples = [];
    for (let i = 0; i < WARM; i++) {
      const t = performance.now();
      const out = await m.invoke(fn, request(fn));
      samples.push(performance.now() - t);
      if (out.functionError) throw new Error(`bench function failed: ${out.payload}`);
    }
    return stats(samples);
  } finally {
    await m.shutdown();
  }
}

async function coldStart(channel, runtime, prestart) {
  const m = new ProcessEnvironmentManager({
    endpointUrl: 'http://127.0.0.1:4566',
    channel,
    prestart,
    logSink: sink,
  });
  try {
    if (prestart) m.warmPool([runtime.startsWith('python') ? 'python' : 'node']);
    const samples = [];
    const cpu = [];
    const family = runtime.startsWith('python') ? 'python' : 'node';
    for (let i = 0; i < COLD; i++) {
      const fn = hello(runtime);
      // Let the pool refill and the machine settle between cold starts.
      await sleep(prestart ? 1000 : 150);
      // The bench peeks at the pool (private) to charge only the specialisation to the cold start.
      const pooledPid = prestart ? m.pool.ready[family][0]?.child.pid : undefined;
      const before = pooledPid ? cpuMs(pooledPid) : 0;
      const c0 = process.cpuUsage();
      const t = performance.now();
      const out = await m.invoke(fn, request(fn));
      samples.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      const [env] = m.environments(fn.functionName);
      const envCpu = !pooledPid || env?.pid === pooledPid ? cpuMs(env.pid) - before : Number.NaN;
      cpu.push((c.user + c.system) / 1000 + envCpu);
      if (out.functionError) throw new Error(`bench function failed: ${out.payload}`);
      await m.retire(fn.functionName);
    }
    return { ...stats(samples), cpu: stats(cpu.filter((x) => !Number.isNaN(x))).p50 };
  } finally {
    await m.shutdown();
  }
}

/** The floor of the Runtime API: a bare /next + /response loop between a node:http server here
 *  and a keep-alive node:http client in a child process, nothing else. */
async function rawRuntimeApiRoundTrip() {
  let pendingNext = null;
  let onResponse = null;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      pendingNext = res;
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end('{"status":"OK"}');
      onResponse?.();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const client = `
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = (method, path, body) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: ${port}, method, path, agent }, (res) => {
        const c = []; res.on('data', (d) => c.push(d)); res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(c) }));
      });
      req.on('error', reject); req.end(body);
    });
    (async () => { for (;;) {
      const inv = await call('GET', '/2018-06-01/runtime/invocation/next');
      await call('POST', '/2018-06-01/runtime/invocation/' + inv.headers['lambda-runtime-aws-request-id'] + '/response', '{"statusCode":200,"body":"hello"}');
    } })().catch(() => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', client], { stdio: 'ignore' });
  const once = () =>
    new Promise((resolve) => {
      const deliver = () => {
        const res = pendingNext;
        pendingNext = null;
        onResponse = resolve;
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Lambda-Runtime-Aws-Request-Id': `req-${++seq}`,
          'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30000),
          'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:raw',
        });
        res.end(payload);
      };
      const wait = () => (pendingNext ? deliver() : setImmediate(wait));
      wait();
    });
  try {
    for (let i = 0; i < 200; i++) await once();
    const samples = [];
    for (let i = 0; i < WARM; i++) {
      const t = performance.now();
      await once();
      samples.push(performance.now() - t);
    }
    return stats(samples);
  } finally {
    child.kill('SIGKILL');
    server.close();
    server.closeAllConnections();
  }
}

/** A plain keep-alive request to a node:http server in another process. */
async function bareHttp() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, {'Content-Type':'application/json'}); s.end('{"statusCode":200,"body":"hello"}'); }); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const port = await new Promise((r) => child.stdout.once('data', (d) => r(Number(String(d).trim()))));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const call = () =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(payload);
    });
  try {
    for (let i = 0; i < 200; i++) await call();
    const samples = [];
    for (let i = 0; i < WARM; i++) {
      const t = performance.now();
      await call();
      samples.push(performance.now() - t);
    }
    return stats(samples);
  } finally {
    agent.destroy();
    child.kill('SIGKILL');
  }
}

const rows = [];
const row = (name, s) => {
  rows.push({ name, ...s });
  process.stderr.write(`  ${name}: p50 ${s.p50.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms (n=${s.n})\n`);
};

console.log(
  `Lambda engine benchmark — node ${process.version}, ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
row('baseline: bare node:http request (keep-alive)', await bareHttp());
row('baseline: raw Runtime API round trip (/next + /response)', await rawRuntimeApiRoundTrip());
for (const runtime of ['nodejs20.x', 'python3.12']) {
  row(`warm invoke ${runtime}, fast channel`, await warmLatency('fast', runtime));
  row(`warm invoke ${runtime}, Runtime API`, await warmLatency('runtime-api', runtime));
}
for (const runtime of ['nodejs20.x', 'python3.12']) {
  row(`cold start ${runtime}, spawn`, await coldStart('fast', runtime, 0));
  row(`cold start ${runtime}, pre-started pool`, await coldStart('fast', runtime, 1));
  row(`cold start ${runtime}, Runtime API`, await coldStart('runtime-api', runtime, 0));
}

const rawApi = rows[1].p50;
const bare = rows[0].p50;
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log(
  `\n${pad('scenario', 58)}${lpad('p50 ms', 10)}${lpad('p99 ms', 10)}${lpad('÷ raw RAPI', 12)}${lpad('÷ bare http', 13)}${lpad('CPU ms p50', 12)}`,
);
for (const r of rows) {
  const cpu = r.cpu === undefined ? '' : r.cpu.toFixed(1);
  console.log(
    `${pad(r.name, 58)}${lpad(r.p50.toFixed(3), 10)}${lpad(r.p99.toFixed(3), 10)}${lpad(`${(r.p50 / rawApi).toFixed(2)}×`, 12)}${lpad(`${(r.p50 / bare).toFixed(2)}×`, 13)}${lpad(cpu, 12)}`,
  );
}
console.log(
  `\nLoad average after the run: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}. CPU ms = platform + environment process CPU time per cold start (load-independent).`,
);
console.log(
  '\nTargets on a 2-core machine: warm invoke p50 ≤ 1 ms; cold start p50 ≤ 60 ms (≤ 15 ms with the pool).',
);
