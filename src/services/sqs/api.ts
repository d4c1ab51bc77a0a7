/**
 * SQS's wire API on the platform port: awsJson1_0 (`X-Amz-Target: AmazonSQS.<Op>`, what current
 * SDKs and the CLI send) and awsQuery (form-encoded, older clients). Both are normalized to the JSON
 * input shapes, run by one set of operations, and rendered back in the request's protocol.
 */
import type { IncomingMessage } from 'node:http';
import {
  jsonVersionOf,
  operationFromTarget,
  parseJsonBody,
  sendJsonError,
  sendJsonResult,
} from '../../aws/json-protocol.js';
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
  type XmlValue,
  xmlList,
} from '../../aws/query-protocol.js';
import type { WireApi, WireRequest } from '../../platform/service.js';
import { SqsEngine } from './engine.js';
import { awsErrorFor, missingParameter, noSuchQueue } from './errors.js';
import type { BatchOutcome, MessageAttributeValue } from './types.js';

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';
const JSON_STYLE = { version: '1.0' as const, namespace: 'com.amazonaws.sqs', queryCompatible: true };
/** The SQS actions this API serves (also used to claim unsigned Query requests). */
export const SQS_ACTIONS = new Set([
  'CreateQueue',
  'GetQueueUrl',
  'DeleteQueue',
  'ListQueues',
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'PurgeQueue',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'ListQueueTags',
  'TagQueue',
  'UntagQueue',
  'ListDeadLetterSourceQueues',
]);

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** Builds the SQS WireApi over an engine. */
export function sqsWireApi(engine: SqsEngine): WireApi {
  return {
    signingNames: ['sqs'],
    targetPrefixes: ['AmazonSQS.'],
    claims: (w) => {
      const action = w.url.searchParams.get('Action');
      return action !== null && SQS_ACTIONS.has(action);
    },
    handle: (w) => handle(engine, w),
  };
}

async function handle(engine: SqsEngine, w: WireRequest): Promise<void> {
  const json =
    w.target !== undefined || jsonVersionOf(String(w.req.headers['content-type'] ?? '')) !== undefined;
  let action = '';
  try {
    const body = await readBody(w.req, 2 * 1024 * 1024);
    let input: Input;
    if (json) {
      const op = operationFromTarget(w.target, 'AmazonSQS.');
      if (!op || !SQS_ACTIONS.has(op))
        throw new AwsApiError(
          'UnknownOperationException',
          `Operation ${op ?? w.target ?? ''} is not supported.`,
          400,
        );
      action = op;
      input = parseJsonBody(body);
    } else {
      const flat = parseQueryParams(w.url.searchParams, body.toString('utf8'));
      action = flat.Action ?? '';
      if (!action)
        throw new AwsApiError('MissingAction', 'The request must contain the parameter Action.', 400);
      if (!SQS_ACTIONS.has(action))
        throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this endpoint.`, 400);
      input = fromQuery(nestQueryParams(flat));
      // Old-style Query calls post to the queue URL itself instead of passing QueueUrl.
      if (input.QueueUrl === undefined && /^\/\d{12}\/[^/]+$/.test(w.url.pathname))
        input.QueueUrl = `${baseUrl(w.req)}${w.url.pathname}`;
    }
    // A client that hangs up during a long poll must not make messages invisible for nothing.
    const gone = new AbortController();
    w.res.on('close', () => {
      if (!w.res.writableEnded) gone.abort();
    });
    const out = await run(engine, action, input, baseUrl(w.req), gone.signal);
    if (json) sendJsonResult(w.res, out, '1.0');
    else sendQueryResult(w.res, action, XMLNS, toQueryXml(action, out));
  } catch (e) {
    const err = awsErrorFor(e);
    if (json) sendJsonError(w.res, err, JSON_STYLE);
    else sendQueryError(w.res, err, XMLNS);
  }
}

/** The base of queue URLs for a request: the host the client used. */
function baseUrl(req: IncomingMessage): string {
  const host = req.headers.host ?? '127.0.0.1';
  return `http://${host}`;
}

function str(input: Input, name: string, required = false): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required) throw missingParameter(name);
    return undefined;
  }
  if (typeof v !== 'string')
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value for parameter ${name} is invalid. Reason: must be a string.`,
    );
  if (required && v === '') throw missingParameter(name);
  return v;
}

function int(input: Input, name: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value ${String(v)} for parameter ${name} is invalid. Reason: must be an integer.`,
    );
  return n;
}

