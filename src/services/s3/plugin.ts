/**
 * The s3 service plugin: the engine, its REST-XML wire API, notification delivery (durable, to
 * Lambda, SQS and SNS), the AWS::S3::Bucket / AWS::S3::BucketPolicy resource types and the
 * serverless.yml `s3` event wiring.
 */

import { requestIds } from '../../aws/rest-xml.js';
import { arn } from '../../platform/aws-account.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';
import { generatedName } from '../../platform/resources/names.js';
import type {
  DeployContext,
  PlatformContext,
  ResourceAttributes,
  ServicePlugin,
  WireRequest,
} from '../../platform/service.js';
import type { Table } from '../../platform/store/port.js';
import { type Delivery, DeliveryWorker } from '../events/delivery.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { claimsS3, S3Api } from './api.js';
import { S3Engine } from './engine.js';
import type { NotificationTarget } from './model.js';
import { buildTarget, eventRecord, matchingTargets, testEvent, validateTargets } from './notifications.js';

/** What other services (and tests) reach through `ctx.service('s3')`. */
export interface S3Facade {
  engine: S3Engine;
  /** Resolves once every queued notification available now has been handed to its target. */
  settled(): Promise<void>;
}

/** Notification targets a deployment added to a bucket, to replace or remove them later. */
interface WiredBucket {
  bucket: string;
  ids: string[];
  /** True when the wiring created the bucket. */
  created: boolean;
}

const SIX_HOURS = 6 * 3_600_000;

