/**
 * The sns service plugin: the engine with its deliveries bound to Lambda (async invoke), SQS and
 * HTTP, its Query wire API, the AWS::SNS::* resource types, and serverless.yml `sns` events
 * (topic by name, created as the framework does, or by ARN; filterPolicy, filterPolicyScope,
 * redrivePolicy) as lambda subscriptions.
 */
import { normalizeNameToAlphaNumericOnly } from '../../config/naming.js';
import { SelflessError } from '../../platform/errors.js';
import type { DeployContext, PlatformContext, ServicePlugin, WireApi } from '../../platform/service.js';
import type { DeploymentSpec, FunctionSpec, ResourceSpec } from '../../platform/spec.js';
import type { LambdaFacade } from '../lambda/facade.js';
import type { SqsFacade } from '../sqs/facade.js';
import { snsWireApi } from './api.js';
import { SnsEngine, type SnsTargets } from './engine.js';
import { snsError } from './errors.js';
import { type SnsFacade, toSnsAttributes } from './facade.js';
import { snsResourceTypes } from './resources.js';

const OWNED_TOPICS = 'sns.owned-topics';

/** An `sns` event as written, normalized. */
interface SnsEventConfig {
  arn?: string;
  topicName: string;
  displayName?: string;
  filterPolicy?: unknown;
  filterPolicyScope?: string;
  redrivePolicy?: Record<string, unknown>;
}

/** Reads an `sns` event in any of its written forms. */
export function parseSnsEvent(raw: unknown, where: string): SnsEventConfig {
  if (typeof raw === 'string') {
    if (raw.startsWith('arn:')) return { arn: raw, topicName: raw.split(':').pop() ?? raw };
    return { topicName: raw };
  }
  if (typeof raw !== 'object' || raw === null)
    throw new SelflessError(
      'INVALID_SNS_EVENT',
      `An sns event must be a topic name, an ARN or an object (${where})`,
      { where },
    );
  const o = raw as Record<string, unknown>;
  const arn = typeof o.arn === 'string' ? o.arn : undefined;
  if (o.arn !== undefined && arn === undefined)
    throw new SelflessError(
      'INVALID_SNS_EVENT',
      `The sns event's arn did not resolve to a string (${where}.arn)`,
      {
        where: `${where}.arn`,
        hint: 'Use a topic ARN, or Ref to an AWS::SNS::Topic in resources.',
      },
    );
  const topicName = typeof o.topicName === 'string' ? o.topicName : arn?.split(':').pop();
  if (!topicName)
    throw new SelflessError('INVALID_SNS_EVENT', `An sns event needs arn or topicName (${where})`, { where });
  return {
    arn,
    topicName,
    displayName: typeof o.displayName === 'string' ? o.displayName : undefined,
    filterPolicy: o.filterPolicy,
    filterPolicyScope: typeof o.filterPolicyScope === 'string' ? o.filterPolicyScope : undefined,
    redrivePolicy:
      typeof o.redrivePolicy === 'object' && o.redrivePolicy !== null
        ? (o.redrivePolicy as Record<string, unknown>)
        : undefined,
  };
}

function snsEvents(fn: FunctionSpec): Array<{ cfg: SnsEventConfig; where: string }> {
  const out: Array<{ cfg: SnsEventConfig; where: string }> = [];
  fn.events.forEach((e, i) => {
    if ('sns' in e) {
      const where = `functions.${fn.key}.events[${i}].sns`;
      out.push({ cfg: parseSnsEvent(e.sns, where), where });
    }
  });
  return out;
}

/**
 * The topics the framework creates for `sns: <name>` events (`SNSTopic<Alnum>`, TopicName verbatim),
 * unless resources.Resources defines that logical id itself.
 */
export function impliedSnsResources(spec: DeploymentSpec): ResourceSpec[] {
  const out = new Map<string, ResourceSpec>();
  for (const fn of spec.functions)
    for (const { cfg } of snsEventsSafe(fn)) {
      if (cfg.arn) continue;
      const logicalId = `SNSTopic${normalizeNameToAlphaNumericOnly(cfg.topicName)}`;
      if (spec.resources.some((r) => r.logicalId === logicalId) || out.has(logicalId)) continue;
      const properties: Record<string, unknown> = { TopicName: cfg.topicName };
      if (cfg.displayName) properties.DisplayName = cfg.displayName;
      out.set(logicalId, { logicalId, type: 'AWS::SNS::Topic', properties });
    }
  return [...out.values()];
}

function snsEventsSafe(fn: FunctionSpec) {
  try {
    return snsEvents(fn);
  } catch {
    return [];
  }
}

