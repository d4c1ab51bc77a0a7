// `selfless dev` start-up benchmark: wall clock from spawning `node bin/selfless.js dev <dir>
// --ephemeral` on a five-function Node.js service (bench/dev-service, HTTP API events) until the
// endpoints are printed AND a GET to one of them answers 200. Then Ctrl-C (SIGINT), checking the
// process exits and leaves nothing behind. Baselines in the same run: `node -e 0`, a bare node:http
// server reaching its first 200, and serverless-offline when installed outside the project
// (SLS_OFFLINE_DIR, default /tmp/sls-offline; see bench/apigw.mjs). Not a test.
//
//   node bench/dev-start.mjs [--runs 10] [--before DIR]
//
// --before DIR: also measure the CLI of another built checkout (e.g. an earlier commit), in turns
// with this one, so both see the same machine load.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, pct, sleep } from './lib/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const RUNS = arg('runs', 10);
const beforeAt = process.argv.indexOf('--before');
const BEFORE = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const OFFLINE_DIR = process.env.SLS_OFFLINE_DIR ?? '/tmp/sls-offline';
const TARGET_MS = 500;
const serviceSrc = join(here, 'dev-service');
const tmp = mkdtempSync(join(os.tmpdir(), 'dev-start-bench-'));
const children = new Set();

if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

// A minimal environment: what a developer's shell passes, without the CI's or the benchmark's extras.
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };

/** Process ids below `pid` (children, grandchildren…), from /proc; empty where /proc is absent. */
function descendants(pid) {
  try {
    const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
    const byParent = new Map();
    for (const line of out.trim().split('\n')) {
      const [p, pp] = line.trim().split(/\s+/).map(Number);
      if (!byParent.has(pp)) byParent.set(pp, []);
      byParent.get(pp).push(p);
    }
    const all = [];
    const walk = (p) => {
      for (const c of byParent.get(p) ?? []) {
        all.push(c);
        walk(c);
      }
    };
    walk(pid);
    return all;
  } catch {
    return [];
  }
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** GETs `url` until it answers 200; resolves with the time it did, or throws after `ms`. */
async function first200(url, ms = 30_000) {
  const end = performance.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    if (performance.now() > end) throw new Error(`${url} did not answer 200 within ${ms} ms`);
    await sleep(5);
  }
}

/**
 * Spawns a process and measures until `urlOf(output)` yields a URL that answers 200. Stops it with
 * SIGINT and checks that it and everything it started are gone. Returns milliseconds to ready.
 */
