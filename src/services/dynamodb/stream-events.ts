/**
 * serverless.yml `stream` events of type dynamodb as event source mappings: one reader per mapping
 * that takes the table's change records in order, invokes the function synchronously with
 * Lambda's DynamoDB event in batches, and moves its durable checkpoint only after a batch
 * succeeded. A failing batch is retried (backing off on the platform clock) until
 * maximumRetryAttempts, then skipped with a warning. Woken by the engine when records arrive.
 */

import { createHash, randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import type { DeployContext, Logger } from '../../platform/service.js';
import type { FunctionSpec } from '../../platform/spec.js';
import type { Table } from '../../platform/store/port.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { matchPattern } from '../lambda/filter-criteria.js';
import type { SnsFacade } from '../sns/facade.js';
import type { SqsFacade } from '../sqs/facade.js';
import type { ChangeRecord, DynamoEngine } from './engine.js';

/** One mapping, as stored. */
export interface StreamMapping {
  uuid: string;
  /** `service:stage` of the deployment that wired it. */
  owner: string;
  functionKey: string;
  functionName: string;
  tableName: string;
  streamArn: string;
  batchSize: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** -1 = until it succeeds. */
  maximumRetryAttempts: number;
  /** functionResponseType ReportBatchItemFailures: the function may name the first record that failed. */
  reportBatchItemFailures?: boolean;
  /** SQS queue or SNS topic ARN that hears about batches given up on. */
  onFailure?: string;
  /** Lambda filter patterns, matched on the whole event record; records that match none are dropped. */
  filterPatterns?: unknown[];
  enabled: boolean;
}

const MAX_BACKOFF_MS = 30_000;

function fail(fn: FunctionSpec, where: string, message: string, hint?: string): never {
  throw new SelflessError('INVALID_STREAM_EVENT', `${message} (function "${fn.key}", ${where})`, {
    where,
    hint,
  });
}

/** The dynamodb `stream` events of a deployment as mappings (tables and their streams must exist). */
export function dynamoMappingsOf(ctx: DeployContext, engine: DynamoEngine): StreamMapping[] {
  const owner = `${ctx.service}:${ctx.stage}`;
  const out: StreamMapping[] = [];
  for (const fn of ctx.spec.functions)
    fn.events.forEach((event, index) => {
      if (!('stream' in event)) return;
      const raw = event.stream;
      const cfg = (typeof raw === 'object' && raw !== null ? raw : { arn: raw }) as Record<string, unknown>;
      const arn = typeof cfg.arn === 'string' ? cfg.arn : undefined;
      const type = cfg.type ?? (arn?.startsWith('arn:aws:dynamodb:') ? 'dynamodb' : undefined);
      if (type !== 'dynamodb') return;
      const where = `functions.${fn.key}.events[${index}].stream`;
      const table = /:table\/([^/]+)\/stream\//.exec(arn ?? '')?.[1];
      if (!arn || !table) fail(fn, where, `"${arn}" is not a DynamoDB stream ARN`);
      const t = engine.find(table);
      if (!t || engine.streamArnOf(t) !== arn)
        fail(
          fn,
          where,
          `Stream ${arn} does not exist`,
          'Give the table a StreamSpecification and reference it with Fn::GetAtt [<Table>, StreamArn].',
        );
      const batchSize = cfg.batchSize === undefined ? 10 : Number(cfg.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        fail(fn, `${where}.batchSize`, 'batchSize must be between 1 and 10000');
      const start = (cfg.startingPosition as string | undefined) ?? 'TRIM_HORIZON';
      if (start !== 'TRIM_HORIZON' && start !== 'LATEST')
        fail(
          fn,
          `${where}.startingPosition`,
          `startingPosition ${start} is not supported for DynamoDB streams`,
        );
      const rawFailure = (cfg.destinations as { onFailure?: unknown } | undefined)?.onFailure;
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
      out.push({
        uuid: `${owner}/${fn.key}/${arn}`,
        onFailure,
        owner,
        functionKey: fn.key,
        functionName: fn.name,
        tableName: table,
        streamArn: arn,
        batchSize,
        startingPosition: start,
        maximumRetryAttempts: cfg.maximumRetryAttempts === undefined ? -1 : Number(cfg.maximumRetryAttempts),
        filterPatterns: Array.isArray(cfg.filterPatterns) ? cfg.filterPatterns : undefined,
        reportBatchItemFailures: cfg.functionResponseType === 'ReportBatchItemFailures',
        enabled: cfg.enabled !== false && cfg.enabled !== 'false',
      });
      warnUnsupported(ctx, cfg, where);
    });
  return out;
}

// Settings accepted by serverless.yml but not honoured here get a deploy warning instead of silence.
function warnUnsupported(ctx: DeployContext, cfg: Record<string, unknown>, where: string): void {
  const unsupported: Array<[string, boolean]> = [
    [
      'functionResponseType',
      cfg.functionResponseType !== undefined && cfg.functionResponseType !== 'ReportBatchItemFailures',
    ],
    ['bisectBatchOnFunctionError', cfg.bisectBatchOnFunctionError === true],
    ['maximumRecordAgeInSeconds', cfg.maximumRecordAgeInSeconds !== undefined],
    ['tumblingWindowInSeconds', Number(cfg.tumblingWindowInSeconds ?? 0) > 0],
    ['parallelizationFactor', Number(cfg.parallelizationFactor ?? 1) > 1],
  ];
  for (const [name, used] of unsupported)
    if (used) ctx.warn?.(`${where}.${name}: not supported for DynamoDB streams yet; ignored.`);
}

/** A filter pattern as written in serverless.yml (an object, JSON text, or Lambda's `{ pattern: '<json>' }`). */
function patternOf(p: unknown): unknown {
  let pattern = p;
  try {
    if (typeof pattern === 'string') pattern = JSON.parse(pattern);
    const inner = (pattern as { pattern?: unknown } | null)?.pattern;
    if (typeof inner === 'string') pattern = JSON.parse(inner);
  } catch {
    return undefined;
  }
  return pattern;
}

/** Whether an event record passes a mapping's filter patterns. */
export function passesFilters(patterns: unknown[] | undefined, record: Record<string, unknown>): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((p) => {
    const pattern = patternOf(p);
    return pattern !== undefined && matchPattern(pattern, record);
  });
}

/** The one shard a local table stream has, named as DynamoDB names shards. */
export function shardIdOf(streamArn: string): string {
  return `shardId-00000000000000000001-${createHash('md5').update(streamArn).digest('hex').slice(0, 8)}`;
}

/** Lambda's DynamoDB stream event record. */
export function dynamoEventRecord(
  r: ChangeRecord,
  streamArn: string,
  region: string,
): Record<string, unknown> {
  const dynamodb: Record<string, unknown> = { Keys: r.keys };
  if (r.newImage) dynamodb.NewImage = r.newImage;
  if (r.oldImage) dynamodb.OldImage = r.oldImage;
  Object.assign(dynamodb, {
    ApproximateCreationDateTime: r.createdAt,
    SequenceNumber: r.sequenceNumber,
    SizeBytes: r.sizeBytes,
    StreamViewType: r.viewType,
  });
  const out: Record<string, unknown> = {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN: streamArn,
  };
  if (r.byService) out.userIdentity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
  return out;
}

export interface PollerDeps {
  engine: DynamoEngine;
  checkpoints: Table<string>;
  lambda(): LambdaFacade;
  sqs(): SqsFacade;
  sns(): SnsFacade;
  clock: Clock;
  log: Logger;
  region: string;
}

/** Reads one mapping's stream into its function, in order. */
export class StreamPoller {
  private running = false;
  private again = false;
  private stopped = false;
  private timer?: TimerHandle;
  private wake?: (go: boolean) => void;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    readonly mapping: StreamMapping,
    private readonly d: PollerDeps,
  ) {}

  /** Reads whatever is new (called at start and whenever the table's stream grows). */
  kick(): void {
    if (this.stopped || !this.mapping.enabled) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.drain()
      .catch((e) =>
        this.d.log.warn(`DynamoDB stream reader of ${this.mapping.functionName}: ${(e as Error).message}`),
      )
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Stops reading; resolves once the batch in flight finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.wake?.(false);
    await this.idle;
  }

  private async checkpoint(): Promise<string> {
    const m = this.mapping;
    const saved = await this.d.checkpoints.get(m.uuid);
    if (saved !== undefined) return saved;
    const start = m.startingPosition === 'LATEST' ? this.d.engine.lastSequence(m.tableName) : '';
    await this.d.checkpoints.put(m.uuid, start);
    return start;
  }

  private async drain(): Promise<void> {
    const m = this.mapping;
    while (!this.stopped) {
      const after = await this.checkpoint();
      let batch = await this.d.engine.records(m.tableName, after, m.batchSize);
      if (batch.length === 0) return;
      for (let attempt = 1; ; attempt++) {
        const failedFrom = await this.invoke(batch);
        if (failedFrom === undefined) break;
        if (failedFrom > 0) {
          // The records before the first failed one succeeded: move past them, retry from it.
          await this.d.checkpoints.put(m.uuid, batch[failedFrom - 1]!.sequenceNumber);
          batch = batch.slice(failedFrom);
        }
        if (m.maximumRetryAttempts >= 0 && attempt > m.maximumRetryAttempts) {
          if (!(await this.giveUp(batch, attempt))) return;
          break;
        }
        if (!(await this.backoff(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1))))) return;
      }
      await this.d.checkpoints.put(m.uuid, batch[batch.length - 1]!.sequenceNumber);
    }
  }

  /**
   * Describes a batch given up on to the onFailure queue or topic (Lambda's DDBStreamBatchInfo
   * record), retrying while it refuses; false when stopped first (the batch is then read again).
   */
  private async giveUp(batch: ChangeRecord[], attempts: number): Promise<boolean> {
    const m = this.mapping;
    const first = batch[0]!;
    const last = batch[batch.length - 1]!;
    if (!m.onFailure) {
      this.d.log.warn(
        `${m.functionName}: DynamoDB stream records ${first.sequenceNumber}..${last.sequenceNumber} discarded after ${attempts} attempts; no onFailure destination.`,
      );
      return true;
    }
    const body = JSON.stringify({
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.d.lambda().functionArn(m.functionName),
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date(this.d.clock.now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId: shardIdOf(m.streamArn),
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.createdAt * 1000).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.createdAt * 1000).toISOString(),
        batchSize: batch.length,
        streamArn: m.streamArn,
      },
    });
    while (!this.stopped) {
      try {
        if (m.onFailure.startsWith('arn:aws:sqs:')) await this.d.sqs().sendMessage(m.onFailure, { body });
        else await this.d.sns().publish({ topicArn: m.onFailure, message: body });
        return true;
      } catch (e) {
        this.d.log.warn(
          `${m.functionName}: the onFailure destination ${m.onFailure} refused a record: ${(e as Error).message}`,
        );
        if (!(await this.backoff(1000))) return false;
      }
    }
    return false;
  }

  /** Waits on the platform clock; false when stopped meanwhile. */
  private backoff(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.d.clock.setTimer(() => resolve(!this.stopped), ms);
    });
  }

  /** Invokes the function with a batch; undefined on success, else the index of the first failed record. */
  private async invoke(batch: ChangeRecord[]): Promise<number | undefined> {
    const m = this.mapping;
    const records = batch
      .map((r) => dynamoEventRecord(r, m.streamArn, this.d.region))
      .filter((r) => passesFilters(m.filterPatterns, r));
    if (records.length === 0) return undefined;
    const payload = JSON.stringify({ Records: records });
    try {
      const result = await this.d
        .lambda()
        .invoke({ functionName: m.functionName, payload, invocationType: 'RequestResponse' });
      if (result.functionError) return 0;
      return m.reportBatchItemFailures ? firstFailure(result.payload, batch) : undefined;
    } catch (e) {
      this.d.log.warn(`DynamoDB stream reader could not invoke ${m.functionName}: ${(e as Error).message}`);
      return 0;
    }
  }
}

/**
 * The first record a ReportBatchItemFailures response names (index in the batch): undefined when
 * none failed; 0 (the whole batch) when an identifier is empty or not in the batch, as Lambda treats it.
 */
export function firstFailure(payload: Buffer, batch: ChangeRecord[]): number | undefined {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8') || 'null');
  } catch {
    return undefined;
  }
  const failures = (body as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  let first = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const i = typeof id === 'string' && id !== '' ? batch.findIndex((r) => r.sequenceNumber === id) : -1;
    if (i < 0) return 0;
    first = Math.min(first, i);
  }
  return first;
}
