// Selfless node bootstrap: AWS Lambda's Node.js runtime (nodejs18.x–22.x semantics) on this
// machine's node. Shipped to execution environments as LAMBDA_RUNTIME_DIR; named index.mjs like
// /var/runtime/index.mjs so stack traces and "Require stack" messages read as on Lambda.
//
// Channels: with `--fd=3` it talks length-prefixed frames over the inherited socket fd 3 (the
// platform's private fast channel, see src/services/lambda/runtime/frames.ts); otherwise it is a
// plain Lambda Runtime API client of AWS_LAMBDA_RUNTIME_API.
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const cjsRequire = createRequire(import.meta.url);
const FAST = process.argv.includes('--fd=3');
process.argv.splice(2);

// ---------------------------------------------------------------------------------------------
// Transports

/**
 * Frames over fd 3: u32 header length, u32 body length, JSON header, raw body.
 *
 * fd 3 is a blocking socket and every read and write on it is synchronous on purpose: while this
 * process waits for its next event the whole thread is blocked, so no timer or callback of the
 * function runs until the event arrives. That is Lambda's freeze between invocations, without the
 * platform having to stop the process with signals (which cost two system calls and two context
 * switches per invocation). The `next` frame says whether the freeze is complete, i.e. no worker
 * thread or child process of the function is left running; if not, the platform stops the process
 * group itself.
 */
function fastTransport() {
  const FD = 3;
  const scratch = Buffer.allocUnsafe(64 * 1024);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let pending = Buffer.alloc(0);

  /** One read into buf at offset; the platform closing the socket ends this process. */
  const readSome = (buf, offset) => {
    for (;;) {
      try {
        const n = fs.readSync(FD, buf, offset, buf.length - offset, null);
        if (n === 0) process.exit(0);
        return n;
      } catch (e) {
        if (e.code === 'EAGAIN') Atomics.wait(nap, 0, 0, 1);
        else if (e.code !== 'EINTR') process.exit(0);
      }
    }
  };
  const read = () => {
    while (pending.length < 8) {
      const n = readSome(scratch, 0);
      pending = Buffer.concat([pending, scratch.subarray(0, n)]);
    }
    const hl = pending.readUInt32BE(0);
    const total = 8 + hl + pending.readUInt32BE(4);
    let frame;
    if (pending.length >= total) {
      frame = pending.subarray(0, total);
      pending = pending.subarray(total);
    } else {
      // Large payloads are read straight into their own buffer, not through the scratch one.
      frame = Buffer.allocUnsafe(total);
      let have = pending.copy(frame, 0);
      pending = Buffer.alloc(0);
      while (have < total) have += readSome(frame, have);
    }
    return { header: JSON.parse(frame.toString('utf8', 8, 8 + hl)), body: frame.subarray(8 + hl) };
  };
  const frame = (header, body) => {
    const head = Buffer.from(JSON.stringify(header));
    const b = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const out = Buffer.allocUnsafe(8 + head.length + b.length);
    out.writeUInt32BE(head.length, 0);
    out.writeUInt32BE(b.length, 4);
    head.copy(out, 8);
    b.copy(out, 8 + head.length);
    return out;
  };
  const write = (header, body) => writeAll(frame(header, body));
  const writeAll = (out) => {
    for (let off = 0; off < out.length; ) {
      try {
        off += fs.writeSync(FD, out, off);
      } catch (e) {
        if (e.code === 'EAGAIN') Atomics.wait(nap, 0, 0, 1);
        else if (e.code !== 'EINTR') process.exit(0);
      }
    }
  };
  // An answer followed by the loop's next request goes out as one write: `next` was already sent.
  let nextSent = false;
  /** The answer frame, and when the loop asks for its next event right after, the `next` frame. */
  const answer = (header, body, andNext) => {
    const alone = runsAlone();
    // The process's own peak RSS, when nothing else of the function runs (else the platform measures).
    if (alone) header.maxRss = process.resourceUsage().maxRSS * 1024;
    if (!andNext) return write(header, body);
    nextSent = true;
    writeAll(Buffer.concat([frame(header, body), frame({ t: 'next', frozen: alone })]));
  };
  return {
    async init() {
      const { header } = read();
      if (header.t !== 'init') throw new Error(`selfless bootstrap: expected init frame, got ${header.t}`);
      specialise(header.env, header.cwd);
    },
    async next() {
      if (!nextSent) write({ t: 'next', frozen: runsAlone() });
      nextSent = false;
      const { header, body } = read();
      return {
        id: header.id,
        deadlineMs: header.deadlineMs,
        arn: header.arn,
        traceId: header.traceId,
        clientContext: header.clientContext,
        identity: header.identity,
        tenantId: header.tenantId,
        body,
      };
    },
    unref() {},
    respond: async (id, body, andNext = false) => answer({ t: 'response', id }, body, andNext),
    fail: async (id, errorType, body, andNext = false) =>
      answer({ t: 'error', id, errorType }, body, andNext),
    initError: async (errorType, body) => write({ t: 'initError', errorType }, body),
  };
}

