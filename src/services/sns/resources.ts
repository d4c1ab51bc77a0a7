/**
 * CloudFormation resource types SNS owns: AWS::SNS::Topic (with inline Subscription entries),
 * AWS::SNS::Subscription and AWS::SNS::TopicPolicy (applied as the topics' Policy attribute).
 */
import { createHash } from 'node:crypto';
import { SelflessError } from '../../platform/errors.js';
import { cfnString, cfnTags, physicalName } from '../../platform/resources/names.js';
import type { DeployContext, ResourceType } from '../../platform/service.js';
import type { SnsEngine } from './engine.js';

const TOPIC_ATTRIBUTE_PROPS = [
  'DisplayName',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'ContentBasedDeduplication',
  'FifoThroughputScope',
];

function failed(logicalId: string, type: string, e: unknown): SelflessError {
  return new SelflessError('RESOURCE_FAILED', `${logicalId} (${type}): ${(e as Error).message}`, {
    where: `resources.Resources.${logicalId}`,
    hint: `Fix the ${type} properties in resources.Resources and deploy again.`,
    cause: e,
  });
}

/** The owner tag of subscriptions a resource created. */
function ownerOf(ctx: DeployContext, logicalId: string): string {
  return `cfn:${ctx.service}:${ctx.stage}:${logicalId}`;
}

const SUB_ATTRIBUTE_PROPS = [
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'DeliveryPolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
];

function subscriptionAttributes(props: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of SUB_ATTRIBUTE_PROPS) if (props[k] !== undefined) out[k] = cfnString(props[k]);
  return out;
}

/** The AWS::SNS::* resource types over an engine (reached lazily: types are read before start). */
export function snsResourceTypes(engineOf: () => SnsEngine): Record<string, ResourceType> {
  return {
    'AWS::SNS::Topic': {
      async apply(ctx, logicalId, props, previous) {
        const engine = engineOf();
        const fifo = props.FifoTopic === true || props.FifoTopic === 'true';
        const name = physicalName(ctx, logicalId, props.TopicName, 256, { suffix: fifo ? '.fifo' : '' });
        const attributes: Record<string, string> = {};
        for (const k of TOPIC_ATTRIBUTE_PROPS)
          if (props[k] !== undefined) attributes[k] = cfnString(props[k]);
        if (fifo) attributes.FifoTopic = 'true';
        try {
          const arn = engine.topicArnOf(name);
          if (engine.findTopic(arn)) {
            const { FifoTopic: _f, ...settable } = attributes;
            await engine.updateTopic(arn, settable, cfnTags(props.Tags));
          } else await engine.createTopic(name, attributes, cfnTags(props.Tags));
          const before = previous?.attributes.TopicArn;
          if (before && before !== arn) await engine.deleteTopic(before);
          // Inline subscriptions: make the topic's set match the template's.
          const owner = ownerOf(ctx, logicalId);
          const wanted = Array.isArray(props.Subscription)
            ? (props.Subscription as Array<Record<string, unknown>>)
            : [];
          const have = engine.subscriptionsOwnedBy(owner);
          for (const s of have)
            if (
              !wanted.some(
                (w) =>
                  cfnString(w.Protocol) === s.protocol &&
                  cfnString(w.Endpoint) === s.endpoint &&
                  s.topicArn === arn,
              )
            )
              await engine.unsubscribe(s.arn);
          for (const w of wanted)
            if (
              !have.some(
                (s) =>
                  s.protocol === cfnString(w.Protocol) &&
                  s.endpoint === cfnString(w.Endpoint) &&
                  s.topicArn === arn,
              )
            )
              await engine.subscribe(
                arn,
                cfnString(w.Protocol),
                cfnString(w.Endpoint),
                {},
                { owner, returnArn: true },
              );
          return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
        } catch (e) {
          throw failed(logicalId, 'AWS::SNS::Topic', e);
        }
      },
      async remove(ctx, logicalId, current) {
        const engine = engineOf();
        for (const s of engine.subscriptionsOwnedBy(ownerOf(ctx, logicalId))) await engine.unsubscribe(s.arn);
        if (current.attributes.TopicArn) await engine.deleteTopic(current.attributes.TopicArn);
      },
    },
    'AWS::SNS::Subscription': {
      async apply(ctx, logicalId, props, previous) {
        const engine = engineOf();
        const topicArn = cfnString(props.TopicArn ?? '');
        const protocol = cfnString(props.Protocol ?? '');
        const endpoint = cfnString(props.Endpoint ?? '');
        const attributes = subscriptionAttributes(props);
        try {
          const prev = previous ? engine.findSubscription(previous.ref) : undefined;
          if (
            prev &&
            prev.topicArn === topicArn &&
            prev.protocol === protocol &&
            prev.endpoint === endpoint
          ) {
            for (const k of SUB_ATTRIBUTE_PROPS) {
              const v = attributes[k] ?? (k === 'RawMessageDelivery' ? 'false' : '');
              if ((prev.attributes[k] ?? (k === 'RawMessageDelivery' ? 'false' : '')) !== v)
                await engine.setSubscriptionAttribute(prev.arn, k, v);
            }
            return { ref: prev.arn, attributes: {} };
          }
          if (prev) await engine.unsubscribe(prev.arn);
          const arn = await engine.subscribe(topicArn, protocol, endpoint, attributes, {
            owner: ownerOf(ctx, logicalId),
            returnArn: true,
          });
          return { ref: arn, attributes: {} };
        } catch (e) {
          throw failed(logicalId, 'AWS::SNS::Subscription', e);
        }
      },
      async remove(_ctx, _logicalId, current) {
        const engine = engineOf();
        if (engine.findSubscription(current.ref)) await engine.unsubscribe(current.ref);
      },
    },
    'AWS::SNS::TopicPolicy': {
      async apply(_ctx, logicalId, props) {
        const engine = engineOf();
        const topics = Array.isArray(props.Topics) ? (props.Topics as unknown[]).map(String) : [];
        const policy = props.PolicyDocument === undefined ? undefined : cfnString(props.PolicyDocument);
        try {
          for (const t of topics)
            if (engine.findTopic(t) && policy) await engine.setTopicAttribute(t, 'Policy', policy);
        } catch (e) {
          throw failed(logicalId, 'AWS::SNS::TopicPolicy', e);
        }
        const id = createHash('sha256').update(topics.join(',')).digest('hex').slice(0, 12);
        return { ref: `${logicalId}-${id}`, attributes: { Topics: topics.join(',') } };
      },
      async remove() {
        // The policy goes with its topics; SNS has no "no policy" state to restore.
      },
    },
  };
}
