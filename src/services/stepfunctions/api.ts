/**
 * The Step Functions API on the platform port: awsJson 1.0, `X-Amz-Target: AWSStepFunctions.<Op>`,
 * signing name `states`. Shapes, error codes and messages follow AWS so @aws-sdk/client-sfn and the
 * AWS CLI work unchanged. Timestamps are epoch seconds.
 */

import {
  AwsApiError,
  operationFromTarget,
  parseJsonBody,
  sendJsonError,
  sendJsonResult,
} from '../../aws/json-protocol.js';
import { readBody } from '../../aws/query-protocol.js';
import { isSelflessError } from '../../platform/errors.js';
import type { WireApi, WireRequest } from '../../platform/service.js';
import type { HistoryEvent } from './asl/ports.js';
import { type StepFunctionsEngine, sfnError } from './engine.js';
import type { ExecutionRecord, MachineRecord } from './model.js';

const PREFIX = 'AWSStepFunctions.';
const STYLE = { version: '1.0' as const, namespace: 'com.amazonaws.sfn' };
/** AWS's request size limit for the Step Functions API. */
const MAX_REQUEST_BYTES = 1024 * 1024;

type Params = Record<string, unknown>;
type Handler = (
  engine: StepFunctionsEngine,
  p: Params,
  region: string,
  /** Aborted when the client goes away (ends GetActivityTask's long poll). */
  signal: AbortSignal,
) => Promise<unknown>;

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function required(p: Params, field: string): string {
  const v = p[field];
  if (typeof v !== 'string' || v === '')
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  return v;
}