/** Creates the s3 plugin. */
export function s3Plugin(): ServicePlugin {
  let engine: S3Engine | undefined;
  let api: S3Api | undefined;
  let worker: DeliveryWorker | undefined;
  let platform: PlatformContext | undefined;
  let wiring: Table<WiredBucket[]> | undefined;

  const started = () => {
    if (!engine || !platform || !worker || !wiring)
      throw new SelflessError('SERVICE_NOT_STARTED', 'The s3 service is not running', { kind: 'system' });
    return { engine, ctx: platform, worker, wiring };
  };

  /** ARNs of Lambda destinations that do not exist. */
  const missingFunctions = async (targets: NotificationTarget[]): Promise<string[]> => {
    const { ctx } = started();
    const missing: string[] = [];
    for (const t of targets) {
      if (t.kind !== 'lambda') continue;
      let lambda: LambdaFacade;
      try {
        lambda = ctx.service<LambdaFacade>('lambda');
      } catch {
        return [];
      }
      if (!(await lambda.getFunction(t.arn))) missing.push(t.arn);
    }
    return missing;
  };

  /** Replaces the targets a deployment owns on a bucket, keeping everyone else's. */
  const setOwnedTargets = async (
    bucket: string,
    removeIds: string[],
    add: NotificationTarget[],
    where: string,
  ) => {
    const { engine } = started();
    const b = await engine.bucket(bucket);
    const kept = b.notifications.filter((t) => !removeIds.includes(t.id) && !add.some((a) => a.id === t.id));
    const next = [...kept, ...add];
    try {
      validateTargets(next);
    } catch (e) {
      throw new SelflessError('INVALID_S3_NOTIFICATION', `${where}: ${(e as Error).message}`, {
        where,
        hint: 'Two notifications on one bucket share an event type with overlapping prefix/suffix rules; make the rules disjoint.',
      });
    }
    await engine.setNotifications(bucket, next);
  };

  const bucketAttributes = (name: string, region: string): ResourceAttributes => ({
    ref: name,
    attributes: {
      Arn: `arn:aws:s3:::${name}`,
      DomainName: `${name}.s3.amazonaws.com`,
      RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
      DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
      WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
    },
  });

  return {
    name: 's3',
    async start(ctx: PlatformContext): Promise<S3Facade> {
      platform = ctx;
      engine = new S3Engine(ctx.store, ctx.clock, ctx.region);
      await engine.start();
      wiring = ctx.store.table<WiredBucket[]>('s3.wiring');
      const w = new DeliveryWorker(ctx.store.queue<Delivery>('s3.notifications'), ctx, ctx.clock, ctx.log);
      worker = w;
      engine.onEvent(async (e, targets) => {
        const matched = matchingTargets(targets, e);
        await w.enqueue(
          matched.map((t) => ({
            delivery: {
              arn: t.arn,
              payload: JSON.stringify({ Records: [eventRecord(e, t.id, ctx.region)] }),
              origin: `bucket ${e.bucket}`,
              acceptedAt: e.time,
              maxAgeMs: SIX_HOURS,
              subject: 'Amazon S3 Notification',
            },
          })),
        );
      });
      api = new S3Api({
        engine,
        clock: ctx.clock,
        region: ctx.region,
        log: ctx.log,
        checkDestinations: missingFunctions,
        onNotificationsSaved: async (bucket, info) => {
          await sendTestEvents(bucket, (await started().engine.bucket(bucket)).notifications, info);
        },
      });
      w.start();
      return { engine, settled: () => w.settled() };
    },
    async stop() {
      worker?.stop();
    },
    wire: {
      signingNames: ['s3'],
      claims: (w: WireRequest) => (engine ? claimsS3(w, engine.bucketNames) : false),
      handle: async (w: WireRequest) => {
        if (!api)
          throw new SelflessError('SERVICE_NOT_STARTED', 'The s3 service is not running', { kind: 'system' });
        await api.handle(w);
      },
    },
    resourceTypes: {
      'AWS::S3::Bucket': {
        async apply(ctx, logicalId, props, previous) {
          const { engine } = started();
          const name =
            typeof props.BucketName === 'string' && props.BucketName
              ? props.BucketName
              : (previous?.ref ?? generatedName(ctx, logicalId, 63, { lowercase: true }));
          const where = `resources.Resources.${logicalId}`;
          // Checked before the bucket exists, so a bad configuration creates nothing.
          const versioning = bucketVersioning(props.VersioningConfiguration, where);
          try {
            await engine.createBucket(name, { owner: `${ctx.service}:${ctx.stage}` });
          } catch (e) {
            throw new SelflessError('INVALID_RESOURCE', `${where}: ${(e as Error).message} (${name})`, {
              where,
            });
          }
          if (versioning) await engine.setVersioning(name, versioning);
          const targets = resourceTargets(logicalId, props.NotificationConfiguration, where);
          const ownedPrefix = `cfn-${logicalId}-`;
          const b = await engine.bucket(name);
          const before = b.notifications.filter((t) => t.id.startsWith(ownedPrefix));
          await setOwnedTargets(
            name,
            before.map((t) => t.id),
            targets,
            where,
          );
          // S3 tests new SQS/SNS destinations however the configuration is saved (CloudFormation too).
          const added = targets.filter((t) => !before.some((o) => o.arn === t.arn));
          await sendTestEvents(name, added, requestIds());
          if (previous && previous.ref !== name) await removeBucketIfEmpty(previous.ref, ctx);
          return bucketAttributes(name, ctx.region);
        },
        async remove(ctx, _logicalId, current) {
          await removeBucketIfEmpty(current.ref, ctx);
        },
      },
      'AWS::S3::BucketPolicy': {
        // Policies are accepted and not enforced (every caller is the account owner locally).
        async apply(_ctx, logicalId) {
          return { ref: logicalId, attributes: {} };
        },
        async remove() {},
      },
    },
    async wireEvents(ctx: DeployContext) {
      const { engine, wiring } = started();
      const key = `${ctx.service}:${ctx.stage}`;
      const before = (await wiring.get(key)) ?? [];
      const plan = new Map<string, { targets: NotificationTarget[]; existing: boolean; where: string }>();
      for (const fn of ctx.spec.functions) {
        fn.events.forEach((ev, index) => {
          if (!('s3' in ev)) return;
          const where = `functions.${fn.key}.events[${index}].s3`;
          const parsed = parseS3Event(ev.s3, where, positionOf(ev));
          const fnArn = arn('lambda', ctx.region, `function:${fn.name}`);
          const target = toTarget(
            {
              id: `${fn.name}-s3-${index + 1}`,
              kind: 'lambda',
              arn: fnArn,
              events: [parsed.event],
              rules: parsed.rules,
            },
            where,
            fn.key,
          );
          const entry = plan.get(parsed.bucket) ?? { targets: [], existing: parsed.existing, where };
          entry.targets.push(target);
          entry.existing ||= parsed.existing;
          plan.set(parsed.bucket, entry);
        });
      }
      const after: WiredBucket[] = [];
      for (const [bucket, p] of plan) {
        let created = before.find((b) => b.bucket === bucket)?.created ?? false;
        if (!engine.bucketNames.has(bucket)) {
          if (p.existing)
            throw new SelflessError(
              'S3_BUCKET_NOT_FOUND',
              `${p.where}: bucket ${bucket} does not exist (existing: true).`,
              {
                where: p.where,
                hint: 'Create the bucket first (aws s3 mb, or under resources), or drop existing: true to let the deployment create it.',
              },
            );
          try {
            created = (await engine.createBucket(bucket, { owner: key })) || created;
          } catch (e) {
            throw new SelflessError(
              'INVALID_S3_EVENT',
              `${p.where}: ${(e as Error).message} (bucket "${bucket}")`,
              {
                where: p.where,
                hint: 'Bucket names are 3-63 characters of lower-case letters, digits, dots and hyphens.',
              },
            );
          }
        }
        const old = before.find((b) => b.bucket === bucket)?.ids ?? [];
        await setOwnedTargets(bucket, old, p.targets, p.where);
        after.push({ bucket, ids: p.targets.map((t) => t.id), created });
      }
      for (const b of before) {
        if (plan.has(b.bucket) || !engine.bucketNames.has(b.bucket)) continue;
        await setOwnedTargets(b.bucket, b.ids, [], b.bucket);
        if (b.created) await removeBucketIfEmpty(b.bucket, ctx);
      }
      await wiring.put(key, after);
    },
    async unwireEvents(service: string, stage: string) {
      const { engine, wiring } = started();
      const key = `${service}:${stage}`;
      for (const b of (await wiring.get(key)) ?? []) {
        if (!engine.bucketNames.has(b.bucket)) continue;
        await setOwnedTargets(b.bucket, b.ids, [], b.bucket);
        if (b.created) await removeBucketIfEmpty(b.bucket);
      }
      await wiring.delete(key);
    },
  };

  /** Queues the `s3:TestEvent` S3 sends to SQS and SNS destinations of a saved configuration. */
  async function sendTestEvents(
    bucket: string,
    targets: NotificationTarget[],
    ids: { requestId: string; hostId: string },
  ): Promise<void> {
    const { ctx, worker } = started();
    const now = ctx.clock.now();
    await worker.enqueue(
      targets
        .filter((t) => t.kind !== 'lambda')
        .map((t) => ({
          delivery: {
            arn: t.arn,
            payload: JSON.stringify(testEvent(bucket, now, ids.requestId, ids.hostId)),
            origin: `bucket ${bucket}`,
            acceptedAt: now,
            maxAgeMs: SIX_HOURS,
            subject: 'Amazon S3 Notification',
          },
        })),
    );
  }

  async function removeBucketIfEmpty(name: string, ctx?: DeployContext): Promise<void> {
    const { engine } = started();
    if (!engine.bucketNames.has(name)) return;
    try {
      // Refused while any object, version or delete marker remains.
      await engine.deleteBucket(name);
    } catch (e) {
      if (!isSelflessError(e) || e.code !== 'BucketNotEmpty') throw e;
      ctx?.warn?.(
        `Bucket ${name} is not empty, so it was kept (CloudFormation keeps non-empty buckets too).`,
      );
      platform?.log.warn(`bucket ${name} is not empty and was kept`);
    }
  }
}

