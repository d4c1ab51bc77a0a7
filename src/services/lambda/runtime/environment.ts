/**
 * One execution environment: one OS process running one function version, one invocation at a
 * time. It owns the process, its channel, its log stream and the limits (timeout, memory), and turns
 * whatever happens into an InvokeOutcome with AWS's payloads and log lines.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../../../platform/clock.js';
import {
  type Channel,
  type Delivery,
  type EndpointAnswer,
  MAX_RESPONSE_BYTES,
  type RuntimeEndpoint,
  validErrorType,
} from './channel.js';
import { buildEnvironmentVars, logStreamName } from './environment-vars.js';
import { javaBinDir, javaBootstrapClasses, javaMissing } from './java.js';
import { type LogBudget, LogCapture, LogTail } from './log-capture.js';
import { PipeChannel } from './pipe-channel.js';
import { killTree, peakRssBytes, treeRssBytes } from './process-tree.js';
import {
  billedDuration,
  endLine,
  exitDescription,
  exitMessage,
  reportLine,
  startLine,
  timeoutLogLine,
  timeoutPayload,
} from './report.js';
import type { RuntimeApiChannel, RuntimeApiServer } from './runtime-api.js';
import { type RuntimeFamily, runtimeFamily } from './runtimes.js';
import {
  findProvidedBootstrap,
  type RuntimeProcess,
  spawnBootstrap,
  spawnJava,
  spawnProvided,
} from './spawn.js';
import type { InvokeOutcome, InvokeRequest, LogLine, LogSink, RuntimeFunction } from './types.js';

export type ChannelMode = 'fast' | 'runtime-api';

export interface EnvironmentDeps {
  clock: Clock;
  endpointUrl: string;
  channel: ChannelMode;
  runtimeApi: RuntimeApiServer;
  logSink?: LogSink;
  /** Every log line as it is captured (the `invoke local` helper prints them). */
  onLog?: (line: string) => void;
  logBudget: LogBudget;
  /** Lambda's on-demand init limit (10 s). */
  initTimeoutMs: number;
  /** How often the process tree's memory is sampled while an invocation runs. */
  memorySampleMs?: number;
  /** Freeze idle environments (SIGSTOP) as Lambda does, so background work waits for the next invocation. */
  freeze?: boolean;
  /** A pre-started bootstrap process of the right family to specialise, if the pool has one. */
  prestarted?: RuntimeProcess;
  initializationType?: 'on-demand' | 'provisioned-concurrency';
}

/** The environment died before the invocation was handed to it: run it elsewhere. */
export class EnvironmentLostError extends Error {
  constructor() {
    super('execution environment exited before the invocation was delivered');
    this.name = 'EnvironmentLostError';
  }
}

export type EnvironmentState = 'starting' | 'idle' | 'busy' | 'draining' | 'dead';

type Completion =
  | { kind: 'response'; body: Buffer }
  | { kind: 'error'; errorType: string; body: Buffer }
  | { kind: 'timeout' }
  | { kind: 'exit'; errorType: string; exit: string };

interface Running {
  requestId: string;
  startedAt: number;
  endedAt?: number;
  completion?: Completion;
  done: (c: Completion) => void;
  tail: LogTail;
  /** The runtime reported its own peak memory with its answer. */
  peakReported?: boolean;
}

const MB = 1024 * 1024;
/** A memory sample younger than this is reused for REPORT's Max Memory Used. */
const MEMORY_SAMPLE_REUSE_MS = 20;
/** How long a runtime may take between answering and asking for the next event. */
const DRAIN_LIMIT_MS = 2000;

/** A new 32-hex environment id (the suffix of its log stream). */
export function newEnvironmentId(): string {
  return randomBytes(16).toString('hex');
}

export class Environment implements RuntimeEndpoint {
  readonly id = newEnvironmentId();
  readonly logStream: string;
  readonly family: RuntimeFamily;
  state: EnvironmentState = 'starting';
  /** The manager assigned an invocation to this environment. */
  reserved = false;
  /** Retire after the current invocation (an older revision). */
  retiring = false;
  lastUsedAt: number;
  /** Called when the environment can take a new invocation. */
  onAvailable?: (env: Environment) => void;
  /** Called once when the environment is gone. */
  onDead?: (env: Environment) => void;

