/**
 * Stages and function URLs through the real CLI: one service deployed to dev and prod runs side by
 * side (functions, params, APIs, URLs, logs), `remove --stage prod` leaves dev alone; function
 * URLs serve payload 2.0 on a stable URL printed by deploy and info, with CORS and aws_iam.
 */
import {
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  InvokeCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, type Lab, startLab } from './lifecycle-support.js';

let lab: Lab;
let dir: string;
const out: Record<string, string> = {};

/** The URL after `label` in deploy/info output. */
const urlAfter = (text: string, label: string) =>
  new RegExp(`${label}(http://127\\.0\\.0\\.1:\\d+/\\S*)`).exec(text)?.[1];

beforeAll(async () => {
  lab = await startLab();
  dir = lab.service('staged', {
    'serverless.yml': [
      'service: staged',
      'provider:',
      '  name: aws',
      '  runtime: nodejs20.x',
      '  region: eu-west-1',
      '  environment:',
      '    GREETING: ${param:greeting}',
      'params:',
      '  default:',
      '    greeting: hi',
      '  prod:',
      '    greeting: hello from prod',
      'functions:',
      '  greet:',
      '    handler: h.greet',
      '    url: true',
      '    events:',
      '      - httpApi: GET /greet',
      '  private:',
      '    handler: h.echo',
      '    url:',
      '      authorizer: aws_iam',
      '      cors: true',
      '',
    ].join('\n'),
    'h.js': [
      'exports.greet = async (event, ctx) => ({',
      '  statusCode: 200,',
      "  headers: { 'content-type': 'application/json' },",
      '  body: JSON.stringify({ greeting: process.env.GREETING, fn: ctx.functionName, version: event.version,',
      '    routeKey: event.routeKey, path: event.rawPath, query: event.queryStringParameters ?? null,',
      '    accountId: event.requestContext?.accountId, domain: event.requestContext?.domainName }),',
      '});',
      'exports.echo = async (event) => ({ statusCode: 201, body: event.body, cookies: ["a=1"] });',
      '',
    ].join('\n'),
  });
  for (const stage of ['dev', 'prod']) {
    const r = await lab.cli(dir, ['deploy', '--stage', stage]);
    if (r.code !== 0) throw new Error(r.stderr);
    out[stage] = r.stdout;
  }
}, 90_000);

afterAll(async () => {
  await lab?.close();
});

describe('stages', () => {
  it('runs dev and prod side by side with their own functions and params', async () => {
    for (const [stage, greeting] of [
      ['dev', 'hi'],
      ['prod', 'hello from prod'],
    ]) {
      const c = await lab.lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: `staged-${stage}-greet` }),
      );
      expect(c.Environment?.Variables?.GREETING).toBe(greeting);
      const r = await lab.cli(dir, ['invoke', '-f', 'greet', '--stage', stage, '-d', '{}']);
      expect(JSON.parse(JSON.parse(r.stdout).body)).toMatchObject({ greeting, fn: `staged-${stage}-greet` });
    }
  });

  it('gives each stage its own HTTP API and function URLs, printed by deploy and info', async () => {
    const devApi = urlAfter(out.dev ?? '', 'GET - ');
    const prodApi = urlAfter(out.prod ?? '', 'GET - ');
    expect(devApi).toMatch(/\/greet$/);
    expect(prodApi).toMatch(/\/greet$/);
    expect(devApi).not.toBe(prodApi);
    const greetingAt = async (u: string) =>
      ((await (await fetch(u)).json()) as { greeting: string }).greeting;
    expect(await greetingAt(devApi as string)).toBe('hi');
    expect(await greetingAt(prodApi as string)).toBe('hello from prod');

    const devUrl = urlAfter(out.dev ?? '', 'greet: ');
    const prodUrl = urlAfter(out.prod ?? '', 'greet: ');
    expect(devUrl).toBeDefined();
    expect(devUrl).not.toBe(prodUrl);
    const info = await lab.cli(dir, ['info', '--stage', 'prod']);
    expect(info.stdout).toContain(`endpoints:\n  GET - ${prodApi}\n  greet: ${prodUrl}\n  private: `);
  });

  it('keeps logs apart', async () => {
    const dev = await lab.cli(dir, ['logs', '-f', 'greet', '--stage', 'dev', '--startTime', '1h']);
    const prod = await lab.cli(dir, ['logs', '-f', 'greet', '--stage', 'prod', '--startTime', '1h']);
    expect(dev.code).toBe(0);
    expect(prod.code).toBe(0);
    expect(dev.stdout).not.toBe('');
    const groups = (await (
      await fetch(`${lab.platform.url}/_selfless/logs?group=/aws/lambda/staged-prod-greet`)
    ).json()) as {
      streams: string[];
    };
    expect(groups.streams.length).toBeGreaterThan(0);
  });
});

