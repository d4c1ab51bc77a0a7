/**
 * Distributed Map runs: the map run ARN, the child execution names AWS gives iterations, and the
 * ResultWriter files (`<Prefix>/<map run id>/manifest.json`, `SUCCEEDED_0.json`, `FAILED_0.json`)
 * with the Map's output that points at the manifest.
 */
import { isoTime } from './timestamp.js';
import type { Json, JsonObject } from './types.js';

/** One finished iteration of a map run (a child execution on AWS). */
export interface IterationOutcome {
  index: number;
  input: Json;
  status: 'SUCCEEDED' | 'FAILED';
  output?: Json;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate: number;
}

/** Names of a map run: its ARN, id, and the ARN prefix of its child executions and their machine. */
export interface MapRunNames {
  mapRunArn: string;
  /** The last ARN segment; ResultWriter writes under `<Prefix>/<id>/`. */
  id: string;
  childMachineArn: string;
  childExecutionPrefix: string;
}

/** AWS's names: `mapRun:<machine>/<label>:<id>`, child executions `execution:<machine>/<label>:<name>`. */
export function mapRunNames(
  executionArn: string,
  stateMachineName: string,
  label: string,
  id: string,
): MapRunNames {
  const [, partition, , region, account] = executionArn.split(':');
  const base = `arn:${partition}:states:${region}:${account}`;
  return {
    mapRunArn: `${base}:mapRun:${stateMachineName}/${label}:${id}`,
    id,
    childMachineArn: `${base}:stateMachine:${stateMachineName}/${label}`,
    childExecutionPrefix: `${base}:execution:${stateMachineName}/${label}:`,
  };
}

/** A map run as DescribeMapRun reports it (epoch ms), sent to the host when it starts and ends. */
export interface MapRunReport {
  mapRunArn: string;
  executionArn: string;
  /** The child workflow's machine ARN (`stateMachine:<machine>/<label>`). */
  stateMachineArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  startDate: number;
  stopDate?: number;
  maxConcurrency: number;
  toleratedFailureCount: number;
  toleratedFailurePercentage: number;
  counts: {
    pending: number;
    running: number;
    succeeded: number;
    failed: number;
    aborted: number;
    total: number;
  };
  resultsWritten: number;
}

/** One object ResultWriter puts. */
export interface ResultFile {
  key: string;
  body: string;
}

const text = (v: Json | undefined) => JSON.stringify(v ?? null);

function describeChild(names: MapRunNames, o: IterationOutcome, childName: string): JsonObject {
  const common: JsonObject = {
    ExecutionArn: `${names.childExecutionPrefix}${childName}`,
    Input: text(o.input),
    InputDetails: { Included: true },
    Name: childName,
  };
  const tail: JsonObject = {
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    RedriveStatusReason: `Execution is ${o.status} and cannot be redriven`,
    StartDate: isoTime(o.startDate),
    StateMachineArn: names.childMachineArn,
    Status: o.status,
    StopDate: isoTime(o.stopDate),
  };
  if (o.status === 'SUCCEEDED')
    return { ...common, Output: text(o.output), OutputDetails: { Included: true }, ...tail };
  return {
    ...common,
    ...(o.error !== undefined ? { Error: o.error } : {}),
    ...(o.cause !== undefined ? { Cause: o.cause } : {}),
    ...tail,
  };
}

/**
 * The ResultWriter objects and the Map output for a run. `childName(i)` names the child execution of
 * iteration i. Result files group children by status, as AWS does; empty groups get no file.
 */
export function resultFiles(
  names: MapRunNames,
  bucket: string,
  prefix: string,
  outcomes: IterationOutcome[],
  childName: (index: number) => string,
): { files: ResultFile[]; output: JsonObject } {
  const dir = `${prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`}${names.id}`;
  const files: ResultFile[] = [];
  const groups: Record<string, Array<{ Key: string; Size: number }>> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const members = outcomes
      .filter((o) => o.status === status)
      .sort((a, b) => a.index - b.index)
      .map((o) => describeChild(names, o, childName(o.index)));
    if (members.length === 0) continue;
    const key = `${dir}/${status}_0.json`;
    const body = JSON.stringify(members);
    files.push({ key, body });
    groups[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${dir}/manifest.json`;
  files.push({
    key: manifestKey,
    body: JSON.stringify({
      DestinationBucket: bucket,
      MapRunArn: names.mapRunArn,
      ResultFiles: groups,
    }),
  });
  return {
    files,
    output: { MapRunArn: names.mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } },
  };
}
