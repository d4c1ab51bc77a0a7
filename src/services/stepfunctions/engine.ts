/**
 * The Step Functions engine: state machines, executions and their history, task tokens. Standard
 * executions persist a checkpoint and their history at every top-level transition and resume after
 * a restart; Express executions run in memory. Errors are SelflessErrors whose code is the AWS
 * exception name (the API module puts them on the wire).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import type { Logger } from '../../platform/service.js';
import type { Store, Write } from '../../platform/store/port.js';
import { Activities } from './activities.js';
import { StatesError } from './asl/errors.js';
import { Execution, PAYLOAD_LIMIT } from './asl/interpreter.js';
import type { MapRunReport } from './asl/map-run.js';
import type { Checkpoint, ExecutionOutcome, HistoryEvent, TaskCall, TaskPort } from './asl/ports.js';
import type { Json, StateDefinition, StateMachineDefinition } from './asl/types.js';
import { formatProblems, validateDefinition } from './asl/validate.js';
import type { StepFunctionsFacade } from './facade.js';
import { type ChildDescription, type IntegrationDeps, invokeIntegration } from './integrations.js';
import { readItems, writeObject } from './item-reader.js';
import {
  executionArn as buildExecutionArn,
  EXEC_DEFINITIONS,
  EXECUTIONS,
  type ExecutionRecord,
  HISTORY,
  historyKey,
  isValidName,
  MACHINES,
  MAP_RUNS,
  type MachineRecord,
  type MachineType,
  machineArn,
  TOKENS,
  type TokenRecord,
} from './model.js';

/** An AWS Step Functions error: the code is the exception name (`StateMachineDoesNotExist`, ...). */
export function sfnError(code: string, message: string): SelflessError {
  return new SelflessError(code, message);
}

/** What CreateStateMachine takes. */
export interface CreateMachineInput {
  name: string;
  definition: string;
  roleArn: string;
  type?: MachineType;
  loggingConfiguration?: unknown;
  tracingConfiguration?: unknown;
  tags?: Record<string, string>;
  owner?: MachineRecord['owner'];
  /** The region in the machine's ARN (the request's or the deployment's); default the platform's. */
  region?: string;
}

/** The region field of an ARN. */
function regionOf(arnValue: string): string {
  return arnValue.split(':')[3] ?? '';
}

/** Express workflows support only request/response integrations (no .sync, .waitForTaskToken or activities). */
function checkExpressResources(definition: StateMachineDefinition): void {
  const visit = (states: Record<string, StateDefinition>, at: string) => {
    for (const [name, state] of Object.entries(states)) {
      const r = state.Resource;
      if (typeof r === 'string' && (/\.(sync(:2)?|waitForTaskToken)$/.test(r) || /:activity:/.test(r)))
        throw sfnError(
          'InvalidDefinition',
          `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '${r.split(':').pop()}' at ${at}/States/${name}/Resource'`,
        );
      for (const [i, b] of (state.Branches ?? []).entries())
        visit(b.States, `${at}/States/${name}/Branches/${i}`);
      const proc = state.ItemProcessor ?? state.Iterator;
      if (proc) visit(proc.States, `${at}/States/${name}/ItemProcessor`);
    }
  };
  visit(definition.States, '');
}

/** Parses and validates a definition text; throws InvalidDefinition naming the state and field. */
export function parseDefinition(text: string, type: MachineType = 'STANDARD'): StateMachineDefinition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw sfnError(
      'InvalidDefinition',
      `Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ${(e as Error).message}'`,
    );
  }
  const problems = validateDefinition(parsed);
  if (problems.length > 0) throw sfnError('InvalidDefinition', formatProblems(problems));
  if (type === 'EXPRESS') checkExpressResources(parsed as StateMachineDefinition);
  return parsed as StateMachineDefinition;
}

interface Running {
  exec: Execution;
  record: ExecutionRecord;
  /** Events not yet persisted (Standard) or all events (Express). */
  pending: HistoryEvent[];
  done: Promise<ExecutionRecord>;
}

interface Waiter {
  resolve(v: Json): void;
  reject(e: unknown): void;
  onHeartbeat(): void;
  executionArn: string;
}

const MAX_EXPRESS_KEPT = 1000;

