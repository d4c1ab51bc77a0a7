import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.js';
import { csvItems } from '../item-reader.js';
import { StatesError } from './errors.js';
import { Execution } from './interpreter.js';
import { type MapRunReport, mapRunNames } from './map-run.js';
import type { HistoryEvent, ItemReadRequest, TaskCall, TaskPort } from './ports.js';
import type { Json, JsonObject, StateMachineDefinition } from './types.js';

const INFO = {
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:orders:e1',
  name: 'e1',
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:orders',
  stateMachineName: 'orders',
  roleArn: 'arn:aws:iam::000000000000:role/r',
};
const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:price';
const CSV = 'sku,qty\na,1\nb,2\nc,3\nd,4\ne,5\n';

/** Runs a definition with a CSV ItemReader and an in-memory ResultWriter target. */
async function run(definition: StateMachineDefinition, handler: (input: Json) => Json = (i) => i) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const events: HistoryEvent[] = [];
  const objects = new Map<string, string>();
  const reads: ItemReadRequest[] = [];
  const runs: MapRunReport[] = [];
  const tasks: TaskPort = {
    invoke: async (call: TaskCall) => handler(call.input),
    readItems: async (req) => {
      reads.push(req);
      return csvItems(CSV, req.readerConfig as JsonObject);
    },
    writeObject: async (bucket, key, body) => {
      objects.set(`${bucket}/${key}`, body);
    },
    awaitCallback: () => new Promise(() => {}),
    newTaskToken: () => 't',
  };
  const exec = new Execution(
    definition,
    { ...INFO, startTime: clock.now(), input: { bucket: 'in', out: 'results' } },
    {
      clock,
      region: 'us-east-1',
      tasks,
      onEvent: (e) => events.push(e),
      onMapRun: (r) => runs.push(r),
    },
  );
  const outcome = await exec.run();
  return { outcome, events, objects, reads, runs };
}

function machine(map: JsonObject): StateMachineDefinition {
  return {
    StartAt: 'Prices',
    States: {
      Prices: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { 'Bucket.$': '$.bucket', Key: 'orders.csv' },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Price',
          States: { Price: { Type: 'Task', Resource: LAMBDA, End: true } },
        },
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'out', 'Prefix.$': '$.out' },
        },
        End: true,
        ...map,
      },
    },
  } as unknown as StateMachineDefinition;
}

