/**
 * S3 POST object: browser form uploads (`multipart/form-data`, as presigned POSTs send them). The
 * form fields come first, the file last; the file streams into the engine as it arrives. The policy
 * is not verified (credentials never are) but an expired one is refused, as S3 does.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import type { Clock } from '../../platform/clock.js';
import type { ObjectAttributes, RequestInfo, S3Engine } from './engine.js';
import { S3Error, s3Errors } from './errors.js';
import type { ObjectRecord } from './model.js';

export interface PostResult {
  record: ObjectRecord;
  /** `success_action_status` (200, 201 or 204). */
  status: 200 | 201 | 204;
  redirect?: string;
}

const CONTENT_FIELDS = ['cache-control', 'content-disposition', 'content-encoding', 'expires'];

/** Parses the form and stores its file under the `key` field (with `${filename}` substituted). */
export function postObject(
  req: IncomingMessage,
  bucket: string,
  engine: S3Engine,
  clock: Clock,
  info: RequestInfo,
): Promise<PostResult> {
  return new Promise<PostResult>((resolve, reject) => {
    let form: busboy.Busboy;
    try {
      form = busboy({ headers: req.headers, limits: { files: 1, fieldSize: 64 * 1024 } });
    } catch {
      reject(s3Errors.invalidArgument('POST requires exactly one file upload per request.', 'file', '0'));
      return;
    }
    const fields = new Map<string, string>();
    let sawFile = false;
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(form);
      req.resume();
      reject(e);
    };
    form.on('field', (name, value) => {
      if (!sawFile) fields.set(name.toLowerCase(), value);
    });
    form.on('file', (_name, file, meta) => {
      if (sawFile) {
        file.resume();
        return;
      }
      sawFile = true;
      try {
        checkPolicy(fields.get('policy'), clock);
        const rawKey = fields.get('key');
        if (!rawKey)
          throw s3Errors.invalidArgument(
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
            'key',
            '',
          );
        const key = rawKey.replace(/\$\{filename\}/g, meta.filename ?? '');
        const status = Number(fields.get('success_action_status') ?? '204');
        const attrs: ObjectAttributes = {
          contentType: fields.get('content-type') ?? meta.mimeType ?? 'binary/octet-stream',
          headers: Object.fromEntries(
            CONTENT_FIELDS.filter((f) => fields.has(f)).map((f) => [f, fields.get(f) as string]),
          ),
          metadata: Object.fromEntries(
            [...fields]
              .filter(([k]) => k.startsWith('x-amz-meta-'))
              .map(([k, v]) => [k.slice('x-amz-meta-'.length), v]),
          ),
          storageClass: fields.get('x-amz-storage-class'),
        };
        engine
          .putObject(bucket, key, file, { ...attrs, eventName: 'ObjectCreated:Post' }, info)
          .then((record) => {
            settled = true;
            resolve({
              record,
              status: status === 200 || status === 201 ? status : 204,
              redirect: fields.get('success_action_redirect') ?? fields.get('redirect'),
            });
          }, fail);
      } catch (e) {
        file.resume();
        fail(e);
      }
    });
    form.on('error', (e) =>
      fail(
        s3Errors.invalidArgument(
          `The form is malformed: ${(e as Error).message}`,
          'Content-Type',
          req.headers['content-type'] ?? '',
        ),
      ),
    );
    form.on('close', () => {
      if (!sawFile)
        fail(s3Errors.invalidArgument('POST requires exactly one file upload per request.', 'file', '0'));
    });
    req.pipe(form);
  });
}

/** Refuses an expired POST policy (AWS: AccessDenied "Invalid according to Policy: Policy expired."). */
function checkPolicy(policy: string | undefined, clock: Clock): void {
  if (!policy) return;
  let doc: { expiration?: string };
  try {
    doc = JSON.parse(Buffer.from(policy, 'base64').toString('utf8'));
  } catch {
    throw s3Errors.invalidArgument('Invalid Policy: Invalid JSON.', 'policy', policy.slice(0, 64));
  }
  const expires = doc.expiration ? Date.parse(doc.expiration) : Number.NaN;
  if (!Number.isNaN(expires) && clock.now() > expires)
    throw new S3Error('AccessDenied', 403, 'Invalid according to Policy: Policy expired.');
}