  private proc?: RuntimeProcess;
  private channel?: Channel;
  private apiChannel?: RuntimeApiChannel;
  private capture: LogCapture;
  private initStartedAt = performance.now();
  private initDurationMs?: number;
  private initReported = false;
  private everReady = false;
  private readyWaiters: Array<(ready: boolean) => void> = [];
  private initFailure?: { errorType: string; body?: Buffer; message?: string };
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  private killReason?: 'timeout' | 'oom' | 'stop' | 'init-timeout';
  private initTimer?: TimerHandle;
  private current?: Running;
  private peakBytes = 0;
  private lastMemorySampleAt = Number.NEGATIVE_INFINITY;
  private pendingLines: LogLine[] = [];
  private flushScheduled = false;
  private exited: Promise<void>;
  private markExited!: () => void;
  private streamsClosed: Promise<void> = Promise.resolve();
  private frozen = false;
  /** The runtime froze itself: it blocks reading its next event and nothing else of it runs. */
  private selfFrozen = false;

  private constructor(
    readonly fn: RuntimeFunction,
    private readonly deps: EnvironmentDeps,
  ) {
    this.family = runtimeFamily(fn.runtime);
    this.logStream = logStreamName(fn.version, this.id, deps.clock.now());
    this.lastUsedAt = deps.clock.now();
    this.capture = new LogCapture(deps.clock, deps.logBudget, (line) => this.log(line));
    // Provisioned environments initialise ahead of traffic: AWS reports no Init Duration for them.
    this.initReported = deps.initializationType === 'provisioned-concurrency';
    this.exited = new Promise((r) => {
      this.markExited = r;
    });
  }

