/**
 * Layers through the real CLI and the Lambda API: examples/layers deploys a layer and two python
 * functions importing from it; a second service uses the same layer version by ARN; layers
 * published through the API merge in order (later layers win); bad layer settings fail or warn.
 */
import { cpSync } from 'node:fs';
import path from 'node:path';
import {
  DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionCommand,
  InvokeCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, type Lab, ROOT, startLab } from './lifecycle-support.js';
import { zipFiles } from './platform-helpers.js';

let lab: Lab;
let example: string;
const LAYER_ARN = 'arn:aws:lambda:eu-west-1:000000000000:layer:textkit-dev:1';

beforeAll(async () => {
  lab = await startLab();
  example = path.join(lab.work, 'layers');
  cpSync(path.join(ROOT, 'examples/layers'), example, {
    recursive: true,
    filter: (src) => !src.includes('.serverless') && !src.includes('__pycache__'),
  });
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

describe('the layers: section', () => {
  it('publishes the layer and two functions import its package from /opt/python', async () => {
    const deployed = await lab.cli(example, ['deploy']);
    expect(deployed.stderr).toContain('Service deployed');
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(`textkit: ${LAYER_ARN}`);

    const stats = await lab.cli(example, ['invoke', '-f', 'stats', '-d', '{"text":"to be or not to be"}']);
    expect(JSON.parse(stats.stdout)).toEqual({
      words: 6,
      top: [
        ['to', 2],
        ['be', 2],
        ['or', 1],
      ],
      textkit: '1.0.0',
    });
    const slug = await lab.cli(example, ['invoke', '-f', 'slug', '-d', '{"title":"Héllo, World!"}']);
    expect(JSON.parse(slug.stdout)).toEqual({ slug: 'hello-world', textkit: '1.0.0' });

    const conf = await lab.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'layers-demo-dev-stats' }),
    );
    expect(conf.Layers?.map((l) => l.Arn)).toEqual([LAYER_ARN]);
    const info = await lab.cli(example, ['info']);
    expect(info.stdout).toContain(
      `functions:\n  stats: layers-demo-dev-stats\n  slug: layers-demo-dev-slug\nlayers:\n  textkit: ${LAYER_ARN}`,
    );
  });

  it('describes the version through the Lambda API', async () => {
    const versions = await lab.lambda.send(new ListLayerVersionsCommand({ LayerName: 'textkit-dev' }));
    expect(versions.LayerVersions).toHaveLength(1);
    const v = versions.LayerVersions?.[0];
    expect(v).toMatchObject({
      LayerVersionArn: LAYER_ARN,
      Version: 1,
      CompatibleRuntimes: ['python3.11', 'python3.12'],
      LicenseInfo: 'Apache-2.0',
      Description: 'Word counting and slugs shared by the functions of layers-demo',
    });
    const got = await lab.lambda.send(
      new GetLayerVersionCommand({ LayerName: 'textkit-dev', VersionNumber: 1 }),
    );
    expect(got.Content?.CodeSize).toBeGreaterThan(0);
    const zip = await fetch(got.Content?.Location ?? '');
    expect(zip.status).toBe(200);
  });

  it('serves a second service that names the layer version by ARN', async () => {
    const dir = lab.service('report', {
      'serverless.yml': [
        'service: report',
        'provider:',
        '  name: aws',
        '  runtime: python3.11',
        '  region: eu-west-1',
        'functions:',
        '  report:',
        '    handler: report.handler',
        '    layers:',
        `      - ${LAYER_ARN}`,
        '',
      ].join('\n'),
      'report.py': 'import textkit\n\ndef handler(event, context):\n    return textkit.slugify(event["t"])\n',
    });
    expect((await lab.cli(dir, ['deploy'])).code).toBe(0);
    const out = await lab.lambda.send(
      new InvokeCommand({
        FunctionName: 'report-dev-report',
        Payload: JSON.stringify({ t: 'Shared Layer' }),
      }),
    );
    expect(json(out.Payload)).toBe('shared-layer');
  });

  it('publishes a new version when the layer changes and moves the functions to it', async () => {
    const init = path.join(example, 'layers/textkit/python/textkit/__init__.py');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(init, readFileSync(init, 'utf8').replace('__version__ = "1.0.0"', '__version__ = "1.1.0"'));
    const deployed = await lab.cli(example, ['deploy']);
    expect(deployed.stdout).toContain('textkit: arn:aws:lambda:eu-west-1:000000000000:layer:textkit-dev:2');
    const slug = await lab.cli(example, ['invoke', '-f', 'slug', '-d', '{"title":"x"}']);
    expect(JSON.parse(slug.stdout).textkit).toBe('1.1.0');
    // The replaced version is deleted (retain is false), the other service keeps running on it.
    const versions = await lab.lambda.send(new ListLayerVersionsCommand({ LayerName: 'textkit-dev' }));
    expect(versions.LayerVersions?.map((v) => v.Version)).toEqual([2]);
    const out = await lab.lambda.send(
      new InvokeCommand({ FunctionName: 'report-dev-report', Payload: JSON.stringify({ t: 'Still Here' }) }),
    );
    expect(json(out.Payload)).toBe('still-here');
  });
});