describe('function URLs', () => {
  it('serve payload 2.0 events at the root of a stable URL', async () => {
    const url = urlAfter(out.dev ?? '', 'greet: ') as string;
    const res = await fetch(`${url}some/path?x=1&x=2`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { domain: string };
    expect(body).toMatchObject({
      greeting: 'hi',
      version: '2.0',
      routeKey: '$default',
      path: '/some/path',
      query: { x: '1,2' },
      accountId: 'anonymous',
    });
    expect(body.domain).toMatch(/^[a-z0-9]{32}\.lambda-url\.eu-west-1\.on\.aws$/);
    // The same URL after a redeploy.
    expect((await lab.cli(dir, ['deploy', '--stage', 'dev', '--force'])).code).toBe(0);
    const info = await lab.cli(dir, ['info', '--stage', 'dev']);
    expect(urlAfter(info.stdout, 'greet: ')).toBe(url);
    expect((await fetch(url)).status).toBe(200);
  });

  it('require SigV4 with aws_iam and answer CORS preflights', async () => {
    const url = urlAfter(out.dev ?? '', 'private: ') as string;
    const anon = await fetch(url, { method: 'POST', body: 'hi' });
    expect(anon.status).toBe(403);
    expect(await anon.json()).toEqual({ Message: 'Forbidden' });
    const signed = await fetch(url, {
      method: 'POST',
      body: 'hi',
      headers: {
        Authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=00',
        Origin: 'https://app.example',
      },
    });
    expect(signed.status).toBe(201);
    expect(await signed.text()).toBe('hi');
    expect(signed.headers.get('set-cookie')).toBe('a=1');
    expect(signed.headers.get('access-control-allow-origin')).toBe('*');
    const config = await lab.lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: 'staged-dev-private' }),
    );
    expect(config).toMatchObject({ FunctionUrl: url, AuthType: 'AWS_IAM', InvokeMode: 'BUFFERED' });
    expect(config.Cors?.AllowOrigins).toEqual(['*']);
    const none = await lab.lambda
      .send(new GetFunctionUrlConfigCommand({ FunctionName: 'staged-dev-nothing' }))
      .catch((e: Error) => e);
    expect((none as Error).name).toBe('ResourceNotFoundException');
    const pre = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-methods')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toContain('Content-Type');
  });
});

describe('remove --stage prod', () => {
  it('removes only that stage', async () => {
    const prodUrl = urlAfter(out.prod ?? '', 'greet: ') as string;
    const removed = await lab.cli(dir, ['remove', '--stage', 'prod']);
    expect(removed.code).toBe(0);
    const gone = (await lab.lambda
      .send(new InvokeCommand({ FunctionName: 'staged-prod-greet' }))
      .catch((e: Error) => e)) as Error;
    expect(gone.name).toBe('ResourceNotFoundException');
    await expect(fetch(prodUrl)).rejects.toThrow();
    const dev = await lab.lambda.send(new InvokeCommand({ FunctionName: 'staged-dev-greet', Payload: '{}' }));
    expect(JSON.parse((json(dev.Payload) as { body: string }).body).greeting).toBe('hi');
    const info = await lab.cli(dir, ['info', '--stage', 'prod']);
    expect(info.code).toBe(1);
    expect(info.stderr).toContain('Service staged is not deployed to stage prod.');
  });
});
