import { describe, expect, it } from 'vitest';
import { isSelflessError } from '../../platform/errors.js';
import {
  parseCodeUpdate,
  parseConcurrency,
  parseConfiguration,
  parseCreateFunction,
  parseEnvironment,
} from './function-input.js';

/** The code and message a parse fails with. */
function rejection(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isSelflessError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a rejection');
}

const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40)]).toString('base64');
const create = (over: Record<string, unknown> = {}) => ({
  FunctionName: 'fn',
  Runtime: 'nodejs20.x',
  Role: 'arn:aws:iam::000000000000:role/r',
  Handler: 'index.handler',
  Code: { ZipFile: ZIP },
  ...over,
});

describe('CreateFunction input', () => {
  it("applies Lambda's defaults", () => {
    const input = parseCreateFunction(create());
    expect(input).toMatchObject({
      name: 'fn',
      timeout: 3,
      memorySize: 128,
      description: '',
      environment: {},
      layers: [],
      architecture: 'x86_64',
      publish: false,
    });
    expect(input.code.kind).toBe('zip');
  });

  it('reads code from an artifact uploaded to the platform or from an S3 object', () => {
    const sha = 'a'.repeat(64);
    expect(
      parseCreateFunction(create({ Code: { S3Bucket: 'selfless-artifacts', S3Key: `${sha}.zip` } })).code,
    ).toEqual({ kind: 'artifact', sha256: sha });
    expect(parseCreateFunction(create({ Code: { S3Bucket: 'mine', S3Key: 'f.zip' } })).code).toEqual({
      kind: 's3',
      bucket: 'mine',
      key: 'f.zip',
    });
    expect(
      rejection(() => parseCreateFunction(create({ Code: { S3Bucket: 'b', S3Key: 'f.zip' } }))).code,
    ).toBe('VALIDATION');
  });

  it('refuses missing members, bad names, roles, images and bytes that are not a zip', () => {
    expect(rejection(() => parseCreateFunction(create({ Code: undefined })))).toEqual({
      code: 'VALIDATION',
      message:
        "1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null",
    });
    expect(rejection(() => parseCreateFunction(create({ FunctionName: 'a'.repeat(65) }))).message).toContain(
      'Member must have length less than or equal to 64',
    );
    expect(rejection(() => parseCreateFunction(create({ FunctionName: 'a b' }))).code).toBe('VALIDATION');
    expect(rejection(() => parseCreateFunction(create({ Role: 'admin' }))).message).toContain(
      "Value 'admin' at 'role'",
    );
    expect(rejection(() => parseCreateFunction(create({ PackageType: 'Image' }))).code).toBe(
      'INVALID_PARAMETER',
    );
    expect(rejection(() => parseCreateFunction(create({ Runtime: undefined }))).message).toBe(
      'Runtime and Handler are mandatory parameters for functions created with Zip packages.',
    );
    expect(
      rejection(() =>
        parseCreateFunction(create({ Code: { ZipFile: Buffer.from('hello').toString('base64') } })),
      ).message,
    ).toBe('Could not unzip uploaded file. Please check your file, then try to upload again.');
    expect(rejection(() => parseCreateFunction(create({ Architectures: ['x86_64', 'arm64'] }))).code).toBe(
      'VALIDATION',
    );
  });
});

describe('UpdateFunctionConfiguration input', () => {
  it('keeps only what the request names; an empty dead-letter target removes the queue', () => {
    expect(parseConfiguration({ Timeout: 30 })).toEqual({ timeout: 30 });
    expect(parseConfiguration({ DeadLetterConfig: { TargetArn: '' } })).toEqual({ deadLetterArn: null });
    expect(
      parseConfiguration({ DeadLetterConfig: { TargetArn: 'arn:aws:sns:us-east-1:000000000000:alarms' } }),
    ).toEqual({ deadLetterArn: 'arn:aws:sns:us-east-1:000000000000:alarms' });
  });

  it("answers out-of-range values with AWS's validation messages", () => {
    expect(rejection(() => parseConfiguration({ Timeout: 0 }))).toEqual({
      code: 'VALIDATION',
      message:
        "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    expect(rejection(() => parseConfiguration({ MemorySize: 10241 })).message).toContain(
      'Member must have value less than or equal to 10240',
    );
    expect(rejection(() => parseConfiguration({ Timeout: '5' })).code).toBe('INVALID_PARAMETER');
    expect(rejection(() => parseConfiguration({ Handler: 'a b' })).message).toContain('[^\\s]+');
    expect(rejection(() => parseConfiguration({ Description: 'x'.repeat(257) })).code).toBe('VALIDATION');
    expect(rejection(() => parseConfiguration({ Runtime: 'nodejs8.10' })).message).toMatch(
      /^Value nodejs8.10 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[nodejs18.x, /,
    );
    expect(rejection(() => parseConfiguration({ Layers: ['not-an-arn'] })).code).toBe('VALIDATION');
    expect(
      rejection(() => parseConfiguration({ DeadLetterConfig: { TargetArn: 'arn:aws:s3:::bucket' } })).code,
    ).toBe('INVALID_PARAMETER');
  });
});

describe('environment variables', () => {
  it('accepts a map of strings, and none', () => {
    expect(parseEnvironment({ Variables: { STAGE: 'dev' } })).toEqual({ STAGE: 'dev' });
    expect(parseEnvironment({})).toEqual({});
  });

  it('refuses reserved keys, names Lambda does not allow and more than 4 KB', () => {
    expect(
      rejection(() => parseEnvironment({ Variables: { AWS_REGION: 'x', AWS_SESSION_TOKEN: 'y' } })),
    ).toEqual({
      code: 'INVALID_PARAMETER',
      message:
        'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, AWS_SESSION_TOKEN',
    });
    // Lambda's pattern needs two characters at least.
    expect(rejection(() => parseEnvironment({ Variables: { A: 'x' } })).code).toBe('VALIDATION');
    expect(rejection(() => parseEnvironment({ Variables: { '9LIVES': 'x' } })).code).toBe('VALIDATION');
    expect(rejection(() => parseEnvironment({ Variables: { BIG: 'x'.repeat(4096) } })).message).toMatch(
      /exceeded the 4KB limit\. String measured: \{"BIG":"x+"\}$/,
    );
  });
});

describe('UpdateFunctionCode and PutFunctionConcurrency input', () => {
  it('needs exactly one code source', () => {
    expect(parseCodeUpdate({ ZipFile: ZIP, Publish: true })).toMatchObject({ publish: true, dryRun: false });
    expect(rejection(() => parseCodeUpdate({})).code).toBe('INVALID_PARAMETER');
    expect(rejection(() => parseCodeUpdate({ ZipFile: ZIP, S3Bucket: 'b', S3Key: 'k' })).code).toBe(
      'INVALID_PARAMETER',
    );
    expect(rejection(() => parseCodeUpdate({ ImageUri: 'repo:tag' })).code).toBe('INVALID_PARAMETER');
  });

  it('takes a reserved concurrency of 0 or more', () => {
    expect(parseConcurrency({ ReservedConcurrentExecutions: 0 })).toBe(0);
    expect(rejection(() => parseConcurrency({})).code).toBe('VALIDATION');
    expect(rejection(() => parseConcurrency({ ReservedConcurrentExecutions: -1 })).message).toContain(
      'Member must have value greater than or equal to 0',
    );
  });
});
