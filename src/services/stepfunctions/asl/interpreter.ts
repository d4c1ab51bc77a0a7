/**
 * The Amazon States Language interpreter. It runs a validated definition over the host ports
 * (./ports.ts): every state type, both query languages, variables, Retry/Catch, timeouts, and the
 * execution history AWS records. Runtime data problems end the execution with AWS's error names;
 * they never throw out of `run`.
 */
import { randomUUID } from 'node:crypto';
import { evaluateRule } from './choice.js';
import {
  errorMatches,
  isStatesError,
  queryError,
  runtimeError,
  StatesError,
  StatesErrors,
} from './errors.js';
import { evaluateJsonata, evaluateJsonataValue, jsonataExpression, jsonTypeName } from './jsonata.js';
import { evaluatePath, evaluatePathOrFail, type PathScope, setAtPath } from './jsonpath.js';
import {
  type IterationOutcome,
  type MapRunNames,
  type MapRunReport,
  mapRunNames,
  resultFiles,
} from './map-run.js';
import { applyTemplate, evaluateDynamic } from './payload.js';
import {
  type Checkpoint,
  type ExecutionInfo,
  type ExecutionOutcome,
  type HistoryEvent,
  type InterpreterPorts,
  parseResource,
  type ResourceInfo,
} from './ports.js';
import { isoTime, parseTimestamp } from './timestamp.js';
import type {
  Catcher,
  Json,
  JsonObject,
  ProcessorDefinition,
  QueryLanguage,
  StateDefinition,
  StateMachineDefinition,
} from './types.js';

/** AWS's payload limit for inputs, outputs and results (UTF-8 bytes). */
export const PAYLOAD_LIMIT = 262_144;
/** Inline Map runs at most this many iterations at once, whatever MaxConcurrency says. */
const INLINE_MAP_CONCURRENCY = 40;
/** Distributed Map without MaxConcurrency: AWS allows up to 10,000 child executions at once; a local host runs fewer. */
const DISTRIBUTED_MAP_CONCURRENCY = 100;

/** Raised inside the interpreter when the execution (or a sibling branch) is stopped. */
class Aborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'Aborted';
  }
}

/** A chain of history events (the main flow, one Parallel branch or one Map iteration). */
interface Thread {
  prev: number;
  /** Events of a Distributed Map iteration belong to its child execution, not to this history. */
  silent?: boolean;
}

/** One `States` block being run: its states, its variable scope, its abort signal. */
interface Frame {
  states: Record<string, StateDefinition>;
  /** Variables visible here: outer scopes' plus this scope's own. */
  vars: Record<string, Json>;
  thread: Thread;
  signal: AbortSignal;
  topLevel: boolean;
}

interface StepResult {
  next?: string;
  output: Json;
}

/** A state's body result before the shared exit handling. */
interface Exit {
  output: Json;
  next?: string;
  assigned?: Record<string, Json>;
  /** A Catcher's Next, which applies even on a state marked End. */
  caught?: boolean;
}

type Resume = Exclude<Checkpoint, { kind: 'state' }>;

/**
 * JSON text of history payloads. A state's output is often the very object that was its input and
 * the next state's input, so the last few texts are remembered by identity (payloads are never
 * mutated in place) to stringify each value once.
 */
const textCache = new WeakMap<object, string>();

function jsonText(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  let text = textCache.get(v);
  if (text === undefined) {
    text = JSON.stringify(v);
    textCache.set(v, text);
  }
  return text;
}

function byteSize(v: Json): number {
  return Buffer.byteLength(jsonText(v) ?? '', 'utf8');
}

function detailsPayload(key: string, v: Json): Record<string, unknown> {
  return { [key]: jsonText(v), [`${key}Details`]: { truncated: false } };
}