describe('the layer API', () => {
  it('merges layers in order: a later layer wins for the same file', async () => {
    const publish = async (name: string, value: string) =>
      lab.lambda.send(
        new PublishLayerVersionCommand({
          LayerName: name,
          Content: {
            ZipFile: await zipFiles({ 'nodejs/node_modules/which/index.js': `module.exports = '${value}';` }),
          },
          CompatibleRuntimes: ['nodejs20.x'],
        }),
      );
    const a = await publish('which-a', 'A');
    const b = await publish('which-b', 'B');
    expect(a.LayerVersionArn).toBe('arn:aws:lambda:eu-west-1:000000000000:layer:which-a:1');
    const dir = lab.service('order', {
      'serverless.yml': [
        'service: order',
        'provider:',
        '  name: aws',
        '  runtime: nodejs20.x',
        'functions:',
        '  ab:',
        '    handler: h.handler',
        `    layers: [${a.LayerVersionArn}, ${b.LayerVersionArn}]`,
        '  ba:',
        '    handler: h.handler',
        `    layers: [${b.LayerVersionArn}, ${a.LayerVersionArn}]`,
        '',
      ].join('\n'),
      'h.js': "exports.handler = async () => require('which');\n",
    });
    expect((await lab.cli(dir, ['deploy'])).code).toBe(0);
    expect((await lab.cli(dir, ['invoke', '-f', 'ab'])).stdout.trim()).toBe('"B"');
    expect((await lab.cli(dir, ['invoke', '-f', 'ba'])).stdout.trim()).toBe('"A"');

    const layers = await lab.lambda.send(new ListLayersCommand({ CompatibleRuntime: 'nodejs20.x' }));
    expect(layers.Layers?.map((l) => l.LayerName)).toEqual(['which-a', 'which-b']);
    await lab.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'which-b', VersionNumber: 1 }));
    const gone = await lab.lambda
      .send(new GetLayerVersionCommand({ LayerName: 'which-b', VersionNumber: 1 }))
      .catch((e: Error) => e);
    expect((gone as Error).name).toBe('ResourceNotFoundException');
    // Functions deployed with a deleted version keep it, as on AWS.
    expect((await lab.cli(dir, ['invoke', '-f', 'ab'])).stdout.trim()).toBe('"B"');
  });

  it('refuses a layer over the unzipped size limit with AWS error', async () => {
    // 260 MB of zeros deflate to a few hundred KB; the limit is checked before anything is written.
    const zip = await zipFiles({ 'python/big.bin': '\0'.repeat(260 * 1024 * 1024) });
    const e = (await lab.lambda
      .send(new PublishLayerVersionCommand({ LayerName: 'huge', Content: { ZipFile: zip } }))
      .catch((x) => x)) as { name: string; message: string; $metadata: { httpStatusCode: number } };
    expect(e.name).toBe('InvalidParameterValueException');
    expect(e.$metadata.httpStatusCode).toBe(400);
    expect(e.message).toBe('Unzipped size must be smaller than 262144000 bytes');
    const layers = await lab.lambda.send(new ListLayersCommand({}));
    expect(layers.Layers?.map((l) => l.LayerName)).not.toContain('huge');
  });

  it('refuses more than five layers, unknown versions, and warns about a layer without runtime folders', async () => {
    const six = Array.from({ length: 6 }, () => LAYER_ARN.replace(':1', ':2'));
    const dir = lab.service('bad', {
      'serverless.yml': [
        'service: bad',
        'provider:',
        '  name: aws',
        '  runtime: python3.11',
        'functions:',
        '  f:',
        '    handler: f.handler',
        `    layers: [${six.join(', ')}]`,
        '',
      ].join('\n'),
      'f.py': 'def handler(e, c):\n    return 1\n',
    });
    const tooMany = await lab.cli(dir, ['deploy']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain('Cannot reference more than 5 layers.');
    expect(tooMany.stderr).toMatch(/serverless\.yml:8:\d+/);

    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      path.join(dir, 'serverless.yml'),
      [
        'service: bad',
        'provider:',
        '  name: aws',
        '  runtime: python3.11',
        'functions:',
        '  f:',
        '    handler: f.handler',
        `    layers: [${LAYER_ARN.replace(':1', ':9')}]`,
        '',
      ].join('\n'),
    );
    const unknown = await lab.cli(dir, ['deploy']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`Layer version ${LAYER_ARN.replace(':1', ':9')} does not exist.`);

    writeFileSync(
      path.join(dir, 'serverless.yml'),
      [
        'service: bad',
        'provider:',
        '  name: aws',
        '  runtime: python3.11',
        'layers:',
        '  flat:',
        '    path: flat',
        '    compatibleRuntimes: [python3.11]',
        'functions:',
        '  f:',
        '    handler: f.handler',
        '    layers: [!Ref FlatLambdaLayer]',
        '',
      ].join('\n'),
    );
    lab.service('bad/flat', { 'util.py': 'X = 1\n' });
    const flat = await lab.cli(dir, ['deploy']);
    expect(flat.code).toBe(0);
    expect(flat.stderr).toContain('Layer flat has none of the folders python/ at its root');
  });
});
