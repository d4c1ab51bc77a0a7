/**
 * serverless.yml `stream` events of type kinesis as event source mappings: the settings checked
 * against the ranges serverless.yml and Lambda accept, with Lambda's defaults (serverless.yml's
 * batchSize 10 and TRIM_HORIZON).
 */
import { SelflessError } from '../../platform/errors.js';
import type { DeployContext } from '../../platform/service.js';
import type { FunctionSpec } from '../../platform/spec.js';
import type { KinesisEngine } from './engine.js';

/** One mapping, as stored. */
export interface KinesisMapping {
  uuid: string;
  /** `service:stage` of the deployment that wired it. */
  owner: string;
  functionKey: string;
  /** Deployed function name. */
  functionName: string;
  streamArn: string;
  streamName: string;
  batchSize: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  /** Epoch ms, for AT_TIMESTAMP. */
  startingPositionTimestamp?: number;
  /** Seconds. */
  batchWindow: number;
  /** -1 = until the records expire. */
  maximumRetryAttempts: number;
  /** -1 = no limit. */
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  parallelizationFactor: number;
  /** SQS queue or SNS topic ARN. */
  onFailure?: string;
  filterPatterns?: unknown[];
  enabled: boolean;
}

/** The kinesis `stream` events of a deployment as mappings (streams must exist). */
export function kinesisMappingsOf(ctx: DeployContext, engine: KinesisEngine): KinesisMapping[] {
  const owner = `${ctx.service}:${ctx.stage}`;
  const out: KinesisMapping[] = [];
  for (const fn of ctx.spec.functions)
    fn.events.forEach((event, index) => {
      if (!('stream' in event)) return;
      const raw = event.stream;
      const cfg = (typeof raw === 'object' && raw !== null ? raw : { arn: raw }) as Record<string, unknown>;
      const arn = typeof cfg.arn === 'string' ? cfg.arn : undefined;
      const type = cfg.type ?? (arn?.startsWith('arn:aws:kinesis:') ? 'kinesis' : undefined);
      if (type !== 'kinesis') return;
      out.push(mappingOf(owner, fn, cfg, index, engine));
      warnUnsupported(ctx, fn, cfg, index);
    });
  return out;
}

// Settings that are accepted but not (yet) honoured get a deploy warning instead of silence.
function warnUnsupported(
  ctx: DeployContext,
  fn: FunctionSpec,
  cfg: Record<string, unknown>,
  index: number,
): void {
  const where = `functions.${fn.key}.events[${index}].stream`;
  if (cfg.tumblingWindowInSeconds !== undefined && Number(cfg.tumblingWindowInSeconds) > 0)
    ctx.warn?.(
      `${where}.tumblingWindowInSeconds: tumbling windows are not supported; batches carry no window state.`,
    );
  if (cfg.consumer !== undefined && cfg.consumer !== false)
    ctx.warn?.(
      `${where}.consumer: enhanced fan-out consumers are not supported; the shard is read directly.`,
    );
}

function fail(fn: FunctionSpec, where: string, message: string, hint?: string): never {
  throw new SelflessError('INVALID_STREAM_EVENT', `${message} (function "${fn.key}", ${where})`, {
    where,
    hint,
  });
}

function intIn(
  fn: FunctionSpec,
  where: string,
  value: unknown,
  fallback: number,
  ok: (n: number) => boolean,
  range: string,
): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || !ok(n)) fail(fn, where, `must be ${range}, got ${JSON.stringify(value)}`);
  return n;
}