  /** Starts an environment for fn; init runs in the background (await invoke() for its end). */
  static async start(fn: RuntimeFunction, deps: EnvironmentDeps): Promise<Environment> {
    const env = new Environment(fn, deps);
    await env.boot();
    return env;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  get revision(): string {
    return this.fn.revision;
  }

  private async boot(): Promise<void> {
    const { fn, deps } = this;
    this.apiChannel = await deps.runtimeApi.open(this);
    if (!isDirectory(fn.codeDir)) {
      deps.prestarted?.child.kill('SIGKILL');
      this.initFailure = {
        errorType: 'Runtime.InvalidWorkingDir',
        message: `chdir ${fn.codeDir}: no such file or directory`,
      };
      this.die();
      return;
    }
    const vars = buildEnvironmentVars({
      fn,
      family: this.family,
      logStream: this.logStream,
      runtimeApi: this.apiChannel.address,
      endpointUrl: deps.endpointUrl,
      initializationType: deps.initializationType,
    });
    if (this.family === 'provided') {
      const bootstrap = findProvidedBootstrap(fn.codeDir, fn.layerDirs);
      if (typeof bootstrap !== 'string') {
        this.initFailure = { errorType: 'Runtime.InvalidEntrypoint', message: bootstrap.error };
        this.die();
        return;
      }
      this.proc = spawnProvided(bootstrap, { env: vars, cwd: fn.codeDir });
      this.channel = this.apiChannel;
    } else if (this.family === 'java') {
      const bin = javaBinDir();
      let classes: string;
      try {
        if (!bin) throw javaMissing();
        classes = await javaBootstrapClasses();
      } catch (e) {
        this.initFailure = {
          errorType: 'Runtime.Unknown',
          message: e instanceof Error ? e.message : String(e),
        };
        this.die();
        return;
      }
      this.proc = spawnJava(join(bin, 'java'), classes, {
        env: vars,
        cwd: fn.codeDir,
        memorySize: fn.memorySize,
        layerDirs: fn.layerDirs,
      });
      this.channel = this.apiChannel;
    } else if (deps.channel === 'fast') {
      const pre = deps.prestarted;
      this.proc = pre ?? spawnBootstrap(this.family, { fast: true, env: vars, cwd: fn.codeDir });
      if (pre) this.initStartedAt = performance.now();
      const pipe = new PipeChannel(this.proc.socket!, this, (why) => {
        this.log(`[selfless] runtime broke the channel protocol: ${why}`);
        this.kill('stop');
      });
      pipe.init(vars, fn.codeDir);
      this.channel = pipe;
    } else {
      this.proc = spawnBootstrap(this.family, { fast: false, env: vars, cwd: fn.codeDir });
      this.channel = this.apiChannel;
    }
    if (!deps.prestarted) this.initStartedAt = this.proc.spawnedAt;
    const child = this.proc.child;
    const closes: Promise<void>[] = [];
    for (const s of [child.stdout, child.stderr, this.proc.socket]) {
      if (s) closes.push(new Promise((r) => s.once('close', () => r())));
    }
    this.streamsClosed = Promise.all(closes).then(() => undefined);
    if (child.stdout) this.capture.attach(child.stdout);
    if (child.stderr) this.capture.attach(child.stderr);
    child.once('error', (err) => {
      this.initFailure ??= { errorType: 'Runtime.InvalidEntrypoint', message: String(err.message) };
      this.onExit(null, null);
    });
    child.once('exit', (code, signal) => this.onExit(code, signal));
    this.initTimer = deps.clock.setTimer(() => {
      if (this.state === 'starting') this.kill('init-timeout');
    }, deps.initTimeoutMs);
  }

  // --- RuntimeEndpoint (both channels) ---------------------------------------------------------

  runtimeNext(selfFrozen = false): EndpointAnswer {
    this.selfFrozen = selfFrozen;
    if (this.state === 'starting') {
      this.initTimer?.cancel();
      this.initDurationMs = performance.now() - this.initStartedAt;
      this.everReady = true;
      this.sampleMemory();
      this.becomeIdle();
      return 'ok';
    }
    if (this.state === 'draining') {
      this.becomeIdle();
      return 'ok';
    }
    if (this.state === 'idle') return 'ok';
    return 'bad-state';
  }

  runtimePeakMemory(bytes: number): void {
    // As good as a /proc sample of the tree at the end of the invocation: the runtime is the
    // function's only process and VmHWM is a high-water mark.
    if (bytes > this.peakBytes) this.peakBytes = bytes;
    if (this.current) this.current.peakReported = true;
  }

  runtimeResponse(requestId: string, body: Buffer): EndpointAnswer {
    const check = this.checkRequest(requestId);
    if (check !== 'ok') return check;
    if (body.length > MAX_RESPONSE_BYTES) return this.runtimeResponseTooLarge(requestId);
    this.complete({ kind: 'response', body });
    return 'ok';
  }

  runtimeResponseTooLarge(requestId: string): EndpointAnswer {
    const check = this.checkRequest(requestId);
    if (check !== 'ok') return check;
    const body = Buffer.from(
      JSON.stringify({
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        errorType: 'Function.ResponseSizeTooLarge',
      }),
    );
    this.complete({ kind: 'error', errorType: 'Function.ResponseSizeTooLarge', body });
    return 'too-large';
  }

  runtimeError(requestId: string, errorTypeHeader: string, body: Buffer): EndpointAnswer {
    const check = this.checkRequest(requestId);
    if (check !== 'ok') return check;
    this.complete({ kind: 'error', errorType: errorTypeOf(body, errorTypeHeader), body });
    return 'ok';
  }

  runtimeInitError(errorTypeHeader: string, body: Buffer): EndpointAnswer {
    if (this.state !== 'starting') return 'bad-state';
    this.initFailure = { errorType: errorTypeOf(body, errorTypeHeader), body };
    // Lambda resets the sandbox after an init failure.
    this.kill('stop');
    return 'ok';
  }

  private checkRequest(requestId: string): EndpointAnswer {
    const cur = this.current;
    if (!cur || cur.requestId !== requestId) return 'bad-request-id';
    if (cur.completion || this.state !== 'busy') return 'bad-state';
    return 'ok';
  }

  // --- Invocation -------------------------------------------------------------------------------

  /** Runs one invocation (the manager reserved this environment for it). */
  async invoke(req: InvokeRequest & { requestId: string }): Promise<InvokeOutcome> {
    // A runtime that answered but never asks for the next event is stuck: replace it.
    const guard =
      this.state === 'draining'
        ? this.deps.clock.setTimer(() => {
            if (this.state === 'draining') this.kill('stop');
          }, DRAIN_LIMIT_MS)
        : undefined;
    const ready = await this.whenReady();
    guard?.cancel();
    if (!ready) {
      if (this.everReady) throw new EnvironmentLostError();
      return this.initFailureOutcome(req.requestId);
    }
    return this.run(req);
  }

  private whenReady(): Promise<boolean> {
    if (this.state === 'idle') return Promise.resolve(true);
    if (this.state === 'dead') return Promise.resolve(false);
    return new Promise((r) => this.readyWaiters.push(r));
  }

  private async run(req: InvokeRequest & { requestId: string }): Promise<InvokeOutcome> {
    const { fn, deps } = this;
    const requestId = req.requestId;
    this.state = 'busy';
    const tail = new LogTail();
    let done!: (c: Completion) => void;
    const completed = new Promise<Completion>((r) => {
      done = r;
    });
    const running: Running = { requestId, startedAt: performance.now(), tail, done };
    this.current = running;
    this.log(startLine(requestId, fn.version));
    const deadlineMs = deps.clock.now() + fn.timeout * 1000;
    const timer = deps.clock.setTimer(() => {
      if (!running.completion) this.kill('timeout');
    }, fn.timeout * 1000);
    const every = deps.memorySampleMs ?? 50;
    let sampler: TimerHandle | undefined;
    const sample = () => {
      sampler = undefined;
      if (running.completion || this.current !== running) return;
      this.sampleMemory();
      sampler = deps.clock.setTimer(sample, every);
    };
    sampler = deps.clock.setTimer(sample, every);
    const delivery: Delivery = {
      requestId,
      deadlineMs,
      invokedFunctionArn: req.invokedFunctionArn,
      traceId: req.traceId,
      clientContext: decodeClientContext(req.clientContext),
      identity: req.cognitoIdentity,
      tenantId: req.tenantId,
      payload: req.payload,
    };
    this.thaw();
    running.startedAt = performance.now();
    this.channel!.deliver(delivery);
    const completion = await completed;
    timer.cancel();
    sampler?.cancel();
    const endedAt = running.endedAt ?? performance.now();
    const durationMs = endedAt - running.startedAt;
    // Lines the function wrote before answering may still sit in the pipes.
    if ((this.state as EnvironmentState) === 'dead') await this.drainAfterExit();
    else await this.drainOutput();
    let payload: Buffer;
    let errorType: string | undefined;
    const now = deps.clock.now();
    switch (completion.kind) {
      case 'response':
        payload = completion.body;
        break;
      case 'error':
        payload = completion.body;
        errorType = completion.errorType;
        break;
      case 'timeout':
        errorType = 'Sandbox.Timedout';
        payload = Buffer.from(timeoutPayload(requestId, fn.timeout));
        this.log(timeoutLogLine(now, requestId, durationMs));
        break;
      case 'exit':
        errorType = completion.errorType;
        payload = Buffer.from(
          JSON.stringify({
            errorType: completion.errorType,
            errorMessage: exitMessage(requestId, completion.exit),
          }),
        );
        this.log(exitMessage(requestId, completion.exit));
        this.log(completion.errorType);
        break;
    }
    return this.finishInvocation(requestId, payload, errorType, durationMs);
  }

  private finishInvocation(
    requestId: string,
    payload: Buffer,
    errorType: string | undefined,
    durationMs: number,
  ): InvokeOutcome {
    const { fn } = this;
    const maxMemoryUsedMb = this.oomKilled() ? fn.memorySize : this.maxMemoryMb();
    let initDurationMs: number | undefined;
    if (!this.initReported && this.initDurationMs !== undefined) initDurationMs = this.initDurationMs;
    this.initReported = true;
    this.capture.flushPartialLines();
    this.capture.flushDropped();
    this.log(endLine(requestId));
    this.log(
      reportLine(requestId, { durationMs, memorySizeMb: fn.memorySize, maxMemoryUsedMb, initDurationMs }),
    );
    this.flushLogs();
    const tail = this.current?.tail.text() ?? '';
    this.current = undefined;
    this.lastUsedAt = this.deps.clock.now();
    const outcome: InvokeOutcome = {
      requestId,
      payload,
      logTail: tail,
      executedVersion: fn.version,
      durationMs,
      billedDurationMs: billedDuration(durationMs),
      maxMemoryUsedMb,
    };
    if (errorType !== undefined) {
      outcome.functionError = 'Unhandled';
      outcome.errorType = errorType;
    }
    if (initDurationMs !== undefined) outcome.initDurationMs = initDurationMs;
    return outcome;
  }

  /** The outcome of an invocation whose cold start failed (init error, crash or timeout in init). */
  private async initFailureOutcome(requestId: string): Promise<InvokeOutcome> {
    const tail = new LogTail();
    this.current = { requestId, startedAt: performance.now(), tail, done: () => {} };
    this.log(startLine(requestId, this.fn.version));
    await this.drainAfterExit();
    const f = this.initFailure;
    let payload: Buffer;
    let errorType: string;
    if (this.killReason === 'init-timeout') {
      errorType = 'Sandbox.Timedout';
      payload = Buffer.from(timeoutPayload(requestId, this.deps.initTimeoutMs / 1000));
      this.log(timeoutLogLine(this.deps.clock.now(), requestId, this.deps.initTimeoutMs));
    } else if (f?.body) {
      errorType = f.errorType;
      payload = f.body;
    } else if (f?.message) {
      errorType = f.errorType;
      const message = `RequestId: ${requestId} Error: ${f.message}`;
      payload = Buffer.from(JSON.stringify({ errorType, errorMessage: message }));
      this.log(message);
      this.log(errorType);
    } else {
      errorType = this.oomKilled() ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      const exit = exitDescription(this.exitInfo?.code ?? null, this.exitInfo?.signal ?? null);
      payload = Buffer.from(JSON.stringify({ errorType, errorMessage: exitMessage(requestId, exit) }));
      this.log(exitMessage(requestId, exit));
      this.log(errorType);
    }
    if (this.initDurationMs === undefined) this.initDurationMs = performance.now() - this.initStartedAt;
    return this.finishInvocation(requestId, payload, errorType, 0);
  }

  private complete(c: Completion): void {
    const cur = this.current;
    if (!cur || cur.completion) return;
    cur.completion = c;
    cur.endedAt = performance.now();
    if (c.kind === 'response' || c.kind === 'error') {
      if (this.state === 'busy') this.state = 'draining';
    }
    cur.done(c);
  }

  // --- Limits and process lifecycle -----------------------------------------------------------

  /** Samples the tree's memory; kills the environment when it is above memorySize. */
  sampleMemory(): void {
    const pid = this.pid;
    if (pid === undefined || this.state === 'dead') return;
    const now = Math.max(treeRssBytes(pid), peakRssBytes(pid));
    this.lastMemorySampleAt = performance.now();
    if (now > this.peakBytes) this.peakBytes = now;
    if (this.state === 'busy' && now > this.fn.memorySize * MB && !this.killReason) this.kill('oom');
  }

  private maxMemoryMb(): number {
    const pid = this.pid;
    // Reading /proc costs three file reads (~5% of a warm invoke's CPU); a sample younger than
    // MEMORY_SAMPLE_REUSE_MS is reused. VmHWM is a high-water mark, so a peak between samples is
    // still caught by the next one, and the memory limit is enforced by the periodic sampler.
    const fresh =
      this.current?.peakReported === true ||
      performance.now() - this.lastMemorySampleAt < MEMORY_SAMPLE_REUSE_MS;
    if (pid !== undefined && this.state !== 'dead' && !fresh) {
      this.peakBytes = Math.max(this.peakBytes, treeRssBytes(pid), peakRssBytes(pid));
      this.lastMemorySampleAt = performance.now();
    }
    return Math.max(1, Math.round(this.peakBytes / MB));
  }

  private oomKilled(): boolean {
    return this.killReason === 'oom';
  }

  /** Kills the process tree; the exit handler reports the reason. */
  kill(reason: 'timeout' | 'oom' | 'stop' | 'init-timeout'): void {
    this.killReason ??= reason;
    const pid = this.pid;
    if (pid !== undefined && !this.exitInfo) killTree(pid);
  }

  /** Stops the environment and waits for its process to be gone. */
  async stop(): Promise<void> {
    if (this.state === 'dead' && !this.proc) return;
    this.kill('stop');
    if (this.proc) await this.exited;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, signal };
    this.markExited();
    const pid = this.pid;
    // Anything the runtime left behind in its group goes too.
    if (pid !== undefined) killTree(pid);
    void this.drainAfterExit().then(() => {
      const cur = this.current;
      if (!cur && !this.killReason && this.everReady) {
        // Killed from outside (or crashed on background work) between invocations.
        this.log(`[selfless] execution environment exited while idle: ${exitDescription(code, signal)}`);
      }
      if (cur && !cur.completion && this.state === 'busy') {
        if (this.killReason === 'timeout') this.complete({ kind: 'timeout' });
        else {
          const exit = exitDescription(code, signal);
          this.complete({
            kind: 'exit',
            errorType: this.killReason === 'oom' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
            exit,
          });
        }
      }
      this.die();
    });
  }