/** Creates the sns plugin. */
export function snsPlugin(): ServicePlugin & { impliedResources(spec: DeploymentSpec): ResourceSpec[] } {
  let engine: SnsEngine | undefined;
  let api: WireApi | undefined;
  let ctxRef: PlatformContext | undefined;
  return {
    name: 'sns',
    async start(ctx) {
      ctxRef = ctx;
      const targets: SnsTargets = {
        lambda: async (functionArn, payload) => {
          const r = await ctx
            .service<LambdaFacade>('lambda')
            .invoke({ functionName: functionArn, payload, invocationType: 'Event' });
          if (r.statusCode !== 202) throw new Error(`Lambda answered ${r.statusCode}`);
        },
        sqs: async (queueArn, m) => {
          await ctx.service<SqsFacade>('sqs').sendMessage(queueArn, {
            body: m.body,
            messageAttributes: m.attributes,
            groupId: m.groupId,
            dedupId: m.dedupId,
          });
        },
        http: async (url, headers, body) => {
          const res = await fetch(url, {
            method: 'POST',
            headers,
            body,
            signal: AbortSignal.timeout(15_000),
          });
          await res.arrayBuffer();
          if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status} from ${url}`);
        },
      };
      engine = new SnsEngine(ctx.store, ctx.clock, ctx.region, targets, ctx.endpoint, ctx.log);
      await engine.start();
      api = snsWireApi(engine);
      const e = engine;
      const facade: SnsFacade = {
        publish: async ({ phoneNumber, messageAttributes, ...input }) => {
          if (phoneNumber !== undefined && !input.topicArn && !input.targetArn)
            throw snsError(
              'InvalidParameter',
              'Invalid parameter: PhoneNumber Reason: SMS is not delivered by this platform',
            );
          return e.publish({ ...input, messageAttributes: toSnsAttributes(messageAttributes) });
        },
        findTopic: (ref) => {
          const t = e.findTopic(ref);
          return t ? { arn: t.arn, name: t.name, fifo: t.fifo } : undefined;
        },
        createTopic: async (name, attributes) => {
          const t = await e.createTopic(name, attributes);
          return { arn: t.arn, name: t.name, fifo: t.fifo };
        },
        deleteTopic: (arn) => e.deleteTopic(arn),
        subscribe: (topicArn, protocol, endpoint, attributes) =>
          e.subscribe(topicArn, protocol, endpoint, attributes, { returnArn: true }),
        unsubscribe: (arn) => e.unsubscribe(arn),
      };
      return facade;
    },
    async stop() {
      engine?.stop();
    },
    wire: {
      signingNames: ['sns'],
      claims: (w) => api?.claims?.(w) ?? false,
      handle: (w) => {
        if (!api) throw new Error('sns service not started');
        return api.handle(w);
      },
    },
    resourceTypes: snsResourceTypes(() => engine!),
    impliedResources: impliedSnsResources,
    async wireEvents(ctx: DeployContext) {
      const e = engine!;
      const lambda = ctxRef!.service<LambdaFacade>('lambda');
      const owner = `${ctx.service}:${ctx.stage}`;
      const owned = ctxRef!.store.table<string[]>(OWNED_TOPICS);
      const createdBefore = (await owned.get(owner)) ?? [];
      const created = new Set<string>();
      const desired: Array<{ topicArn: string; endpoint: string; attributes: Record<string, string> }> = [];
      for (const fn of ctx.spec.functions)
        for (const { cfg, where } of snsEvents(fn)) {
          let topicArn = cfg.arn;
          if (!topicArn) {
            topicArn = e.topicArnOf(cfg.topicName);
            if (!e.findTopic(topicArn))
              await e.createTopic(cfg.topicName, cfg.displayName ? { DisplayName: cfg.displayName } : {});
            created.add(topicArn);
          } else if (!e.findTopic(topicArn))
            throw new SelflessError(
              'SNS_TOPIC_NOT_FOUND',
              `The sns event of function "${fn.key}" points at topic ${topicArn}, which does not exist (${where})`,
              {
                where,
                hint: 'Create the topic first (resources.Resources with Type AWS::SNS::Topic, or aws sns create-topic), or use a topic name so the deployment creates it.',
              },
            );
          const attributes: Record<string, string> = {};
          if (cfg.filterPolicy !== undefined)
            attributes.FilterPolicy =
              typeof cfg.filterPolicy === 'string' ? cfg.filterPolicy : JSON.stringify(cfg.filterPolicy);
          if (cfg.filterPolicyScope) attributes.FilterPolicyScope = cfg.filterPolicyScope;
          const dlq = cfg.redrivePolicy?.deadLetterTargetArn;
          if (typeof dlq === 'string')
            attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq });
          desired.push({ topicArn, endpoint: lambda.functionArn(fn.name), attributes });
        }
      const have = e.subscriptionsOwnedBy(owner);
      for (const s of have)
        if (!desired.some((d) => d.topicArn === s.topicArn && d.endpoint === s.endpoint))
          await e.unsubscribe(s.arn);
      for (const d of desired) {
        const s = have.find((h) => h.topicArn === d.topicArn && h.endpoint === d.endpoint);
        if (!s) {
          try {
            await e.subscribe(d.topicArn, 'lambda', d.endpoint, d.attributes, { owner, returnArn: true });
          } catch (err) {
            throw new SelflessError(
              'SNS_SUBSCRIBE_FAILED',
              `Subscribing ${d.endpoint} to ${d.topicArn} failed: ${(err as Error).message}`,
              { cause: err },
            );
          }
          continue;
        }
        for (const k of ['FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy'])
          if ((s.attributes[k] ?? '') !== (d.attributes[k] ?? ''))
            await e.setSubscriptionAttribute(s.arn, k, d.attributes[k] ?? '');
      }
      for (const arn of createdBefore) if (!created.has(arn)) await e.deleteTopic(arn);
      await owned.put(owner, [...created]);
    },
    async unwireEvents(service, stage) {
      const e = engine!;
      const owner = `${service}:${stage}`;
      for (const s of e.subscriptionsOwnedBy(owner)) await e.unsubscribe(s.arn);
      const owned = ctxRef!.store.table<string[]>(OWNED_TOPICS);
      for (const arn of (await owned.get(owner)) ?? []) await e.deleteTopic(arn);
      await owned.delete(owner);
    },
  };
}
