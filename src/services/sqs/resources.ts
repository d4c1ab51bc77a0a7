/**
 * CloudFormation resource types SQS owns: AWS::SQS::Queue (created, updated in place, replaced when
 * its name or type changes, removed) and AWS::SQS::QueuePolicy (applied as the queues' Policy).
 */
import { createHash } from 'node:crypto';
import { SelflessError } from '../../platform/errors.js';
import { cfnString, cfnTags, physicalName } from '../../platform/resources/names.js';
import type { ResourceAttributes, ResourceType } from '../../platform/service.js';
import { SqsEngine } from './engine.js';

const ATTRIBUTE_PROPS = [
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'DelaySeconds',
  'FifoThroughputLimit',
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'RedriveAllowPolicy',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'VisibilityTimeout',
];

const DEFAULTS: Record<string, string> = {
  DelaySeconds: '0',
  MaximumMessageSize: '262144',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
};

/** The AWS::SQS::Queue and AWS::SQS::QueuePolicy resource types over an engine. */
export function sqsResourceTypes(
  engineOf: () => SqsEngine,
  endpoint: () => string,
): Record<string, ResourceType> {
  const describe = (name: string): ResourceAttributes => {
    const url = SqsEngine.urlOf(endpoint(), name);
    return { ref: url, attributes: { Arn: engineOf().arnOf(name), QueueName: name, QueueUrl: url } };
  };
  return {
    'AWS::SQS::Queue': {
      async apply(ctx, logicalId, props, previous) {
        const engine = engineOf();
        const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
        const name = physicalName(ctx, logicalId, props.QueueName, 80, { suffix: fifo ? '.fifo' : '' });
        const attributes: Record<string, string> = {};
        for (const k of ATTRIBUTE_PROPS) if (props[k] !== undefined) attributes[k] = cfnString(props[k]);
        if (fifo) attributes.FifoQueue = 'true';
        const where = `resources.Resources.${logicalId}`;
        try {
          const before = previous?.attributes.QueueName;
          const existing = engine.find(name);
          if (before === name && existing && existing.fifo === fifo) {
            // Update in place: properties left out go back to their defaults.
            const { FifoQueue: _f, ...settable } = attributes;
            const current = engine.getAttributes(name, ['All']);
            const reset: Record<string, string> = {};
            for (const [k, v] of Object.entries(DEFAULTS))
              if (settable[k] === undefined && current[k] !== v) reset[k] = v;
            if (settable.RedrivePolicy === undefined && current.RedrivePolicy !== undefined)
              reset.RedrivePolicy = '';
            await engine.setAttributes(name, { ...reset, ...settable });
            await engine.tag(name, cfnTags(props.Tags));
          } else {
            if (existing && before !== name) {
              if (existing.fifo !== fifo || Object.keys(attributes).length > 0)
                await engine.setAttributes(name, withoutFifo(attributes));
            } else await engine.createQueue(name, attributes, cfnTags(props.Tags));
            if (before && before !== name && engine.find(before)) await engine.deleteQueue(before);
          }
        } catch (e) {
          throw new SelflessError(
            'RESOURCE_FAILED',
            `${logicalId} (AWS::SQS::Queue): ${(e as Error).message}`,
            {
              where,
              hint: 'Fix the queue properties in resources.Resources and deploy again.',
              cause: e,
            },
          );
        }
        return describe(name);
      },
      async remove(_ctx, _logicalId, current) {
        const engine = engineOf();
        const name = current.attributes.QueueName;
        if (name && engine.find(name)) await engine.deleteQueue(name);
      },
    },
    'AWS::SQS::QueuePolicy': {
      async apply(_ctx, logicalId, props) {
        const engine = engineOf();
        const queues = Array.isArray(props.Queues) ? (props.Queues as unknown[]).map(String) : [];
        const policy = props.PolicyDocument === undefined ? undefined : cfnString(props.PolicyDocument);
        for (const q of queues)
          if (engine.find(q) && policy) await engine.setAttributes(q, { Policy: policy });
        return {
          ref: `${logicalId}-${createHash('sha256').update(queues.join(',')).digest('hex').slice(0, 12)}`,
          attributes: { Queues: queues.join(',') },
        };
      },
      async remove(_ctx, _logicalId, current) {
        const engine = engineOf();
        for (const q of (current.attributes.Queues ?? '').split(',').filter(Boolean))
          if (engine.find(q)) await engine.setAttributes(q, { Policy: '' });
      },
    },
  };
}

function withoutFifo(a: Record<string, string>): Record<string, string> {
  const { FifoQueue: _f, ...rest } = a;
  return rest;
}
