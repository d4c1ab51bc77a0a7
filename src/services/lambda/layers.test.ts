import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseUrlSetting, urlIdOf } from './function-urls.js';
import { folderSize, folderWarnings, parseLayerVersionArn } from './layers.js';

const dirs: string[] = [];
const layer = (files: Record<string, string>) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'selfless-layer-'));
  dirs.push(dir);
  for (const [f, c] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), c);
  }
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('layer version ARNs', () => {
  it('parse region, account, name and version', () => {
    expect(parseLayerVersionArn('arn:aws:lambda:eu-west-1:000000000000:layer:text-kit_2:12')).toEqual({
      region: 'eu-west-1',
      account: '000000000000',
      layerName: 'text-kit_2',
      version: 12,
    });
  });
  it('reject a layer ARN without version and other ARNs', () => {
    expect(parseLayerVersionArn('arn:aws:lambda:eu-west-1:000000000000:layer:kit')).toBeUndefined();
    expect(parseLayerVersionArn('arn:aws:lambda:eu-west-1:000000000000:function:kit:1')).toBeUndefined();
  });
});

describe('layer folder checks', () => {
  it('accept the folders of the layer runtimes', () => {
    expect(folderWarnings('kit', layer({ 'python/kit.py': '' }), ['python3.12'])).toEqual([]);
    expect(folderWarnings('kit', layer({ 'nodejs/node_modules/kit/index.js': '' }), [])).toEqual([]);
    expect(folderWarnings('kit', layer({ 'bin/tool': '' }), ['provided.al2023'])).toEqual([]);
  });
  it('warn, naming the layer, when no expected folder is at the root', () => {
    expect(folderWarnings('kit', layer({ 'kit.py': '' }), ['python3.12'])).toEqual([
      'Layer kit has none of the folders python/ at its root: functions will not find its files under /opt.',
    ]);
    expect(folderWarnings('kit', layer({ 'nodejs/x.js': '' }), ['python3.12'])[0]).toContain('Layer kit');
  });
  it('measure unpacked sizes', () => {
    expect(folderSize(layer({ 'a/b.txt': '12345', 'c.txt': '123' }))).toBe(8);
  });
});

describe('url settings', () => {
  it('default to no auth, buffered, no CORS', () => {
    expect(parseUrlSetting(true, 'functions.f.url')).toEqual({ authType: 'NONE', invokeMode: 'BUFFERED' });
    expect(parseUrlSetting(undefined, 'functions.f.url')).toBeUndefined();
  });
  it('take authorizer, invokeMode and Serverless CORS defaults', () => {
    expect(parseUrlSetting({ authorizer: 'aws_iam', cors: true }, 'functions.f.url')).toMatchObject({
      authType: 'AWS_IAM',
      cors: { allowOrigins: ['*'], allowMethods: ['*'], allowCredentials: false },
    });
    expect(
      parseUrlSetting({ cors: { allowedOrigins: ['https://a.example'], maxAge: 60 } }, 'x')?.cors,
    ).toMatchObject({ allowOrigins: ['https://a.example'], maxAge: 60 });
  });
  it('refuse unknown values, saying where', () => {
    expect(() => parseUrlSetting({ authorizer: 'cognito' }, 'functions.f.url')).toThrow(
      'functions.f.url.authorizer must be none or aws_iam, not cognito',
    );
    expect(() => parseUrlSetting('yes', 'functions.f.url')).toThrow(
      'functions.f.url must be true or an object',
    );
  });
  it('give each function a stable 32-character url id', () => {
    expect(urlIdOf('svc-dev-f')).toMatch(/^[a-z0-9]{32}$/);
    expect(urlIdOf('svc-dev-f')).toBe(urlIdOf('svc-dev-f'));
    expect(urlIdOf('svc-dev-g')).not.toBe(urlIdOf('svc-dev-f'));
  });
});
