// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config text holds ${} variables
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findConfigFile, loadService } from './index.js';
import { load, loadError, removeServiceDirs, serviceDir } from './test-helpers.js';

afterAll(removeServiceDirs);

const minimal = 'service: users\nprovider:\n  name: aws\nfunctions:\n  get-user:\n    handler: handler.get\n';

describe('finding and reading the config', () => {
  it('finds serverless.yml, .yaml, .json in that order', () => {
    const dir = serviceDir({ 'serverless.json': '{}', 'serverless.yaml': 'a: 1' });
    expect(findConfigFile(dir)).toBe(path.join(dir, 'serverless.yaml'));
    expect(findConfigFile(serviceDir({}))).toBeUndefined();
  });

  it('loads serverless.json and an explicit -c path', async () => {
    const dir = serviceDir({
      'serverless.json': JSON.stringify({
        service: 'js',
        provider: { name: 'aws', stage: '${opt:stage, "x"}' },
      }),
      'other.yml': 'service: other\nprovider:\n  name: aws\n',
    });
    const json = await loadService({ cwd: dir, env: {} });
    expect(json.config.service).toBe('js');
    expect(json.config.provider.stage).toBe('x');
    const other = await loadService({ cwd: dir, configPath: 'other.yml', env: {} });
    expect(other.config.service).toBe('other');
    expect(other.serviceDir).toBe(dir);
  });

  it('says clearly when there is no config', async () => {
    const dir = serviceDir({});
    await expect(loadService({ cwd: dir })).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
  });

  it('malformed YAML fails with file:line:col', async () => {
    const err = await loadError('service: svc\nprovider:\n  name: aws\nfunctions: [\n');
    expect(err.code).toBe('CONFIG_YAML_SYNTAX');
    expect(err.message.split('\n')[0]).toMatch(/serverless\.yml:\d+:\d+\)$/);
  });

  it('serverless.json errors point at their line too', async () => {
    const dir = serviceDir({
      'serverless.json':
        '{\n  "service": "svc",\n  "provider": {\n    "name": "aws",\n    "runtime": "cobol"\n  }\n}',
    });
    const err = await loadService({ cwd: dir, env: {} }).catch((e) => e);
    expect(err.where).toBe('serverless.json:5:5');
  });

  it('loads serverless.js exporting the configuration (or a promise of it)', async () => {
    const dir = serviceDir({
      'serverless.js':
        'module.exports = Promise.resolve({ service: "fromjs", provider: { name: "aws", stage: "${opt:stage, \'js\'}" } });',
    });
    const { config } = await loadService({ cwd: dir, env: {} });
    expect(config.service).toBe('fromjs');
    expect(config.provider.stage).toBe('js');
  });

  it('says serverless.ts is not supported', async () => {
    const dir = serviceDir({ 'serverless.ts': 'export default {}' });
    await expect(loadService({ cwd: dir })).rejects.toMatchObject({ code: 'CONFIG_TS_UNSUPPORTED' });
  });

  it('malformed JSON fails with file:line:col', async () => {
    const dir = serviceDir({ 'serverless.json': '{\n  "service": "x",\n  oops\n}' });
    const err = await loadService({ cwd: dir }).catch((e) => e);
    expect(err.code).toBe('CONFIG_JSON_SYNTAX');
    expect(err.where).toBe('serverless.json:3:3');
  });
});