// ---------------------------------------------------------------------------------------------
// What else of the function runs besides this thread (decides whether blocking is a full freeze).

let liveWorkers = 0;

/** Counts the function's worker threads: they would run on while the main thread waits. */
function countWorkers() {
  const wt = cjsRequire('node:worker_threads');
  const Base = wt.Worker;
  wt.Worker = class Worker extends Base {
    constructor(...args) {
      super(...args);
      liveWorkers += 1;
      this.once('exit', () => {
        liveWorkers -= 1;
      });
    }
  };
  Module.syncBuiltinESMExports();
}

// Kept open: one pread per check instead of open, stat, read and close.
let childrenFd;
const childrenProbe = Buffer.allocUnsafe(1);

/** True when no worker thread or child process of the function is alive (unknown counts as no). */
function runsAlone() {
  if (liveWorkers > 0) return false;
  try {
    childrenFd ??= fs.openSync(`/proc/self/task/${process.pid}/children`, 'r');
    return fs.readSync(childrenFd, childrenProbe, 0, 1, 0) === 0;
  } catch {
    return false;
  }
}

/** The Lambda Runtime API 2018-06-01 over node:http with one keep-alive connection. */
async function httpTransport() {
  // Loaded only on this path: the fast channel does not pay for node:http at start-up.
  const { default: http } = await import('node:http');
  const [hostname, port] = String(process.env.AWS_LAMBDA_RUNTIME_API).split(':');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method, p, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = http.request({ hostname, port, method, path: `/2018-06-01${p}`, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const post = async (p, body, headers) => {
    const res = await request('POST', p, body, { 'Content-Type': 'application/json', ...headers });
    if (res.status !== 202)
      process.stderr.write(`Runtime API answered ${res.status} to POST ${p}: ${res.body}\n`);
  };
  return {
    async init() {},
    async next() {
      const res = await request('GET', '/runtime/invocation/next');
      if (res.status !== 200) throw new Error(`Runtime API answered ${res.status} to /next: ${res.body}`);
      const h = res.headers;
      return {
        id: h['lambda-runtime-aws-request-id'],
        deadlineMs: Number(h['lambda-runtime-deadline-ms']),
        arn: h['lambda-runtime-invoked-function-arn'],
        traceId: h['lambda-runtime-trace-id'],
        clientContext: h['lambda-runtime-client-context'],
        identity: h['lambda-runtime-cognito-identity'],
        tenantId: h['lambda-runtime-aws-tenant-id'],
        body: res.body,
      };
    },
    unref() {},
    respond: (id, body) => post(`/runtime/invocation/${encodeURIComponent(id)}/response`, body),
    fail: (id, errorType, body) =>
      post(`/runtime/invocation/${encodeURIComponent(id)}/error`, body, {
        'Lambda-Runtime-Function-Error-Type': errorType,
      }),
    initError: (errorType, body) =>
      post('/runtime/init/error', body, { 'Lambda-Runtime-Function-Error-Type': errorType }),
  };
}

/** A pre-started process becomes one function's environment: its variables, directory, paths. */
function specialise(env, cwd) {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, env);
  process.chdir(cwd);
  // NODE_PATH is read once at start-up; re-read it for the function's layers and SDK path.
  Module._initPaths();
}

// ---------------------------------------------------------------------------------------------
// Logging: console.* as Lambda's runtime prints it (text or JSON format).

let currentRequestId;
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };

function patchConsole() {
  const json = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const min = json ? (LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.INFO) : 0;
  const emit =
    (level) =>
    (message, ...params) => {
      if (LEVELS[level] < min) return;
      const timestamp = new Date().toISOString();
      let line;
      if (json) {
        const rec = {
          timestamp,
          level,
          requestId: currentRequestId,
          message: util.format(message, ...params),
        };
        if (params.length === 0 && typeof message !== 'string') rec.message = message;
        try {
          line = JSON.stringify(rec, errorReplacer);
        } catch {
          rec.message = util.format(message, ...params);
          line = JSON.stringify(rec);
        }
      } else {
        line = `${timestamp}\t${currentRequestId}\t${level}\t${util.format(message, ...params)}`;
      }
      // One log event per call: newlines inside a message become carriage returns, as on Lambda.
      process.stdout.write(`${line.replace(/\n/g, '\r')}\n`);
    };
  console.trace = emit('TRACE');
  console.debug = emit('DEBUG');
  console.info = emit('INFO');
  console.log = emit('INFO');
  console.warn = emit('WARN');
  console.error = emit('ERROR');
  console.fatal = emit('FATAL');
}