function mappingOf(
  owner: string,
  fn: FunctionSpec,
  cfg: Record<string, unknown>,
  index: number,
  engine: KinesisEngine,
): KinesisMapping {
  const where = `functions.${fn.key}.events[${index}].stream`;
  const arn = cfg.arn;
  if (typeof arn !== 'string' || !arn.startsWith('arn:'))
    fail(
      fn,
      `${where}.arn`,
      `The stream event needs a Kinesis stream ARN, got ${JSON.stringify(arn)}`,
      'Use the stream ARN, or Fn::GetAtt: [<StreamLogicalId>, Arn] for a stream in resources.',
    );
  const stream = engine.find(arn);
  if (!stream)
    fail(
      fn,
      `${where}.arn`,
      `The stream event points at Kinesis stream ${arn}, which does not exist`,
      'Create the stream first (resources.Resources with Type AWS::Kinesis::Stream, or aws kinesis create-stream), or fix the ARN.',
    );
  const position = (cfg.startingPosition ?? 'TRIM_HORIZON') as string;
  if (position !== 'TRIM_HORIZON' && position !== 'LATEST' && position !== 'AT_TIMESTAMP')
    fail(fn, `${where}.startingPosition`, 'startingPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP');
  let startingPositionTimestamp: number | undefined;
  if (position === 'AT_TIMESTAMP') {
    const ts = Number(cfg.startingPositionTimestamp);
    if (!Number.isFinite(ts))
      fail(
        fn,
        `${where}.startingPositionTimestamp`,
        'AT_TIMESTAMP needs startingPositionTimestamp (epoch seconds)',
      );
    startingPositionTimestamp = ts * 1000;
  }
  const destinations = (cfg.destinations ?? {}) as { onFailure?: unknown };
  const rawFailure = destinations.onFailure;
  const onFailure =
    typeof rawFailure === 'string'
      ? rawFailure
      : typeof (rawFailure as { arn?: unknown } | undefined)?.arn === 'string'
        ? (rawFailure as { arn: string }).arn
        : undefined;
  if (rawFailure !== undefined && !/^arn:aws:(sqs|sns):/.test(onFailure ?? ''))
    fail(
      fn,
      `${where}.destinations.onFailure`,
      'destinations.onFailure must be an SQS queue or SNS topic ARN',
    );
  const responseType = cfg.functionResponseType;
  if (responseType !== undefined && responseType !== 'ReportBatchItemFailures')
    fail(fn, `${where}.functionResponseType`, 'functionResponseType must be ReportBatchItemFailures');
  return {
    uuid: `${owner}/${fn.key}/${stream.arn}`,
    owner,
    functionKey: fn.key,
    functionName: fn.name,
    streamArn: stream.arn,
    streamName: stream.name,
    batchSize: intIn(fn, `${where}.batchSize`, cfg.batchSize, 10, (n) => n >= 1 && n <= 10_000, '1 to 10000'),
    startingPosition: position,
    startingPositionTimestamp,
    batchWindow: intIn(fn, `${where}.batchWindow`, cfg.batchWindow, 0, (n) => n >= 0 && n <= 300, '0 to 300'),
    maximumRetryAttempts: intIn(
      fn,
      `${where}.maximumRetryAttempts`,
      cfg.maximumRetryAttempts,
      -1,
      (n) => n >= -1 && n <= 10_000,
      '-1 to 10000',
    ),
    maximumRecordAgeInSeconds: intIn(
      fn,
      `${where}.maximumRecordAgeInSeconds`,
      cfg.maximumRecordAgeInSeconds,
      -1,
      (n) => n === -1 || (n >= 60 && n <= 604_800),
      '-1 or 60 to 604800',
    ),
    bisectBatchOnFunctionError:
      cfg.bisectBatchOnFunctionError === true || cfg.bisectBatchOnFunctionError === 'true',
    reportBatchItemFailures: responseType === 'ReportBatchItemFailures',
    parallelizationFactor: intIn(
      fn,
      `${where}.parallelizationFactor`,
      cfg.parallelizationFactor,
      1,
      (n) => n >= 1 && n <= 10,
      '1 to 10',
    ),
    onFailure,
    filterPatterns: Array.isArray(cfg.filterPatterns) ? cfg.filterPatterns : undefined,
    enabled: cfg.enabled !== false && cfg.enabled !== 'false',
  };
}
