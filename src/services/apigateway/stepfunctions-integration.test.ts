import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { SqliteStore } from '../../platform/store/sqlite.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { StepFunctionsEngine } from '../stepfunctions/engine.js';
import { Authorizers } from './authorizers.js';
import { compileApis } from './compile.js';
import { ServiceGateway } from './gateway.js';
import { UsagePlans } from './keys.js';
import type { ApiSource } from './source.js';
import { gatewayRequest } from './test-helpers.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const source = (over: Partial<ApiSource>): ApiSource => ({
  service: 'shop',
  stage: 'dev',
  region: 'us-east-1',
  functions: [],
  apiGateway: {},
  httpApi: {},
  documentation: {},
  selfless: {},
  ...over,
});

describe('state machine http events (serverless-step-functions) on the REST API', () => {
  it('compile to stepfunctions routes beside the functions, with CORS and the template', () => {
    const apis = compileApis(
      source({
        functions: [{ key: 'list', name: 'shop-dev-list', events: [{ http: 'GET orders' }] }],
        stateMachines: [
          {
            key: 'placeOrder',
            events: [
              { http: { path: '/orders/', method: 'post', cors: true } },
              { http: { path: 'orders/raw', method: 'put', request: { template: 'lambda_proxy' } } },
              { schedule: 'rate(1 hour)' },
            ],
          },
        ],
      }),
    );
    const routes = apis.rest?.routes ?? [];
    expect(routes.map((r) => [r.kind ?? 'lambda', r.method, r.resourcePath])).toEqual([
      ['lambda', 'GET', '/orders'],
      ['stepfunctions', 'POST', '/orders'],
      ['stepfunctions', 'PUT', '/orders/raw'],
    ]);
    expect(routes[1]?.stateMachine).toEqual({
      key: 'placeOrder',
      action: 'StartExecution',
      template: 'default',
    });
    expect(routes[2]?.stateMachine?.template).toBe('lambda_proxy');
    expect(apis.rest?.corsPaths.find((c) => c.resourcePath === '/orders')?.cors.methods).toContain('POST');
  });

  it('refuse a path and method a function already serves, naming the event', () => {
    expect(() =>
      compileApis(
        source({
          functions: [{ key: 'f', name: 'shop-dev-f', events: [{ http: 'POST orders' }] }],
          stateMachines: [{ key: 'm', events: [{ http: { path: 'orders', method: 'post' } }] }],
        }),
      ),
    ).toThrow(/Duplicate http route 'POST \/orders'/);
  });

  it('skip other actions and custom templates with a warning', () => {
    const apis = compileApis(
      source({
        stateMachines: [
          {
            key: 'm',
            events: [
              { http: { path: 'a', method: 'get', action: 'DescribeExecution' } },
              { http: { path: 'b', method: 'post', request: { template: { 'application/json': '{}' } } } },
            ],
          },
        ],
      }),
    );
    expect(apis.rest?.routes.map((r) => r.resourcePath)).toEqual(['/b']);
    expect(apis.warnings.join('\n')).toMatch(/action DescribeExecution is not supported/);
    expect(apis.warnings.join('\n')).toMatch(/custom request templates \(VTL\) are not supported/);
  });

  describe('a request starts an execution through the Step Functions engine', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'apigw-sfn-'));
    const store = new SqliteStore(dir);
    const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const engine = new StepFunctionsEngine(store, clock, 'us-east-1', quiet);
    engine.setIntegrations({});
    afterAll(async () => {
      await engine.shutdown();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const apis = compileApis(
      source({
        stateMachines: [
          {
            key: 'echo',
            events: [
              { http: { path: 'echo', method: 'post', cors: true } },
              { http: { path: 'proxy/{id}', method: 'post', request: { template: 'lambda_proxy' } } },
            ],
          },
        ],
      }),
    );
    const gateway = new ServiceGateway(apis, {
      lambda: () => ({}) as LambdaFacade,
      stepFunctions: () => engine,
      clock,
      authorizers: new Authorizers(() => ({}) as LambdaFacade, clock, 'us-east-1'),
      usage: new UsagePlans(clock),
      log: quiet,
    });
    const deploy = () =>
      engine.putOwnedMachine({
        name: 'echo-machine',
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
        roleArn: 'arn:aws:iam::000000000000:role/r',
        owner: { service: 'shop', stage: 'dev', key: 'echo' },
      });

    it('answers StartExecution JSON with 200; the body JSON is the input and the request id the name', async () => {
      await deploy();
      const res = await gateway.handle(
        gatewayRequest({
          method: 'POST',
          rawPath: '/dev/echo',
          body: Buffer.from('{"temperature": 28}'),
          requestId: '7f1c5d0e-0000-4000-8000-000000000001',
          headers: [
            ['Content-Type', 'application/json'],
            ['Origin', 'https://app.example'],
          ],
        }),
        '127.0.0.1:3000',
      );
      expect(res.statusCode).toBe(200);
      const body = JSON.parse(res.body.toString('utf8'));
      expect(body).toEqual({
        executionArn:
          'arn:aws:states:us-east-1:000000000000:execution:echo-machine:7f1c5d0e-0000-4000-8000-000000000001',
        startDate: Date.UTC(2026, 0, 2, 3, 4, 5) / 1000,
      });
      expect(res.headers).toContainEqual(['Access-Control-Allow-Origin', '*']);
      const done = await engine.waitForClose(body.executionArn);
      expect(done.status).toBe('SUCCEEDED');
      expect(JSON.parse(done.input)).toEqual({ temperature: 28 });
      expect(JSON.parse(done.output ?? 'null')).toEqual({ temperature: 28 });
    });

    it('passes the Lambda-proxy event as input with request.template: lambda_proxy', async () => {
      await deploy();
      const res = await gateway.handle(
        gatewayRequest({
          method: 'POST',
          rawPath: '/dev/proxy/42',
          rawQuery: 'x=1',
          body: Buffer.from('hi'),
        }),
        '127.0.0.1:3000',
      );
      expect(res.statusCode).toBe(200);
      const done = await engine.waitForClose(JSON.parse(res.body.toString('utf8')).executionArn);
      const input = JSON.parse(done.input);
      expect(input).toMatchObject({
        httpMethod: 'POST',
        resource: '/proxy/{id}',
        pathParameters: { id: '42' },
        queryStringParameters: { x: '1' },
        body: 'hi',
      });
    });

    it('answers 400 for a body that is not JSON, and for a repeated request id with other input', async () => {
      await deploy();
      const bad = await gateway.handle(
        gatewayRequest({ method: 'POST', rawPath: '/dev/echo', body: Buffer.from('{nope') }),
        '127.0.0.1:3000',
      );
      expect(bad.statusCode).toBe(400);
      expect(JSON.parse(bad.body.toString('utf8')).message).toMatch(/Could not parse request body into json/);
      const first = await gateway.handle(
        gatewayRequest({
          method: 'POST',
          rawPath: '/dev/echo',
          requestId: 'same-id',
          body: Buffer.from('{"a":1}'),
        }),
        '127.0.0.1:3000',
      );
      expect(first.statusCode).toBe(200);
      await engine.waitForClose(JSON.parse(first.body.toString('utf8')).executionArn);
      const again = await gateway.handle(
        gatewayRequest({
          method: 'POST',
          rawPath: '/dev/echo',
          requestId: 'same-id',
          body: Buffer.from('{"a":2}'),
        }),
        '127.0.0.1:3000',
      );
      expect(again.statusCode).toBe(400);
      expect(JSON.parse(again.body.toString('utf8'))).toMatchObject({ __type: 'ExecutionAlreadyExists' });
    });

    it('answers 502 Internal server error when the machine is not deployed', async () => {
      await engine.deleteStateMachine('arn:aws:states:us-east-1:000000000000:stateMachine:echo-machine');
      const res = await gateway.handle(
        gatewayRequest({ method: 'POST', rawPath: '/dev/echo', body: Buffer.from('{}') }),
        '127.0.0.1:3000',
      );
      expect(res.statusCode).toBe(502);
    });
  });
});
