/**
 * `selfless invoke stepf --name/-n <key> [--data/-d json] [--path/-p file]`, as serverless-step-functions'
 * command: starts an execution of a deployed state machine through the Step Functions API, polls
 * DescribeExecution until it closes and prints the execution as 2-space JSON on stdout. A failed,
 * timed-out or aborted execution is printed on stderr, merged with its failure details from the
 * history (error, cause), and the exit code is 1.
 */
import type { Command } from 'commander';
import { PlatformClient } from '../../framework/client.js';
import { SelflessError } from '../../platform/errors.js';
import { EXIT_FAILURE, usageError } from '../errors.js';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';
import { readDataFile } from './invoke.js';

type Json = Record<string, unknown>;

/** How often DescribeExecution is asked while the execution runs. */
const POLL_MS = 100;

/** Epoch-second dates of an API answer as ISO strings, as the AWS SDK's Date objects print in JSON. */
function withIsoDates(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o))
    out[k] = /Date$/.test(k) && typeof v === 'number' ? new Date(v * 1000).toISOString() : v;
  return out;
}

/** The execution input from --data or --path (JSON text; `{}` when neither is given). */
function inputOf(o: { data?: string; path?: string }, serviceDir: string): string {
  if (o.data !== undefined && o.data !== '') {
    try {
      JSON.parse(o.data);
    } catch (e) {
      throw usageError(
        `--data is not JSON: ${(e as Error).message}`,
        `Pass the execution input as JSON, e.g. selfless invoke stepf -n flow -d '{"temperature": 28}'.`,
      );
    }
    return o.data;
  }
  if (o.path) {
    const v = readDataFile(serviceDir, o.path, false);
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
  return '{}';
}

/** Registers `stepf` under the `invoke` command. */
export function register(program: Command, io: CliIo): void {
  const invoke = program.commands.find((c) => c.name() === 'invoke');
  if (!invoke) throw new Error('invoke-stepf must be registered after the invoke command');
  const cmd = invoke
    .command('stepf')
    .description('Invoke a state machine of the service (serverless-step-functions)')
    .option('-n, --name <key>', 'The state machine key under stepFunctions.stateMachines')
    .option('-d, --data <data>', 'Input data (JSON)')
    .option('-p, --path <path>', 'Path to a JSON or YAML file holding input data');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const o = mergedOptions(command) as { name?: string; data?: string; path?: string };
    if (!o.name)
      throw usageError(
        'The "--name" (-n) option is required.',
        'Example: selfless invoke stepf -n myStateMachine',
      );
    const loaded = await loadServiceFor(command, io);
    const { config } = loaded;
    const machines = config.stepFunctions?.stateMachines ?? {};
    const sm = machines[o.name];
    if (!sm)
      throw new SelflessError(
        'STATE_MACHINE_MISSING_IN_SERVICE',
        `State machine "${o.name}" doesn't exist in this Service`,
        {
          where: loaded.configPath,
          hint: `State machines: ${Object.keys(machines).join(', ') || '(none)'}.`,
        },
      );
    const input = inputOf(o, loaded.serviceDir);
    // Loaded on use: naming lives with the Step Functions service.
    const { machineName } = await import('../../services/stepfunctions/deploy.js');
    const { machineArn } = await import('../../services/stepfunctions/model.js');
    const name = machineName(config.service, config.provider.stage, o.name, sm);
    const stateMachineArn = machineArn(config.provider.region, name);
    const client = new PlatformClient();
    const started = await client.stepFunctions('StartExecution', { stateMachineArn, input });
    const executionArn = String(started.executionArn);
    let execution = await client.stepFunctions('DescribeExecution', { executionArn });
    while (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') {
      await new Promise((r) => setTimeout(r, POLL_MS));
      execution = await client.stepFunctions('DescribeExecution', { executionArn });
    }
    if (execution.status === 'SUCCEEDED') {
      io.result(JSON.stringify(withIsoDates(execution), null, 2));
      return;
    }
    // As the plugin does: the failure details of the closing history event are merged in.
    const history = await client.stepFunctions('GetExecutionHistory', {
      executionArn,
      reverseOrder: true,
      maxResults: 1,
    });
    const last = ((history.events as Json[] | undefined) ?? [])[0] ?? {};
    const details = Object.entries(last).find(([k]) =>
      /^execution(Failed|TimedOut|Aborted)EventDetails$/.test(k),
    );
    const merged = { ...withIsoDates(execution), ...((details?.[1] as Json | undefined) ?? {}) };
    io.writeStderr(`${JSON.stringify(merged, null, 2)}\n`);
    process.exitCode = EXIT_FAILURE;
  });
}