/** `file:line` when the framework recorded where an event was written. */
function positionOf(ev: Record<string, unknown>): string | undefined {
  const p = (ev as { __where?: unknown }).__where;
  return typeof p === 'string' ? p : undefined;
}

function toTarget(c: Parameters<typeof buildTarget>[0], where: string, fnKey: string): NotificationTarget {
  try {
    return buildTarget(c);
  } catch (e) {
    throw new SelflessError(
      'INVALID_S3_EVENT',
      `${where} of function ${fnKey}: ${(e as Error).message}${detail(e)}`,
      {
        where,
        hint: 'Use an event such as s3:ObjectCreated:* or s3:ObjectRemoved:Delete, and rules of the form [{prefix: uploads/}, {suffix: .jpg}].',
      },
    );
  }
}

function detail(e: unknown): string {
  const extra = (e as { details?: { extra?: Record<string, unknown> } }).details?.extra;
  return extra?.ArgumentValue ? ` (${String(extra.ArgumentValue)})` : '';
}

/** Parses a serverless.yml `s3` event: a bucket name string, or `{bucket, event, rules, existing}`. */
export function parseS3Event(
  raw: unknown,
  where: string,
  position?: string,
): { bucket: string; event: string; rules: Array<{ name: string; value: string }>; existing: boolean } {
  const at = position ? `${where} (${position})` : where;
  const fail = (msg: string) =>
    new SelflessError('INVALID_S3_EVENT', `${at}: ${msg}`, {
      where: position ?? where,
      hint: 'Write `s3: my-bucket` or `s3: {bucket: my-bucket, event: s3:ObjectCreated:*, rules: [{prefix: in/}]}`.',
    });
  if (typeof raw === 'string')
    return { bucket: raw, event: 's3:ObjectCreated:*', rules: [], existing: false };
  if (typeof raw !== 'object' || raw === null) throw fail('expected a bucket name or an object');
  const o = raw as Record<string, unknown>;
  if (typeof o.bucket !== 'string' || !o.bucket) throw fail('bucket must be a bucket name');
  const event = o.event === undefined ? 's3:ObjectCreated:*' : o.event;
  if (typeof event !== 'string' || !/^s3:.+$/.test(event))
    throw fail(`event must match ^s3:.+$, got ${JSON.stringify(event)}`);
  const rules: Array<{ name: string; value: string }> = [];
  if (o.rules !== undefined) {
    if (!Array.isArray(o.rules)) throw fail('rules must be a list of {prefix: ...} or {suffix: ...}');
    for (const r of o.rules) {
      const entries = typeof r === 'object' && r !== null ? Object.entries(r) : [];
      if (
        entries.length !== 1 ||
        !['prefix', 'suffix'].includes(entries[0][0]) ||
        typeof entries[0][1] !== 'string'
      )
        throw fail(
          `each rule must have exactly one key, prefix or suffix, with a string value; got ${JSON.stringify(r)}`,
        );
      rules.push({ name: entries[0][0], value: entries[0][1] as string });
    }
  }
  return { bucket: o.bucket, event, rules, existing: o.existing === true };
}

