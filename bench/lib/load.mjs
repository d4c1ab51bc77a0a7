/**
 * A closed-loop HTTP load generator (run as its own process so it does not share the server's event
 * loop): `node bench/load.mjs URL CONCURRENCY SECONDS` prints one JSON line with throughput and
 * latency percentiles, plus throughput per second to show decay over a run.
 */
import http from 'node:http';

const [url, concurrencyArg, secondsArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 1);
const seconds = Number(secondsArg ?? 5);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies = [];
const perSecond = [];
let errors = 0;
let non2xx = 0;
const start = performance.now();
const end = start + seconds * 1000;

function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, agent },
      (res) => {
        res.resume();
        res.on('end', () => {
          const t1 = performance.now();
          if (res.statusCode < 200 || res.statusCode >= 300) non2xx += 1;
          latencies.push(t1 - t0);
          const sec = Math.floor((t1 - start) / 1000);
          perSecond[sec] = (perSecond[sec] ?? 0) + 1;
          resolve();
        });
      },
    );
    req.on('error', () => {
      errors += 1;
      resolve();
    });
  });
}

async function loop() {
  while (performance.now() < end) await once();
}

await Promise.all(Array.from({ length: concurrency }, loop));
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
agent.destroy();
process.stdout.write(
  `${JSON.stringify({
    requests: latencies.length,
    rps: latencies.length / elapsed,
    p50: pct(50),
    p99: pct(99),
    max: latencies[latencies.length - 1] ?? 0,
    errors,
    non2xx,
    perSecond: perSecond.slice(0, Math.floor(elapsed)),
  })}\n`,
);
