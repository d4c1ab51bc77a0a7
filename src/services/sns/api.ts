/**
 * SNS's wire API on the platform port (awsQuery: form-encoded requests, XML responses), including
 * the GET links SNS hands out (UnsubscribeURL, SubscribeURL).
 */
import {
  AwsApiError,
  nestQueryParams,
  parseQueryParams,
  type QueryNode,
  queryChild,
  queryList,
  queryString,
  readBody,
  sendQueryError,
  sendQueryResult,
  type XmlObject,
  xmlList,
} from '../../aws/query-protocol.js';
import type { WireApi, WireRequest } from '../../platform/service.js';
import type { SnsEngine } from './engine.js';
import { awsErrorFor } from './errors.js';
import type { SnsAttribute, SubscriptionRecord } from './types.js';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const PAGE = 100;

/** The SNS actions this API serves (also used to claim unsigned Query requests). */
export const SNS_ACTIONS = new Set([
  'CreateTopic',
  'DeleteTopic',
  'ListTopics',
  'GetTopicAttributes',
  'SetTopicAttributes',
  'Subscribe',
  'ConfirmSubscription',
  'Unsubscribe',
  'ListSubscriptions',
  'ListSubscriptionsByTopic',
  'GetSubscriptionAttributes',
  'SetSubscriptionAttributes',
  'Publish',
  'PublishBatch',
  'ListTagsForResource',
  'TagResource',
  'UntagResource',
]);

/** Builds the SNS WireApi over an engine. */
export function snsWireApi(engine: SnsEngine): WireApi {
  return {
    signingNames: ['sns'],
    claims: (w) => {
      const action = w.url.searchParams.get('Action');
      return action !== null && SNS_ACTIONS.has(action);
    },
    handle: (w) => handle(engine, w),
  };
}

