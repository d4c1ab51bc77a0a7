import { describe, expect, it } from 'vitest';
import { validErrorType } from './channel.js';
import { buildEnvironmentVars, logStreamName } from './environment-vars.js';
import type { RuntimeFunction } from './types.js';

const fn: RuntimeFunction = {
  functionName: 'svc-dev-hello',
  functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:svc-dev-hello',
  version: '$LATEST',
  runtime: 'python3.12',
  handler: 'handler.hello',
  memorySize: 512,
  timeout: 6,
  environment: { STAGE: 'dev', AWS_REGION: 'us-west-2', AWS_ENDPOINT_URL: 'http://override:1' },
  codeDir: '/data/code/hello',
  layerDirs: ['/data/layers/a', '/data/layers/b'],
  logGroup: '/aws/lambda/svc-dev-hello',
  region: 'eu-west-1',
  architecture: 'x86_64',
  revision: 'r',
};

describe('environment variables of an execution environment', () => {
  const env = buildEnvironmentVars({
    fn,
    family: 'python',
    logStream: '2026/01/01/[$LATEST]0123',
    runtimeApi: '127.0.0.1:9001',
    endpointUrl: 'http://127.0.0.1:4566',
  });

  it('sets AWS variables, keeps reserved ones from the function environment, lets users override the endpoint', () => {
    expect(env).toMatchObject({
      AWS_LAMBDA_FUNCTION_NAME: 'svc-dev-hello',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_EXECUTION_ENV: 'AWS_Lambda_python3.12',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      LAMBDA_TASK_ROOT: '/data/code/hello',
      TZ: ':UTC',
      STAGE: 'dev',
      AWS_ENDPOINT_URL: 'http://override:1',
    });
  });

  it('maps /opt onto the layers, later layers first', () => {
    expect(env.PYTHONPATH.split(':').slice(0, 3)).toEqual([
      '/data/layers/b/python/lib/python3.12/site-packages',
      expect.stringMatching(/^\/data\/layers\/b\/python/),
      expect.stringMatching(/^\/data\/layers\/b\/python/),
    ]);
    expect(env.PATH.endsWith(':/data/layers/b/bin:/data/layers/a/bin')).toBe(true);
    expect(env.LD_LIBRARY_PATH.endsWith(':/data/layers/b/lib:/data/layers/a/lib')).toBe(true);
  });

  it('names log streams YYYY/MM/DD/[version]id', () => {
    expect(logStreamName('$LATEST', 'ab'.repeat(16), Date.UTC(2026, 1, 3))).toBe(
      `2026/02/03/[$LATEST]${'ab'.repeat(16)}`,
    );
    expect(logStreamName('7', 'x', Date.UTC(2026, 11, 31))).toBe('2026/12/31/[7]x');
  });
});

describe('error-type header validation', () => {
  it('keeps Runtime.* / Function.* names and maps anything else to *.Unknown', () => {
    expect(validErrorType('Function.Custom')).toBe('Function.Custom');
    expect(validErrorType('Runtime.ExitError')).toBe('Runtime.ExitError');
    expect(validErrorType('Error')).toBe('Function.Unknown');
    expect(validErrorType('Runtime.bad name')).toBe('Runtime.Unknown');
    expect(validErrorType(undefined)).toBe('Function.Unknown');
  });
});