function optionalString(p: Params, field: string): string | undefined {
  const v = p[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new AwsApiError('SerializationException', `STRING_VALUE can not be converted to ${field}`);
  return v;
}

function describeMachine(m: MachineRecord): Params {
  return {
    stateMachineArn: m.stateMachineArn,
    name: m.name,
    status: 'ACTIVE',
    definition: m.definition,
    roleArn: m.roleArn,
    type: m.type,
    creationDate: seconds(m.creationDate),
    loggingConfiguration: m.loggingConfiguration,
    tracingConfiguration: m.tracingConfiguration,
    revisionId: m.revisionId,
  };
}

function describeExecution(r: ExecutionRecord): Params {
  const closed = r.status !== 'RUNNING';
  return {
    executionArn: r.executionArn,
    stateMachineArn: r.stateMachineArn,
    name: r.name,
    status: r.status,
    startDate: seconds(r.startDate),
    ...(closed ? { stopDate: seconds(r.stopDate) } : {}),
    input: r.input,
    inputDetails: { included: true },
    ...(r.output !== undefined ? { output: r.output, outputDetails: { included: true } } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.cause !== undefined ? { cause: r.cause } : {}),
    ...(r.traceHeader ? { traceHeader: r.traceHeader } : {}),
    redriveCount: 0,
    ...(closed
      ? {
          redriveStatus: 'NOT_REDRIVABLE',
          redriveStatusReason: `Execution is ${r.status} and cannot be redriven`,
        }
      : {}),
  };
}

function wireEvent(e: HistoryEvent, includeData: boolean): Params {
  const out: Params = { ...e, timestamp: e.timestamp / 1000 };
  if (!includeData) {
    for (const [k, v] of Object.entries(out)) {
      if (!k.endsWith('EventDetails') || !v || typeof v !== 'object') continue;
      const d = { ...(v as Params) };
      for (const f of ['input', 'output', 'parameters']) {
        if (f in d) {
          delete d[f];
          d[`${f}Details`] = { included: false };
        }
      }
      out[k] = d;
    }
  }
  return out;
}

/** The `tags` list of a create request as a map. */
function tagsOf(p: Params): Record<string, string> | undefined {
  return Array.isArray(p.tags)
    ? Object.fromEntries((p.tags as Array<{ key: string; value: string }>).map((t) => [t.key, t.value]))
    : undefined;
}

/** Pages a list with an opaque nextToken (the index to continue from). */
function page<T>(items: T[], p: Params, defaultMax = 100): { items: T[]; nextToken?: string } {
  const max = p.maxResults === undefined || p.maxResults === 0 ? defaultMax : Number(p.maxResults);
  if (!Number.isInteger(max) || max < 0 || max > 1000)
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(p.maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  let start = 0;
  if (p.nextToken !== undefined) {
    const decoded = Number(Buffer.from(String(p.nextToken), 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw new AwsApiError('InvalidToken', 'Invalid Token');
    start = decoded;
  }
  const slice = items.slice(start, start + max);
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { items: slice, ...(next ? { nextToken: next } : {}) };
}

const HANDLERS: Record<string, Handler> = {
  async CreateStateMachine(engine, p, region) {
    const m = await engine.createStateMachine({
      region,
      name: required(p, 'name'),
      definition: required(p, 'definition'),
      roleArn: required(p, 'roleArn'),
      type: optionalString(p, 'type') as MachineRecord['type'] | undefined,
      loggingConfiguration: p.loggingConfiguration,
      tracingConfiguration: p.tracingConfiguration,
      tags: tagsOf(p),
    });
    return { stateMachineArn: m.stateMachineArn, creationDate: seconds(m.creationDate) };
  },
  async UpdateStateMachine(engine, p) {
    const m = await engine.updateStateMachine(required(p, 'stateMachineArn'), {
      definition: optionalString(p, 'definition'),
      roleArn: optionalString(p, 'roleArn'),
      loggingConfiguration: p.loggingConfiguration,
      tracingConfiguration: p.tracingConfiguration,
    });
    return { updateDate: seconds(m.updateDate), revisionId: m.revisionId };
  },
  async DeleteStateMachine(engine, p) {
    await engine.deleteStateMachine(required(p, 'stateMachineArn'));
    return {};
  },
  async DescribeStateMachine(engine, p) {
    return describeMachine(await engine.getMachine(required(p, 'stateMachineArn')));
  },
  async DescribeStateMachineForExecution(engine, p) {
    const r = await engine.getExecution(required(p, 'executionArn'));
    const m = await engine.getMachine(r.stateMachineArn);
    return {
      ...describeMachine(m),
      definition: r.definition,
      updateDate: seconds(m.updateDate ?? m.creationDate),
    };
  },
  async ListStateMachines(engine, p) {
    const all = await engine.listMachines();
    const { items, nextToken } = page(all, p);
    return {
      stateMachines: items.map((m) => ({
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        type: m.type,
        creationDate: seconds(m.creationDate),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  },
  async ValidateStateMachineDefinition(_engine, p) {
    const definition = required(p, 'definition');
    const { validateDefinition } = await import('./asl/validate.js');
    let parsed: unknown;
    try {
      parsed = JSON.parse(definition);
    } catch (e) {
      return {
        result: 'FAIL',
        diagnostics: [{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION', message: (e as Error).message }],
        truncated: false,
      };
    }
    const problems = validateDefinition(parsed);
    return {
      result: problems.length ? 'FAIL' : 'OK',
      diagnostics: problems.map((x) => ({
        severity: 'ERROR',
        code: x.code,
        message: x.message,
        location: x.location,
      })),
      truncated: false,
    };
  },
  async StartExecution(engine, p) {
    const r = await engine.startExecution({
      stateMachineArn: required(p, 'stateMachineArn'),
      name: optionalString(p, 'name'),
      input: optionalString(p, 'input'),
      traceHeader: optionalString(p, 'traceHeader'),
    });
    return { executionArn: r.executionArn, startDate: seconds(r.startDate) };
  },
  async StartSyncExecution(engine, p) {
    const r = await engine.startSyncExecution({
      stateMachineArn: required(p, 'stateMachineArn'),
      name: optionalString(p, 'name'),
      input: optionalString(p, 'input'),
      traceHeader: optionalString(p, 'traceHeader'),
    });
    const status = r.status === 'ABORTED' ? 'FAILED' : r.status;
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      startDate: seconds(r.startDate),
      stopDate: seconds(r.stopDate),
      status,
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.cause !== undefined ? { cause: r.cause } : {}),
      input: r.input,
      inputDetails: { included: true },
      ...(r.output !== undefined ? { output: r.output, outputDetails: { included: true } } : {}),
      ...(r.traceHeader ? { traceHeader: r.traceHeader } : {}),
      billingDetails: {
        billedMemoryUsedInMB: 64,
        billedDurationInMilliseconds: Math.max(
          100,
          Math.ceil(((r.stopDate ?? r.startDate) - r.startDate) / 100) * 100,
        ),
      },
    };
  },
  async StopExecution(engine, p) {
    const stopDate = await engine.stopExecution(
      required(p, 'executionArn'),
      optionalString(p, 'error'),
      optionalString(p, 'cause'),
    );
    return { stopDate: seconds(stopDate) };
  },
  async DescribeExecution(engine, p) {
    return describeExecution(await engine.getExecution(required(p, 'executionArn')));
  },
  async ListExecutions(engine, p) {
    const arn = required(p, 'stateMachineArn');
    const status = optionalString(p, 'statusFilter');
    if (
      status &&
      !['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'].includes(status)
    )
      throw new AwsApiError(
        'ValidationException',
        `1 validation error detected: Value '${status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]`,
      );
    const all = await engine.listExecutions(arn, status);
    const { items, nextToken } = page(all, p);
    return {
      executions: items.map((r) => ({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: seconds(r.startDate),
        ...(r.status !== 'RUNNING' ? { stopDate: seconds(r.stopDate) } : {}),
        redriveCount: 0,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  },
  async GetExecutionHistory(engine, p) {
    const events = await engine.getHistory(required(p, 'executionArn'));
    const ordered = p.reverseOrder === true ? [...events].reverse() : events;
    const { items, nextToken } = page(ordered, p);
    const include = p.includeExecutionData !== false;
    return { events: items.map((e) => wireEvent(e, include)), ...(nextToken ? { nextToken } : {}) };
  },
  async SendTaskSuccess(engine, p) {
    await engine.sendTaskSuccess(required(p, 'taskToken'), p.output);
    return {};
  },
  async SendTaskFailure(engine, p) {
    await engine.sendTaskFailure(
      required(p, 'taskToken'),
      optionalString(p, 'error'),
      optionalString(p, 'cause'),
    );
    return {};
  },
  async SendTaskHeartbeat(engine, p) {
    await engine.sendTaskHeartbeat(required(p, 'taskToken'));
    return {};
  },
  async ListTagsForResource(engine, p) {
    const arn = required(p, 'resourceArn');
    const tagged =
      arn.split(':')[5] === 'activity' ? await engine.activities.describe(arn) : await engine.getMachine(arn);
    return { tags: Object.entries(tagged.tags ?? {}).map(([key, value]) => ({ key, value })) };
  },
  async DescribeMapRun(engine, p) {
    const r = await engine.describeMapRun(required(p, 'mapRunArn'));
    const counts = {
      ...r.counts,
      timedOut: 0,
      resultsWritten: r.resultsWritten,
      failuresNotRedrivable: 0,
      pendingRedrive: 0,
    };
    return {
      mapRunArn: r.mapRunArn,
      executionArn: r.executionArn,
      status: r.status,
      startDate: seconds(r.startDate),
      ...(r.stopDate !== undefined ? { stopDate: seconds(r.stopDate) } : {}),
      maxConcurrency: r.maxConcurrency,
      toleratedFailurePercentage: r.toleratedFailurePercentage,
      toleratedFailureCount: r.toleratedFailureCount,
      itemCounts: counts,
      executionCounts: counts,
      redriveCount: 0,
    };
  },
  async ListMapRuns(engine, p) {
    const { items, nextToken } = page(await engine.listMapRuns(required(p, 'executionArn')), p);
    return {
      mapRuns: items.map((r) => ({
        executionArn: r.executionArn,
        mapRunArn: r.mapRunArn,
        stateMachineArn: r.stateMachineArn,
        startDate: seconds(r.startDate),
        ...(r.stopDate !== undefined ? { stopDate: seconds(r.stopDate) } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  },
  async CreateActivity(engine, p, region) {
    const a = await engine.activities.create(region, required(p, 'name'), tagsOf(p));
    return { activityArn: a.activityArn, creationDate: seconds(a.creationDate) };
  },
  async DescribeActivity(engine, p) {
    const a = await engine.activities.describe(required(p, 'activityArn'));
    return { activityArn: a.activityArn, name: a.name, creationDate: seconds(a.creationDate) };
  },
  async ListActivities(engine, p) {
    const { items, nextToken } = page(await engine.activities.list(), p);
    return {
      activities: items.map((a) => ({
        activityArn: a.activityArn,
        name: a.name,
        creationDate: seconds(a.creationDate),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  },
  async DeleteActivity(engine, p) {
    await engine.activities.delete(required(p, 'activityArn'));
    return {};
  },
  async GetActivityTask(engine, p, _region, signal) {
    return engine.getActivityTask(required(p, 'activityArn'), optionalString(p, 'workerName'), signal);
  },
};

/** Maps an engine error to its wire shape. */
function toWire(e: unknown): AwsApiError {
  if (e instanceof AwsApiError) return e;
  if (isSelflessError(e)) {
    if (e.code === 'BODY_TOO_LARGE') return new AwsApiError('ValidationException', e.message, 400);
    if (/^[A-Z][A-Za-z]+$/.test(e.code)) return new AwsApiError(e.code, e.message, 400);
  }
  return new AwsApiError('InternalFailure', (e as Error).message ?? 'Internal failure', 500, 'Receiver');
}

/** The plugin's WireApi over an engine. */
export function stepFunctionsWireApi(engine: () => StepFunctionsEngine): WireApi {
  return {
    signingNames: ['states'],
    targetPrefixes: [PREFIX],
    async handle(w: WireRequest) {
      try {
        const op = operationFromTarget(w.target, PREFIX);
        const handler = op ? HANDLERS[op] : undefined;
        if (!handler)
          throw new AwsApiError(
            'UnknownOperationException',
            op ? `The operation ${op} is not supported by this platform.` : 'Missing X-Amz-Target',
          );
        const body = await readBody(w.req, MAX_REQUEST_BYTES).catch((e) => {
          if (e instanceof AwsApiError && e.status === 413)
            throw sfnError('ValidationException', 'Request size exceeds the maximum of 1 MB.');
          throw e;
        });
        const params = parseJsonBody(body);
        const closed = new AbortController();
        w.res.once('close', () => closed.abort());
        sendJsonResult(w.res, await handler(engine(), params, w.region, closed.signal), '1.0');
      } catch (e) {
        sendJsonError(w.res, toWire(e), STYLE);
      }
    },
  };
}