describe('defaults and normalization', () => {
  it('applies Serverless defaults and names (Appendix A: users / get-user)', async () => {
    const { config, warnings } = await load(minimal);
    expect(warnings).toEqual([]);
    expect(config.provider).toMatchObject({
      name: 'aws',
      stage: 'dev',
      region: 'us-east-1',
      runtime: 'nodejs20.x',
      memorySize: 1024,
      timeout: 6,
      versionFunctions: true,
      stackName: 'users-dev',
      apiName: 'dev-users',
      deploymentMethod: 'changesets',
      architecture: 'x86_64',
    });
    const fn = config.functions['get-user']!;
    expect(fn).toMatchObject({
      key: 'get-user',
      name: 'users-dev-get-user',
      logicalId: 'GetDashuserLambdaFunction',
      logGroup: '/aws/lambda/users-dev-get-user',
      handler: 'handler.get',
      runtime: 'nodejs20.x',
      memorySize: 1024,
      timeout: 6,
      events: [],
      environment: {},
      versionFunction: true,
    });
    expect(config.configValidationMode).toBe('warn');
  });

  it('takes stage and region from options over provider', async () => {
    const yml =
      'service: svc\nprovider:\n  name: aws\n  stage: beta\n  region: eu-west-1\nfunctions:\n  f:\n    handler: h.f\n';
    expect((await load(yml)).config.provider).toMatchObject({ stage: 'beta', region: 'eu-west-1' });
    const { config } = await load(yml, { options: { stage: 'prod', region: 'us-west-2' } });
    expect(config.provider).toMatchObject({ stage: 'prod', region: 'us-west-2' });
    expect(config.functions.f!.name).toBe('svc-prod-f');
  });

  it('merges provider and function settings (environment, memory, layers, tags)', async () => {
    const { config } = await load(
      [
        'service: svc',
        'provider:',
        '  name: aws',
        '  runtime: python3.12',
        '  memorySize: "512"',
        '  environment:',
        '    A: a',
        '    B: b',
        '  layers: [arn:aws:lambda:us-east-1:1:layer:x:1]',
        '  tags: {team: t}',
        'functions:',
        '  f:',
        '    handler: app.handler',
        '    name: custom-name',
        '    timeout: 30',
        '    environment:',
        '      B: override',
        '      N: 5',
        '    tags: {fn: f}',
        '  g:',
        '    handler: app.g',
        '    layers: []',
        '  gone: ~',
      ].join('\n'),
    );
    const f = config.functions.f!;
    expect(f).toMatchObject({
      name: 'custom-name',
      logGroup: '/aws/lambda/custom-name',
      runtime: 'python3.12',
      memorySize: 512,
      timeout: 30,
    });
    expect(f.environment).toEqual({ A: 'a', B: 'override', N: '5' });
    expect(f.layers).toEqual(['arn:aws:lambda:us-east-1:1:layer:x:1']);
    expect(f.tags).toEqual({ team: 't', fn: 'f' });
    expect(config.functions.g!.layers).toEqual([]);
    expect(config.functions.gone).toBeUndefined();
  });

  it('merges functions and resources given as arrays', async () => {
    const { config } = await load(
      [
        'service: svc',
        'provider: {name: aws}',
        'functions:',
        '  - a: {handler: h.a}',
        '  - ${file(./more.yml)}',
        'resources:',
        '  - Resources:',
        '      Q: {Type: AWS::SQS::Queue}',
        '  - Resources:',
        '      T: {Type: AWS::SNS::Topic}',
        '    Outputs:',
        '      O: {Value: !Ref Q}',
      ].join('\n'),
      { files: { 'more.yml': 'b:\n  handler: h.b\n' } },
    );
    expect(Object.keys(config.functions)).toEqual(['a', 'b']);
    expect(Object.keys(config.resources.Resources)).toEqual(['Q', 'T']);
    expect(config.resources.Outputs).toEqual({ O: { Value: { Ref: 'Q' } } });
  });

  it('normalizes events into typed forms with defaults (Appendix A)', async () => {
    const { config } = await load(
      [
        'service: svc',
        'provider: {name: aws}',
        'functions:',
        '  hello:',
        '    handler: h.hello',
        '    events:',
        "      - http: {path: 'users/{id}', method: get, cors: true}",
        '      - http: GET /',
        "      - httpApi: 'GET /users/{id}'",
        "      - httpApi: '*'",
        '      - sns: dispatch',
        '      - sqs: arn:aws:sqs:us-east-1:1:my-queue',
        '      - stream: arn:aws:dynamodb:us-east-1:1:table/Users/stream/2020-01-01T00:00:00.000',
        '      - schedule: rate(5 minutes)',
        '      - schedule: {rate: cron(0 12 * * ? *), enabled: false, input: {a: 1}}',
        '      - s3: {bucket: photos, event: s3:ObjectRemoved:*, rules: [{prefix: uploads/}]}',
        '      - eventBridge: {pattern: {source: [my.app]}}',
        '      - websocket: $connect',
        '      - cloudwatchLog: /aws/lambda/other',
        '      - alb: {listenerArn: arn:aws:elasticloadbalancing:us-east-1:1:listener/app/lb/abc/def, priority: 1, conditions: {path: /x}}',
      ].join('\n'),
    );
    const ev = config.functions.hello!.events;
    expect(ev.map((e) => e.type)).toEqual([
      'http',
      'http',
      'httpApi',
      'httpApi',
      'sns',
      'sqs',
      'stream',
      'schedule',
      'schedule',
      's3',
      'eventBridge',
      'websocket',
      'cloudwatchLog',
      'alb',
    ]);
    expect(ev[0]).toMatchObject({
      path: 'users/{id}',
      method: 'GET',
      integration: 'AWS_PROXY',
      private: false,
    });
    expect(ev[0]!.type === 'http' && ev[0]!.cors?.origins).toEqual(['*']);
    expect(ev[1]).toMatchObject({ path: '', method: 'GET' });
    expect(ev[2]).toMatchObject({
      method: 'GET',
      path: '/users/{id}',
      routeKey: 'GET /users/{id}',
      payload: '2.0',
    });
    expect(ev[3]).toMatchObject({ method: 'ANY', path: '*', routeKey: '$default' });
    expect(ev[4]).toMatchObject({ topicName: 'dispatch', createsTopic: true });
    expect(ev[5]).toMatchObject({ queueName: 'my-queue', batchSize: 10, enabled: true });
    expect(ev[6]).toMatchObject({
      streamType: 'dynamodb',
      streamName: 'Users',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 10,
    });
    expect(ev[7]).toMatchObject({ rates: ['rate(5 minutes)'], enabled: true, method: 'eventBus' });
    expect(ev[8]).toMatchObject({ rates: ['cron(0 12 * * ? *)'], enabled: false, input: { a: 1 } });
    expect(ev[9]).toMatchObject({
      bucketName: 'photos',
      event: 's3:ObjectRemoved:*',
      rules: [{ prefix: 'uploads/' }],
    });
    expect(ev[10]).toMatchObject({ pattern: { source: ['my.app'] }, enabled: true });
    expect(ev[11]).toMatchObject({ route: '$connect' });
    expect(ev[12]).toMatchObject({ logGroup: '/aws/lambda/other', filter: '' });
    expect(ev[13]).toMatchObject({ priority: 1, conditions: { path: ['/x'] }, multiValueHeaders: false });
    expect(ev[5]!.raw).toBe('arn:aws:sqs:us-east-1:1:my-queue');
  });

  it('normalizes IAM (including legacy keys), API keys, packaging, plugins, step functions', async () => {
    const { config } = await load(
      [
        'service: svc',
        'provider:',
        '  name: aws',
        '  iamRoleStatements:',
        '    - {Effect: Allow, Action: [s3:GetObject], Resource: "*"}',
        '  apiGateway:',
        '    apiKeys: [k1, {name: k2, value: secretvalue12345678}]',
        'package:',
        '  individually: true',
        '  patterns: ["!node_modules/**"]',
        'plugins: [serverless-step-functions]',
        'stepFunctions:',
        '  stateMachines:',
        '    flow:',
        '      definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}',
        'functions:',
        '  f: {handler: h.f, package: {patterns: [src/**]}}',
      ].join('\n'),
    );
    expect(config.provider.iam.role.statements).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] },
    ]);
    expect(config.provider.apiGateway.apiKeys).toEqual([
      { name: 'k1' },
      { name: 'k2', value: 'secretvalue12345678' },
    ]);
    expect(config.package).toMatchObject({
      individually: true,
      patterns: ['!node_modules/**'],
      excludeDevDependencies: true,
    });
    expect(config.functions.f!.package).toMatchObject({ individually: true, patterns: ['src/**'] });
    expect(config.plugins.modules).toEqual(['serverless-step-functions']);
    expect(config.stepFunctions?.stateMachines.flow).toMatchObject({
      type: 'STANDARD',
      logicalId: 'FlowStepFunctionsStateMachine',
    });
  });
});