describe('Distributed Map', () => {
  it('names the map run as AWS does', () => {
    expect(mapRunNames(INFO.executionArn, 'orders', 'Prices', 'u1')).toEqual({
      mapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:orders/Prices:u1',
      id: 'u1',
      childMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:orders/Prices',
      childExecutionPrefix: 'arn:aws:states:us-east-1:000000000000:execution:orders/Prices:',
    });
  });

  it('reads CSV items, batches them, runs each batch and writes the results with a manifest', async () => {
    const { outcome, events, objects, reads, runs } = await run(
      machine({
        ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'currency.$': '$.out' } },
        MaxConcurrency: 2,
      }),
      (input) => {
        const b = input as { BatchInput: { currency: string }; Items: Array<{ sku: string; qty: string }> };
        return { skus: b.Items.map((i) => i.sku).join(''), tag: b.BatchInput.currency };
      },
    );
    expect(reads[0].parameters).toEqual({ Bucket: 'in', Key: 'orders.csv' });
    expect(outcome.status).toBe('SUCCEEDED');
    const output = outcome.output as {
      MapRunArn: string;
      ResultWriterDetails: { Bucket: string; Key: string };
    };
    expect(output.MapRunArn).toMatch(
      /^arn:aws:states:us-east-1:000000000000:mapRun:orders\/Prices:[0-9a-f-]{36}$/,
    );
    const runId = output.MapRunArn.split(':').pop();
    expect(output.ResultWriterDetails).toEqual({ Bucket: 'out', Key: `results/${runId}/manifest.json` });

    const manifest = JSON.parse(objects.get(`out/results/${runId}/manifest.json`) as string);
    const succeededKey = `results/${runId}/SUCCEEDED_0.json`;
    const succeeded = JSON.parse(objects.get(`out/${succeededKey}`) as string);
    expect(manifest).toEqual({
      DestinationBucket: 'out',
      MapRunArn: output.MapRunArn,
      ResultFiles: {
        FAILED: [],
        PENDING: [],
        SUCCEEDED: [
          { Key: succeededKey, Size: Buffer.byteLength(objects.get(`out/${succeededKey}`) as string) },
        ],
      },
    });
    expect(succeeded.map((s: { Output: string }) => JSON.parse(s.Output))).toEqual([
      { skus: 'ab', tag: 'results' },
      { skus: 'cd', tag: 'results' },
      { skus: 'e', tag: 'results' },
    ]);
    expect(JSON.parse(succeeded[0].Input)).toEqual({
      BatchInput: { currency: 'results' },
      Items: [
        { sku: 'a', qty: '1' },
        { sku: 'b', qty: '2' },
      ],
    });
    expect(succeeded[0]).toMatchObject({
      Status: 'SUCCEEDED',
      StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:orders/Prices',
      RedriveStatus: 'NOT_REDRIVABLE',
    });
    expect(succeeded[0].ExecutionArn).toBe(
      `arn:aws:states:us-east-1:000000000000:execution:orders/Prices:${succeeded[0].Name}`,
    );
    // Iterations are child executions: their events stay out of the parent's history.
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[3].mapRunStartedEventDetails).toEqual({ mapRunArn: output.MapRunArn });
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // DescribeMapRun's view: the run as it started and as it ended.
    expect(
      runs.map((r) => [r.status, r.counts.pending, r.counts.succeeded, r.counts.total, r.resultsWritten]),
    ).toEqual([
      ['RUNNING', 3, 0, 3, 0],
      ['SUCCEEDED', 0, 3, 3, 3],
    ]);
    expect(runs[1]).toMatchObject({
      mapRunArn: output.MapRunArn,
      executionArn: INFO.executionArn,
      maxConcurrency: 2,
    });
  });

  it('tolerates failures up to ToleratedFailureCount and writes them to FAILED_0.json', async () => {
    const priceOrFail = (input: Json) => {
      const { sku } = input as { sku: string };
      if (sku === 'b' || sku === 'd') throw new StatesError('Price.Missing', `no price for ${sku}`);
      return { sku, price: 1 };
    };
    const ok = await run(
      machine({
        ToleratedFailureCount: 2,
        ItemSelector: { 'sku.$': '$$.Map.Item.Value.sku', 'index.$': '$$.Map.Item.Index' },
      }),
      priceOrFail,
    );
    expect(ok.outcome.status).toBe('SUCCEEDED');
    const runId = (ok.outcome.output as { MapRunArn: string }).MapRunArn.split(':').pop();
    const failed = JSON.parse(ok.objects.get(`out/results/${runId}/FAILED_0.json`) as string);
    expect(
      failed.map((f: { Error: string; Cause: string; Status: string }) => [f.Status, f.Error, f.Cause]),
    ).toEqual([
      ['FAILED', 'Price.Missing', 'no price for b'],
      ['FAILED', 'Price.Missing', 'no price for d'],
    ]);
    const succeeded = JSON.parse(ok.objects.get(`out/results/${runId}/SUCCEEDED_0.json`) as string);
    expect(succeeded.map((x: { Input: string }) => JSON.parse(x.Input))).toEqual([
      { sku: 'a', index: 0 },
      { sku: 'c', index: 2 },
      { sku: 'e', index: 4 },
    ]);

    const over = await run(machine({ ToleratedFailureCount: 1, MaxConcurrency: 1 }), priceOrFail);
    expect(over.outcome).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    });
    const types = over.events.map((e) => e.type);
    expect(types).toContain('MapRunFailed');
    expect(over.events.find((e) => e.type === 'MapRunFailed')?.mapRunFailedEventDetails).toMatchObject({
      error: 'States.ExceedToleratedFailureThreshold',
    });
  });

  it('fails with States.ResultWriterFailed when the writer has no bucket', async () => {
    const { outcome } = await run(
      machine({ ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Prefix: 'x' } } }),
    );
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.ResultWriterFailed' });
  });
});
