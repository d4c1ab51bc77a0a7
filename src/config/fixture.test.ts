// biome-ignore-all lint/suspicious/noTemplateCurlyInString: expected values hold literal ${} text
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadService } from './index.js';

const dir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test/fixtures/config/all-variables',
);

describe('the all-variables fixture (every variable form)', () => {
  it('resolves with defaults', async () => {
    const { resolved, config } = await loadService({ cwd: dir, env: {}, instanceId: '123' });
    expect(resolved.provider).toMatchObject({
      stage: 'dev',
      region: 'eu-west-1',
      memorySize: 512,
      environment: { STAGE: 'dev', FROM_DOTENV: 'from-dotenv', TABLE: 'all-variables-dev-table' },
    });
    expect(resolved.custom).toMatchObject({
      self: 'all-variables',
      opt: 'off',
      env: 'no-env',
      slsStage: 'dev',
      instanceId: '123',
      param: 'example.com',
      paramStaged: 'free',
      fileYaml: { nested: { value: 'from-yaml' }, stageFromFile: 'dev', ref: { Ref: 'SomeResource' } },
      fileKey: 'from-yaml',
      fileJson: ['a', 'b'],
      fileJs: { stage: 'dev', stageUpper: 'DEV', flag: null },
      fileJsKey: 'DEV',
      fileMissing: 'fallback-for-missing-file',
      bool: false,
      number: 42,
      nullable: null,
      chain: 'eu-west-1',
      nested: 'default settings',
      inString: 'all-variables runs in dev with 512 MB',
      escaped: '${not:resolved}',
      cloudformation: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::all-variables-bucket' },
      accountId: '000000000000',
    });
    expect(config.functions.hello!.environment).toMatchObject({ DOMAIN: 'example.com', STAGE: 'dev' });
  });

  it('resolves with CLI options (stage, params, free options)', async () => {
    const { resolved, config } = await loadService({
      cwd: dir,
      env: {},
      options: { stage: 'prod', param: ['domain=cli.example.com'], flag: 'true' },
    });
    expect(resolved.custom).toMatchObject({
      param: 'cli.example.com',
      paramStaged: 'paid',
      bool: true,
      nested: 'production settings',
      fileJsKey: 'PROD',
    });
    expect(config.provider).toMatchObject({ stage: 'prod', memorySize: 2048 });
    expect(config.provider.environment.FROM_DOTENV).toBe('from-dotenv-prod');
    expect(config.functions.hello!.name).toBe('all-variables-prod-hello');
  });
});
