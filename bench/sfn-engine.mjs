#!/usr/bin/env node
/**
 * Step Functions engine benchmark (run after `npm run build`):
 *  1. State transitions per second for a 100-state Pass chain: the interpreter alone (in memory, as
 *     Express runs) and a durable Standard execution (checkpoint + history persisted per transition).
 *  2. Overhead per execution of a three-Lambda-task pipeline beside the cost of the same three
 *     invokes made directly through the Lambda facade, in the same run on the same warm functions.
 * Usage: node bench/sfn-engine.mjs [--executions N] [--chains N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { arg, benchSpec, deploy, fromDist, putArtifact, quiet, zip } from './lib/common.mjs';

const { startPlatform } = await fromDist('platform/platform.js');
const { Execution } = await fromDist('services/stepfunctions/asl/interpreter.js');
const { SystemClock } = await fromDist('platform/clock.js');

const EXECUTIONS = arg('executions', 200);
const CHAINS = arg('chains', 200);

function passChain(n) {
  const States = {};
  for (let i = 0; i < n; i++)
    States[`S${i}`] = i === n - 1 ? { Type: 'Pass', End: true } : { Type: 'Pass', Next: `S${i + 1}` };
  return { StartAt: 'S0', States };
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// ---- 1a. interpreter alone ----
const chain = passChain(100);
const info = {
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:bench:e',
  name: 'e',
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench',
  stateMachineName: 'bench',
  roleArn: 'arn:aws:iam::000000000000:role/r',
  startTime: Date.now(),
  input: { value: 1, tags: ['a', 'b'] },
};
const ports = {
  clock: new SystemClock(),
  region: 'us-east-1',
  tasks: { invoke: async () => ({}), awaitCallback: () => new Promise(() => {}), newTaskToken: () => 't' },
  onEvent: () => {},
};
for (let i = 0; i < 20; i++) await new Execution(chain, info, ports).run();
let t0 = performance.now();
for (let i = 0; i < CHAINS; i++) await new Execution(chain, info, ports).run();
const memMs = performance.now() - t0;

// ---- platform for 1b and 2 ----
const dataDir = mkdtempSync(path.join(tmpdir(), 'selfless-bench-'));
const platform = await startPlatform({ port: 0, dataDir, log: quiet });
try {
  const engine = platform.service('stepfunctions');
  const lambda = platform.service('lambda');
  const role = 'arn:aws:iam::000000000000:role/r';

  // ---- 1b. durable Standard chain ----
  const std = await engine.createStateMachine({
    name: 'chain100',
    definition: JSON.stringify(chain),
    roleArn: role,
  });
  const runStandard = async () => {
    const rec = await engine.startExecution({ stateMachineArn: std.stateMachineArn, input: '{"value":1}' });
    return engine.waitForClose(rec.executionArn);
  };
  for (let i = 0; i < 5; i++) await runStandard();
  const stdRuns = Math.max(10, Math.floor(CHAINS / 4));
  t0 = performance.now();
  for (let i = 0; i < stdRuns; i++) await runStandard();
  const stdMs = performance.now() - t0;

  // ---- 2. three-Lambda pipeline vs three invokes ----
  const fn = await zip({
    'handler.js': 'exports.handler = async (event) => ({ ...event, step: (event.step ?? 0) + 1 });',
  });
  const names = ['a', 'b', 'c'];
  const codeSha256 = await putArtifact(platform.url, fn);
  const spec = benchSpec(
    names.map((key) => ({
      key,
      name: `bench-dev-${key}`,
      runtime: 'nodejs20.x',
      handler: 'handler.handler',
      memorySize: 128,
      timeout: 6,
      environment: {},
      architecture: 'x86_64',
      logGroup: `/aws/lambda/bench-dev-${key}`,
      codeSha256,
      codeSize: fn.length,
      layers: [],
      events: [],
    })),
  );
  await deploy(platform.url, spec);
  const arnOf = (k) => lambda.functionArn(`bench-dev-${k}`);
  const pipeline = {
    StartAt: 'A',
    States: {
      A: { Type: 'Task', Resource: arnOf('a'), Next: 'B' },
      B: { Type: 'Task', Resource: arnOf('b'), Next: 'C' },
      C: { Type: 'Task', Resource: arnOf('c'), End: true },
    },
  };
  const expressSm = await engine.createStateMachine({
    name: 'pipe-express',
    type: 'EXPRESS',
    definition: JSON.stringify(pipeline),
    roleArn: role,
  });
  const standardSm = await engine.createStateMachine({
    name: 'pipe-standard',
    definition: JSON.stringify(pipeline),
    roleArn: role,
  });

  const directInvokes = async () => {
    let payload = '{"step":0}';
    for (const k of names)
      payload = (await lambda.invoke({ functionName: `bench-dev-${k}`, payload })).payload.toString();
    return payload;
  };
  const viaExpress = () =>
    engine.startSyncExecution({ stateMachineArn: expressSm.stateMachineArn, input: '{"step":0}' });
  const viaStandard = async () => {
    const rec = await engine.startExecution({
      stateMachineArn: standardSm.stateMachineArn,
      input: '{"step":0}',
    });
    for (;;) {
      const r = await engine.getExecution(rec.executionArn);
      if (r.status !== 'RUNNING') return r;
      await new Promise((res) => setImmediate(res));
    }
  };
  // Warm every environment, then interleave the three variants so drift affects them equally.
  for (let i = 0; i < 20; i++) {
    await directInvokes();
    await viaExpress();
    await viaStandard();
  }
  const times = { direct: 0, express: 0, standard: 0 };
  for (let i = 0; i < EXECUTIONS; i++) {
    for (const [k, f] of [
      ['direct', directInvokes],
      ['express', viaExpress],
      ['standard', viaStandard],
    ]) {
      const s = performance.now();
      const r = await f();
      times[k] += performance.now() - s;
      if (k !== 'direct' && r.status !== 'SUCCEEDED')
        throw new Error(`${k} execution ${r.status}: ${r.error} ${r.cause}`);
    }
  }
  const per = (k) => times[k] / EXECUTIONS;

  console.log(`Step Functions engine benchmark (node ${process.version}, ${new Date().toISOString()})`);
  console.log('');
  console.log('1. 100-state Pass chain');
  console.log(
    `   interpreter in memory (Express)   ${fmt((CHAINS * 100) / (memMs / 1000))} transitions/s  (${CHAINS} executions, ${fmt(memMs / CHAINS, 2)} ms each)`,
  );
  console.log(
    `   durable Standard (SQLite per step) ${fmt((stdRuns * 100) / (stdMs / 1000))} transitions/s  (${stdRuns} executions, ${fmt(stdMs / stdRuns, 2)} ms each)`,
  );
  console.log('');
  console.log(`2. three-Lambda-task pipeline, ${EXECUTIONS} executions each, interleaved`);
  console.log(`   three direct invokes (baseline)    ${fmt(per('direct'), 3)} ms per pipeline`);
  console.log(
    `   Express execution                  ${fmt(per('express'), 3)} ms  -> overhead ${fmt(per('express') - per('direct'), 3)} ms per execution`,
  );
  console.log(
    `   Standard execution (durable)       ${fmt(per('standard'), 3)} ms  -> overhead ${fmt(per('standard') - per('direct'), 3)} ms per execution`,
  );
} finally {
  await platform.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