describe('validation', () => {
  it('warns about unknown properties by default, in Serverless format plus file:line', async () => {
    const { warnings } = await load(`${minimal}    foo: bar\n`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBe(
      "Invalid configuration encountered\n  at 'functions.get-user': unrecognized property 'foo' (serverless.yml:7:5)\n\nLearn more about configuration validation here: http://slss.io/configuration-validation",
    );
  });

  it('fails on unknown properties with configValidationMode: error', async () => {
    const err = await loadError(`configValidationMode: error\n${minimal}    foo: bar\nbaz: 1\n`);
    expect(err.code).toBe('INVALID_NON_SCHEMA_COMPLIANT_CONFIGURATION');
    expect(err.message.split('\n')[0]).toBe(
      "Configuration error at 'functions.get-user': unrecognized property 'foo' (serverless.yml:8:5)",
    );
    expect(err.message).toContain("at root: unrecognized property 'baz' (serverless.yml:9:1)");
  });

  it('stays silent with configValidationMode: off', async () => {
    expect((await load(`configValidationMode: off\n${minimal}    foo: bar\n`)).warnings).toEqual([]);
  });

  it('coerces scalars as Serverless does (memorySize "512", a single rate)', async () => {
    const { config } = await load(
      `${minimal}    memorySize: '256'\n    events:\n      - schedule: {rate: rate(1 minute)}\n`,
    );
    expect(config.functions['get-user']!.memorySize).toBe(256);
    expect(config.functions['get-user']!.events[0]).toMatchObject({ rates: ['rate(1 minute)'] });
  });

  it('an unknown runtime is an error naming the supported ones', async () => {
    const err = await loadError('service: svc\nprovider:\n  name: aws\n  runtime: nodejs4.3\n');
    expect(err.message.split('\n')[0]).toMatch(
      /^Configuration error at 'provider\.runtime': must be equal to one of the allowed values \[dotnet6, .*nodejs20\.x.*python3\.12.*\] \(serverless\.yml:4:3\)$/,
    );
  });

  it('wrong types and ranges are reported at their path', async () => {
    const err = await loadError(
      `configValidationMode: error\n${minimal}    timeout: 1000\n    memorySize: lots\n`,
    );
    expect(err.message).toContain("at 'functions.get-user.timeout': must be <= 900 (serverless.yml:8:5)");
    expect(err.message).toContain("at 'functions.get-user.memorySize': must be integer (serverless.yml:9:5)");
  });

  it('an unsupported event type is an error', async () => {
    const err = await loadError(`${minimal}    events:\n      - carrierPigeon: {}\n`);
    expect(err.message.split('\n')[0]).toBe(
      "Configuration error at 'functions.get-user.events.0': unsupported function event (serverless.yml:8:9)",
    );
  });

  it('an invalid event shape is an error naming the problem', async () => {
    const err = await loadError(
      `${minimal}    events:\n      - http: {path: /x}\n      - sqs: {batchSize: 5}\n`,
    );
    expect(err.message.split('\n')[0]).toBe(
      "Configuration error at 'functions.get-user.events.0.http': must have required property 'method' (serverless.yml:8:9)",
    );
    expect(err.message).toContain("at 'functions.get-user.events.1.sqs': must have required property 'arn'");
  });

  it('event values that cannot be wired are errors', async () => {
    const cases: [string, string][] = [
      [
        "schedule: 'every 5 minutes'",
        "at 'functions.get-user.events.0.schedule': value 'every 5 minutes' does not satisfy pattern",
      ],
      [
        "schedule: 'rate(1 minutes)'",
        "at 'functions.get-user.events.0.schedule': value 'rate(1 minutes)' does not",
      ],
      [
        "schedule: 'cron(0 12 * * ?)'",
        "at 'functions.get-user.events.0.schedule': value 'cron(0 12 * * ?)' does not",
      ],
      [
        'http: {path: /x, method: fetch}',
        "at 'functions.get-user.events.0.http.method': value 'fetch' does not satisfy pattern",
      ],
      [
        'httpApi: {method: get, path: x}',
        "at 'functions.get-user.events.0.httpApi.path': value 'x' does not satisfy pattern",
      ],
      [
        'sns: {displayName: x}',
        "at 'functions.get-user.events.0.sns': must have required property 'arn' or 'topicName'",
      ],
      [
        'eventBridge: {input: {a: 1}}',
        "at 'functions.get-user.events.0.eventBridge': must have required property 'pattern' or 'schedule'",
      ],
      [
        'sqs: {arn: !GetAtt Q.Arn, batchSize: 0}',
        "at 'functions.get-user.events.0.sqs.batchSize': must be >= 1 (serverless.yml:8:35)",
      ],
      [
        'alb: {priority: 1}',
        "at 'functions.get-user.events.0.alb': must have required property 'listenerArn'",
      ],
    ];
    for (const [event, message] of cases) {
      const err = await loadError(`${minimal}    events:\n      - ${event}\n`);
      expect(err.message.split('\n')[0]).toContain(message);
    }
  });

  it('an unknown property inside an event only warns', async () => {
    const { warnings } = await load(
      `${minimal}    events:\n      - http: {path: /x, method: get, summary: {}}\n`,
    );
    expect(warnings[0]).toContain("at 'functions.get-user.events.0.http': unrecognized property 'summary'");
  });

  it('checks the handler format', async () => {
    const err = await loadError(
      'service: svc\nprovider: {name: aws}\nfunctions:\n  f:\n    handler: justafile\n',
    );
    expect(err.message.split('\n')[0]).toBe(
      'Invalid handler "justafile" in function "f": expected "<file>.<function>" (for example "handler.hello" for handler.js exporting hello) (serverless.yml:5:5)',
    );
    const none = await loadError(
      'service: svc\nprovider: {name: aws}\nfunctions:\n  f:\n    memorySize: 128\n',
    );
    expect(none.message).toBe(
      'Either "handler" or "image" property needs to be set on function "f" (serverless.yml:4:3)',
    );
    const provided = await load(
      'service: svc\nprovider: {name: aws, runtime: provided.al2}\nfunctions:\n  f:\n    handler: bootstrap\n',
    );
    expect(provided.config.functions.f!.handler).toBe('bootstrap');
  });

  it('requires service and provider', async () => {
    const err = await loadError('provider:\n  name: aws\n');
    expect(err.message).toContain("at root: must have required property 'service'");
  });

  it('says the service name is missing when it is empty, instead of quoting the value', async () => {
    for (const service of ["''", "{name: ''}"]) {
      const err = await loadError(`service: ${service}\nprovider:\n  name: aws\n`);
      expect(err.message).toContain('the service name is missing');
      expect(err.message).not.toContain("value ''");
    }
  });

  it('rejects duplicate HTTP API routes', async () => {
    const err = await loadError(
      "service: svc\nprovider: {name: aws}\nfunctions:\n  a:\n    handler: h.a\n    events: [{httpApi: 'GET /x'}]\n  b:\n    handler: h.b\n    events: [{httpApi: 'GET /x'}]\n",
    );
    expect(err.message).toContain("Duplicate route 'GET /x' configuration in function b");
  });

  it('a httpApi object without method is an error', async () => {
    const err = await loadError(`${minimal}    events:\n      - httpApi: {path: /x}\n`);
    expect(err.message).toContain(
      'Missing "method" property in function get-user for httpApi event in serverless.yml',
    );
  });

  it('an http or httpApi method API Gateway does not have is an error saying what to write', async () => {
    // The http string form only warns in the schema; the event parser rejects the method.
    const s = await loadError(`${minimal}    events:\n      - http: FETCH /users\n`);
    expect(s.code).toBe('INVALID_CONFIGURATION');
    expect(s.message).toBe(
      'Unsupported method "FETCH" in function get-user for http event: use GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, ANY or * (serverless.yml:8:9)',
    );
    // The httpApi schema takes any method string; the parser points at the method itself.
    const o = await loadError(
      `${minimal}    events:\n      - httpApi:\n          path: /users\n          method: fetch\n`,
    );
    expect(o.message).toBe(
      'Unsupported method "fetch" in function get-user for httpApi event: use GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, ANY or * (serverless.yml:10:11)',
    );
  });

  it('collapses doubled slashes of http and httpApi paths, so routes mean what the gateway serves', async () => {
    const { config } = await load(
      `${minimal}    events:\n      - http: GET users//{id}/\n      - httpApi: GET /users//{id}/\n`,
    );
    expect(config.functions['get-user']!.events).toMatchObject([
      { type: 'http', method: 'GET', path: 'users/{id}' },
      { type: 'httpApi', method: 'GET', path: '/users/{id}', routeKey: 'GET /users/{id}' },
    ]);
    const dup = await loadError(
      `${minimal}    events:\n      - httpApi: GET /users/{id}\n      - httpApi: GET /users//{id}/\n`,
    );
    expect(dup.message).toContain("Duplicate route 'GET /users/{id}' configuration in function get-user");
  });

  it("takes a function's httpApi.payload over the provider's", async () => {
    const { config } = await load(
      'service: svc\nprovider: {name: aws, httpApi: {payload: "2.0"}}\nfunctions:\n  f:\n    handler: h.f\n    httpApi: {payload: "1.0"}\n    events: [{httpApi: GET /x}]\n',
    );
    expect(config.functions.f!.httpApiPayload).toBe('1.0');
    expect(config.functions.f!.events[0]).toMatchObject({ payload: '1.0' });
  });

  it('warns (Serverless does) about an http string without a leading slash, and still wires it', async () => {
    const { warnings, config } = await load(`${minimal}    events:\n      - http: GET hello\n`);
    expect(warnings[0]).toContain(
      "at 'functions.get-user.events.0.http': value 'GET hello' does not satisfy pattern",
    );
    expect(config.functions['get-user']!.events[0]).toMatchObject({
      type: 'http',
      method: 'GET',
      path: 'hello',
    });
  });

  it('points at the right line for functions given as an array', async () => {
    const err = await loadError(
      'service: svc\nprovider: {name: aws}\nfunctions:\n  - a:\n      handler: nodot\n',
    );
    expect(err.where).toBe('serverless.yml:5:7');
  });

  it('tolerates the v1 `provider: aws` string form', async () => {
    const { config } = await load('service: svc\nprovider: aws\n');
    expect(config.provider.name).toBe('aws');
  });
});