function strMap(input: Input, name: string): Record<string, string> {
  const v = input[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value for parameter ${name} is invalid. Reason: must be a map.`,
    );
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = String(val);
  return out;
}

function strList(input: Input, name: string): string[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value for parameter ${name} is invalid. Reason: must be a list of strings.`,
    );
  return v as string[];
}

function messageAttributes(v: unknown): Record<string, MessageAttributeValue> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new AwsApiError('InvalidParameterValue', 'Value for parameter MessageAttributes is invalid.');
  return v as Record<string, MessageAttributeValue>;
}

function entries(input: Input): Input[] {
  const v = input.Entries;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw new AwsApiError('InvalidParameterValue', 'Value for parameter Entries is invalid.');
  return v as Input[];
}

function queueRef(input: Input): string {
  return str(input, 'QueueUrl', true)!;
}

function batchResult<T>(outcomes: Array<BatchOutcome<T>>, render: (r: T) => Output): Output {
  return {
    Successful: outcomes
      .filter((o) => o.ok)
      .map((o) => ({ Id: o.Id, ...render((o as { result: T }).result) })),
    Failed: outcomes
      .filter((o) => !o.ok)
      .map((o) => {
        const f = o as { Id: string; SenderFault: boolean; Code: string; Message: string };
        return { Id: f.Id, SenderFault: f.SenderFault, Code: f.Code, Message: f.Message };
      }),
  };
}

