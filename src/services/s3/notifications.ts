/**
 * S3 event notifications: the bucket's NotificationConfiguration (XML in, XML out, validated as S3
 * does), which targets an object event goes to (event type with wildcards, prefix/suffix rules),
 * and the event record S3 sends (keys URL-encoded as AWS does, sequencer, size, eTag).
 */

import type { XmlNode } from '../../aws/rest-xml.js';
import { xmlList } from '../../aws/rest-xml.js';
import { ACCOUNT_ID } from '../../platform/aws-account.js';
import { S3Error, s3Errors } from './errors.js';
import type { NotificationTarget, ObjectEvent } from './model.js';

/** Event types S3 accepts in a notification configuration. */
const EVENT_TYPES = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
];

/** True when `name` is an event type S3 accepts (`s3:ObjectCreated:*`, ...). */
export function isValidEventType(name: string): boolean {
  return EVENT_TYPES.includes(name);
}

/** True when a configured event type (`s3:ObjectCreated:*`) covers an event (`ObjectCreated:Put`). */
export function eventTypeMatches(configured: string, eventName: string): boolean {
  const c = configured.replace(/^s3:/, '');
  if (c.endsWith(':*')) return eventName.startsWith(c.slice(0, -1));
  return c === eventName;
}

/** The targets an event goes to. */
export function matchingTargets(targets: NotificationTarget[], e: ObjectEvent): NotificationTarget[] {
  return targets.filter(
    (t) =>
      t.events.some((ev) => eventTypeMatches(ev, e.eventName)) &&
      (t.prefix === undefined || e.key.startsWith(t.prefix)) &&
      (t.suffix === undefined || e.key.endsWith(t.suffix)),
  );
}

/**
 * Encodes a key as S3 does in event records: form encoding (space → `+`, unreserved `A-Za-z0-9.-_*`
 * kept, everything else percent-encoded as UTF-8) with `/` left as is.
 */
export function encodeEventKey(key: string): string {
  let out = '';
  for (const ch of key) {
    if (/^[A-Za-z0-9.\-_*/]$/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The `Records[0]` S3 sends for an event to a target. */
export function eventRecord(
  e: ObjectEvent,
  configurationId: string,
  region: string,
): Record<string, unknown> {
  const object: Record<string, unknown> = { key: encodeEventKey(e.key) };
  if (e.size !== undefined) object.size = e.size;
  if (e.etag !== undefined) object.eTag = e.etag;
  if (e.versionId !== undefined) object.versionId = e.versionId;
  object.sequencer = e.sequencer;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: new Date(e.time).toISOString(),
    eventName: e.eventName,
    userIdentity: { principalId: `AWS:${ACCOUNT_ID}` },
    requestParameters: { sourceIPAddress: e.sourceIp },
    responseElements: { 'x-amz-request-id': e.requestId, 'x-amz-id-2': e.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: e.bucket, ownerIdentity: { principalId: ACCOUNT_ID }, arn: `arn:aws:s3:::${e.bucket}` },
      object,
    },
  };
}

/** The `s3:TestEvent` S3 sends to SQS and SNS destinations when a configuration is saved. */
export function testEvent(
  bucket: string,
  time: number,
  requestId: string,
  hostId: string,
): Record<string, unknown> {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date(time).toISOString(),
    Bucket: bucket,
    RequestId: requestId,
    HostId: hostId,
  };
}

const KINDS: Array<{ element: string; arnElement: string; kind: NotificationTarget['kind'] }> = [
  { element: 'TopicConfiguration', arnElement: 'Topic', kind: 'sns' },
  { element: 'QueueConfiguration', arnElement: 'Queue', kind: 'sqs' },
  { element: 'CloudFunctionConfiguration', arnElement: 'CloudFunction', kind: 'lambda' },
];

let generated = 0;

/** Parses and validates a `<NotificationConfiguration>` body (already parsed from XML). */
export function parseNotificationXml(root: Record<string, unknown>): NotificationTarget[] {
  const targets: NotificationTarget[] = [];
  for (const { element, arnElement, kind } of KINDS) {
    for (const c of xmlList<Record<string, unknown>>(root[element])) {
      const arn = c[arnElement];
      if (typeof arn !== 'string' || !arn) throw s3Errors.malformedXml();
      const events = xmlList<string>(c.Event);
      const rules = xmlList<Record<string, unknown>>(
        (c.Filter as Record<string, Record<string, unknown>>)?.S3Key?.FilterRule,
      );
      targets.push(
        buildTarget({
          id: typeof c.Id === 'string' && c.Id ? c.Id : undefined,
          kind,
          arn,
          events,
          rules: rules.map((r) => ({ name: String(r.Name ?? ''), value: String(r.Value ?? '') })),
        }),
      );
    }
  }
  validateTargets(targets);
  return targets;
}

