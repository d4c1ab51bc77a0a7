/**
 * A Distributed Map through the real platform: items read from a CSV object in the platform's S3,
 * each row priced by a real node Lambda process, one bad row tolerated, the results written by
 * ResultWriter back to S3 (manifest.json, SUCCEEDED_0.json, FAILED_0.json) and read with the real
 * @aws-sdk/client-s3; the map run seen through ListMapRuns and DescribeMapRun; the execution driven and inspected with the real @aws-sdk/client-sfn.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deploy,
  fnSpec,
  serviceSpec,
  startTestPlatform,
  TEST_CREDENTIALS,
  zipFiles,
} from './platform-helpers.js';

const REGION = 'us-east-1';
const PRICE_JS = `
const prices = { apple: 3, pear: 4, plum: 5 };
class UnknownProduct extends Error { constructor(m) { super(m); this.name = 'UnknownProduct'; } }
exports.handler = async (row) => {
  const unit = prices[row.product];
  if (unit === undefined) throw new UnknownProduct('no price for ' + row.product);
  return { product: row.product, total: unit * Number(row.qty), order: row.order };
};
`;

let stop: () => Promise<void>;
let url: string;
let sfn: SFNClient;
let s3: S3Client;

beforeAll(async () => {
  const started = await startTestPlatform();
  stop = started.stop;
  url = started.platform.url;
  sfn = new SFNClient({ endpoint: url, region: REGION, credentials: TEST_CREDENTIALS });
  s3 = new S3Client({ endpoint: url, region: REGION, forcePathStyle: true, credentials: TEST_CREDENTIALS });
  const zip = await zipFiles({ 'price.js': PRICE_JS });
  const res = await deploy(
    url,
    serviceSpec('shop', 'dev', [fnSpec('shop', 'dev', 'price', zip, { handler: 'price.handler' })]),
    [zip],
  );
  expect(res.status, await res.clone().text()).toBe(200);
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  s3?.destroy();
  await stop?.();
});

async function finished(executionArn: string | undefined): Promise<DescribeExecutionCommandOutput> {
  const until = Date.now() + 30_000;
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > until) throw new Error(`${executionArn} still RUNNING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function objectText(bucket: string, key: string): Promise<string> {
  const o = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await o.Body?.transformToString()) ?? '';
}

describe('Distributed Map', () => {
  it('prices CSV rows with a Lambda and writes the results to S3 with ResultWriter', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'orders' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
    const csv = 'order,product,qty\no1,apple,2\no2,pear,1\no3,kiwi,9\no4,plum,3\n';
    await s3.send(new PutObjectCommand({ Bucket: 'orders', Key: 'today.csv', Body: csv }));
    const definition = {
      StartAt: 'PriceOrders',
      States: {
        PriceOrders: {
          Type: 'Map',
          Label: 'pricing',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
            Parameters: { Bucket: 'orders', 'Key.$': '$.key' },
          },
          MaxConcurrency: 2,
          ToleratedFailureCount: 1,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Price',
            States: {
              Price: {
                Type: 'Task',
                Resource: 'arn:aws:lambda:us-east-1:000000000000:function:shop-dev-price',
                End: true,
              },
            },
          },
          ResultWriter: {
            Resource: 'arn:aws:states:::s3:putObject',
            Parameters: { Bucket: 'reports', Prefix: 'pricing-runs' },
          },
          ResultPath: '$.written',
          End: true,
        },
      },
    };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'price-orders',
        roleArn: 'arn:aws:iam::000000000000:role/sfn',
        definition: JSON.stringify(definition),
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"key":"today.csv"}' }),
    );
    const d = await finished(executionArn);
    expect(d.status, d.cause).toBe('SUCCEEDED');
    const { written } = JSON.parse(d.output as string) as {
      written: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
    };
    expect(written.MapRunArn).toMatch(
      /^arn:aws:states:us-east-1:000000000000:mapRun:price-orders\/pricing:[0-9a-f-]{36}$/,
    );
    const runId = written.MapRunArn.split(':').pop();
    expect(written.ResultWriterDetails).toEqual({
      Bucket: 'reports',
      Key: `pricing-runs/${runId}/manifest.json`,
    });

    const manifest = JSON.parse(await objectText('reports', written.ResultWriterDetails.Key));
    expect(manifest.DestinationBucket).toBe('reports');
    expect(manifest.MapRunArn).toBe(written.MapRunArn);
    expect(manifest.ResultFiles.SUCCEEDED.map((f: { Key: string }) => f.Key)).toEqual([
      `pricing-runs/${runId}/SUCCEEDED_0.json`,
    ]);
    const succeeded = JSON.parse(await objectText('reports', `pricing-runs/${runId}/SUCCEEDED_0.json`));
    expect(succeeded.map((c: { Output: string }) => JSON.parse(c.Output))).toEqual([
      { product: 'apple', total: 6, order: 'o1' },
      { product: 'pear', total: 4, order: 'o2' },
      { product: 'plum', total: 15, order: 'o4' },
    ]);
    const failed = JSON.parse(await objectText('reports', `pricing-runs/${runId}/FAILED_0.json`));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ Status: 'FAILED', Error: 'UnknownProduct' });
    expect(JSON.parse(failed[0].Input)).toEqual({ order: 'o3', product: 'kiwi', qty: '9' });
    expect(JSON.parse(failed[0].Cause).errorMessage).toBe('no price for kiwi');

    const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
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
    expect(events[3].mapRunStartedEventDetails?.mapRunArn).toBe(written.MapRunArn);

    const runs = await sfn.send(new ListMapRunsCommand({ executionArn }));
    expect(runs.mapRuns?.map((r) => [r.mapRunArn, r.stateMachineArn])).toEqual([
      [written.MapRunArn, 'arn:aws:states:us-east-1:000000000000:stateMachine:price-orders/pricing'],
    ]);
    const described = await sfn.send(new DescribeMapRunCommand({ mapRunArn: written.MapRunArn }));
    expect(described).toMatchObject({
      executionArn,
      status: 'SUCCEEDED',
      maxConcurrency: 2,
      toleratedFailureCount: 1,
      itemCounts: { total: 4, succeeded: 3, failed: 1, pending: 0, resultsWritten: 4 },
    });
    expect(described.stopDate).toBeInstanceOf(Date);
  }, 60_000);
});
