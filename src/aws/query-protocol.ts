/**
 * The awsQuery wire protocol (SNS, SQS's older clients, STS, CloudFormation): form-encoded
 * requests (`Action=...&Version=...`), XML responses, XML errors. Shared by every Query service.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error as AWS puts it on the wire: HTTP status, error code, message, fault side. */
export class AwsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly sender: 'Sender' | 'Receiver' = 'Sender',
    /** The awsQuery code when it differs from `code` (SQS's `AWS.SimpleQueueService.*`). */
    readonly queryCode?: string,
  ) {
    super(message);
    this.name = 'AwsApiError';
  }
}

/** Reads a request body up to `limit` bytes; a larger body is a 413 AwsApiError. */
export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new AwsApiError('RequestEntityTooLarge', 'Request body too large', 413);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** A nested view of flattened Query parameters: `A.entry.1.key=x` → `{A:{entry:{'1':{key:'x'}}}}`. */
export type QueryNode = { [key: string]: QueryNode | string };

/** Parses a form-encoded body (and/or URL query) into flat key/value pairs; later keys win. */
export function parseQueryParams(...sources: Array<string | URLSearchParams>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sources) {
    const params = typeof s === 'string' ? new URLSearchParams(s) : s;
    for (const [k, v] of params) out[k] = v;
  }
  return out;
}

/** Nests flat Query parameters by their dots so lists and maps can be read structurally. */
export function nestQueryParams(flat: Record<string, string>): QueryNode {
  const root: QueryNode = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (typeof next === 'object') node = next;
      else {
        const created: QueryNode = {};
        node[parts[i]] = created;
        node = created;
      }
    }
    const last = parts[parts.length - 1];
    if (typeof node[last] !== 'object') node[last] = value;
  }
  return root;
}

/** The items of a 1-based Query list (`X.member.1`, `X.1`, ...) in index order. */
export function queryList(
  node: QueryNode | string | undefined,
  memberName?: string,
): Array<QueryNode | string> {
  if (node === undefined || typeof node === 'string') return [];
  const holder = memberName ? node[memberName] : node;
  if (holder === undefined || typeof holder === 'string') return [];
  return Object.keys(holder)
    .filter((k) => /^[1-9]\d*$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => holder[k]);
}

/** A string child of a node, if present. */
export function queryString(node: QueryNode | string | undefined, key: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const v = node[key];
  return typeof v === 'string' ? v : undefined;
}

/** A child node of a node, if present. */
export function queryChild(node: QueryNode | string | undefined, key: string): QueryNode | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const v = node[key];
  return typeof v === 'object' ? v : undefined;
}

/** Escapes text for XML element content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return '&#xD;';
    }
  });
}

/** A value serializable to Query XML: text, an element map, or a list (rendered as repeated elements). */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlList;
export interface XmlObject {
  [name: string]: XmlValue;
}
/** A list rendered as `<member>` elements (or `item`, ...) inside its parent, or flattened. */
export interface XmlList {
  readonly xmlList: true;
  items: XmlValue[];
  /** Element name per item; default `member`. */
  member?: string;
  /** Flattened lists repeat the parent element name itself (SQS's `<Message>` lists). */
  flattened?: boolean;
}

/** Marks an array as a Query XML list. */
export function xmlList(items: XmlValue[], opts: { member?: string; flattened?: boolean } = {}): XmlList {
  return { xmlList: true, items, ...opts };
}

function isList(v: XmlValue): v is XmlList {
  return typeof v === 'object' && v !== null && (v as XmlList).xmlList === true;
}

/** Serializes a value as XML children (no declaration). Undefined and null members are omitted. */
export function toXml(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return xmlEscape(String(value));
  if (isList(value)) return value.items.map((i) => element(value.member ?? 'member', i)).join('');
  let out = '';
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (isList(v) && v.flattened) out += v.items.map((i) => element(name, i)).join('');
    else out += element(name, v);
  }
  return out;
}

function element(name: string, v: XmlValue): string {
  return `<${name}>${toXml(v)}</${name}>`;
}

/** Writes a Query success response `<{Action}Response><{Action}Result>…`. */
export function sendQueryResult(
  res: ServerResponse,
  action: string,
  xmlns: string,
  result: XmlObject | undefined,
  requestId = randomUUID(),
): void {
  const inner = result === undefined ? '' : `<${action}Result>${toXml(result)}</${action}Result>`;
  const body =
    `<?xml version="1.0"?>\n<${action}Response xmlns="${xmlns}">${inner}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  res.writeHead(200, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

/** Writes a Query error response `<ErrorResponse><Error><Type/><Code/><Message/>…`. */
export function sendQueryError(
  res: ServerResponse,
  err: AwsApiError,
  xmlns: string,
  requestId = randomUUID(),
) {
  const body =
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="${xmlns}"><Error><Type>${err.sender}</Type>` +
    `<Code>${xmlEscape(err.queryCode ?? err.code)}</Code><Message>${xmlEscape(err.message)}</Message>` +
    `<Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  res.writeHead(err.status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

/** The Query action of a request, from its parameters. */
export function queryAction(params: Record<string, string>): string | undefined {
  return params.Action;
}

/** True when a request looks like a Query call: form-encoded POST, or a GET with Action=. */
export function isQueryRequest(req: IncomingMessage, url: URL): boolean {
  const type = String(req.headers['content-type'] ?? '');
  if (req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) return true;
  return url.searchParams.has('Action');
}
