/** Stored records of the Step Functions engine and the names and ARNs it gives things. */
import { createHash } from 'node:crypto';
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import type { Checkpoint, ExecutionStatus, HistoryEvent } from './asl/ports.js';

export const MACHINES = 'stepfunctions.machines';
export const EXECUTIONS = 'stepfunctions.executions';
export const HISTORY = 'stepfunctions.history';
export const TOKENS = 'stepfunctions.tokens';
/** The definition each execution runs, written once at its start (kept out of the per-transition record). */
export const EXEC_DEFINITIONS = 'stepfunctions.execution-definitions';

/** Distributed Map runs by map run ARN. */
export const MAP_RUNS = 'stepfunctions.map-runs';
/** Activities by ARN. */
export const ACTIVITIES = 'stepfunctions.activities';
/** Activity tasks scheduled and not yet closed, by task token. */
export const ACTIVITY_TASKS = 'stepfunctions.activity-tasks';

export type MachineType = 'STANDARD' | 'EXPRESS';

/** A state machine as stored. */
export interface MachineRecord {
  stateMachineArn: string;
  name: string;
  type: MachineType;
  /** The definition text exactly as given. */
  definition: string;
  roleArn: string;
  /** Epoch ms. */
  creationDate: number;
  updateDate?: number;
  revisionId: string;
  loggingConfiguration?: unknown;
  tracingConfiguration?: unknown;
  tags?: Record<string, string>;
  /** Set when a deployment created it (service, stage and the key under stepFunctions.stateMachines). */
  owner?: { service: string; stage: string; key: string };
}

/** An execution as stored (Standard) or kept in memory (Express). */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  type: MachineType;
  name: string;
  status: ExecutionStatus | 'RUNNING';
  startDate: number;
  stopDate?: number;
  /** JSON text. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  roleArn: string;
  /** The definition the execution runs (a later UpdateStateMachine does not change it). */
  definition: string;
  /** Where a restart resumes; absent once closed. */
  checkpoint?: Checkpoint;
  /** Events persisted so far. */
  eventCount: number;
  traceHeader?: string;
}

/** A `.waitForTaskToken` token and, once delivered, its outcome (durable so a restart loses nothing). */
export interface TokenRecord {
  token: string;
  executionArn: string;
  createdAt: number;
  outcome?: { kind: 'success'; output: string } | { kind: 'failure'; error?: string; cause?: string };
  /** Epoch ms of the last SendTaskHeartbeat. */
  heartbeatAt?: number;
}

/** An activity as stored. */
export interface ActivityRecord {
  activityArn: string;
  name: string;
  /** Epoch ms. */
  creationDate: number;
  tags?: Record<string, string>;
  /** Set when a deployment created it (`stepFunctions.activities`). */
  owner?: { service: string; stage: string };
}

/** One scheduled activity task; `startedAt` is set once a worker has it (it is never handed out twice). */
export interface ActivityTaskRecord {
  token: string;
  activityArn: string;
  executionArn: string;
  /** JSON text. */
  input: string;
  scheduledAt: number;
  startedAt?: number;
  workerName?: string;
}

/** `arn:aws:states:<region>:<account>:activity:<name>`. */
export function activityArn(region: string, name: string): string {
  return `arn:aws:states:${region}:${ACCOUNT_ID}:activity:${name}`;
}

/** A stored history event (timestamps in epoch ms; the API converts). */
export type StoredEvent = HistoryEvent;

/** `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
export function machineArn(region: string, name: string): string {
  return `arn:aws:states:${region}:${ACCOUNT_ID}:stateMachine:${name}`;
}

/** The ARN of a Standard execution, or of an Express one (which carries a uuid). */
export function executionArn(
  region: string,
  machineName: string,
  name: string,
  type: MachineType,
  uuid: string,
): string {
  return type === 'EXPRESS'
    ? `arn:aws:states:${region}:${ACCOUNT_ID}:express:${machineName}:${name}:${uuid}`
    : `arn:aws:states:${region}:${ACCOUNT_ID}:execution:${machineName}:${name}`;
}

/** Key of one history event: execution ARN plus a sortable id. */
export function historyKey(executionArn: string, id: number): string {
  return `${executionArn}#${String(id).padStart(8, '0')}`;
}

/** A short stable suffix, like CloudFormation's generated physical names but deterministic. */
export function stableSuffix(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('base64url').replace(/[-_]/g, 'x').slice(0, 12);
}

const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

/** Whether a state machine or execution name is acceptable to AWS (1–80 chars, no forbidden characters). */
export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && name.length >= 1 && [...name].length <= 80 && !NAME_FORBIDDEN.test(name);
}