/** The Status of an AWS::S3::Bucket's VersioningConfiguration, if it has one. */
function bucketVersioning(config: unknown, where: string): 'Enabled' | 'Suspended' | undefined {
  if (config === undefined || config === null) return undefined;
  const status = (config as { Status?: unknown }).Status;
  if (typeof config !== 'object' || (status !== 'Enabled' && status !== 'Suspended'))
    throw new SelflessError(
      'INVALID_RESOURCE',
      `${where}.Properties.VersioningConfiguration.Status must be Enabled or Suspended`,
      { where, hint: 'Write VersioningConfiguration: {Status: Enabled}.' },
    );
  return status;
}

/** Notification targets of an AWS::S3::Bucket's NotificationConfiguration. */
function resourceTargets(logicalId: string, config: unknown, where: string): NotificationTarget[] {
  if (config === undefined || config === null) return [];
  const c = config as Record<string, unknown>;
  const out: NotificationTarget[] = [];
  const kinds: Array<[string, string, NotificationTarget['kind']]> = [
    ['LambdaConfigurations', 'Function', 'lambda'],
    ['QueueConfigurations', 'Queue', 'sqs'],
    ['TopicConfigurations', 'Topic', 'sns'],
  ];
  let n = 0;
  for (const [list, arnKey, kind] of kinds) {
    const items = c[list];
    if (items === undefined) continue;
    if (!Array.isArray(items))
      throw new SelflessError(
        'INVALID_RESOURCE',
        `${where}.Properties.NotificationConfiguration.${list} must be a list`,
        { where },
      );
    items.forEach((item: Record<string, unknown>, i) => {
      const here = `${where}.Properties.NotificationConfiguration.${list}[${i}]`;
      const rules = (
        (item.Filter as { S3Key?: { Rules?: Array<{ Name: string; Value: string }> } })?.S3Key?.Rules ?? []
      ).map((r) => ({
        name: String(r.Name),
        value: String(r.Value),
      }));
      try {
        out.push(
          buildTarget({
            id: `cfn-${logicalId}-${++n}`,
            kind,
            arn: String(item[arnKey] ?? ''),
            events: [String(item.Event ?? '')],
            rules,
          }),
        );
      } catch (e) {
        throw new SelflessError('INVALID_RESOURCE', `${here}: ${(e as Error).message}${detail(e)}`, {
          where: here,
        });
      }
    });
  }
  return out;
}