  private die(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.initTimer?.cancel();
    this.channel?.close();
    this.apiChannel?.close();
    this.capture.close();
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w(false);
    this.flushLogs();
    this.onDead?.(this);
  }

  private becomeIdle(): void {
    this.state = 'idle';
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w(true);
    if (waiters.length === 0) {
      this.freeze();
      this.onAvailable?.(this);
    }
  }

  /** Lambda freezes an environment between invocations: nothing in it runs until the next event. */
  private freeze(): void {
    const pid = this.pid;
    if (this.deps.freeze === false || pid === undefined || this.frozen || this.exitInfo) return;
    if (this.selfFrozen) return;
    try {
      process.kill(-pid, 'SIGSTOP');
      this.frozen = true;
    } catch {
      // already gone: the exit handler takes it from here
    }
  }

  private thaw(): void {
    const pid = this.pid;
    if (!this.frozen || pid === undefined) return;
    this.frozen = false;
    try {
      process.kill(-pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }

  /** Waits until output written before now has been read (a few event-loop turns at most). */
  private async drainOutput(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const seen = this.capture.activity;
      await new Promise<void>((r) => setImmediate(r));
      await new Promise<void>((r) => setImmediate(r));
      if (this.capture.activity === seen) return;
    }
  }

  /** After exit: waits for the pipes to close (bounded), so every last line is captured. */
  private drainAfterExit(): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = this.deps.clock.setTimer(resolve, 1000);
      void this.streamsClosed.then(() => {
        t.cancel();
        resolve();
      });
    });
  }

  // --- Logs ------------------------------------------------------------------------------------

  private log(message: string): void {
    const line: LogLine = { timestamp: this.deps.clock.now(), message };
    this.current?.tail.push(message);
    this.deps.onLog?.(message);
    if (!this.deps.logSink) return;
    this.pendingLines.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushLogs());
    }
  }

  private flushLogs(): void {
    this.flushScheduled = false;
    if (!this.pendingLines.length || !this.deps.logSink) return;
    const lines = this.pendingLines;
    this.pendingLines = [];
    try {
      this.deps.logSink.write(this.fn.logGroup, this.logStream, lines);
    } catch {
      // A failing log store must not fail invocations; the lines stay in the invocation's tail.
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The errorType of an error body (as the Invoke caller sees it), else the validated header. */
function errorTypeOf(body: Buffer, header: string): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    if (parsed && typeof parsed.errorType === 'string') return parsed.errorType;
  } catch {
    // not JSON: fall back to the header
  }
  return validErrorType(header);
}

/** X-Amz-Client-Context is base64 JSON; the runtime receives the JSON text. */
function decodeClientContext(b64?: string): string | undefined {
  if (!b64) return undefined;
  try {
    return Buffer.from(b64, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}