/** Builds one validated target from configuration parts (XML, CloudFormation or serverless.yml). */
export function buildTarget(c: {
  id?: string;
  kind: NotificationTarget['kind'];
  arn: string;
  events: string[];
  rules: Array<{ name: string; value: string }>;
}): NotificationTarget {
  if (c.events.length === 0)
    throw s3Errors.invalidArgument('At least one event type must be specified', 'Event', '');
  for (const ev of c.events)
    if (!isValidEventType(ev))
      throw s3Errors.invalidArgument('The event is not supported for notifications', 'Event', ev);
  const expectedService = c.kind === 'lambda' ? 'lambda' : c.kind;
  if (c.arn.split(':')[2] !== expectedService)
    throw s3Errors.invalidArgument(
      'The ARN is not well formed',
      c.kind === 'lambda' ? 'CloudFunction' : c.kind,
      c.arn,
    );
  const t: NotificationTarget = {
    id: c.id ?? generatedId(),
    kind: c.kind,
    arn: c.arn,
    events: c.events,
  };
  for (const r of c.rules) {
    const name = r.name.toLowerCase();
    if (name !== 'prefix' && name !== 'suffix')
      throw s3Errors.invalidArgument(
        'filter rule name must be either prefix or suffix',
        'FilterRule',
        r.name,
      );
    if (t[name] !== undefined)
      throw s3Errors.invalidArgument(
        `Cannot specify more than one ${name} rule in a filter.`,
        'FilterRule',
        r.name,
      );
    t[name] = r.value;
  }
  return t;
}

function generatedId(): string {
  generated++;
  // S3 generates an id when none is given; a readable, unique one is as good.
  return `${Date.now().toString(36)}-${generated.toString(36)}-notification`;
}

function overlaps(a: NotificationTarget, b: NotificationTarget): boolean {
  const sharesEvent = a.events.some((x) =>
    b.events.some(
      (y) => eventTypeMatches(x, y.replace(/^s3:/, '')) || eventTypeMatches(y, x.replace(/^s3:/, '')),
    ),
  );
  const related = (p?: string, q?: string, f = (s: string, t: string) => s.startsWith(t)) =>
    p === undefined || q === undefined || f(p, q) || f(q, p);
  return sharesEvent && related(a.prefix, b.prefix) && related(a.suffix, b.suffix, (s, t) => s.endsWith(t));
}

/** Rejects configurations S3 rejects: overlapping filters for a shared event type, duplicate ids. */
export function validateTargets(targets: NotificationTarget[]): void {
  const ids = new Set<string>();
  for (const t of targets) {
    if (ids.has(t.id)) throw s3Errors.invalidArgument('Configuration ids must be unique', 'Id', t.id);
    ids.add(t.id);
  }
  for (let i = 0; i < targets.length; i++)
    for (let j = i + 1; j < targets.length; j++)
      if (overlaps(targets[i], targets[j]))
        throw new S3Error(
          'InvalidArgument',
          400,
          'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
          { ArgumentName: 'Event', ArgumentValue: targets[j].events.join(',') },
        );
}

/** The `<NotificationConfiguration>` body for GetBucketNotificationConfiguration. */
export function notificationXml(targets: NotificationTarget[]): XmlNode {
  const out: XmlNode = {};
  for (const { element, arnElement, kind } of KINDS) {
    const list = targets
      .filter((t) => t.kind === kind)
      .map((t) => {
        const rules = [
          ...(t.prefix !== undefined ? [{ Name: 'Prefix', Value: t.prefix }] : []),
          ...(t.suffix !== undefined ? [{ Name: 'Suffix', Value: t.suffix }] : []),
        ];
        return {
          Id: t.id,
          [arnElement]: t.arn,
          Event: t.events,
          ...(rules.length ? { Filter: { S3Key: { FilterRule: rules } } } : {}),
        } as XmlNode;
      });
    if (list.length) out[element] = list;
  }
  return out;
}