function abortable<T>(signal: AbortSignal, p: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(new Aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Runs one execution of a state machine definition. */
export class Execution {
  private lastId = 0;
  private readonly top: Thread = { prev: 0 };
  private readonly controller = new AbortController();
  private readonly topLanguage: QueryLanguage;

  constructor(
    private readonly definition: StateMachineDefinition,
    private readonly info: ExecutionInfo,
    private readonly ports: InterpreterPorts,
  ) {
    this.topLanguage = definition.QueryLanguage ?? 'JSONPath';
  }

  /** Stops the execution; `run` then resolves with status ABORTED. */
  stop(): void {
    this.controller.abort();
  }

  /** Runs from the start (or from a checkpoint) to a terminal status; never throws for data errors. */
  async run(resume?: Checkpoint): Promise<ExecutionOutcome> {
    const signal = this.controller.signal;
    let startState = this.definition.StartAt;
    let input: Json = this.info.input;
    let variables: Record<string, Json> = {};
    let phase: Resume | undefined;
    if (resume) {
      this.lastId = resume.lastEventId;
      this.top.prev = resume.prevEventId;
      startState = resume.state;
      input = resume.input;
      variables = { ...resume.variables };
      if (resume.kind !== 'state') phase = resume;
    } else {
      this.emit(this.top, 'ExecutionStarted', 'executionStartedEventDetails', {
        ...detailsPayload('input', input),
        roleArn: this.info.roleArn,
      });
    }
    const frame: Frame = {
      states: this.definition.States,
      vars: variables,
      thread: this.top,
      signal,
      topLevel: true,
    };
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<ExecutionOutcome>((resolve) => {
      const limit = this.definition.TimeoutSeconds;
      if (limit === undefined) return;
      const remaining = this.info.startTime + limit * 1000 - this.ports.clock.now();
      timer = this.ports.clock.setTimer(() => {
        this.controller.abort();
        resolve({ status: 'TIMED_OUT', error: StatesErrors.Timeout, cause: 'The execution timed out.' });
      }, remaining);
    });
    const running = this.runBlock(frame, startState, input, phase).then(
      (output): ExecutionOutcome => ({ status: 'SUCCEEDED', output }),
      (e): ExecutionOutcome => {
        if (e instanceof Aborted || signal.aborted) return { status: 'ABORTED' };
        if (isStatesError(e)) return { status: 'FAILED', error: e.error, cause: e.cause };
        return {
          status: 'FAILED',
          error: StatesErrors.Runtime,
          cause: `Internal error: ${(e as Error).message}`,
        };
      },
    );
    const outcome = await Promise.race([running, timedOut]);
    timer?.cancel();
    if (outcome.status === 'SUCCEEDED' && byteSize(outcome.output as Json) > PAYLOAD_LIMIT) {
      return this.finish({
        status: 'FAILED',
        error: StatesErrors.DataLimitExceeded,
        cause: 'The execution output exceeds the maximum number of bytes service limit.',
      });
    }
    return this.finish(outcome);
  }

  private finish(outcome: ExecutionOutcome): ExecutionOutcome {
    switch (outcome.status) {
      case 'SUCCEEDED':
        this.emit(
          this.top,
          'ExecutionSucceeded',
          'executionSucceededEventDetails',
          detailsPayload('output', outcome.output as Json),
        );
        break;
      case 'FAILED':
        this.emit(this.top, 'ExecutionFailed', 'executionFailedEventDetails', errorDetails(outcome));
        break;
      case 'TIMED_OUT':
        this.emit(this.top, 'ExecutionTimedOut', 'executionTimedOutEventDetails', errorDetails(outcome));
        break;
      case 'ABORTED':
        this.emit(this.top, 'ExecutionAborted', 'executionAbortedEventDetails', errorDetails(outcome));
        break;
    }
    // The terminal event is the last one: work still settling after a stop or a timeout (a task
    // whose API call answers late, say) records nothing after it.
    this.closed = true;
    return outcome;
  }

  /** Set once the terminal event is recorded. */
  private closed = false;

  /** Records a history event on a thread and returns its id. */
  private emit(thread: Thread, type: string, key?: string, details?: Record<string, unknown>): number {
    if (thread.silent || this.closed) return thread.prev;
    const id = ++this.lastId;
    const event: HistoryEvent = { timestamp: this.ports.clock.now(), type, id, previousEventId: thread.prev };
    if (key) event[key] = details ?? {};
    thread.prev = id;
    this.ports.onEvent?.(event);
    return id;
  }

  private language(state: StateDefinition): QueryLanguage {
    return state.QueryLanguage ?? this.topLanguage;
  }

  private context(stateName: string, enteredTime: number, extra?: JsonObject): JsonObject {
    const ctx: JsonObject = {
      Execution: {
        Id: this.info.executionArn,
        Input: this.info.input,
        StartTime: isoTime(this.info.startTime),
        Name: this.info.name,
        RoleArn: this.info.roleArn,
        RedriveCount: this.info.redriveCount ?? 0,
      },
      StateMachine: { Id: this.info.stateMachineArn, Name: this.info.stateMachineName },
      State: { Name: stateName, EnteredTime: isoTime(enteredTime) },
    };
    return extra ? { ...ctx, ...extra } : ctx;
  }

  /** Runs a States block from `start` until a terminal state; returns its output. */
  private async runBlock(frame: Frame, start: string, input: Json, resume?: Resume): Promise<Json> {
    let name = start;
    let current = input;
    let phase = resume;
    for (;;) {
      if (frame.signal.aborted) throw new Aborted();
      if (frame.topLevel && !phase && this.ports.checkpoint)
        await this.ports.checkpoint({
          kind: 'state',
          state: name,
          input: current,
          variables: frame.vars,
          lastEventId: this.lastId,
          prevEventId: frame.thread.prev,
        });
      const state = frame.states[name];
      const step = await this.runState(frame, name, state, current, phase);
      phase = undefined;
      if (step.next === undefined) return step.output;
      name = step.next;
      current = step.output;
    }
  }

  private async runState(
    frame: Frame,
    name: string,
    state: StateDefinition,
    input: Json,
    resume?: Resume,
  ): Promise<StepResult> {
    const enteredTime = resume?.enteredTime ?? this.ports.clock.now();
    const enteredId =
      resume?.enteredEventId ??
      this.emit(frame.thread, `${state.Type}StateEntered`, 'stateEnteredEventDetails', {
        name,
        ...detailsPayload('input', input),
      });
    const env: StateEnv = { frame, name, state, input, enteredTime, enteredId, lang: this.language(state) };
    let exit: Exit;
    try {
      exit = await this.runWithRecovery(env, resume);
    } catch (e) {
      throw this.scoped(e, name, enteredId);
    }
    const details: Record<string, unknown> = { name, ...detailsPayload('output', exit.output) };
    if (exit.assigned && Object.keys(exit.assigned).length > 0) {
      details.assignedVariables = Object.fromEntries(
        Object.entries(exit.assigned).map(([k, v]) => [k, jsonText(v)]),
      );
      details.assignedVariablesDetails = { truncated: false };
      Object.assign(frame.vars, exit.assigned);
    }
    if (state.Type !== 'Fail')
      this.emit(frame.thread, `${state.Type}StateExited`, 'stateExitedEventDetails', details);
    const terminal = !exit.caught && (state.Type === 'Succeed' || state.End === true);
    return { next: terminal ? undefined : exit.next, output: exit.output };
  }

  /** Adds AWS's "An error occurred while executing the state ..." prefix once. */
  private scoped(e: unknown, name: string, enteredId: number): unknown {
    if (isStatesError(e) && e.stateScoped) {
      const err = new StatesError(
        e.error,
        `An error occurred while executing the state '${name}' (entered at the event id #${enteredId}). ${e.cause ?? ''}`,
      );
      return err;
    }
    return e;
  }

  /** Runs a state's body with Retry and Catch (Task, Parallel, Map). */
  private async runWithRecovery(env: StateEnv, resume?: Resume): Promise<Exit> {
    const { state } = env;
    const retriers = state.Retry ?? [];
    const retryCounts = resume?.kind === 'callback' ? [...resume.retryCounts] : retriers.map(() => 0);
    let retryCount = resume?.kind === 'callback' ? resume.retryCount : 0;
    let phase = resume;
    for (;;) {
      try {
        return await this.runBody(env, retryCount, retryCounts, phase);
      } catch (raw) {
        phase = undefined;
        if (raw instanceof Aborted || env.frame.signal.aborted) throw raw;
        const e = this.scoped(raw, env.name, env.enteredId);
        if (!isStatesError(e)) throw e;
        if (state.Type !== 'Task' && state.Type !== 'Parallel' && state.Type !== 'Map') throw e;
        const idx = retriers.findIndex((r) => errorMatches(r.ErrorEquals, e.error));
        if (idx >= 0 && retryCounts[idx] < (retriers[idx].MaxAttempts ?? 3)) {
          const r = retriers[idx];
          const n = retryCounts[idx]++;
          let delay = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** n;
          if (r.MaxDelaySeconds !== undefined) delay = Math.min(delay, r.MaxDelaySeconds);
          if (r.JitterStrategy === 'FULL') delay = Math.random() * delay;
          await abortable(env.frame.signal, this.ports.clock.sleep(delay * 1000));
          retryCount++;
          continue;
        }
        const catcher = (state.Catch ?? []).find((c) => errorMatches(c.ErrorEquals, e.error));
        if (!catcher) throw e;
        return this.caught(env, catcher, e);
      }
    }
  }

  private async caught(env: StateEnv, catcher: Catcher, e: StatesError): Promise<Exit> {
    const errorOutput: JsonObject = { Error: e.error ?? '', Cause: e.cause ?? '' };
    if (env.lang === 'JSONata') {
      const scope = this.jsonataScope(env, { errorOutput });
      const output =
        catcher.Output === undefined
          ? errorOutput
          : await evaluateJsonataValue(catcher.Output, scope, 'Output');
      const assigned = await this.jsonataAssign(catcher.Assign, scope);
      return { output, next: catcher.Next, assigned, caught: true };
    }
    const assigned = this.jsonPathAssign(catcher.Assign, env, errorOutput);
    const resultPath = catcher.ResultPath === undefined ? '$' : catcher.ResultPath;
    const output = resultPath === null ? env.input : setAtPath(env.input, resultPath, errorOutput);
    return { output, next: catcher.Next, assigned, caught: true };
  }

  private pathScope(env: StateEnv, input: Json, extra?: JsonObject): PathScope {
    return { input, context: this.context(env.name, env.enteredTime, extra), variables: env.frame.vars };
  }

  private jsonataScope(
    env: StateEnv,
    more: { result?: Json; errorOutput?: Json; context?: JsonObject } = {},
  ): import('./jsonata.js').JsonataScope {
    return {
      states: {
        input: env.input,
        context: more.context ?? this.context(env.name, env.enteredTime),
        ...(more.result !== undefined ? { result: more.result } : {}),
        ...(more.errorOutput !== undefined ? { errorOutput: more.errorOutput } : {}),
      },
      variables: env.frame.vars,
    };
  }

  private async jsonataAssign(
    assign: Json | undefined,
    scope: import('./jsonata.js').JsonataScope,
  ): Promise<Record<string, Json> | undefined> {
    if (assign === undefined) return undefined;
    const value = await evaluateJsonataValue(assign, scope, 'Assign');
    return value as Record<string, Json>;
  }

  private jsonPathAssign(
    assign: Json | undefined,
    env: StateEnv,
    dollar: Json,
  ): Record<string, Json> | undefined {
    if (assign === undefined) return undefined;
    return applyTemplate(assign, this.pathScope(env, dollar)) as Record<string, Json>;
  }

  /** JSONPath InputPath: null gives {}, a miss is States.Runtime. */
  private inputPath(env: StateEnv): Json {
    const p = env.state.InputPath;
    if (p === null) return {};
    if (p === undefined || p === '$') return env.input;
    return evaluatePathOrFail(p, this.pathScope(env, env.input));
  }

  /** JSONPath ResultSelector → ResultPath → OutputPath over a raw result. */
  private jsonPathOutput(env: StateEnv, result: Json, applySelector: boolean): Json {
    const { state } = env;
    let effective = result;
    if (applySelector && state.ResultSelector !== undefined)
      effective = applyTemplate(state.ResultSelector, this.pathScope(env, result));
    let output: Json;
    if (state.ResultPath === null) output = env.input;
    else if (state.ResultPath === undefined || state.ResultPath === '$') output = effective;
    else output = setAtPath(env.input, state.ResultPath, effective);
    return this.outputPath(env, output);
  }

  private outputPath(env: StateEnv, output: Json): Json {
    const p = env.state.OutputPath;
    if (p === null) return {};
    if (p === undefined || p === '$') return output;
    return evaluatePathOrFail(p, this.pathScope(env, output));
  }

  private checkResultSize(env: StateEnv, result: Json): void {
    if (byteSize(result) > PAYLOAD_LIMIT)
      throw new StatesError(
        StatesErrors.DataLimitExceeded,
        `The state/task '${env.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
  }

  private async runBody(
    env: StateEnv,
    retryCount: number,
    retryCounts: number[],
    resume?: Resume,
  ): Promise<Exit> {
    switch (env.state.Type) {
      case 'Pass':
        return this.pass(env);
      case 'Succeed':
        return this.succeed(env);
      case 'Fail':
        return this.fail(env);
      case 'Choice':
        return this.choice(env);
      case 'Wait':
        return this.wait(env, resume?.kind === 'wait' ? resume : undefined);
      case 'Task':
        return this.task(env, retryCount, retryCounts, resume?.kind === 'callback' ? resume : undefined);
      case 'Parallel':
        return this.parallel(env);
      case 'Map':
        return this.map(env);
      default:
        throw runtimeError(`Unknown state type '${(env.state as { Type: string }).Type}'`);
    }
  }

  // ---- Pass, Succeed, Fail ----

  private async pass(env: StateEnv): Promise<Exit> {
    const { state } = env;
    if (env.lang === 'JSONata') {
      const scope = this.jsonataScope(env);
      const output =
        state.Output === undefined ? env.input : await evaluateJsonataValue(state.Output, scope, 'Output');
      const assigned = await this.jsonataAssign(state.Assign, scope);
      return { output, next: state.Next, assigned };
    }
    let effective = this.inputPath(env);
    if (state.Parameters !== undefined)
      effective = applyTemplate(state.Parameters, this.pathScope(env, effective));
    const result = state.Result !== undefined ? state.Result : effective;
    // Without Result or Parameters the result is the state input, which is already within limits.
    if (state.Result !== undefined || state.Parameters !== undefined) this.checkResultSize(env, result);
    const assigned = this.jsonPathAssign(state.Assign, env, result);
    return { output: this.jsonPathOutput(env, result, false), next: state.Next, assigned };
  }

  private async succeed(env: StateEnv): Promise<Exit> {
    if (env.lang === 'JSONata') {
      const output =
        env.state.Output === undefined
          ? env.input
          : await evaluateJsonataValue(env.state.Output, this.jsonataScope(env), 'Output');
      return { output };
    }
    return { output: this.outputPath(env, this.inputPath(env)) };
  }

  private async fail(env: StateEnv): Promise<Exit> {
    const { state } = env;
    let error: Json | undefined = state.Error;
    let cause: Json | undefined = state.Cause;
    if (env.lang === 'JSONata') {
      const scope = this.jsonataScope(env);
      if (typeof error === 'string' && jsonataExpression(error) !== undefined)
        error = await evaluateJsonata(jsonataExpression(error) as string, scope, 'Error');
      if (typeof cause === 'string' && jsonataExpression(cause) !== undefined)
        cause = await evaluateJsonata(jsonataExpression(cause) as string, scope, 'Cause');
    } else {
      const scope = this.pathScope(env, env.input);
      if (state.ErrorPath !== undefined) error = evaluateDynamic(state.ErrorPath, scope, 'ErrorPath');
      if (state.CausePath !== undefined) cause = evaluateDynamic(state.CausePath, scope, 'CausePath');
    }
    if (error !== undefined && typeof error !== 'string')
      throw runtimeError(`The value of the field 'Error' must be a string, but was ${jsonText(error)}`);
    if (cause !== undefined && typeof cause !== 'string')
      throw runtimeError(`The value of the field 'Cause' must be a string, but was ${jsonText(cause)}`);
    throw new StatesError(error, cause);
  }

  // ---- Choice ----

  private async choice(env: StateEnv): Promise<Exit> {
    const { state } = env;
    if (env.lang === 'JSONata') {
      const scope = this.jsonataScope(env);
      for (const [i, rule] of (state.Choices ?? []).entries()) {
        let cond: Json = rule.Condition as Json;
        const expr = jsonataExpression(cond);
        if (expr !== undefined) cond = await evaluateJsonata(expr, scope, `Choices[${i}].Condition`);
        if (typeof cond !== 'boolean')
          throw queryError(
            `The JSONata expression '${expr ?? jsonText(cond)}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonTypeName(cond)}' for value: ${jsonText(cond)}`,
          );
        if (cond) {
          const output =
            rule.Output === undefined
              ? env.input
              : await evaluateJsonataValue(rule.Output as Json, scope, 'Output');
          const assigned = await this.jsonataAssign(rule.Assign as Json | undefined, scope);
          return { output, next: rule.Next, assigned };
        }
      }
      if (state.Default === undefined)
        throw new StatesError(StatesErrors.NoChoiceMatched, 'No Matches!', true);
      const output =
        state.Output === undefined ? env.input : await evaluateJsonataValue(state.Output, scope, 'Output');
      const assigned = await this.jsonataAssign(state.Assign, scope);
      return { output, next: state.Default, assigned };
    }
    const effective = this.inputPath(env);
    const scope = this.pathScope(env, effective);
    for (const rule of state.Choices ?? []) {
      if (evaluateRule(rule, scope)) {
        const assigned = this.jsonPathAssign(rule.Assign as Json | undefined, env, effective);
        return { output: this.outputPath(env, effective), next: rule.Next, assigned };
      }
    }
    if (state.Default === undefined) throw new StatesError(StatesErrors.NoChoiceMatched, 'No Matches!', true);
    const assigned = this.jsonPathAssign(state.Assign, env, effective);
    return { output: this.outputPath(env, effective), next: state.Default, assigned };
  }

  // ---- Wait ----

  private async wait(env: StateEnv, resume?: Extract<Checkpoint, { kind: 'wait' }>): Promise<Exit> {
    const { state } = env;
    let until: number;
    let output: Json;
    let assigned: Record<string, Json> | undefined;
    if (resume) {
      until = resume.until;
      output = resume.output;
      assigned = resume.assigned;
    } else if (env.lang === 'JSONata') {
      const scope = this.jsonataScope(env);
      until = await this.jsonataWaitUntil(env, scope);
      output =
        state.Output === undefined ? env.input : await evaluateJsonataValue(state.Output, scope, 'Output');
      assigned = await this.jsonataAssign(state.Assign, scope);
    } else {
      const effective = this.inputPath(env);
      until = this.jsonPathWaitUntil(env, effective);
      assigned = this.jsonPathAssign(state.Assign, env, effective);
      output = this.outputPath(env, effective);
    }
    if (env.frame.topLevel && !resume && this.ports.checkpoint)
      await this.ports.checkpoint({
        kind: 'wait',
        state: env.name,
        input: env.input,
        variables: env.frame.vars,
        lastEventId: this.lastId,
        prevEventId: env.frame.thread.prev,
        enteredEventId: env.enteredId,
        enteredTime: env.enteredTime,
        until,
        output,
        ...(assigned ? { assigned } : {}),
      });
    const delay = until - this.ports.clock.now();
    if (delay > 0) await abortable(env.frame.signal, this.ports.clock.sleep(delay));
    return { output, next: state.Next, assigned };
  }

  private jsonPathWaitUntil(env: StateEnv, effective: Json): number {
    const { state } = env;
    const now = env.enteredTime;
    if (state.Seconds !== undefined) return now + Number(state.Seconds) * 1000;
    if (state.Timestamp !== undefined) return parseTimestamp(state.Timestamp) ?? now;
    const scope = this.pathScope(env, effective);
    if (state.SecondsPath !== undefined) {
      const v = evaluatePathOrFail(state.SecondsPath, scope);
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw runtimeError(
          `The SecondsPath parameter cannot be parsed as a long value: ${state.SecondsPath} == ${typeof v === 'string' ? v : jsonText(v)}`,
        );
      if (v > 99_999_999) throw runtimeError('Wait state delay is too long.');
      return now + Math.max(0, v) * 1000;
    }
    if (state.TimestampPath !== undefined) {
      const v = evaluatePathOrFail(state.TimestampPath, scope);
      const t = parseTimestamp(v);
      if (t === undefined)
        throw runtimeError(
          `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${state.TimestampPath} == ${typeof v === 'string' ? v : jsonText(v)}`,
        );
      return t;
    }
    return now;
  }

  private async jsonataWaitUntil(env: StateEnv, scope: import('./jsonata.js').JsonataScope): Promise<number> {
    const { state } = env;
    const now = env.enteredTime;
    if (state.Seconds !== undefined) {
      const expr = jsonataExpression(state.Seconds);
      const v = expr !== undefined ? await evaluateJsonata(expr, scope, 'Seconds') : state.Seconds;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        throw queryError(
          `The JSONata expression '${expr ?? String(v)}' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '${jsonTypeName(v as Json)}' for value: ${jsonText(v as Json)}`,
        );
      return now + v * 1000;
    }
    if (state.Timestamp !== undefined) {
      const expr = jsonataExpression(state.Timestamp);
      const v = expr !== undefined ? await evaluateJsonata(expr, scope, 'Timestamp') : state.Timestamp;
      const t = parseTimestamp(v);
      if (t === undefined)
        throw queryError(
          `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${typeof v === 'string' ? v : jsonText(v as Json)}`,
        );
      return t;
    }
    return now;
  }

  // ---- Task ----

  private async numberField(
    env: StateEnv,
    field: 'TimeoutSeconds' | 'HeartbeatSeconds',
    input: Json,
  ): Promise<number | undefined> {
    const { state } = env;
    const literal = state[field];
    if (env.lang === 'JSONata') {
      const expr = jsonataExpression(literal);
      if (expr === undefined) return literal as number | undefined;
      const v = await evaluateJsonata(expr, this.jsonataScope(env), field);
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
        throw queryError(
          `The JSONata expression '${expr}' specified for the field '${field}' returned an unexpected result type. Expected 'integer', but was '${jsonTypeName(v)}' for value: ${jsonText(v)}`,
        );
      return v;
    }
    const path = state[`${field}Path`];
    if (path !== undefined) {
      const v = evaluatePathOrFail(path, this.pathScope(env, input));
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
        throw runtimeError(
          `The ${field}Path field refers to value "${typeof v === 'string' ? v : jsonText(v)}" which is not a valid positive integer: ${path}`,
        );
      return v;
    }
    return literal as number | undefined;
  }

  private async task(
    env: StateEnv,
    retryCount: number,
    retryCounts: number[],
    resume?: Extract<Checkpoint, { kind: 'callback' }>,
  ): Promise<Exit> {
    const { state } = env;
    const resource = parseResource(state.Resource as string);
    if (!resource) throw runtimeError(`The resource '${state.Resource}' is not a supported Task resource.`);
    const token =
      resource.pattern === 'waitForTaskToken' || resource.kind === 'activity'
        ? (resume?.token ?? this.ports.tasks.newTaskToken(this.info.executionArn))
        : undefined;
    const taskContext: JsonObject = {
      State: { Name: env.name, EnteredTime: isoTime(env.enteredTime), RetryCount: retryCount },
      ...(token && resource.kind !== 'activity' ? { Task: { Token: token } } : {}),
    };
    let taskInput: Json;
    let effective: Json = env.input;
    if (resume) {
      taskInput = resume.taskInput;
    } else if (env.lang === 'JSONata') {
      const scope = this.jsonataScope(env, { context: this.context(env.name, env.enteredTime, taskContext) });
      taskInput =
        state.Arguments === undefined
          ? env.input
          : await evaluateJsonataValue(state.Arguments, scope, 'Arguments');
    } else {
      effective = this.inputPath(env);
      taskInput =
        state.Parameters === undefined
          ? effective
          : applyTemplate(state.Parameters, this.pathScope(env, effective, taskContext));
    }
    const timeoutSeconds = await this.numberField(env, 'TimeoutSeconds', effective);
    const heartbeatSeconds = await this.numberField(env, 'HeartbeatSeconds', effective);
    const result = await this.callTask(env, resource, taskInput, {
      token,
      timeoutSeconds,
      heartbeatSeconds,
      resumed: resume !== undefined,
      retryCount,
      retryCounts,
    });
    return this.afterResult(env, result);
  }

  /** Calls the Task resource with history events, timeout and heartbeat. */
  private async callTask(
    env: StateEnv,
    resource: ResourceInfo,
    taskInput: Json,
    opts: {
      token?: string;
      timeoutSeconds?: number;
      heartbeatSeconds?: number;
      resumed: boolean;
      retryCount: number;
      retryCounts: number[];
    },
  ): Promise<Json> {
    const thread = env.frame.thread;
    const legacy = resource.kind === 'lambda-function';
    const activity = resource.kind === 'activity';
    const typeInfo = { resourceType: resource.service, resource: resourceName(resource) };
    if (!opts.resumed) {
      if (activity) {
        this.emit(thread, 'ActivityScheduled', 'activityScheduledEventDetails', {
          resource: resource.resource,
          ...detailsPayload('input', taskInput),
          ...(opts.timeoutSeconds !== undefined ? { timeoutInSeconds: opts.timeoutSeconds } : {}),
          ...(opts.heartbeatSeconds !== undefined ? { heartbeatInSeconds: opts.heartbeatSeconds } : {}),
        });
      } else if (legacy) {
        this.emit(thread, 'LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
          resource: resource.resource,
          ...detailsPayload('input', taskInput),
          ...(opts.timeoutSeconds !== undefined ? { timeoutInSeconds: opts.timeoutSeconds } : {}),
        });
        this.emit(thread, 'LambdaFunctionStarted');
      } else {
        this.emit(thread, 'TaskScheduled', 'taskScheduledEventDetails', {
          ...typeInfo,
          region: this.ports.region,
          parameters: jsonText(taskInput),
          ...(opts.timeoutSeconds !== undefined ? { timeoutInSeconds: opts.timeoutSeconds } : {}),
          ...(opts.heartbeatSeconds !== undefined ? { heartbeatInSeconds: opts.heartbeatSeconds } : {}),
        });
        this.emit(thread, 'TaskStarted', 'taskStartedEventDetails', typeInfo);
      }
    }
    const controller = new AbortController();
    const onParentAbort = () => controller.abort();
    env.frame.signal.addEventListener('abort', onParentAbort, { once: true });
    const timers: Array<{ cancel(): void }> = [];
    const clock = this.ports.clock;
    const failures = new Promise<never>((_, reject) => {
      if (opts.timeoutSeconds !== undefined)
        timers.push(
          clock.setTimer(
            () => reject(new StatesError(StatesErrors.Timeout, undefined)),
            opts.timeoutSeconds * 1000,
          ),
        );
    });
    failures.catch(() => {});
    let heartbeat: { cancel(): void } | undefined;
    let heartbeatReject: ((e: unknown) => void) | undefined;
    const heartbeatMissed = new Promise<never>((_, reject) => {
      heartbeatReject = reject;
    });
    heartbeatMissed.catch(() => {});
    const armHeartbeat = () => {
      heartbeat?.cancel();
      if (opts.heartbeatSeconds !== undefined)
        heartbeat = clock.setTimer(
          () => heartbeatReject?.(new StatesError(StatesErrors.Timeout, undefined)),
          opts.heartbeatSeconds * 1000,
        );
    };
    const work = async (): Promise<Json> => {
      if (!opts.resumed) {
        const response = await this.ports.tasks.invoke({
          resource,
          input: taskInput,
          stateName: env.name,
          executionArn: this.info.executionArn,
          taskToken: opts.token,
          timeoutSeconds: opts.timeoutSeconds,
          signal: controller.signal,
          submitted: (output) =>
            this.emit(thread, 'TaskSubmitted', 'taskSubmittedEventDetails', {
              ...typeInfo,
              ...detailsPayload('output', output),
            }),
        });
        if (!opts.token) return response;
        if (!activity)
          this.emit(thread, 'TaskSubmitted', 'taskSubmittedEventDetails', {
            ...typeInfo,
            ...detailsPayload('output', response),
          });
      }
      const token = opts.token as string;
      if (env.frame.topLevel && this.ports.checkpoint && !opts.resumed)
        await this.ports.checkpoint({
          kind: 'callback',
          state: env.name,
          input: env.input,
          variables: env.frame.vars,
          lastEventId: this.lastId,
          prevEventId: thread.prev,
          enteredEventId: env.enteredId,
          enteredTime: env.enteredTime,
          token,
          taskInput,
          retryCounts: opts.retryCounts,
          retryCount: opts.retryCount,
        });
      armHeartbeat();
      return this.ports.tasks.awaitCallback(token, {
        signal: controller.signal,
        onHeartbeat: armHeartbeat,
        executionArn: this.info.executionArn,
        ...(activity
          ? {
              onStarted: (workerName: string | undefined) =>
                this.emit(
                  thread,
                  'ActivityStarted',
                  'activityStartedEventDetails',
                  workerName ? { workerName } : {},
                ),
            }
          : {}),
      });
    };
    try {
      const result = await abortable(env.frame.signal, Promise.race([work(), failures, heartbeatMissed]));
      if (activity)
        this.emit(
          thread,
          'ActivitySucceeded',
          'activitySucceededEventDetails',
          detailsPayload('output', result),
        );
      else if (legacy)
        this.emit(
          thread,
          'LambdaFunctionSucceeded',
          'lambdaFunctionSucceededEventDetails',
          detailsPayload('output', result),
        );
      else
        this.emit(thread, 'TaskSucceeded', 'taskSucceededEventDetails', {
          ...typeInfo,
          ...detailsPayload('output', result),
        });
      return result;
    } catch (e) {
      if (e instanceof Aborted || env.frame.signal.aborted) {
        this.emit(thread, 'TaskStateAborted');
        throw e instanceof Aborted ? e : new Aborted();
      }
      if (!isStatesError(e)) throw e;
      const details = {
        ...(e.error !== undefined ? { error: e.error } : {}),
        ...(e.cause !== undefined ? { cause: e.cause } : {}),
      };
      const timedOut = e.error === StatesErrors.Timeout;
      if (activity)
        this.emit(
          thread,
          timedOut ? 'ActivityTimedOut' : 'ActivityFailed',
          timedOut ? 'activityTimedOutEventDetails' : 'activityFailedEventDetails',
          details,
        );
      else if (legacy)
        this.emit(
          thread,
          timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
          timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails',
          details,
        );
      else
        this.emit(
          thread,
          timedOut ? 'TaskTimedOut' : 'TaskFailed',
          timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails',
          { ...typeInfo, ...details },
        );
      throw e;
    } finally {
      controller.abort();
      env.frame.signal.removeEventListener('abort', onParentAbort);
      for (const t of timers) t.cancel();
      heartbeat?.cancel();
    }
  }

  // ---- Parallel ----

  private async parallel(env: StateEnv): Promise<Exit> {
    const { state } = env;
    let branchInput: Json;
    if (env.lang === 'JSONata') {
      branchInput =
        state.Arguments === undefined
          ? env.input
          : await evaluateJsonataValue(state.Arguments, this.jsonataScope(env), 'Arguments');
    } else {
      branchInput = this.inputPath(env);
      if (state.Parameters !== undefined)
        branchInput = applyTemplate(state.Parameters, this.pathScope(env, branchInput));
    }
    const thread = env.frame.thread;
    this.emit(thread, 'ParallelStateStarted');
    const controller = new AbortController();
    const onParentAbort = () => controller.abort();
    env.frame.signal.addEventListener('abort', onParentAbort, { once: true });
    let firstError: unknown;
    const branches = (state.Branches ?? []).map((branch) =>
      this.runBlock(
        this.childFrame(env.frame, branch, controller.signal, thread.prev),
        branch.StartAt,
        branchInput,
      ).catch((e) => {
        if (firstError === undefined && !(e instanceof Aborted)) {
          firstError = e;
          controller.abort();
        }
        throw e;
      }),
    );
    const settled = await Promise.allSettled(branches);
    env.frame.signal.removeEventListener('abort', onParentAbort);
    if (env.frame.signal.aborted) {
      this.emit(thread, 'ParallelStateAborted');
      throw new Aborted();
    }
    if (firstError !== undefined) {
      this.emit(thread, 'ParallelStateFailed');
      throw firstError;
    }
    const result = settled.map((s) => (s as PromiseFulfilledResult<Json>).value);
    this.emit(thread, 'ParallelStateSucceeded');
    return this.afterResult(env, result);
  }

  private childFrame(
    parent: Frame,
    block: ProcessorDefinition,
    signal: AbortSignal,
    prev: number,
    silent = parent.thread.silent === true,
  ): Frame {
    const thread: Thread = silent ? { prev, silent } : { prev };
    return { states: block.States, vars: { ...parent.vars }, thread, signal, topLevel: false };
  }

  /** The shared tail of Task, Parallel and Map: result size, Output/Assign or ResultSelector/ResultPath/OutputPath. */
  private async afterResult(env: StateEnv, result: Json): Promise<Exit> {
    const { state } = env;
    this.checkResultSize(env, result);
    if (env.lang === 'JSONata') {
      const scope = this.jsonataScope(env, { result });
      const output =
        state.Output === undefined ? result : await evaluateJsonataValue(state.Output, scope, 'Output');
      const assigned = await this.jsonataAssign(state.Assign, scope);
      return { output, next: state.Next, assigned };
    }
    const assigned = this.jsonPathAssign(state.Assign, env, result);
    return { output: this.jsonPathOutput(env, result, true), next: state.Next, assigned };
  }

  // ---- Map ----

  private async mapSetting(
    env: StateEnv,
    field: 'MaxConcurrency' | 'ToleratedFailureCount' | 'ToleratedFailurePercentage',
    effective: Json,
  ): Promise<number | undefined> {
    const { state } = env;
    const literal = state[field];
    if (env.lang === 'JSONata') {
      const expr = jsonataExpression(literal);
      if (expr === undefined) return literal as number | undefined;
      const v = await evaluateJsonata(expr, this.jsonataScope(env), field);
      if (typeof v !== 'number' || (field !== 'ToleratedFailurePercentage' && !Number.isInteger(v)))
        throw queryError(
          `The JSONata expression '${expr}' specified for the field '${field}' returned an unexpected result type. Expected 'integer', but was '${jsonTypeName(v)}' for value: ${jsonText(v)}`,
        );
      return this.checkMapSetting(field, v);
    }
    const path = state[`${field}Path`];
    if (path === undefined) return literal as number | undefined;
    let v = evaluatePathOrFail(path, this.pathScope(env, effective));
    const integer = field !== 'ToleratedFailurePercentage';
    // AWS parses numeric strings ("1") found through a *Path field.
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
    if (typeof v !== 'number' || (integer && !Number.isInteger(v)))
      throw runtimeError(
        `The ${field}Path field refers to value "${typeof v === 'string' ? v : jsonText(v)}" which is not a valid ${integer ? 'integer' : 'number'}: ${path}`,
      );
    return this.checkMapSetting(field, v);
  }

  private checkMapSetting(field: string, v: number): number {
    if (v < 0) throw runtimeError(`${field} cannot be negative.`);
    if (field === 'ToleratedFailurePercentage' && v > 100)
      throw runtimeError('ToleratedFailurePercentage cannot be greater than 100.');
    return v;
  }

  /** ItemReader: evaluates its parameters and ReaderConfig and reads the items through the host. */
  private async readItems(env: StateEnv): Promise<Json> {
    const reader = env.state.ItemReader as JsonObject;
    const config = { ...((reader.ReaderConfig as JsonObject | undefined) ?? {}) };
    let parameters: Json = {};
    if (env.lang === 'JSONata') {
      if (reader.Arguments !== undefined)
        parameters = await evaluateJsonataValue(
          reader.Arguments,
          this.jsonataScope(env),
          'ItemReader/Arguments',
        );
      const expr = jsonataExpression(config.MaxItems);
      if (expr !== undefined)
        config.MaxItems = await evaluateJsonata(
          expr,
          this.jsonataScope(env),
          'ItemReader/ReaderConfig/MaxItems',
        );
    } else {
      const effective = this.inputPath(env);
      if (reader.Parameters !== undefined)
        parameters = applyTemplate(reader.Parameters, this.pathScope(env, effective));
      if (typeof config.MaxItemsPath === 'string')
        config.MaxItems = evaluatePathOrFail(config.MaxItemsPath, this.pathScope(env, effective));
    }
    if (!this.ports.tasks.readItems)
      throw new StatesError(
        StatesErrors.ItemReaderFailed,
        'This platform cannot read Map items from storage.',
      );
    let items = await this.ports.tasks.readItems({
      resource: String(reader.Resource),
      parameters,
      readerConfig: config,
    });
    const max = config.MaxItems;
    if (Array.isArray(items) && typeof max === 'number' && Number.isInteger(max) && max > 0)
      items = items.slice(0, max);
    return items;
  }

  /**
   * ItemBatcher: groups items into batches by MaxItemsPerBatch and MaxInputBytesPerBatch; each
   * iteration gets `{"BatchInput": ..., "Items": [...]}` (BatchInput only when configured).
   */
  private async batches(env: StateEnv, items: Json[], effective: Json): Promise<Json[]> {
    const batcher = env.state.ItemBatcher as JsonObject;
    const limit = async (
      field: 'MaxItemsPerBatch' | 'MaxInputBytesPerBatch',
    ): Promise<number | undefined> => {
      let v: Json | undefined = batcher[field];
      if (env.lang === 'JSONata') {
        const expr = jsonataExpression(v);
        if (expr !== undefined)
          v = await evaluateJsonata(expr, this.jsonataScope(env), `ItemBatcher/${field}`);
      } else if (typeof batcher[`${field}Path`] === 'string') {
        const path = batcher[`${field}Path`] as string;
        v = evaluatePathOrFail(path, this.pathScope(env, effective));
        if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
      }
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
        throw runtimeError(`The ${field} field must be a positive integer, but was ${jsonText(v)}`);
      return v;
    };
    const maxItems = await limit('MaxItemsPerBatch');
    const maxBytes = await limit('MaxInputBytesPerBatch');
    let batchInput: Json | undefined;
    if (batcher.BatchInput !== undefined)
      batchInput =
        env.lang === 'JSONata'
          ? await evaluateJsonataValue(batcher.BatchInput, this.jsonataScope(env), 'ItemBatcher/BatchInput')
          : applyTemplate(batcher.BatchInput, this.pathScope(env, effective));
    const out: Json[] = [];
    let current: Json[] = [];
    let bytes = 2;
    const flush = () => {
      if (current.length === 0) return;
      out.push(batchInput === undefined ? { Items: current } : { BatchInput: batchInput, Items: current });
      current = [];
      bytes = 2;
    };
    for (const item of items) {
      const size = byteSize(item) + 1;
      if (
        current.length > 0 &&
        ((maxItems !== undefined && current.length >= maxItems) ||
          (maxBytes !== undefined && bytes + size > maxBytes))
      )
        flush();
      current.push(item);
      bytes += size;
    }
    flush();
    return out;
  }

  private async map(env: StateEnv): Promise<Exit> {
    const { state } = env;
    const processor = (state.ItemProcessor ?? state.Iterator) as ProcessorDefinition;
    const distributed = processor.ProcessorConfig?.Mode === 'DISTRIBUTED';
    let items: Json;
    let effective: Json = env.input;
    const read = state.ItemReader === undefined ? undefined : await this.readItems(env);
    if (env.lang === 'JSONata') {
      if (state.Items === undefined) {
        items = read ?? env.input;
        if (!Array.isArray(items))
          throw queryError(`Map state input must be an array but was: ${jsonText(items)}`);
      } else {
        const expr = jsonataExpression(state.Items);
        items =
          expr !== undefined
            ? await evaluateJsonata(expr, this.jsonataScope(env), 'Items')
            : await evaluateJsonataValue(state.Items, this.jsonataScope(env), 'Items');
        if (!Array.isArray(items)) {
          const text = expr ?? jsonText(state.Items);
          throw queryError(
            `The JSONata expression '${text}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${jsonTypeName(items)}' for value: ${jsonText(items)}`,
          );
        }
      }
    } else {
      effective = this.inputPath(env);
      const itemsPath = state.ItemsPath ?? '$';
      items = evaluatePathOrFail(itemsPath, this.pathScope(env, read ?? effective));
      if (!Array.isArray(items)) throw runtimeError(`Reference path "${itemsPath}" must point to array.`);
    }
    const list =
      state.ItemBatcher === undefined
        ? (items as Json[])
        : await this.batches(env, items as Json[], effective);
    const maxConcurrency = (await this.mapSetting(env, 'MaxConcurrency', effective)) ?? 0;
    const toleratedCount = await this.mapSetting(env, 'ToleratedFailureCount', effective);
    const toleratedPct = await this.mapSetting(env, 'ToleratedFailurePercentage', effective);
    const selector = state.ItemSelector ?? (env.lang === 'JSONPath' ? state.Parameters : undefined);
    const thread = env.frame.thread;
    this.emit(thread, 'MapStateStarted', 'mapStateStartedEventDetails', { length: list.length });
    let run: MapRunNames | undefined;
    if (distributed) {
      run = mapRunNames(
        this.info.executionArn,
        this.info.stateMachineName,
        state.Label ?? env.name,
        randomUUID(),
      );
      this.emit(thread, 'MapRunStarted', 'mapRunStartedEventDetails', { mapRunArn: run.mapRunArn });
    }
    const outcomes: IterationOutcome[] = [];
    const runStart = this.ports.clock.now();
    const report = (status: MapRunReport['status'], resultsWritten = 0) => {
      if (!run || !this.ports.onMapRun) return;
      const succeeded = outcomes.filter((o) => o.status === 'SUCCEEDED').length;
      const failed = outcomes.length - succeeded;
      const open = list.length - outcomes.length;
      this.ports.onMapRun({
        mapRunArn: run.mapRunArn,
        executionArn: this.info.executionArn,
        stateMachineArn: run.childMachineArn,
        status,
        startDate: runStart,
        ...(status !== 'RUNNING' ? { stopDate: this.ports.clock.now() } : {}),
        maxConcurrency,
        toleratedFailureCount: toleratedCount ?? 0,
        toleratedFailurePercentage: toleratedPct ?? 0,
        counts: {
          pending: status === 'RUNNING' ? open : 0,
          running: 0,
          succeeded,
          failed,
          aborted: status === 'RUNNING' ? 0 : open,
          total: list.length,
        },
        resultsWritten,
      });
    };
    report('RUNNING');
    const controller = new AbortController();
    const onParentAbort = () => controller.abort();
    env.frame.signal.addEventListener('abort', onParentAbort, { once: true });
    const results: Json[] = new Array(list.length);
    let failures = 0;
    let fatal: unknown;
    const limit = distributed
      ? maxConcurrency > 0
        ? maxConcurrency
        : DISTRIBUTED_MAP_CONCURRENCY
      : Math.min(maxConcurrency > 0 ? maxConcurrency : INLINE_MAP_CONCURRENCY, INLINE_MAP_CONCURRENCY);
    const tolerance = toleratedCount !== undefined || toleratedPct !== undefined;
    const exceeded = () =>
      (toleratedCount === undefined || failures > toleratedCount) &&
      (toleratedPct === undefined || (failures / Math.max(1, list.length)) * 100 > toleratedPct);
    let nextIndex = 0;
    const worker = async () => {
      while (fatal === undefined && !controller.signal.aborted) {
        const index = nextIndex++;
        if (index >= list.length) return;
        const itemCtx: JsonObject = { Map: { Item: { Index: index, Value: list[index] } } };
        let itemInput: Json = list[index];
        try {
          if (selector !== undefined) {
            if (env.lang === 'JSONata') {
              const scope = this.jsonataScope(env, {
                context: this.context(env.name, env.enteredTime, itemCtx),
              });
              itemInput = await evaluateJsonataValue(selector, scope, 'ItemSelector');
            } else {
              itemInput = applyTemplate(selector, this.pathScope(env, effective, itemCtx));
            }
          }
        } catch (e) {
          fatal ??= e;
          controller.abort();
          return;
        }
        const iterThread: Thread = distributed ? { prev: thread.prev, silent: true } : { prev: thread.prev };
        this.emit(iterThread, 'MapIterationStarted', 'mapIterationStartedEventDetails', {
          name: env.name,
          index,
        });
        const frame = this.childFrame(env.frame, processor, controller.signal, iterThread.prev, distributed);
        const startDate = this.ports.clock.now();
        try {
          results[index] = await this.runBlock(frame, processor.StartAt, itemInput);
          this.emit(frame.thread, 'MapIterationSucceeded', 'mapIterationSucceededEventDetails', {
            name: env.name,
            index,
          });
          outcomes.push({
            index,
            input: itemInput,
            status: 'SUCCEEDED',
            output: results[index],
            startDate,
            stopDate: this.ports.clock.now(),
          });
        } catch (e) {
          if (e instanceof Aborted) {
            this.emit(frame.thread, 'MapIterationAborted', 'mapIterationAbortedEventDetails', {
              name: env.name,
              index,
            });
            return;
          }
          this.emit(frame.thread, 'MapIterationFailed', 'mapIterationFailedEventDetails', {
            name: env.name,
            index,
          });
          outcomes.push({
            index,
            input: itemInput,
            status: 'FAILED',
            ...(isStatesError(e) && e.error !== undefined ? { error: e.error } : {}),
            ...(isStatesError(e) && e.cause !== undefined ? { cause: e.cause } : {}),
            startDate,
            stopDate: this.ports.clock.now(),
          });
          failures++;
          if (isStatesError(e) && tolerance) {
            results[index] = { Error: e.error ?? '', Cause: e.cause ?? '' };
            if (!exceeded()) continue;
            fatal ??= new StatesError(
              StatesErrors.ExceedToleratedFailureThreshold,
              'The specified tolerated failure threshold was exceeded',
            );
          } else fatal ??= e;
          controller.abort();
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, Math.max(1, list.length)) }, worker));
    env.frame.signal.removeEventListener('abort', onParentAbort);
    if (env.frame.signal.aborted) {
      report('ABORTED');
      if (run) this.emit(thread, 'MapRunAborted');
      this.emit(thread, 'MapStateAborted');
      throw new Aborted();
    }
    let written: Json | undefined;
    if (run && state.ResultWriter !== undefined && (fatal === undefined || isStatesError(fatal)))
      written = await this.writeResults(env, run, outcomes, effective).catch((e) => {
        fatal ??= e;
        return undefined;
      });
    const resultsWritten = written === undefined ? 0 : outcomes.length;
    if (fatal !== undefined) {
      report('FAILED', resultsWritten);
      if (run)
        this.emit(
          thread,
          'MapRunFailed',
          'mapRunFailedEventDetails',
          isStatesError(fatal)
            ? {
                ...(fatal.error !== undefined ? { error: fatal.error } : {}),
                ...(fatal.cause !== undefined ? { cause: fatal.cause } : {}),
              }
            : {},
        );
      this.emit(thread, 'MapStateFailed');
      throw fatal;
    }
    report('SUCCEEDED', resultsWritten);
    if (run) this.emit(thread, 'MapRunSucceeded');
    this.emit(thread, 'MapStateSucceeded');
    return this.afterResult(env, written ?? results);
  }

  /** ResultWriter: puts the map run's result files and manifest; the Map's result points at the manifest. */
  private async writeResults(
    env: StateEnv,
    run: MapRunNames,
    outcomes: IterationOutcome[],
    effective: Json,
  ): Promise<Json> {
    const writer = env.state.ResultWriter as JsonObject;
    const failed = (message: string) => new StatesError(StatesErrors.ResultWriterFailed, message);
    if (!/^arn:aws[a-z-]*:states:::s3:putObject$/.test(String(writer.Resource)))
      throw failed(
        `The ResultWriter resource '${String(writer.Resource)}' is not supported (use s3:putObject).`,
      );
    let params: Json = {};
    if (env.lang === 'JSONata') {
      if (writer.Arguments !== undefined)
        params = await evaluateJsonataValue(
          writer.Arguments,
          this.jsonataScope(env),
          'ResultWriter/Arguments',
        );
    } else if (writer.Parameters !== undefined)
      params = applyTemplate(writer.Parameters, this.pathScope(env, effective));
    const p = (params ?? {}) as JsonObject;
    if (typeof p.Bucket !== 'string' || p.Bucket === '')
      throw failed('The ResultWriter parameters need a Bucket.');
    const prefix = typeof p.Prefix === 'string' ? p.Prefix : '';
    const write = this.ports.tasks.writeObject;
    if (!write) throw failed('This platform cannot write Map results to storage.');
    const names = new Map<number, string>();
    const { files, output } = resultFiles(run, p.Bucket, prefix, outcomes, (i) => {
      if (!names.has(i)) names.set(i, randomUUID());
      return names.get(i) as string;
    });
    for (const f of files) {
      try {
        await write.call(this.ports.tasks, p.Bucket, f.key, f.body);
      } catch (e) {
        throw failed(`Writing s3://${p.Bucket}/${f.key} failed: ${(e as Error).message}`);
      }
    }
    return output;
  }
}

interface StateEnv {
  frame: Frame;
  name: string;
  state: StateDefinition;
  /** The state's raw input. */
  input: Json;
  enteredTime: number;
  enteredId: number;
  lang: QueryLanguage;
}

function resourceName(r: ResourceInfo): string {
  if (r.kind !== 'service') return r.resource;
  return r.pattern === 'request-response' ? r.action : `${r.action}.${r.pattern}`;
}

function errorDetails(o: ExecutionOutcome): Record<string, unknown> {
  return {
    ...(o.error !== undefined ? { error: o.error } : {}),
    ...(o.cause !== undefined ? { cause: o.cause } : {}),
  };
}

/** Evaluates a path against a document for callers outside the interpreter (tests, tools). */
export function evaluateJsonPath(path: string, input: Json): Json {
  return evaluatePath(path, { input });
}
