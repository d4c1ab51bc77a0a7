import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadService } from '../config/index.js';
import type { LoadedService } from '../config/types.js';
import { compileDeployment, isIntrinsic, splitEnvironment } from './compile.js';
import type { Artifact } from './package.js';

const YML = `service: shop
provider:
  name: aws
  runtime: nodejs20.x
  region: eu-west-1
  environment:
    SHARED: provider
    COUNT: 3
  apiGateway:
    apiKeys:
      - partner
  httpApi:
    cors: true
  layers:
    - arn:aws:lambda:eu-west-1:000000000000:layer:base:1
custom:
  selfless:
    httpPort: 3100
params:
  default:
    level: info
layers:
  deps:
    path: layer
functions:
  create-order:
    handler: src/orders.create
    memorySize: 256
    environment:
      SHARED: function
      TABLE: !Ref OrdersTable
      ENABLED: true
    events:
      - http: POST /orders/{id}
      - sqs:
          arn: !GetAtt OrdersQueue.Arn
          batchSize: 5
    layers:
      - !Ref DepsLambdaLayer
    reservedConcurrency: 2
    maximumRetryAttempts: 1
  list:
    name: custom-list-name
    handler: src/orders.list
resources:
  Conditions:
    IsProd: !Equals ['\${sls:stage}', prod]
  Resources:
    OrdersTable:
      Type: AWS::DynamoDB::Table
      DependsOn: OrdersQueue
      Condition: IsProd
      Properties:
        TableName: orders
    OrdersQueue:
      Type: AWS::SQS::Queue
  Outputs:
    QueueUrl:
      Value: !Ref OrdersQueue
`;

const artifact = (sha: string, size: number): Artifact => ({
  path: `/tmp/${sha}.zip`,
  sha256: sha.repeat(64).slice(0, 64),
  size,
  shared: false,
});

describe('compileDeployment', () => {
  let dir: string;
  let loaded: LoadedService;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'selfless-compile-'));
    writeFileSync(path.join(dir, 'serverless.yml'), YML);
    loaded = await loadService({ cwd: dir, env: {} });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles functions with deployed names, merged environment, written events and layers', () => {
    const spec = compileDeployment(loaded, {
      functions: { 'create-order': artifact('a', 100), list: artifact('b', 200) },
      layers: { deps: artifact('c', 300) },
    });
    expect([spec.service, spec.stage, spec.region]).toEqual(['shop', 'dev', 'eu-west-1']);
    const [create, list] = spec.functions;
    expect(create).toMatchObject({
      key: 'create-order',
      name: 'shop-dev-create-order',
      runtime: 'nodejs20.x',
      handler: 'src/orders.create',
      memorySize: 256,
      timeout: 6,
      architecture: 'x86_64',
      logGroup: '/aws/lambda/shop-dev-create-order',
      codeSha256: 'a'.repeat(64),
      codeSize: 100,
      reservedConcurrency: 2,
      environment: { SHARED: 'function', COUNT: '3', ENABLED: 'true' },
      layers: [],
    });
    expect(create!.events).toEqual([
      { http: 'POST /orders/{id}' },
      { sqs: { arn: { 'Fn::GetAtt': ['OrdersQueue', 'Arn'] }, batchSize: 5 } },
    ]);
    expect(create!.extra).toMatchObject({
      logicalId: 'CreateDashorderLambdaFunction',
      environmentIntrinsics: { TABLE: { Ref: 'OrdersTable' } },
      layersWithIntrinsics: [{ Ref: 'DepsLambdaLayer' }],
      maximumRetryAttempts: 1,
    });
    expect(list).toMatchObject({
      name: 'custom-list-name',
      codeSha256: 'b'.repeat(64),
      environment: { SHARED: 'provider', COUNT: '3' },
      layers: ['arn:aws:lambda:eu-west-1:000000000000:layer:base:1'],
      events: [],
    });
    // Plain JSON: nothing undefined survives a round trip differently.
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('carries resources, outputs, conditions and the sections the platform plugins read', () => {
    const spec = compileDeployment(loaded, {
      functions: { 'create-order': artifact('a', 1), list: artifact('b', 1) },
    });
    expect(spec.resources).toEqual([
      {
        logicalId: 'OrdersTable',
        type: 'AWS::DynamoDB::Table',
        properties: { TableName: 'orders' },
        dependsOn: ['OrdersQueue'],
        condition: 'IsProd',
      },
      { logicalId: 'OrdersQueue', type: 'AWS::SQS::Queue', properties: {} },
    ]);
    expect(spec.outputs).toEqual({ QueueUrl: { Value: { Ref: 'OrdersQueue' } } });
    expect(spec.conditions).toEqual({ IsProd: { 'Fn::Equals': ['dev', 'prod'] } });
    const sections = spec.sections as Record<string, Record<string, unknown>>;
    expect((sections.provider!.apiGateway as { raw: unknown }).raw).toEqual({ apiKeys: ['partner'] });
    expect(sections.provider!.httpApi).toMatchObject({ payload: '2.0' });
    expect(sections.provider!.environment).toEqual({ SHARED: 'provider', COUNT: '3' });
    expect(sections.custom).toEqual({ selfless: { httpPort: 3100 } });
    expect(sections.params).toMatchObject({ default: { level: 'info' } });
    expect(sections.layers).toEqual({
      deps: { key: 'deps', name: 'deps', logicalId: 'DepsLambdaLayer', retain: false },
    });
  });

  it('fails for a function that was not packaged', () => {
    expect(() => compileDeployment(loaded, { functions: { list: artifact('b', 1) } })).toThrow(
      /Function "create-order" was not packaged/,
    );
  });
});

describe('environment values', () => {
  it('keeps strings, stringifies numbers and booleans, drops nulls and sets intrinsics apart', () => {
    expect(
      splitEnvironment(
        { A: 'a', N: 1, B: false, Z: null, R: { Ref: 'X' }, S: { 'Fn::Sub': 'arn:X' } },
        'provider.environment',
      ),
    ).toEqual({
      environment: { A: 'a', N: '1', B: 'false' },
      intrinsics: { R: { Ref: 'X' }, S: { 'Fn::Sub': 'arn:X' } },
    });
  });

  it('rejects other objects with the property path', () => {
    expect(() => splitEnvironment({ BAD: { nested: 'x' } }, 'functions.a.environment')).toThrow(
      'Environment variable BAD must be a string or a CloudFormation intrinsic (functions.a.environment.BAD)',
    );
  });

  it('recognizes intrinsics in long form only', () => {
    expect(isIntrinsic({ Ref: 'X' })).toBe(true);
    expect(isIntrinsic({ 'Fn::GetAtt': ['X', 'Arn'] })).toBe(true);
    expect(isIntrinsic({ Ref: 'X', Other: 1 })).toBe(false);
    expect(isIntrinsic(['Ref'])).toBe(false);
  });
});