/** Runs one operation on JSON-shaped input; returns the JSON-shaped output. */
async function run(
  engine: SqsEngine,
  action: string,
  input: Input,
  base: string,
  signal?: AbortSignal,
): Promise<Output> {
  const url = (name: string) => SqsEngine.urlOf(base, name);
  switch (action) {
    case 'CreateQueue': {
      const q = await engine.createQueue(
        str(input, 'QueueName', true)!,
        strMap(input, 'Attributes'),
        strMap(input, 'tags'),
      );
      return { QueueUrl: url(q.name) };
    }
    case 'GetQueueUrl': {
      const name = str(input, 'QueueName', true)!;
      const q = engine.find(name);
      if (!q || name.includes('/') || name.startsWith('arn:'))
        throw new AwsApiError(
          'QueueDoesNotExist',
          'The specified queue does not exist.',
          400,
          'Sender',
          'AWS.SimpleQueueService.NonExistentQueue',
        );
      return { QueueUrl: url(q.name) };
    }
    case 'DeleteQueue':
      await engine.deleteQueue(queueRef(input));
      return {};
    case 'ListQueues': {
      const max = int(input, 'MaxResults');
      if (max !== undefined && (max < 1 || max > 1000))
        throw new AwsApiError(
          'InvalidParameterValue',
          `Value ${max} for parameter MaxResults is invalid. Reason: must be between 1 and 1000.`,
        );
      let names = engine.listQueues(str(input, 'QueueNamePrefix') ?? '').map((q) => q.name);
      const token = str(input, 'NextToken');
      if (token) names = names.filter((n) => n > Buffer.from(token, 'base64').toString('utf8'));
      const limit = max ?? 1000;
      const page = names.slice(0, limit);
      const out: Output = {};
      if (page.length > 0) out.QueueUrls = page.map(url);
      if (max !== undefined && names.length > limit)
        out.NextToken = Buffer.from(page[page.length - 1]).toString('base64');
      return out;
    }
    case 'SendMessage': {
      const r = await engine.sendMessage(queueRef(input), sendInput(input));
      return { ...r };
    }
    case 'SendMessageBatch': {
      const list = entries(input).map((e) => ({ Id: str(e, 'Id') ?? '', ...sendInput(e) }));
      const outcomes = await engine.sendMessageBatch(queueRef(input), list);
      return batchResult(outcomes, (r) => ({ ...r }));
    }
    case 'ReceiveMessage': {
      const messages = await engine.receiveMessage(queueRef(input), {
        maxNumberOfMessages: int(input, 'MaxNumberOfMessages'),
        waitTimeSeconds: int(input, 'WaitTimeSeconds'),
        visibilityTimeout: int(input, 'VisibilityTimeout'),
        attributeNames: [
          ...(strList(input, 'AttributeNames') ?? []),
          ...(strList(input, 'MessageSystemAttributeNames') ?? []),
        ],
        messageAttributeNames: strList(input, 'MessageAttributeNames'),
        signal,
      });
      return messages.length > 0 ? { Messages: messages } : {};
    }
    case 'DeleteMessage':
      await engine.deleteMessage(queueRef(input), str(input, 'ReceiptHandle', true)!);
      return {};
    case 'DeleteMessageBatch': {
      const list = entries(input).map((e) => ({
        Id: str(e, 'Id') ?? '',
        ReceiptHandle: str(e, 'ReceiptHandle', true)!,
      }));
      return batchResult(await engine.deleteMessageBatch(queueRef(input), list), () => ({}));
    }
    case 'ChangeMessageVisibility':
      await engine.changeMessageVisibility(
        queueRef(input),
        str(input, 'ReceiptHandle', true)!,
        int(input, 'VisibilityTimeout') ?? Number.NaN,
      );
      return {};
    case 'ChangeMessageVisibilityBatch': {
      const list = entries(input).map((e) => ({
        Id: str(e, 'Id') ?? '',
        ReceiptHandle: str(e, 'ReceiptHandle', true)!,
        VisibilityTimeout: int(e, 'VisibilityTimeout') ?? Number.NaN,
      }));
      return batchResult(await engine.changeMessageVisibilityBatch(queueRef(input), list), () => ({}));
    }
    case 'PurgeQueue':
      await engine.purgeQueue(queueRef(input));
      return {};
    case 'GetQueueAttributes': {
      const attrs = engine.getAttributes(queueRef(input), strList(input, 'AttributeNames') ?? []);
      return Object.keys(attrs).length > 0 ? { Attributes: attrs } : {};
    }
    case 'SetQueueAttributes':
      await engine.setAttributes(queueRef(input), strMap(input, 'Attributes'));
      return {};
    case 'ListQueueTags': {
      const tags = engine.tags(queueRef(input));
      return Object.keys(tags).length > 0 ? { Tags: tags } : {};
    }
    case 'TagQueue':
      await engine.tag(queueRef(input), strMap(input, 'Tags'));
      return {};
    case 'UntagQueue':
      await engine.tag(queueRef(input), {}, strList(input, 'TagKeys') ?? []);
      return {};
    case 'ListDeadLetterSourceQueues': {
      const target = engine.find(queueRef(input));
      if (!target) throw noSuchQueue();
      const sources = engine.listQueues().filter((q) => {
        const rp = engine.getAttributes(q.name, ['RedrivePolicy']).RedrivePolicy;
        return rp?.includes(`"${target.arn}"`) === true;
      });
      return { queueUrls: sources.map((q) => url(q.name)) };
    }
    default:
      throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this endpoint.`, 400);
  }
}

function sendInput(input: Input) {
  return {
    body: str(input, 'MessageBody') ?? '',
    delaySeconds: int(input, 'DelaySeconds'),
    messageAttributes: messageAttributes(input.MessageAttributes),
    systemAttributes: messageAttributes(input.MessageSystemAttributes),
    groupId: str(input, 'MessageGroupId'),
    dedupId: str(input, 'MessageDeduplicationId'),
  };
}

// ---- Query <-> JSON shapes ----

const NUMERIC = new Set([
  'MaxNumberOfMessages',
  'WaitTimeSeconds',
  'VisibilityTimeout',
  'DelaySeconds',
  'MaxResults',
]);

function queryAttributeValue(v: QueryNode | undefined): MessageAttributeValue {
  const out: MessageAttributeValue = { DataType: queryString(v, 'DataType') ?? '' };
  const s = queryString(v, 'StringValue');
  const b = queryString(v, 'BinaryValue');
  if (s !== undefined) out.StringValue = s;
  if (b !== undefined) out.BinaryValue = b;
  return out;
}

/** Converts nested Query parameters to the JSON input shape. */
function fromQuery(node: QueryNode): Input {
  const out: Input = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Action' || key === 'Version') continue;
    if (key === 'Attribute' || key === 'Tag') {
      const map: Record<string, string> = {};
      for (const item of queryList(value))
        map[queryString(item, key === 'Tag' ? 'Key' : 'Name') ?? ''] = queryString(item, 'Value') ?? '';
      out[key === 'Tag' ? (node.Action === 'TagQueue' ? 'Tags' : 'tags') : 'Attributes'] = map;
    } else if (key === 'MessageAttribute' || key === 'MessageSystemAttribute') {
      const map: Record<string, MessageAttributeValue> = {};
      for (const item of queryList(value))
        map[queryString(item, 'Name') ?? ''] = queryAttributeValue(queryChild(item, 'Value'));
      out[`${key}s`] = map;
    } else if (
      key === 'AttributeName' ||
      key === 'MessageAttributeName' ||
      key === 'MessageSystemAttributeName' ||
      key === 'TagKey'
    ) {
      out[`${key}s`] = queryList(value).filter((v): v is string => typeof v === 'string');
    } else if (key.endsWith('BatchRequestEntry')) {
      out.Entries = queryList(value).map((e) => (typeof e === 'string' ? {} : fromQuery(e)));
    } else if (typeof value === 'string') {
      out[key] = NUMERIC.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
    }
  }
  return out;
}

function attributeEntries(map: Record<string, string>): XmlValue {
  return xmlList(
    Object.entries(map).map(([Name, Value]) => ({ Name, Value })),
    { flattened: true },
  );
}

function messageAttributeEntries(map: Record<string, MessageAttributeValue>): XmlValue {
  return xmlList(
    Object.entries(map).map(([Name, v]) => ({
      Name,
      Value: { StringValue: v.StringValue, BinaryValue: v.BinaryValue, DataType: v.DataType },
    })),
    { flattened: true },
  );
}

function batchXml(out: Output, entryName: string): XmlObject {
  const ok = (out.Successful as Output[]) ?? [];
  const failed = (out.Failed as Output[]) ?? [];
  return {
    [entryName]: xmlList(ok as XmlValue[], { flattened: true }),
    BatchResultErrorEntry: xmlList(failed as XmlValue[], { flattened: true }),
  };
}

/** Renders a JSON-shaped output as the Query result element's children. */
function toQueryXml(action: string, out: Output): XmlObject | undefined {
  switch (action) {
    case 'CreateQueue':
    case 'GetQueueUrl':
      return { QueueUrl: out.QueueUrl as string };
    case 'ListQueues':
      return {
        QueueUrl: xmlList((out.QueueUrls as string[]) ?? [], { flattened: true }),
        NextToken: out.NextToken as string,
      };
    case 'ListDeadLetterSourceQueues':
      return { QueueUrl: xmlList((out.queueUrls as string[]) ?? [], { flattened: true }) };
    case 'SendMessage':
      return out as XmlObject;
    case 'SendMessageBatch':
      return batchXml(out, 'SendMessageBatchResultEntry');
    case 'DeleteMessageBatch':
      return batchXml(out, 'DeleteMessageBatchResultEntry');
    case 'ChangeMessageVisibilityBatch':
      return batchXml(out, 'ChangeMessageVisibilityBatchResultEntry');
    case 'ReceiveMessage': {
      const messages = (out.Messages as Array<Record<string, unknown>>) ?? [];
      return {
        Message: xmlList(
          messages.map((m) => ({
            MessageId: m.MessageId as string,
            ReceiptHandle: m.ReceiptHandle as string,
            MD5OfBody: m.MD5OfBody as string,
            Body: m.Body as string,
            Attribute: attributeEntries((m.Attributes as Record<string, string>) ?? {}),
            MD5OfMessageAttributes: m.MD5OfMessageAttributes as string | undefined,
            MessageAttribute: messageAttributeEntries(
              (m.MessageAttributes as Record<string, MessageAttributeValue>) ?? {},
            ),
          })),
          { flattened: true },
        ),
      };
    }
    case 'GetQueueAttributes':
      return { Attribute: attributeEntries((out.Attributes as Record<string, string>) ?? {}) };
    case 'ListQueueTags':
      return {
        Tag: xmlList(
          Object.entries((out.Tags as Record<string, string>) ?? {}).map(([Key, Value]) => ({ Key, Value })),
          { flattened: true },
        ),
      };
    default:
      return undefined;
  }
}
