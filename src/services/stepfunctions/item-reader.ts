/**
 * Map ItemReader over the platform's S3: `s3:getObject` (InputType JSON, JSONL or CSV with a header
 * row or given headers and a delimiter) and `s3:listObjectsV2` (object summaries). Failures are
 * States.ItemReaderFailed with what went wrong.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { StatesError, StatesErrors } from './asl/errors.js';
import type { ItemReadRequest } from './asl/ports.js';
import type { Json, JsonObject } from './asl/types.js';

/** The part of the S3 engine the reader (and ResultWriter) uses. */
export interface S3Reader {
  putObject(
    bucket: string,
    key: string,
    body: NodeJS.ReadableStream,
    opts: { contentLength?: number; contentType?: string },
    info: { sourceIp: string; requestId: string; hostId: string },
  ): Promise<unknown>;
  head(
    bucket: string,
    key: string,
  ): Promise<{
    key: string;
    blob: string;
    size: number;
    inline?: string;
    etag: string;
    lastModified: number;
    storageClass: string;
  }>;
  openObject(o: { key: string; blob: string; size: number; inline?: string }): NodeJS.ReadableStream;
  list(
    bucket: string,
    opts: { prefix?: string; after?: string; maxKeys?: number },
  ): Promise<{
    contents: Array<{ key: string; etag: string; lastModified: number; size: number; storageClass: string }>;
    isTruncated: boolean;
    lastReturned?: string;
  }>;
}

const DELIMITERS: Record<string, string> = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' };

function failed(message: string): StatesError {
  return new StatesError(StatesErrors.ItemReaderFailed, message);
}

/** Parses CSV text (RFC 4180 quoting) into rows of fields. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** CSV rows as objects keyed by the header (the first row, or the given headers). */
export function csvItems(text: string, config: JsonObject): JsonObject[] {
  const delimiter = DELIMITERS[String(config.CSVDelimiter ?? 'COMMA')];
  if (!delimiter) throw failed(`CSVDelimiter must be one of ${Object.keys(DELIMITERS).join(', ')}`);
  const rows = parseCsv(text, delimiter);
  let headers: string[];
  if ((config.CSVHeaderLocation ?? 'FIRST_ROW') === 'GIVEN') {
    if (!Array.isArray(config.CSVHeaders))
      throw failed('CSVHeaders is required when CSVHeaderLocation is GIVEN');
    headers = config.CSVHeaders.map(String);
  } else headers = rows.shift() ?? [];
  return rows.map((r) => Object.fromEntries(headers.map((h, i) => [h, r[i] ?? ''])));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

/** Puts a ResultWriter object (JSON) into the platform's S3, as Step Functions' own request would. */
export async function writeObject(
  s3: S3Reader | undefined,
  bucket: string,
  key: string,
  body: string,
): Promise<void> {
  if (!s3) throw new Error('The S3 service is not available on this platform.');
  const bytes = Buffer.from(body, 'utf8');
  await s3.putObject(
    bucket,
    key,
    Readable.from([bytes]),
    { contentLength: bytes.length, contentType: 'application/json' },
    { sourceIp: '127.0.0.1', requestId: randomUUID(), hostId: 'states' },
  );
}

/** Reads the items an ItemReader names. */
export async function readItems(s3: S3Reader | undefined, req: ItemReadRequest): Promise<Json> {
  if (!s3) throw failed('The S3 service is not available on this platform.');
  const p = req.parameters as JsonObject;
  const bucket = p?.Bucket;
  if (typeof bucket !== 'string' || bucket === '') throw failed('The ItemReader parameters need a Bucket.');
  const action = /^arn:aws[a-z-]*:states:::s3:(getObject|listObjectsV2)$/.exec(req.resource)?.[1];
  try {
    if (action === 'listObjectsV2') {
      const items: Json[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await s3.list(bucket, {
          prefix: typeof p.Prefix === 'string' ? p.Prefix : undefined,
          after,
          maxKeys: 1000,
        });
        for (const o of page.contents)
          items.push({
            Etag: `"${o.etag}"`,
            Key: o.key,
            LastModified: new Date(o.lastModified).toISOString(),
            Size: o.size,
            StorageClass: o.storageClass,
          });
        if (!page.isTruncated || !page.lastReturned) return items;
        after = page.lastReturned;
      }
    }
    if (action !== 'getObject')
      throw failed(
        `The ItemReader resource '${req.resource}' is not supported (use s3:getObject or s3:listObjectsV2).`,
      );
    if (typeof p.Key !== 'string') throw failed('The ItemReader parameters need a Key.');
    const text = await readAll(s3.openObject(await s3.head(bucket, p.Key)));
    const inputType = String(req.readerConfig.InputType ?? 'JSON');
    switch (inputType) {
      case 'JSON': {
        const parsed = JSON.parse(text) as Json;
        if (!Array.isArray(parsed))
          throw failed(`The object s3://${bucket}/${p.Key} does not hold a JSON array.`);
        return parsed;
      }
      case 'JSONL':
        return text
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as Json);
      case 'CSV':
        return csvItems(text, req.readerConfig);
      default:
        throw failed(`ReaderConfig.InputType ${inputType} is not supported (use JSON, JSONL or CSV).`);
    }
  } catch (e) {
    if (e instanceof StatesError) throw e;
    throw failed(
      `Reading items from s3://${bucket}/${String(p.Key ?? p.Prefix ?? '')} failed: ${(e as Error).message}`,
    );
  }
}
