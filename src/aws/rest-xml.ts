/**
 * restXml as S3 speaks it: XML documents built with exact escaping, AWS's `<Error>` bodies (empty
 * for HEAD, as S3 sends), and a strict parser for request bodies that reports MalformedXML.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A value an XML element can hold: text, a nested element map, or repeated elements (arrays). */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

/** Escapes text for element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === '<'
        ? '&lt;'
        : c === '>'
          ? '&gt;'
          : c === '"'
            ? '&quot;'
            : c === "'"
              ? '&apos;'
              : '&#13;',
  );
}

function renderValue(name: string, v: XmlValue): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((item) => renderValue(name, item)).join('');
  if (v instanceof Date) return `<${name}>${v.toISOString()}</${name}>`;
  if (typeof v === 'object') return `<${name}>${renderChildren(v)}</${name}>`;
  return `<${name}>${escapeXml(String(v))}</${name}>`;
}

function renderChildren(node: XmlNode): string {
  return Object.entries(node)
    .map(([k, v]) => renderValue(k, v))
    .join('');
}

/** A whole XML document with the S3 namespace on its root element. */
export function xmlDocument(
  root: string,
  body: XmlNode,
  namespace = 'http://s3.amazonaws.com/doc/2006-03-01/',
): string {
  const ns = namespace ? ` xmlns="${namespace}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${renderChildren(body)}</${root}>`;
}

/** Request ids in S3's shapes: a 16-hex-char x-amz-request-id and a base64 x-amz-id-2. */
export function requestIds(): { requestId: string; hostId: string } {
  return {
    requestId: randomBytes(8).toString('hex').toUpperCase(),
    hostId: randomBytes(48).toString('base64'),
  };
}

/** Writes an XML (or empty) response with S3's request id headers. */
export function sendXml(
  res: ServerResponse,
  status: number,
  xml: string | undefined,
  headers: Record<string, string | number> = {},
  ids = requestIds(),
): void {
  const body = xml === undefined ? undefined : Buffer.from(xml, 'utf8');
  res.writeHead(status, {
    'x-amz-request-id': ids.requestId,
    'x-amz-id-2': ids.hostId,
    ...(body ? { 'Content-Type': 'application/xml', 'Content-Length': body.length } : {}),
    ...headers,
  });
  res.end(body);
}

/** An S3 error, ready to send: status, code, message and extra elements (Key, BucketName, ...). */
export interface XmlError {
  status: number;
  code: string;
  message: string;
  extra?: Record<string, string | number>;
  headers?: Record<string, string>;
}

/** Writes `<Error><Code>…</Code><Message>…</Message>…<RequestId/><HostId/></Error>`; HEAD gets no body. */
export function sendXmlError(res: ServerResponse, err: XmlError, method = 'GET'): void {
  const ids = requestIds();
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (method === 'HEAD') {
    sendXml(res, err.status, undefined, { ...err.headers }, ids);
    return;
  }
  const xml = xmlDocument(
    'Error',
    { Code: err.code, Message: err.message, ...err.extra, RequestId: ids.requestId, HostId: ids.hostId },
    '',
  );
  sendXml(res, err.status, xml, { ...err.headers }, ids);
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: () => false,
});

/**
 * Parses a request body. Returns the root element's content, or throws a MalformedXML-shaped
 * error when the text is not well-formed XML or the root element is not the expected one.
 */
export function parseXmlBody(text: string, expectedRoot: string): Record<string, unknown> {
  const invalid = (): XmlError => ({
    status: 400,
    code: 'MalformedXML',
    message: 'The XML you provided was not well-formed or did not validate against our published schema',
  });
  if (!text.trim() || XMLValidator.validate(text) !== true) throw invalid();
  const doc = parser.parse(text) as Record<string, unknown>;
  const root = doc[expectedRoot];
  if (root === undefined) throw invalid();
  return root === '' ? {} : (root as Record<string, unknown>);
}

/** A child that may appear once or many times, always as an array. */
export function xmlList<T = unknown>(v: unknown): T[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

/** True when an error value is an XmlError (thrown by handlers and parsers). */
export function isXmlError(e: unknown): e is XmlError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as XmlError).code === 'string' &&
    typeof (e as XmlError).status === 'number' &&
    !(e instanceof Error)
  );
}
