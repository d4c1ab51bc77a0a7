/** Helpers shared by the platform, lambda and deploy integration tests: zips, specs, uploads, a platform. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DescribeExecutionCommandOutput, SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import yazl from 'yazl';
import type { Platform, PlatformOptions } from '../../src/platform/platform.js';
import type { Logger } from '../../src/platform/service.js';
import type { DeploymentSpec, FunctionSpec } from '../../src/platform/spec.js';

/** Builds a zip in memory from file name → content (mode 0755 for names in `executable`). */
export async function zipFiles(files: Record<string, string>, executable: string[] = []): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files))
    zip.addBuffer(Buffer.from(content), name, {
      mtime: new Date(2026, 0, 1),
      mode: executable.includes(name) ? 0o100755 : 0o100644,
    });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A function spec with Lambda's defaults, for code `zip`. */
export function fnSpec(
  service: string,
  stage: string,
  key: string,
  zip: Buffer,
  over: Partial<FunctionSpec> = {},
): FunctionSpec {
  const name = over.name ?? `${service}-${stage}-${key}`;
  return {
    key,
    name,
    runtime: 'nodejs20.x',
    handler: 'handler.handler',
    memorySize: 128,
    timeout: 6,
    environment: {},
    architecture: 'x86_64',
    logGroup: `/aws/lambda/${name}`,
    codeSha256: sha256(zip),
    codeSize: zip.length,
    layers: [],
    events: [],
    ...over,
  };
}

/** A deployment spec of the given functions. */
export function serviceSpec(
  service: string,
  stage: string,
  functions: FunctionSpec[],
  over: Partial<DeploymentSpec> = {},
): DeploymentSpec {
  return {
    service,
    stage,
    region: 'us-east-1',
    functions,
    resources: [],
    outputs: {},
    conditions: {},
    sections: {},
    ...over,
  };
}

/** Uploads an artifact to the control API. */
export async function upload(url: string, zip: Buffer): Promise<Response> {
  return fetch(`${url}/_selfless/artifacts/${sha256(zip)}`, { method: 'PUT', body: zip });
}

/** Uploads the zips and posts the spec; returns the response. */
export async function deploy(url: string, spec: DeploymentSpec, zips: Buffer[]): Promise<Response> {
  for (const z of zips) {
    const r = await upload(url, z);
    if (!r.ok) throw new Error(`upload failed: ${r.status} ${await r.text()}`);
  }
  return fetch(`${url}/_selfless/deployments`, { method: 'POST', body: JSON.stringify(spec) });
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'selfless-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A response's JSON body, loosely typed for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: assertions dig freely into response bodies.
export const json = (r: Response | Promise<Response>): Promise<any> =>
  Promise.resolve(r).then((x) => x.json());

/** A logger that drops everything (platforms started by tests). */
export const QUIET: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/** Starts an in-process platform on a free port in a fresh data dir; `stop` also removes the dir. */
export async function startTestPlatform(
  opts: Omit<PlatformOptions, 'port' | 'dataDir'> = {},
): Promise<{ platform: Platform; dataDir: string; stop: () => Promise<void> }> {
  const t = tempDir();
  try {
    // Imported on use: unit specs import this file for tempDir and need none of the services.
    const { startPlatform } = await import('../../src/platform/platform.js');
    const platform = await startPlatform({ log: QUIET, ...opts, port: 0, dataDir: t.dir });
    return {
      platform,
      dataDir: t.dir,
      stop: async () => {
        await platform.stop();
        t.cleanup();
      },
    };
  } catch (e) {
    t.cleanup();
    throw e;
  }
}

/** Credentials for the AWS SDK clients tests point at a platform (it does not check them). */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Receives (and deletes) messages from a queue until `n` arrived or `rounds` long polls passed. */
export async function receiveMessages(
  sqs: SQSClient,
  url: string,
  n: number,
  { rounds = 20, waitSeconds = 2 }: { rounds?: number; waitSeconds?: number } = {},
): Promise<unknown[]> {
  // Imported on use, as startTestPlatform: unit specs import this file too.
  const { DeleteMessageCommand, ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
  const out: unknown[] = [];
  for (let i = 0; i < rounds && out.length < n; i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
    );
    for (const m of r.Messages ?? []) {
      out.push(JSON.parse(m.Body ?? 'null'));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return out;
}

/** Waits (guarded, not asserted) until a Step Functions execution leaves RUNNING; returns its description. */
export async function executionClosed(
  sfn: SFNClient,
  executionArn: string | undefined,
  timeoutMs = 20_000,
): Promise<DescribeExecutionCommandOutput> {
  const { DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > until) throw new Error(`execution ${executionArn} did not finish`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
