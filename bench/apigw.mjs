// API Gateway benchmark: GET /hello through the gateway (REST API, payload 1.0, a Node.js function in
// its own execution environments) at concurrency 1 and 50, side by side in one run with
//  - a bare node:http server calling the same handler in-process,
//  - the process-per-request floor (bench/lib/pipe-floor.mjs): node:http handing each concurrent
//    request to its own child process over a socket, nothing else — what Lambda's concurrency model
//    costs on this machine by itself,
//  - serverless-offline when it is installed outside the project (SLS_OFFLINE_DIR, default
//    /tmp/sls-offline: `npm i serverless@3.40.0 serverless-offline@13.10.1` there).
// The load generator runs in its own process. Not a test.
//
// Each target is warmed at c=50 for --warmup seconds (default 30) right before it is measured: the
// gateway runs 50 execution environments, separate processes whose JIT warms separately. At c=50
// each sees ~30 invocations a second, and V8 keeps compiling their hot functions with TurboFan for
// tens of seconds (measured with --trace-opt: one function every 1–2 s, 1–11 ms each; a third of the
// environments' CPU 15 s in). The bare server warms in milliseconds. Measuring right after the
// warm-up also matters on VMs that page out idle memory (DAMON reclaim): environments left idle
// for a minute answered ~25% slower here while they faulted their pages back in.
//
//   node bench/apigw.mjs [--seconds 5] [--warmup 30] [--long [--long-seconds 60]]
//     --long: a sustained run at c=50 through the gateway and serverless-offline (decay, memory)
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, fromDist, quiet, sleep } from './lib/common.mjs';
import { cpuByGroup, cpuSnapshot } from './lib/proc-cpu.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { startPlatform } = await fromDist('platform/platform.js');
const { deployLocal } = await fromDist('cli/commands/dev.js');
const { loadService } = await fromDist('config/index.js');

const SECONDS = arg('seconds', 5);
const LONG = process.argv.includes('--long');
const LONG_SECONDS = arg('long-seconds', 60);
const WARMUP = arg('warmup', 30);
const OFFLINE_DIR = process.env.SLS_OFFLINE_DIR ?? '/tmp/sls-offline';
const serviceSrc = join(here, 'apigw-service');
const children = new Set();
const tmp = mkdtempSync(join(os.tmpdir(), 'apigw-bench-'));

function load(url, concurrency, seconds) {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(
      process.execPath,
      [join(here, 'lib/load.mjs'), url, String(concurrency), String(seconds)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('exit', (code) =>
      code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`load exited ${code}`)),
    );
  });
}

