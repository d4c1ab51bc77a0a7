/**
 * What the interpreter needs from its host: a clock, a way to run Task resources, and sinks for
 * history events and durable checkpoints. The interpreter itself is pure over these ports.
 */
import type { Clock } from '../../../platform/clock.js';
import type { MapRunReport } from './map-run.js';
import type { Json } from './types.js';

/** How a Task resource is called (from its ARN's suffix). */
export type IntegrationPattern = 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';

/** A parsed Task resource. */
export interface ResourceInfo {
  /** The Resource as written. */
  resource: string;
  /** `lambda-function` for a plain function ARN, `activity`, or `service` for `arn:aws:states:::svc:action`. */
  kind: 'lambda-function' | 'activity' | 'service';
  /** e.g. `lambda`, `sns`, `sqs`, `states`, `aws-sdk:dynamodb`. */
  service: string;
  /** e.g. `invoke`, `publish`, `startExecution`. */
  action: string;
  pattern: IntegrationPattern;
}

/** One Task call handed to the host. */
export interface TaskCall {
  resource: ResourceInfo;
  /** The effective parameters (JSONPath Parameters / JSONata Arguments / effective input). */
  input: Json;
  stateName: string;
  executionArn: string;
  /** Present for `.waitForTaskToken`. */
  taskToken?: string;
  timeoutSeconds?: number;
  signal: AbortSignal;
  /** For `.sync`: reports the API's immediate response (history TaskSubmitted). */
  submitted(output: Json): void;
}

/** A Map ItemReader request: the resource, its evaluated parameters and its ReaderConfig. */
export interface ItemReadRequest {
  resource: string;
  parameters: Json;
  readerConfig: { [key: string]: Json };
}

/** Runs Task resources; failures are thrown as StatesError (error name + cause). */
export interface TaskPort {
  /** Reads a Map's items (ItemReader); absent when the host has no storage to read from. */
  readItems?(request: ItemReadRequest): Promise<Json>;
  invoke(call: TaskCall): Promise<Json>;
  /** Puts an object (Distributed Map ResultWriter); absent when the host has no storage to write to. */
  writeObject?(bucket: string, key: string, body: string): Promise<void>;
  /**
   * Waits for SendTaskSuccess / SendTaskFailure on a token; `onHeartbeat` is called for each
   * SendTaskHeartbeat. Rejects with StatesError for SendTaskFailure.
   */
  awaitCallback(
    token: string,
    opts: {
      signal: AbortSignal;
      onHeartbeat(): void;
      executionArn: string;
      /** For activity tasks: called when a worker takes the task (GetActivityTask). */
      onStarted?(workerName: string | undefined): void;
    },
  ): Promise<Json>;
  /** A new task token (unique, at most 1024 characters). */
  newTaskToken(executionArn: string): string;
}

/** A history event as GetExecutionHistory returns it (timestamp in epoch ms here). */
export interface HistoryEvent {
  timestamp: number;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

/** Where a durable Standard execution can resume from. */
export type Checkpoint =
  | {
      kind: 'state';
      state: string;
      input: Json;
      variables: Record<string, Json>;
      lastEventId: number;
      prevEventId: number;
    }
  | {
      kind: 'wait';
      state: string;
      input: Json;
      variables: Record<string, Json>;
      lastEventId: number;
      prevEventId: number;
      enteredEventId: number;
      enteredTime: number;
      until: number;
      /** The state's output once the wait ends. */
      output: Json;
      assigned?: Record<string, Json>;
    }
  | {
      kind: 'callback';
      state: string;
      input: Json;
      variables: Record<string, Json>;
      lastEventId: number;
      prevEventId: number;
      enteredEventId: number;
      enteredTime: number;
      token: string;
      /** The evaluated task parameters, kept to finish the state after the callback. */
      taskInput: Json;
      retryCounts: number[];
      retryCount: number;
    };

/** Host ports of one execution. */
export interface InterpreterPorts {
  clock: Clock;
  tasks: TaskPort;
  /** Each history event, in order, as it happens. */
  onEvent?(event: HistoryEvent): void;
  /** A Distributed Map run started or ended (DescribeMapRun / ListMapRuns). */
  onMapRun?(run: MapRunReport): void;
  /** Durable checkpoint at each top-level transition (Standard workflows). */
  checkpoint?(checkpoint: Checkpoint): Promise<void>;
  region: string;
}

/** Who and what is running: the context object's Execution and StateMachine parts. */
export interface ExecutionInfo {
  executionArn: string;
  name: string;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn: string;
  /** Epoch ms. */
  startTime: number;
  input: Json;
  redriveCount?: number;
}

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** How an execution ended. */
export interface ExecutionOutcome {
  status: ExecutionStatus;
  output?: Json;
  error?: string;
  cause?: string;
}

const SERVICE_ARN = /^arn:aws[a-z-]*:states:::(.+)$/;

/** Parses a Task Resource into service, action and integration pattern. */
export function parseResource(resource: string): ResourceInfo | undefined {
  if (/^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/.test(resource))
    return {
      resource,
      kind: 'lambda-function',
      service: 'lambda',
      action: 'invoke',
      pattern: 'request-response',
    };
  if (/^arn:aws[a-z-]*:states:[^:]+:[^:]*:activity:.+$/.test(resource))
    return {
      resource,
      kind: 'activity',
      service: 'activity',
      action: 'activity',
      pattern: 'request-response',
    };
  const m = SERVICE_ARN.exec(resource);
  if (!m) return undefined;
  let rest = m[1];
  let pattern: IntegrationPattern = 'request-response';
  for (const suffix of ['.waitForTaskToken', '.sync:2', '.sync'] as const) {
    if (rest.endsWith(suffix)) {
      pattern = suffix.slice(1) as IntegrationPattern;
      rest = rest.slice(0, -suffix.length);
      break;
    }
  }
  const idx = rest.lastIndexOf(':');
  if (idx <= 0) return undefined;
  return { resource, kind: 'service', service: rest.slice(0, idx), action: rest.slice(idx + 1), pattern };
}