/** The engine behind the API, the plugin and the `states:startExecution` integration; also the facade. */
export class StepFunctionsEngine implements StepFunctionsFacade {
  private readonly machines;
  private readonly executions;
  private readonly history;
  private readonly tokens;
  private readonly definitions;
  private readonly mapRuns;
  private mapRunWrites: Promise<void> = Promise.resolve();
  private readonly running = new Map<string, Running>();
  private readonly express = new Map<string, { record: ExecutionRecord; events: HistoryEvent[] }>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly closeWaiters = new Map<string, Array<(r: ExecutionRecord) => void>>();
  private deps: IntegrationDeps = {};
  private stopped = false;
  /** Activities and their task queue (CreateActivity, GetActivityTask, ...). */
  readonly activities: Activities;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly region: string,
    private readonly log: Logger,
  ) {
    this.machines = store.table<MachineRecord>(MACHINES);
    this.executions = store.table<ExecutionRecord>(EXECUTIONS);
    this.history = store.table<HistoryEvent>(HISTORY);
    this.tokens = store.table<TokenRecord>(TOKENS);
    this.definitions = store.table<string>(EXEC_DEFINITIONS);
    this.mapRuns = store.table<MapRunReport>(MAP_RUNS);
    this.activities = new Activities(store, clock, async (token) => {
      const record = await this.tokens.get(token);
      return record !== undefined && record.outcome === undefined;
    });
  }

  /** A stored execution with its definition put back. */
  private async loadExecution(arn: string): Promise<ExecutionRecord | undefined> {
    const record = await this.executions.get(arn);
    if (!record) return undefined;
    return { ...record, definition: (await this.definitions.get(arn)) ?? record.definition ?? '{}' };
  }

  /** What is written per transition: the record without its definition. */
  private stored(record: ExecutionRecord): Omit<ExecutionRecord, 'definition'> & { definition?: string } {
    const { definition: _definition, ...rest } = record;
    return rest;
  }

  /** Sets the facades integrations use (resolved lazily by the plugin). */
  setIntegrations(deps: IntegrationDeps): void {
    // Keep `deps` itself (not a copy): its facades may be getters resolved per call.
    this.deps = deps;
    deps.executions = {
      start: async (arn, input, name) => {
        const r = await this.startExecution({
          stateMachineArn: arn,
          input: input === undefined ? undefined : JSON.stringify(input),
          name,
        });
        return { executionArn: r.executionArn, startDate: r.startDate };
      },
      awaitClose: (arn, signal) => this.awaitClose(arn, signal),
      stop: async (arn) => {
        await this.stopExecution(arn, undefined, undefined).catch(() => {});
      },
    };
  }

  /** Resumes every Standard execution that was running when the platform stopped. */
  async resumeAll(): Promise<number> {
    let resumed = 0;
    for (const { key, value: row } of await this.executions.list()) {
      if (row.status !== 'RUNNING' || row.type !== 'STANDARD') continue;
      try {
        const value = (await this.loadExecution(key)) as ExecutionRecord;
        this.launch(value, value.checkpoint);
        resumed++;
      } catch (e) {
        this.log.error(`Step Functions: cannot resume ${key}: ${(e as Error).message}`);
      }
    }
    return resumed;
  }

  /** Stops running executions in memory (they stay RUNNING in the store and resume on the next start). */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.activities.shutdown();
    for (const r of this.running.values()) r.exec.stop();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  // ---- state machines ----

  /** CreateStateMachine; an identical existing machine is returned as is (AWS's idempotency). */
  async createStateMachine(input: CreateMachineInput): Promise<MachineRecord> {
    if (!isValidName(input.name)) throw sfnError('InvalidName', `Invalid Name: '${input.name}'`);
    const type = input.type ?? 'STANDARD';
    parseDefinition(input.definition, type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD');
    if (type !== 'STANDARD' && type !== 'EXPRESS')
      throw sfnError(
        'ValidationException',
        `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
      );
    const arn = machineArn(input.region ?? this.region, input.name);
    const existing = await this.machines.get(arn);
    if (existing) {
      if (
        existing.definition === input.definition &&
        existing.roleArn === input.roleArn &&
        existing.type === type
      )
        return existing;
      throw sfnError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const record: MachineRecord = {
      stateMachineArn: arn,
      name: input.name,
      type,
      definition: input.definition,
      roleArn: input.roleArn,
      creationDate: this.clock.now(),
      revisionId: randomUUID(),
      loggingConfiguration: input.loggingConfiguration ?? { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: input.tracingConfiguration ?? { enabled: false },
      ...(input.tags ? { tags: input.tags } : {}),
      ...(input.owner ? { owner: input.owner } : {}),
    };
    await this.machines.put(arn, record);
    return record;
  }

  /** UpdateStateMachine: new definition and/or role; running executions keep the definition they started with. */
  async updateStateMachine(
    arn: string,
    changes: {
      definition?: string;
      roleArn?: string;
      loggingConfiguration?: unknown;
      tracingConfiguration?: unknown;
    },
  ): Promise<MachineRecord> {
    const record = await this.getMachine(arn);
    if (changes.definition !== undefined) parseDefinition(changes.definition, record.type);
    const updated: MachineRecord = {
      ...record,
      ...(changes.definition !== undefined ? { definition: changes.definition } : {}),
      ...(changes.roleArn !== undefined ? { roleArn: changes.roleArn } : {}),
      ...(changes.loggingConfiguration !== undefined
        ? { loggingConfiguration: changes.loggingConfiguration }
        : {}),
      ...(changes.tracingConfiguration !== undefined
        ? { tracingConfiguration: changes.tracingConfiguration }
        : {}),
      updateDate: this.clock.now(),
      revisionId: randomUUID(),
    };
    await this.machines.put(arn, updated);
    return updated;
  }

  /** Replaces a deployment-owned machine's definition, type and role in place (deploys). */
  async putOwnedMachine(input: CreateMachineInput): Promise<MachineRecord> {
    const arn = machineArn(input.region ?? this.region, input.name);
    const existing = await this.machines.get(arn);
    if (!existing) return this.createStateMachine(input);
    const owner = existing.owner;
    if (!owner || owner.service !== input.owner?.service || owner.stage !== input.owner?.stage)
      throw sfnError(
        'StateMachineAlreadyExists',
        `State Machine Already Exists: '${arn}'${owner ? ` (deployed by ${owner.service}, stage ${owner.stage})` : ''}`,
      );
    parseDefinition(input.definition, input.type ?? 'STANDARD');
    if (existing.definition === input.definition && existing.type === (input.type ?? 'STANDARD'))
      return existing;
    const updated: MachineRecord = {
      ...existing,
      definition: input.definition,
      type: input.type ?? 'STANDARD',
      roleArn: input.roleArn,
      owner: input.owner,
      updateDate: this.clock.now(),
      revisionId: randomUUID(),
    };
    await this.machines.put(arn, updated);
    return updated;
  }

  /** DeleteStateMachine; running executions finish on the definition they started with, as on AWS. */
  async deleteStateMachine(arn: string): Promise<void> {
    this.checkArn(arn, 'stateMachine');
    await this.machines.delete(arn);
  }

  /** A machine by ARN, or StateMachineDoesNotExist. */
  async getMachine(arn: string): Promise<MachineRecord> {
    this.checkArn(arn, 'stateMachine');
    const record = await this.machines.get(arn);
    if (!record) throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return record;
  }

  async listMachines(): Promise<MachineRecord[]> {
    return (await this.machines.list()).map((e) => e.value).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The ARN of a machine a deployment created, by its key under stepFunctions.stateMachines. */
  async machineArnFor(service: string, stage: string, key: string): Promise<string | undefined> {
    return (await this.ownedMachines(service, stage)).find((m) => m.owner?.key === key)?.stateMachineArn;
  }

  /** Machines a deployment created for a service and stage. */
  async ownedMachines(service: string, stage: string): Promise<MachineRecord[]> {
    return (await this.listMachines()).filter((m) => m.owner?.service === service && m.owner.stage === stage);
  }

  private checkArn(arn: unknown, kind: 'stateMachine' | 'execution'): void {
    if (typeof arn !== 'string' || !arn.startsWith('arn:'))
      throw sfnError('InvalidArn', `Invalid Arn: 'Invalid ARN prefix: ${String(arn)}'`);
    const resource = arn.split(':')[5];
    const ok =
      kind === 'stateMachine'
        ? resource === 'stateMachine'
        : resource === 'execution' || resource === 'express';
    if (!arn.startsWith('arn:aws:states:') || !ok)
      throw sfnError(
        'InvalidArn',
        `Invalid Arn: 'Resource type not valid in this context: ${resource ?? ''}'`,
      );
  }

  // ---- executions ----

  /** StartExecution (and the start half of StartSyncExecution); durable before it returns. */
  async startExecution(input: {
    stateMachineArn: string;
    name?: string;
    input?: string;
    traceHeader?: string;
    sync?: boolean;
  }): Promise<ExecutionRecord> {
    const machine = await this.getMachine(input.stateMachineArn);
    const text = input.input ?? '{}';
    if (Buffer.byteLength(text, 'utf8') > PAYLOAD_LIMIT)
      throw sfnError(
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT}`,
      );
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch (e) {
      throw sfnError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(e as Error).message}'`,
      );
    }
    if (input.sync && machine.type !== 'EXPRESS')
      throw sfnError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine',
      );
    const name = input.name ?? randomUUID();
    if (!isValidName(name)) throw sfnError('InvalidName', `Invalid Name: '${name}'`);
    const arn = buildExecutionArn(
      regionOf(machine.stateMachineArn),
      machine.name,
      name,
      machine.type,
      randomUUID(),
    );
    if (machine.type === 'STANDARD') {
      const existing = this.running.get(arn)?.record ?? (await this.loadExecution(arn));
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === text) return existing;
        throw sfnError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
    }
    const record: ExecutionRecord = {
      executionArn: arn,
      stateMachineArn: machine.stateMachineArn,
      stateMachineName: machine.name,
      type: machine.type,
      name,
      status: 'RUNNING',
      startDate: this.clock.now(),
      input: text,
      roleArn: machine.roleArn,
      definition: machine.definition,
      eventCount: 0,
      ...(input.traceHeader ? { traceHeader: input.traceHeader } : {}),
    };
    void parsed;
    if (machine.type === 'STANDARD')
      await this.store.batch([
        { table: EXEC_DEFINITIONS, key: arn, value: record.definition },
        { table: EXECUTIONS, key: arn, value: this.stored(record) },
      ]);
    this.launch(record, undefined);
    return record;
  }

  /** StartSyncExecution: runs an Express execution to its end. */
  async startSyncExecution(input: {
    stateMachineArn: string;
    name?: string;
    input?: string;
    traceHeader?: string;
  }) {
    const record = await this.startExecution({ ...input, sync: true });
    return (this.running.get(record.executionArn)?.done ?? Promise.resolve(record)).then((r) => r);
  }

  private launch(record: ExecutionRecord, resume: Checkpoint | undefined): void {
    const definition = JSON.parse(record.definition) as StateMachineDefinition;
    const standard = record.type === 'STANDARD';
    const pending: HistoryEvent[] = [];
    const events: HistoryEvent[] = [];
    const tasks: TaskPort = {
      invoke: (call) =>
        call.resource.kind === 'activity' ? this.scheduleActivity(call) : invokeIntegration(this.deps, call),
      readItems: (request) => readItems(this.deps.s3, request),
      writeObject: (bucket, key, body) => writeObject(this.deps.s3, bucket, key, body),
      awaitCallback: (token, opts) => this.awaitCallback(token, opts),
      newTaskToken: (arn) => `${Buffer.from(arn).toString('base64url')}.${randomUUID()}`,
    };
    const exec = new Execution(
      definition,
      {
        executionArn: record.executionArn,
        name: record.name,
        stateMachineArn: record.stateMachineArn,
        stateMachineName: record.stateMachineName,
        roleArn: record.roleArn,
        startTime: record.startDate,
        input: JSON.parse(record.input) as Json,
      },
      {
        clock: this.clock,
        region: regionOf(record.executionArn),
        tasks,
        onMapRun: (run) => {
          // Chained so a run's end is never overwritten by its (slower) start.
          this.mapRunWrites = this.mapRunWrites
            .then(() => this.mapRuns.put(run.mapRunArn, run))
            .catch((e) =>
              this.log.error(`Step Functions: cannot record ${run.mapRunArn}: ${(e as Error).message}`),
            );
        },
        onEvent: (e) => {
          pending.push(e);
          if (!standard) events.push(e);
        },
        checkpoint: standard
          ? async (cp) => {
              record.checkpoint = cp;
              await this.persist(record, pending);
            }
          : undefined,
      },
    );
    const running: Running = { exec, record, pending, done: Promise.resolve(record) };
    running.done = exec.run(resume).then(
      (outcome) => this.close(running, outcome, events),
      (e) => this.close(running, { status: 'FAILED', error: 'States.Runtime', cause: String(e) }, events),
    );
    this.running.set(record.executionArn, running);
  }

  /** Writes the execution record and the pending history events in one batch. */
  private async persist(record: ExecutionRecord, pending: HistoryEvent[]): Promise<void> {
    const writes: Write[] = pending.map((e) => ({
      table: HISTORY,
      key: historyKey(record.executionArn, e.id),
      value: e,
    }));
    record.eventCount += pending.length;
    writes.push({ table: EXECUTIONS, key: record.executionArn, value: this.stored(record) });
    pending.length = 0;
    await this.store.batch(writes);
  }

  private async close(
    running: Running,
    outcome: ExecutionOutcome,
    events: HistoryEvent[],
  ): Promise<ExecutionRecord> {
    const { record } = running;
    // A shutdown leaves the execution RUNNING in the store so the next start resumes it.
    if (this.stopped && outcome.status === 'ABORTED' && !running.record.stopDate) {
      this.running.delete(record.executionArn);
      return record;
    }
    record.status = outcome.status;
    record.stopDate = record.stopDate ?? this.clock.now();
    if (outcome.output !== undefined) record.output = JSON.stringify(outcome.output);
    if (outcome.error !== undefined) record.error = outcome.error;
    if (outcome.cause !== undefined) record.cause = outcome.cause;
    record.checkpoint = undefined;
    if (record.type === 'STANDARD') {
      await this.persist(record, running.pending).catch((e) =>
        this.log.error(`Step Functions: cannot persist ${record.executionArn}: ${(e as Error).message}`),
      );
    } else {
      this.express.set(record.executionArn, { record, events });
      if (this.express.size > MAX_EXPRESS_KEPT)
        this.express.delete(this.express.keys().next().value as string);
    }
    this.running.delete(record.executionArn);
    for (const w of this.closeWaiters.get(record.executionArn) ?? []) w(record);
    this.closeWaiters.delete(record.executionArn);
    return record;
  }

  /** An execution by ARN (running, stored, or a recent Express one), or ExecutionDoesNotExist. */
  async getExecution(arn: string): Promise<ExecutionRecord> {
    this.checkArn(arn, 'execution');
    const r =
      this.running.get(arn)?.record ?? this.express.get(arn)?.record ?? (await this.loadExecution(arn));
    if (!r) throw sfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return r;
  }

  /** Resolves with the execution once it has closed (or at once when it already has). */
  async waitForClose(arn: string): Promise<ExecutionRecord> {
    const running = this.running.get(arn);
    return running ? running.done : this.getExecution(arn);
  }

  /** Executions of a machine, newest first, optionally by status. */
  async listExecutions(machineArnValue: string, status?: string): Promise<ExecutionRecord[]> {
    const machine = await this.getMachine(machineArnValue);
    const prefix = `arn:aws:states:${regionOf(machine.stateMachineArn)}:${machine.stateMachineArn.split(':')[4]}:execution:${machine.name}:`;
    const stored = (await this.executions.list({ prefix })).map(
      (e) => this.running.get(e.key)?.record ?? e.value,
    );
    const express = [...this.express.values()]
      .map((e) => e.record)
      .filter((r) => r.stateMachineArn === machine.stateMachineArn);
    const live = [...this.running.values()]
      .map((r) => r.record)
      .filter((r) => r.type === 'EXPRESS' && r.stateMachineArn === machine.stateMachineArn);
    return [...stored, ...express, ...live]
      .filter((r) => !status || r.status === status)
      .sort((a, b) => b.startDate - a.startDate || b.executionArn.localeCompare(a.executionArn));
  }

  /** The full history of an execution in event order. */
  async getHistory(arn: string): Promise<HistoryEvent[]> {
    const record = await this.getExecution(arn);
    const express = this.express.get(arn);
    if (express) return express.events;
    const running = this.running.get(arn);
    if (record.type === 'EXPRESS') return running ? [...running.pending] : [];
    const stored = (await this.history.list({ prefix: `${arn}#` })).map((e) => e.value);
    return running ? [...stored, ...running.pending] : stored;
  }

  /** StopExecution: ends a running execution as ABORTED with an optional error and cause. */
  async stopExecution(arn: string, error: string | undefined, cause: string | undefined): Promise<number> {
    const record = await this.getExecution(arn);
    if (record.status !== 'RUNNING') return record.stopDate ?? this.clock.now();
    const running = this.running.get(arn);
    const stopDate = this.clock.now();
    if (running) {
      running.record.stopDate = stopDate;
      running.exec.stop();
      // The interpreter reports ABORTED; carry the caller's error and cause onto the record.
      await running.done;
      let changed = false;
      if (error !== undefined) {
        record.error = error;
        changed = true;
      }
      if (cause !== undefined) {
        record.cause = cause;
        changed = true;
      }
      if (changed && record.type === 'STANDARD') {
        const events = await this.getHistory(arn);
        const last = events.at(-1);
        if (last?.type === 'ExecutionAborted') {
          last.executionAbortedEventDetails = {
            ...(error !== undefined ? { error } : {}),
            ...(cause !== undefined ? { cause } : {}),
          };
          await this.store.batch([
            { table: HISTORY, key: historyKey(arn, last.id), value: last },
            { table: EXECUTIONS, key: arn, value: this.stored(record) },
          ]);
        }
      }
    } else {
      record.status = 'ABORTED';
      record.stopDate = stopDate;
      await this.executions.put(arn, this.stored(record) as ExecutionRecord);
    }
    return stopDate;
  }

  private awaitClose(arn: string, signal: AbortSignal): Promise<ChildDescription> {
    const describe = (r: ExecutionRecord): ChildDescription => ({
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: r.startDate,
      stopDate: r.stopDate,
      input: r.input,
      output: r.output,
      error: r.error,
      cause: r.cause,
    });
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      void this.getExecution(arn).then((r) => {
        if (r.status !== 'RUNNING') {
          signal.removeEventListener('abort', onAbort);
          resolve(describe(r));
          return;
        }
        const list = this.closeWaiters.get(arn) ?? [];
        list.push((closed) => {
          signal.removeEventListener('abort', onAbort);
          resolve(describe(closed));
        });
        this.closeWaiters.set(arn, list);
      }, reject);
    });
  }

  // ---- map runs ----

  /** DescribeMapRun: a Distributed Map run by ARN, or ResourceNotFound. */
  async describeMapRun(arn: unknown): Promise<MapRunReport> {
    if (typeof arn !== 'string' || !/^arn:aws:states:[^:]+:[^:]+:mapRun:/.test(arn))
      throw sfnError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    await this.mapRunWrites;
    const run = await this.mapRuns.get(arn);
    if (!run) throw sfnError('ResourceNotFound', `Resource not found: '${arn}'`);
    return run;
  }

  /** ListMapRuns: the map runs an execution started, oldest first. */
  async listMapRuns(executionArn: string): Promise<MapRunReport[]> {
    await this.getExecution(executionArn);
    await this.mapRunWrites;
    return (await this.mapRuns.list())
      .map((e) => e.value)
      .filter((r) => r.executionArn === executionArn)
      .sort((a, b) => a.startDate - b.startDate);
  }

  // ---- task tokens ----

  private async awaitCallback(token: string, opts: Parameters<TaskPort['awaitCallback']>[1]): Promise<Json> {
    const existing = await this.tokens.get(token);
    if (existing?.outcome) {
      await this.tokens.delete(token);
      await this.activities.close(token);
      return this.settleOutcome(existing.outcome);
    }
    if (!existing)
      await this.tokens.put(token, { token, executionArn: opts.executionArn, createdAt: this.clock.now() });
    if (opts.onStarted) await this.activities.onStarted(token, opts.onStarted);
    return new Promise<Json>((resolve, reject) => {
      const cleanup = () => {
        this.waiters.delete(token);
        void this.tokens.delete(token);
        void this.activities.close(token);
      };
      opts.signal.addEventListener(
        'abort',
        () => {
          this.waiters.delete(token);
          // Keep the token record on shutdown so the resumed execution can wait again.
          if (!this.stopped) {
            void this.tokens.delete(token);
            void this.activities.close(token);
          }
          reject(new Error('aborted'));
        },
        { once: true },
      );
      this.waiters.set(token, {
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
        onHeartbeat: opts.onHeartbeat,
        executionArn: opts.executionArn,
      });
    });
  }

  /** Schedules an activity task: the task and its token are durable before a worker can take it. */
  private async scheduleActivity(call: TaskCall): Promise<Json> {
    const token = call.taskToken as string;
    const now = this.clock.now();
    try {
      await this.activities.schedule(
        {
          token,
          activityArn: call.resource.resource,
          executionArn: call.executionArn,
          input: JSON.stringify(call.input),
          scheduledAt: now,
        },
        [{ table: TOKENS, key: token, value: { token, executionArn: call.executionArn, createdAt: now } }],
      );
    } catch (e) {
      if ((e as { code?: string }).code === 'ActivityDoesNotExist')
        throw new StatesError('States.Runtime', (e as Error).message);
      throw e;
    }
    return null;
  }

  /** GetActivityTask: the next task's token and input, or no token once the long poll ends empty. */
  async getActivityTask(
    arn: string,
    workerName: string | undefined,
    signal: AbortSignal,
  ): Promise<{ taskToken?: string; input?: string }> {
    const task = await this.activities.poll(arn, workerName, signal);
    return task ? { taskToken: task.token, input: task.input } : {};
  }

  private settleOutcome(outcome: NonNullable<TokenRecord['outcome']>): Json {
    if (outcome.kind === 'success') return JSON.parse(outcome.output) as Json;
    throw new StatesError(outcome.error, outcome.cause);
  }

  private async tokenRecord(token: unknown): Promise<TokenRecord> {
    if (typeof token !== 'string' || token.length < 1 || token.length > 1024 || !token.includes('.'))
      throw sfnError('InvalidToken', 'Invalid Token');
    const arn = Buffer.from(token.split('.')[0], 'base64url').toString('utf8');
    if (!arn.startsWith('arn:aws:states:')) throw sfnError('InvalidToken', 'Invalid Token');
    const record = await this.tokens.get(token);
    if (!record || record.outcome) throw sfnError('TaskDoesNotExist', 'Task Timed Out');
    return record;
  }

  /** SendTaskSuccess: durable before it returns, delivered to the waiting task (now or after a restart). */
  async sendTaskSuccess(token: unknown, output: unknown): Promise<void> {
    const record = await this.tokenRecord(token);
    if (typeof output !== 'string') throw sfnError('InvalidOutput', 'Invalid Output: output is required');
    let parsed: Json;
    try {
      parsed = JSON.parse(output) as Json;
    } catch (e) {
      throw sfnError('InvalidOutput', `Invalid Output: '${(e as Error).message}'`);
    }
    if (Buffer.byteLength(output) > PAYLOAD_LIMIT)
      throw sfnError('InvalidOutput', 'Invalid Output: output is too large');
    const waiter = this.waiters.get(record.token);
    if (waiter) waiter.resolve(parsed);
    else await this.tokens.put(record.token, { ...record, outcome: { kind: 'success', output } });
  }

  /** SendTaskFailure: the waiting task fails with the given error and cause. */
  async sendTaskFailure(token: unknown, error?: string, cause?: string): Promise<void> {
    const record = await this.tokenRecord(token);
    const waiter = this.waiters.get(record.token);
    if (waiter) waiter.reject(new StatesError(error, cause));
    else await this.tokens.put(record.token, { ...record, outcome: { kind: 'failure', error, cause } });
  }

  /** SendTaskHeartbeat: resets the task's HeartbeatSeconds timer. */
  async sendTaskHeartbeat(token: unknown): Promise<void> {
    const record = await this.tokenRecord(token);
    const waiter = this.waiters.get(record.token);
    waiter?.onHeartbeat();
    await this.tokens.put(record.token, { ...record, heartbeatAt: this.clock.now() });
  }
}
