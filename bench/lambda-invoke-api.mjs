#!/usr/bin/env node
/**
 * Lambda through its wire API (run after `npm run build`): warm invoke latency and cold start
 * (first invoke of a freshly deployed function) via `POST /2015-03-31/functions/{name}/invocations`
 * on a real platform, for node and python hello functions, beside a bare node:http POST with the
 * same payload measured in the same run. One keep-alive HTTP client, requests one after another.
 * The platform pre-starts its runtime pool as `selfless server` does.
 * Usage: node bench/lambda-invoke-api.mjs [--warm N] [--cold N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { arg, benchSpec, deploy, fromDist, pct, putArtifact, quiet, sleep, zip } from './lib/common.mjs';

const { startPlatform } = await fromDist('platform/platform.js');

const WARM = arg('warm', 2000);
const COLD = arg('cold', 10);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const payload = JSON.stringify({ name: 'bench' });

/** One POST on the shared keep-alive socket; resolves with the status and body. */
function post(url) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function time(url, n) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await post(url);
    xs.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.body}`);
  }
  return xs;
}

const work = mkdtempSync(path.join(tmpdir(), 'selfless-bench-invoke-'));
const bare = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const event = JSON.parse(Buffer.concat(chunks).toString());
    res.end(JSON.stringify({ statusCode: 200, body: JSON.stringify({ message: `Hello, ${event.name}!` }) }));
  });
});
await new Promise((r) => bare.listen(0, '127.0.0.1', r));
const platform = await startPlatform({
  port: 0,
  dataDir: path.join(work, 'data'),
  log: quiet,
  warmPool: true,
});
const rows = [];
try {
  const code = await zip({
    'handler.js':
      // biome-ignore lint/suspicious/noTemplateCurlyInString: handler source, not a template
      'exports.hello = async (event) => ({ statusCode: 200, body: JSON.stringify({ message: `Hello, ${event.name}!` }) });\n',
    'handler.py':
      'import json\n\ndef hello(event, context):\n    return {"statusCode": 200, "body": json.dumps({"message": "Hello, " + event["name"] + "!"})}\n',
  });
  const codeSha256 = await putArtifact(platform.url, code);
  const fn = (key, runtime) => ({
    key,
    name: `bench-dev-${key}`,
    runtime,
    handler: 'handler.hello',
    memorySize: 1024,
    timeout: 30,
    environment: {},
    architecture: 'x86_64',
    logGroup: `/aws/lambda/bench-dev-${key}`,
    codeSha256,
    codeSize: code.length,
    layers: [],
    events: [],
  });
  const functions = [fn('node', 'nodejs20.x'), fn('python', 'python3.12')];
  for (let i = 0; i < COLD; i++)
    functions.push(fn(`nodecold${i}`, 'nodejs20.x'), fn(`pycold${i}`, 'python3.12'));
  await deploy(platform.url, benchSpec(functions, { sections: { provider: { versionFunctions: false } } }));
  const invokeUrl = (name) => `${platform.url}/2015-03-31/functions/bench-dev-${name}/invocations`;

  rows.push([
    'bare node:http POST (baseline)',
    await (async () => {
      await time(`http://127.0.0.1:${bare.address().port}/`, 200);
      return time(`http://127.0.0.1:${bare.address().port}/`, WARM);
    })(),
  ]);
  for (const key of ['node', 'python']) {
    await time(invokeUrl(key), 200);
    rows.push([`warm Invoke API, ${key}`, await time(invokeUrl(key), WARM)]);
  }
  for (const [label, prefix] of [
    ['cold start Invoke API, node', 'nodecold'],
    ['cold start Invoke API, python', 'pycold'],
  ]) {
    const xs = [];
    for (let i = 0; i < COLD; i++) {
      await sleep(300); // let the pool refill, as between cold starts that are not a burst
      xs.push(...(await time(invokeUrl(`${prefix}${i}`), 1)));
    }
    rows.push([label, xs]);
  }
} finally {
  await platform.stop();
  bare.close();
  agent.destroy();
  rmSync(work, { recursive: true, force: true });
}

const base = pct(rows[0][1], 50);
console.log(
  `${'scenario'.padEnd(36)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'÷ bare'.padStart(10)}`,
);
for (const [label, xs] of rows) {
  const p50 = pct(xs, 50);
  console.log(
    `${label.padEnd(36)}${p50.toFixed(3).padStart(10)}${pct(xs, 99).toFixed(3).padStart(10)}${`${(p50 / base).toFixed(2)}×`.padStart(10)}`,
  );
}
console.log(
  '\nTargets on a 2-core machine: warm invoke p50 ≤ 1 ms; cold start p50 ≤ 60 ms (≤ 15 ms pooled).',
);