async function handle(engine: SnsEngine, w: WireRequest): Promise<void> {
  try {
    const body = await readBody(w.req, 2 * 1024 * 1024);
    const flat = parseQueryParams(w.url.searchParams, body.toString('utf8'));
    const action = flat.Action;
    if (!action)
      throw new AwsApiError('MissingAction', 'The request must contain the parameter Action.', 400);
    if (!SNS_ACTIONS.has(action))
      throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this endpoint.`, 400);
    const result = await run(engine, action, flat, nestQueryParams(flat));
    sendQueryResult(w.res, action, XMLNS, result);
  } catch (e) {
    sendQueryError(w.res, awsErrorFor(e), XMLNS);
  }
}

function required(flat: Record<string, string>, name: string): string {
  const v = flat[name];
  if (v === undefined)
    throw new AwsApiError(
      'ValidationError',
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  return v;
}

/** `X.entry.N.key/value` maps. */
function entryMap(node: QueryNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of queryList(node, 'entry')) out[queryString(e, 'key') ?? ''] = queryString(e, 'value') ?? '';
  return out;
}

/** `Tags.member.N.Key/Value`. */
function tagMap(node: QueryNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of queryList(node, 'member')) out[queryString(e, 'Key') ?? ''] = queryString(e, 'Value') ?? '';
  return out;
}

/** `MessageAttributes.entry.N.Name` + `.Value.DataType/StringValue/BinaryValue`. */
function messageAttributes(node: QueryNode | undefined): Record<string, SnsAttribute> {
  const out: Record<string, SnsAttribute> = {};
  for (const e of queryList(node, 'entry')) {
    const v = queryChild(e, 'Value');
    const type = queryString(v, 'DataType') ?? '';
    out[queryString(e, 'Name') ?? ''] = {
      Type: type,
      Value:
        (type.startsWith('Binary') ? queryString(v, 'BinaryValue') : queryString(v, 'StringValue')) ?? '',
    };
  }
  return out;
}

function page<T extends { arn: string }>(
  items: T[],
  token: string | undefined,
): { items: T[]; next?: string } {
  const after = token ? Buffer.from(token, 'base64').toString('utf8') : undefined;
  const rest = after ? items.filter((i) => i.arn > after) : items;
  const slice = rest.slice(0, PAGE);
  return {
    items: slice,
    next: rest.length > PAGE ? Buffer.from(slice[slice.length - 1].arn).toString('base64') : undefined,
  };
}

function subscriptionXml(s: SubscriptionRecord): XmlObject {
  return {
    SubscriptionArn: s.pending ? 'PendingConfirmation' : s.arn,
    Owner: s.topicArn.split(':')[4],
    Protocol: s.protocol,
    Endpoint: s.endpoint,
    TopicArn: s.topicArn,
  };
}

function attributesXml(attrs: Record<string, string>): XmlObject {
  return {
    Attributes: xmlList(
      Object.entries(attrs).map(([key, value]) => ({ key, value })),
      { member: 'entry' },
    ),
  };
}

/** Runs one action; returns the Result element's children (undefined for actions without one). */
async function run(
  engine: SnsEngine,
  action: string,
  flat: Record<string, string>,
  nested: QueryNode,
): Promise<XmlObject | undefined> {
  switch (action) {
    case 'CreateTopic': {
      const t = await engine.createTopic(
        required(flat, 'Name'),
        entryMap(queryChild(nested, 'Attributes')),
        tagMap(queryChild(nested, 'Tags')),
      );
      return { TopicArn: t.arn };
    }
    case 'DeleteTopic':
      await engine.deleteTopic(required(flat, 'TopicArn'));
      return undefined;
    case 'ListTopics': {
      const p = page(engine.listTopics(), flat.NextToken);
      return { Topics: xmlList(p.items.map((t) => ({ TopicArn: t.arn }))), NextToken: p.next };
    }
    case 'GetTopicAttributes':
      return attributesXml(engine.topicAttributes(required(flat, 'TopicArn')));
    case 'SetTopicAttributes':
      await engine.setTopicAttribute(
        required(flat, 'TopicArn'),
        required(flat, 'AttributeName'),
        flat.AttributeValue ?? '',
      );
      return undefined;
    case 'Subscribe': {
      const arn = await engine.subscribe(
        required(flat, 'TopicArn'),
        required(flat, 'Protocol'),
        flat.Endpoint ?? '',
        entryMap(queryChild(nested, 'Attributes')),
        { returnArn: flat.ReturnSubscriptionArn === 'true' },
      );
      return { SubscriptionArn: arn };
    }
    case 'ConfirmSubscription':
      return {
        SubscriptionArn: await engine.confirmSubscription(
          required(flat, 'TopicArn'),
          required(flat, 'Token'),
        ),
      };
    case 'Unsubscribe':
      await engine.unsubscribe(required(flat, 'SubscriptionArn'));
      return undefined;
    case 'ListSubscriptions':
    case 'ListSubscriptionsByTopic': {
      const topic = action === 'ListSubscriptionsByTopic' ? required(flat, 'TopicArn') : undefined;
      const p = page(engine.listSubscriptions(topic), flat.NextToken);
      return { Subscriptions: xmlList(p.items.map(subscriptionXml)), NextToken: p.next };
    }
    case 'GetSubscriptionAttributes':
      return attributesXml(engine.subscriptionAttributes(required(flat, 'SubscriptionArn')));
    case 'SetSubscriptionAttributes':
      await engine.setSubscriptionAttribute(
        required(flat, 'SubscriptionArn'),
        required(flat, 'AttributeName'),
        flat.AttributeValue ?? '',
      );
      return undefined;
    case 'Publish': {
      const r = await engine.publish({
        topicArn: flat.TopicArn,
        targetArn: flat.TargetArn,
        message: required(flat, 'Message'),
        subject: flat.Subject,
        messageStructure: flat.MessageStructure,
        messageAttributes: messageAttributes(queryChild(nested, 'MessageAttributes')),
        messageGroupId: flat.MessageGroupId,
        messageDeduplicationId: flat.MessageDeduplicationId,
      });
      return { MessageId: r.MessageId, SequenceNumber: r.SequenceNumber };
    }
    case 'PublishBatch': {
      const entries = queryList(queryChild(nested, 'PublishBatchRequestEntries'), 'member').map((e) => ({
        Id: queryString(e, 'Id') ?? '',
        message: queryString(e, 'Message') ?? '',
        subject: queryString(e, 'Subject'),
        messageStructure: queryString(e, 'MessageStructure'),
        messageAttributes: messageAttributes(queryChild(e, 'MessageAttributes')),
        messageGroupId: queryString(e, 'MessageGroupId'),
        messageDeduplicationId: queryString(e, 'MessageDeduplicationId'),
      }));
      const out = await engine.publishBatch(required(flat, 'TopicArn'), entries);
      return {
        Successful: xmlList(
          out
            .filter((o) => o.ok)
            .map((o) => {
              const r = (o as { result: { MessageId: string; SequenceNumber?: string } }).result;
              return { Id: o.Id, MessageId: r.MessageId, SequenceNumber: r.SequenceNumber };
            }),
        ),
        Failed: xmlList(
          out
            .filter((o) => !o.ok)
            .map((o) => {
              const f = o as { Id: string; Code: string; Message: string; SenderFault: boolean };
              return { Id: f.Id, Code: f.Code, Message: f.Message, SenderFault: f.SenderFault };
            }),
        ),
      };
    }
    case 'ListTagsForResource': {
      const tags = engine.topicTags(required(flat, 'ResourceArn'));
      return { Tags: xmlList(Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))) };
    }
    case 'TagResource':
      await engine.tagTopic(required(flat, 'ResourceArn'), tagMap(queryChild(nested, 'Tags')));
      return undefined;
    case 'UntagResource':
      await engine.tagTopic(
        required(flat, 'ResourceArn'),
        {},
        queryList(queryChild(nested, 'TagKeys'), 'member').filter((k): k is string => typeof k === 'string'),
      );
      return undefined;
    default:
      throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this endpoint.`, 400);
  }
}