async function startOnce(cmd, args, opts, urlOf, afterReady) {
  const t0 = performance.now();
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(p);
  const exited = new Promise((r) => p.on('exit', (code, signal) => r({ code, signal })));
  let out = '';
  let url;
  const gotUrl = new Promise((resolveUrl, reject) => {
    const onData = (d) => {
      out += d;
      if (!url) {
        url = urlOf(out);
        if (url) resolveUrl(url);
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    exited.then(({ code }) => reject(new Error(`${cmd} exited ${code} before ready:\n${out.slice(-2000)}`)));
  });
  let ms;
  let failure;
  try {
    ms = (await first200(await gotUrl)) - t0;
    if (afterReady) await afterReady(url);
  } catch (e) {
    failure = e;
  }
  const pids = descendants(p.pid);
  p.kill('SIGINT');
  const done = await Promise.race([exited, sleep(10_000).then(() => undefined)]);
  if (!done) {
    p.kill('SIGKILL');
    for (const c of pids.filter(alive)) process.kill(c, 'SIGKILL');
    failure ??= new Error(`${cmd} did not exit within 10 s of SIGINT:\n${out.slice(-2000)}`);
  }
  children.delete(p);
  if (failure) throw failure;
  // Environments are reaped right after the CLI exits; give them a moment before calling them leaks.
  let left = pids.filter(alive);
  for (let i = 0; i < 60 && left.length > 0; i++) {
    await sleep(50);
    left = left.filter(alive);
  }
  if (left.length > 0) {
    const what = execFileSync('ps', ['-o', 'pid=,args=', '-p', left.join(',')], { encoding: 'utf8' });
    for (const c of left) process.kill(c, 'SIGKILL');
    throw new Error(`processes left 3 s after SIGINT:\n${what}`);
  }
  return ms;
}

function nodeStartMs() {
  const t = performance.now();
  execFileSync(process.execPath, ['-e', '0'], { env: baseEnv });
  return performance.now() - t;
}

function summary(name, xs) {
  const min = Math.min(...xs);
  return { name, median: pct(xs, 50), min, max: Math.max(...xs) };
}

const line = (r) =>
  `${r.name.padEnd(30)} median ${r.median.toFixed(0).padStart(5)} ms  min ${r.min.toFixed(0).padStart(5)} ms  max ${r.max.toFixed(0).padStart(5)} ms`;

process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

const dir = join(tmp, 'service');
cpSync(serviceSrc, dir, { recursive: true });
const endpointOf = (out) => /GET - (http:\/\/\S+\/hello)\b/.exec(out)?.[1];

console.log(
  `Ready time of a five-function Node.js service (endpoints printed + first 200), ${RUNS} runs each, ${os.cpus().length} CPUs, Node ${process.version}`,
);
const results = [];

// Baselines: node itself, and a bare node:http server reaching its first 200.
const node = [];
for (let i = 0; i < RUNS; i++) node.push(nodeStartMs());
results.push(summary('node -e 0', node));
console.log(line(results.at(-1)));

const bare = [];
for (let i = 0; i < RUNS; i++)
  bare.push(
    await startOnce(
      process.execPath,
      [join(here, 'lib/bare-server.mjs'), join(dir, 'handler.js')],
      { env: baseEnv },
      (o) => {
        const port = /^(\d+)\n/.exec(o)?.[1];
        return port && `http://127.0.0.1:${port}/hello`;
      },
    ),
  );
results.push(summary('bare node:http first 200', bare));
console.log(line(results.at(-1)));

const handlerFile = join(dir, 'handler.js');
const handlerSource = readFileSync(handlerFile, 'utf8');
const reloads = [];
/** Saves a changed handler and measures until the endpoint answers with the new code. */
async function saveAndWait(url) {
  const token = `saved-${Date.now()}`;
  const t0 = performance.now();
  writeFileSync(handlerFile, handlerSource.replace('hello from the dev-start benchmark', token));
  const end = t0 + 10_000;
  for (;;) {
    const body = await (await fetch(url)).text();
    if (body.includes(token)) break;
    if (performance.now() > end) throw new Error('the saved change was not served within 10 s');
    await sleep(5);
  }
  reloads.push(performance.now() - t0);
  writeFileSync(handlerFile, handlerSource);
}

const devOnce = (checkout, measureReload = false) =>
  startOnce(
    process.execPath,
    [join(checkout, 'bin/selfless.js'), 'dev', dir, '--ephemeral', '--port', '0'],
    { env: { ...baseEnv, SELFLESS_API_PORT_BASE: '0' }, cwd: dir },
    endpointOf,
    measureReload ? saveAndWait : undefined,
  );
// One unmeasured start first: it writes the CLI's code cache, as any first run after a build does.
await devOnce(root);
const dev = [];
const before = [];
for (let i = 0; i < RUNS; i++) {
  dev.push(await devOnce(root, true));
  if (BEFORE) before.push(await devOnce(BEFORE));
}
if (BEFORE) {
  results.push(summary(`selfless dev (${BEFORE})`, before));
  console.log(line(results.at(-1)));
}
results.push(summary('selfless dev', dev));
console.log(line(results.at(-1)));
const reload = summary('selfless dev: save → new code', reloads);
console.log(line(reload));

// serverless-offline, when installed outside the project.
const slsBin = join(OFFLINE_DIR, 'node_modules/serverless/bin/serverless.js');
let offline;
if (existsSync(slsBin) && existsSync(join(OFFLINE_DIR, 'node_modules/serverless-offline'))) {
  const odir = join(tmp, 'offline');
  cpSync(serviceSrc, odir, { recursive: true });
  symlinkSync(join(OFFLINE_DIR, 'node_modules'), join(odir, 'node_modules'));
  writeFileSync(
    join(odir, 'serverless.yml'),
    `${readFileSync(join(odir, 'serverless.yml'), 'utf8')}\nplugins:\n  - serverless-offline\n`,
  );
  const xs = [];
  const runs = Math.min(RUNS, 5);
  try {
    for (let i = 0; i < runs; i++) {
      const port = 3900 + Math.floor(Math.random() * 50);
      xs.push(
        await startOnce(
          process.execPath,
          [slsBin, 'offline', 'start', '--httpPort', String(port), '--lambdaPort', String(port + 100)],
          { cwd: odir, env: { ...baseEnv, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' } },
          (o) => (/GET\s+\|\s+http:\/\/\S+\/hello/.test(o) ? `http://localhost:${port}/hello` : undefined),
        ),
      );
    }
    offline = summary(`serverless-offline (${runs} runs)`, xs);
    results.push(offline);
    console.log(line(offline));
  } catch (e) {
    console.log(`serverless-offline: failed (${e.message.split('\n')[0]}); skipped`);
  }
} else {
  console.log(`serverless-offline: not installed in ${OFFLINE_DIR}; skipped`);
}

const d = results.find((r) => r.name === 'selfless dev');
console.log('\nTargets:');
console.log(`  selfless dev median ready: ${d.median.toFixed(0)} ms (target <= ${TARGET_MS} ms)`);
console.log(`  over node -e 0: ${(d.median / results[0].median).toFixed(1)}x`);
console.log(`  save → new code answering: median ${reload.median.toFixed(0)} ms (target: well under 1 s)`);
if (BEFORE) console.log(`  vs ${BEFORE}: ${(pct(before, 50) / d.median).toFixed(1)}x faster`);
if (offline) console.log(`  vs serverless-offline: ${(offline.median / d.median).toFixed(1)}x faster`);