function startChild(cmd, args, opts, ready) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(p);
  p.on('exit', () => children.delete(p));
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const v = ready(out);
      if (v) resolvePromise({ proc: p, value: v });
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out.slice(-2000)}`)));
  });
}

async function waitFor200(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).status === 200) return true;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  return false;
}

const results = [];
const fmt = (r) =>
  `${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms  errors ${r.errors + r.non2xx}`;

/**
 * Warms a target at c=50, then runs c=1 and c=50 (and with --long the sustained run) right after,
 * before anything else runs. With `cpu` (pid, cmd) → 'front' | 'handlers' | null, also prints CPU
 * per request of the process that takes the HTTP requests and of the processes running the handler.
 */
async function measure(name, url, { cpu, pid, withEnvironments = false } = {}) {
  await load(url, 50, WARMUP);
  for (const c of [1, 50]) {
    const before = cpu ? cpuSnapshot() : undefined;
    const r = await load(url, c, SECONDS);
    results.push({ name, c, ...r });
    console.log(`${name.padEnd(18)} c=${String(c).padEnd(3)} ${fmt(r)}`);
    if (before) {
      const groups = cpuByGroup(before, cpuSnapshot(), cpu);
      const per = (g) => ((groups.get(g) ?? 0) / r.requests).toFixed(3);
      console.log(
        `${''.padEnd(24)}CPU per request: front ${per('front')} ms, handler processes ${per('handlers')} ms`,
      );
    }
  }
  if (LONG && pid) sustainedRuns.set(name, await sustained(name, url, pid, withEnvironments));
}

const sustainedRuns = new Map();

/** Resident memory of a process in MB (Linux), or NaN. */
function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** A sustained run at c=50: throughput at its start and end, and memory after. */
async function sustained(name, url, pid, withEnvironments = false) {
  const r = await load(url, 50, LONG_SECONDS);
  let envs = '';
  if (withEnvironments) {
    const pids = [...cpuSnapshot()].filter(([, v]) => v.cmd.includes('/runtimes/')).map(([p]) => p);
    envs = `${pids.reduce((a, p) => a + (rssMb(p) || 0), 0)} MB in ${pids.length} environment processes`;
  }
  const ps = r.perSecond.map((x) => x ?? 0);
  const avg = (a) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  const first = avg(ps.slice(0, 10));
  const last = avg(ps.slice(-10));
  console.log(`${name.padEnd(18)} ${LONG_SECONDS} s at c=50: ${fmt(r)}  (${r.requests} requests)`);
  console.log(
    `${''.padEnd(24)}first 10 s ${Math.round(first)} req/s, last 10 s ${Math.round(last)} req/s (${((100 * last) / first).toFixed(0)}%), RSS ${rssMb(pid)} MB${envs ? ` (+ ${envs})` : ''}`,
  );
  return { ...r, first, last };
}

let platform;
try {
  // Bare node:http baseline.
  const bare = await startChild(
    process.execPath,
    [join(here, 'lib/bare-server.mjs'), join(serviceSrc, 'handler.js')],
    {},
    (o) => /^(\d+)\n/.exec(o)?.[1],
  );
  const bareUrl = `http://127.0.0.1:${bare.value}/dev/hello`;
  const floor = await startChild(
    process.execPath,
    [join(here, 'lib/pipe-floor.mjs'), join(serviceSrc, 'handler.js')],
    {},
    (o) => /^(\d+)\n/.exec(o)?.[1],
  );
  const floorUrl = `http://127.0.0.1:${floor.value}/dev/hello`;

  // Selfless: platform in this process, the service deployed as `selfless dev` does.
  process.env.SELFLESS_API_PORT_BASE = '0';
  const log = { ...quiet, error: (m) => console.error(m) };
  platform = await startPlatform({ port: 0, dataDir: join(tmp, 'data'), log });
  const loaded = await loadService({ cwd: serviceSrc });
  const result = await deployLocal(platform, loaded, join(tmp, 'pkg'));
  const gwUrl = `${platform.service('apigateway').endpoints(result.service, result.stage).restUrl}/hello`;

  // serverless-offline, when installed outside the project.
  let offlineUrl;
  let offlinePid;
  const slsBin = join(OFFLINE_DIR, 'node_modules/serverless/bin/serverless.js');
  if (existsSync(slsBin) && existsSync(join(OFFLINE_DIR, 'node_modules/serverless-offline'))) {
    const dir = join(tmp, 'offline');
    cpSync(serviceSrc, dir, { recursive: true });
    symlinkSync(join(OFFLINE_DIR, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(
      join(dir, 'serverless.yml'),
      `${readFileSync(join(dir, 'serverless.yml'), 'utf8')}\nplugins:\n  - serverless-offline\n`,
    );
    const port = 3900 + Math.floor(Math.random() * 50);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    };
    const offline = startChild(
      process.execPath,
      [
        slsBin,
        'offline',
        'start',
        '--httpPort',
        String(port),
        '--lambdaPort',
        String(port + 100),
        '--noTimeout',
      ],
      { cwd: dir, env },
      () => undefined,
    );
    offline.catch(() => {});
    offlinePid = [...children].at(-1)?.pid;
    offlineUrl = `http://127.0.0.1:${port}/dev/hello`;
    if (!(await waitFor200(offlineUrl, 60_000))) {
      console.log('serverless-offline: did not answer within 60 s; skipped');
      offlineUrl = undefined;
    }
  } else {
    console.log(
      `serverless-offline: not installed in ${OFFLINE_DIR}; skipped (install serverless@3 + serverless-offline@13 there to compare)`,
    );
  }

  console.log(
    `\nGET /hello, ${SECONDS} s per run, load generator in its own process, ${os.cpus().length} CPUs, Node ${process.version}`,
  );
  // Warm-up, the same for every target: the gateway creates the 50 execution environments c=50
  // needs (Lambda scales out per concurrent request) and each of them warms its JIT.
  console.log(`each target is warmed at c=50 for ${WARMUP} s right before it is measured`);
  // The Lambda layer alone (facade invoke from this process, no HTTP): what the gateway adds is the rest.
  const lambda = platform.service('lambda');
  const fn = `${result.service}-${result.stage}-hello`;
  const samples = [];
  const facadeEnd = performance.now() + SECONDS * 1000;
  while (performance.now() < facadeEnd) {
    const t = performance.now();
    await lambda.invoke({ functionName: fn, payload: '{}' });
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  console.log(
    `${'lambda invoke only'.padEnd(18)} c=1   ${Math.round(samples.length / SECONDS)
      .toString()
      .padStart(
        7,
      )} req/s  p50 ${q(0.5).toFixed(2).padStart(6)} ms  p99 ${q(0.99).toFixed(2).padStart(6)} ms  (in-process facade, no HTTP)`,
  );
  await measure('bare node:http', bareUrl);
  // The same split for the floor and the gateway: at c=50 both spread requests over 50 processes
  // on 2 CPUs, and each process's cost per request grows with that alone (cold caches and TLBs).
  const floorPid = floor.proc.pid;
  await measure('process floor', floorUrl, {
    cpu: (p, cmd) =>
      p === floorPid ? 'front' : cmd.startsWith(`${process.execPath} -e `) ? 'handlers' : null,
  });
  await measure('selfless gateway', gwUrl, {
    cpu: (p, cmd) => (p === process.pid ? 'front' : cmd.includes('/runtimes/') ? 'handlers' : null),
    pid: process.pid,
    withEnvironments: true,
  });
  if (offlineUrl) await measure('serverless-offline', offlineUrl, { pid: offlinePid });

  const get = (name, c) => results.find((r) => r.name === name && r.c === c);
  const g50 = get('selfless gateway', 50);
  const b50 = get('bare node:http', 50);
  const f50 = get('process floor', 50);
  console.log('\nTargets:');
  console.log(`  c=50 throughput vs bare: ${((100 * g50.rps) / b50.rps).toFixed(1)}% (target >= 20%)`);
  console.log(
    `  c=50 throughput vs the process-per-request floor: ${((100 * g50.rps) / f50.rps).toFixed(1)}% (the floor is ${((100 * f50.rps) / b50.rps).toFixed(1)}% of bare)`,
  );
  console.log(
    `  c=50 p99: ${g50.p99.toFixed(2)} ms (target < 15 ms; bare node:http ${b50.p99.toFixed(2)} ms, floor ${f50.p99.toFixed(2)} ms in this run)`,
  );
  const o50 = get('serverless-offline', 50);
  if (o50)
    console.log(`  c=50 throughput vs serverless-offline: ${(g50.rps / o50.rps).toFixed(1)}x (target >= 8x)`);
  const o1 = get('serverless-offline', 1);
  if (o1)
    console.log(
      `  c=1 throughput vs serverless-offline: ${(get('selfless gateway', 1).rps / o1.rps).toFixed(1)}x`,
    );

  const g = sustainedRuns.get('selfless gateway');
  const o = sustainedRuns.get('serverless-offline');
  if (g && o)
    console.log(
      `  sustained c=50 throughput vs serverless-offline: ${(g.rps / o.rps).toFixed(1)}x overall, ${(g.last / o.last).toFixed(1)}x over the last 10 s`,
    );
} finally {
  for (const p of children) p.kill('SIGTERM');
  await platform?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