function errorReplacer(_k, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Errors, shaped as the Node runtime interface client shapes them.

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

/** The body posted to the platform: {errorType, errorMessage, trace}. */
function toRapidResponse(error) {
  try {
    if (error instanceof Error) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/** The form logged after "Invoke Error" / "Uncaught Exception": a tab, then JSON. */
function toFormatted(error) {
  try {
    return `\t${JSON.stringify(error, (_k, v) => {
      if (v instanceof Error) {
        const ret = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
        if (typeof v.stack === 'string') ret.stack = v.stack.split('\n');
        return ret;
      }
      return v;
    })}`;
  } catch {
    return `\t${JSON.stringify(toRapidResponse(error))}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Handler loading (module resolution order of the Node runtime interface client).

function nearestPackageType(file) {
  let dir = path.dirname(file);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type;
      } catch {
        return undefined;
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

let esmHooked = false;
/** ESM ignores NODE_PATH; Lambda's runtime still lets ESM handlers import the bundled SDK. */
async function importEsm(file) {
  if (!esmHooked) {
    esmHooked = true;
    const dirs = (process.env.NODE_PATH ?? '').split(':').filter(Boolean);
    Module.register('./esm-resolve.mjs', import.meta.url, { data: { dirs } });
  }
  return import(pathToFileURL(file).href);
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const full = path.resolve(appRoot, moduleRoot, moduleName);
  const isFile = (p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (isFile(full)) return cjsRequire(full);
  if (isFile(`${full}.js`)) {
    return nearestPackageType(`${full}.js`) === 'module' ? importEsm(`${full}.js`) : cjsRequire(`${full}.js`);
  }
  if (isFile(`${full}.mjs`)) return importEsm(`${full}.mjs`);
  if (isFile(`${full}.cjs`)) return cjsRequire(`${full}.cjs`);
  return cjsRequire(cjsRequire.resolve(moduleName, { paths: [appRoot, path.join(appRoot, moduleRoot)] }));
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new RuntimeError(
      'Runtime.MalformedHandlerName',
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const base = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(base)).replace(/\/$/, '');
  const match = base.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const [, moduleName, handlerName] = match;
  let mod;
  try {
    mod = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (err) {
    if (err instanceof SyntaxError) {
      const e = new RuntimeError('Runtime.UserCodeSyntaxError', String(err));
      e.stack = err.stack;
      throw e;
    }
    if (err && err.code === 'MODULE_NOT_FOUND')
      throw new RuntimeError('Runtime.ImportModuleError', String(err));
    throw err;
  }
  const find = (m) =>
    handlerName
      .split('.')
      .reduce((n, k) => ((n && typeof n === 'object') || typeof n === 'function' ? n[k] : undefined), m);
  let handler = find(mod);
  if (handler === undefined && mod && typeof mod === 'object' && 'default' in mod)
    handler = find(mod.default);
  if (handler === undefined)
    throw new RuntimeError('Runtime.HandlerNotFound', `${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function')
    throw new RuntimeError('Runtime.HandlerNotFound', `${fullHandler} is not a function`);
  return handler;
}

/** aws-sdk v2 ignores AWS_ENDPOINT_URL: point it at the platform when the function can load it. */
function configureSdkV2(appRoot) {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) return;
  let resolved;
  try {
    resolved = cjsRequire.resolve('aws-sdk', {
      paths: [appRoot, ...(process.env.NODE_PATH ?? '').split(':').filter(Boolean)],
    });
  } catch {
    return;
  }
  try {
    const AWS = cjsRequire(resolved);
    AWS.config.update({ endpoint, s3ForcePathStyle: true });
  } catch {
    // A broken aws-sdk install is the function's own business; it fails when the function uses it.
  }
}

// ---------------------------------------------------------------------------------------------
// The invoke loop.

const transport = FAST ? fastTransport() : await httpTransport();
let current = null; // { id, post(err, result), settled, isAsync }
let onDrain = null; // what to do when the event loop empties (callbackWaitsForEmptyEventLoop)

async function dieWith(error, label, code) {
  console.error(label, toFormatted(error));
  const body = JSON.stringify(toRapidResponse(error));
  if (current && !current.settled) {
    current.settled = true;
    await transport.fail(current.id, error?.name ?? 'Error', body);
  } else if (!current) {
    await transport.initError(error?.name ?? 'Error', body);
  }
  process.exit(code);
}

process.on('uncaughtException', (err) => {
  void dieWith(err, 'Uncaught Exception', 129);
});
process.on('unhandledRejection', (reason) => {
  let msg;
  try {
    msg = String(reason);
  } catch {
    msg = 'unhandled rejection';
  }
  const err = new RuntimeError('Runtime.UnhandledPromiseRejection', msg);
  err.reason = reason;
  err.promise = {};
  void dieWith(err, 'Unhandled Promise Rejection', 128);
});
process.on('beforeExit', () => {
  if (onDrain) {
    const fn = onDrain;
    onDrain = null;
    fn();
  }
});

function buildContext(inv, finish) {
  const deadline = inv.deadlineMs;
  const parse = (v) => {
    if (!v) return undefined;
    try {
      return JSON.parse(v);
    } catch {
      return undefined;
    }
  };
  let waits = true;
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waits;
    },
    set callbackWaitsForEmptyEventLoop(v) {
      waits = v;
    },
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: inv.arn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: inv.id,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parse(inv.identity),
    clientContext: parse(inv.clientContext),
    tenantId: inv.tenantId,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: (err, result) => finish(err, result, false),
    succeed: (result) => finish(null, result, false),
    fail: (err) => finish(err ?? 'handled', undefined, false),
  };
  return context;
}

/** Resolves once a stream has handed all buffered writes to the OS. */
function flushed(stream) {
  if (!stream.writableLength) return undefined;
  return new Promise((resolve) => stream.once('drain', resolve));
}

function runOnce(handler, inv) {
  return new Promise((resolveInvocation) => {
    currentRequestId = inv.id;
    if (inv.traceId) process.env._X_AMZN_TRACE_ID = inv.traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    const state = { id: inv.id, settled: false };
    current = state;
    const post = async (err, result) => {
      // Lines the handler wrote belong to this invocation: let them reach the pipe first.
      await flushed(process.stdout);
      await flushed(process.stderr);
      if (err !== null && err !== undefined) {
        console.error('Invoke Error', toFormatted(err));
        await transport.fail(
          inv.id,
          err instanceof Error ? err.name : typeof err,
          JSON.stringify(toRapidResponse(err)),
          true,
        );
      } else {
        let body;
        try {
          body = JSON.stringify(result === undefined ? null : result);
        } catch (e) {
          const se = new RuntimeError(
            'Runtime.JSONStringifyError',
            `Unable to stringify response body: ${e?.message}`,
          );
          await transport.fail(inv.id, se.name, JSON.stringify(toRapidResponse(se)), true);
          resolveInvocation();
          return;
        }
        await transport.respond(inv.id, body, true);
      }
      resolveInvocation();
    };
    // Only the first completion counts; `wait` applies the callbackWaitsForEmptyEventLoop rule.
    const finish = (err, result, viaCallback) => {
      if (state.settled) return;
      state.settled = true;
      if (viaCallback && context.callbackWaitsForEmptyEventLoop) {
        onDrain = () => setImmediate(() => void post(err, result));
      } else {
        onDrain = null;
        setImmediate(() => void post(err, result));
      }
    };
    const context = buildContext(inv, finish);
    const isAsync = handler.constructor?.name === 'AsyncFunction';
    // If the loop drains with no answer: sync/callback handlers answer null, async ones fail.
    onDrain = () => {
      if (state.settled) return;
      if (isAsync) {
        finish(
          new RuntimeError(
            'Runtime.NodeJsExit',
            'Runtime exited without providing a reason: the handler returned a Promise that was never settled',
          ),
          undefined,
          false,
        );
      } else finish(null, null, false);
    };
    transport.unref();
    let event;
    try {
      event = JSON.parse(inv.body.length ? inv.body.toString('utf8') : 'null');
    } catch (e) {
      finish(
        new RuntimeError('Runtime.UnmarshalError', `Unable to parse event: ${e?.message}`),
        undefined,
        false,
      );
      return;
    }
    try {
      const result = handler(event, context, (err, res) => finish(err, res, true));
      if (result && typeof result.then === 'function') {
        result.then(
          (v) => finish(null, v, false),
          (e) => finish(e ?? new Error('handled'), undefined, false),
        );
      }
    } catch (err) {
      finish(err, undefined, true);
    }
  });
}

/** A pre-started process (no function yet) primes what every first invocation needs. */
function warmUp() {
  void process.stdout;
  void process.stderr;
  util.format('%s %j', 'warm', { up: true });
  new Date().toISOString();
  cjsRequire('./warmup.cjs')();
  cjsRequire.resolve('node:path');
  JSON.parse(JSON.stringify({ a: [1, 'b', null] }));
}

async function main() {
  if (FAST && !process.env._HANDLER) warmUp();
  if (FAST) countWorkers();
  await transport.init();
  patchConsole();
  const appRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  let handler;
  try {
    configureSdkV2(appRoot);
    handler = await loadHandler(appRoot, process.env._HANDLER ?? '');
  } catch (err) {
    await dieWith(err, 'Uncaught Exception', 129);
    return;
  }
  for (;;) {
    const inv = await transport.next();
    await runOnce(handler, inv);
    current = null;
  }
}

main().catch((err) => {
  process.stderr.write(`selfless node bootstrap failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
