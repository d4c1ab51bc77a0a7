import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { loadService } from '../config/index.js';
import type { ApiSource } from '../services/apigateway/source.js';
import { type ConfigLike, sourceFromConfig } from '../services/apigateway/source.js';
import { apiKinds, convertSchema, generateOpenApi } from './openapi.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions navigate generated JSON documents.
type Json = Record<string, any>;

async function expectValid(doc: unknown) {
  const result = await new Validator().validate(doc as Record<string, unknown>);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
}

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

describe('OpenAPI generation', () => {
  it('documents the workshop example (models in files, pathParams, methodResponses) as valid OpenAPI 3.1', async () => {
    const loaded = await loadService({ cwd: path.resolve('examples/http-api') });
    const src = sourceFromConfig(loaded.config as unknown as ConfigLike);
    expect(apiKinds(src)).toEqual(['rest', 'http']);
    const doc = generateOpenApi(src, { kind: 'rest', serverUrl: 'http://127.0.0.1:3000/dev' }) as Json;
    await expectValid(doc);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Hello API', version: '1' });
    const op = doc.paths['/hello/{name}'].get;
    expect(op.summary).toBe('Greet someone');
    expect(op.parameters).toEqual([
      {
        name: 'name',
        in: 'path',
        required: true,
        description: 'Who to greet, e.g. Berlin',
        schema: { type: 'string' },
      },
    ]);
    expect(op.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Greeting',
    });
    expect(doc.components.schemas.Greeting.required).toEqual(['message']);
    expect(doc.components.schemas.Greeting.$schema).toBeUndefined();
    await expectValid(generateOpenApi(src, { kind: 'http' }));
  });

  it('documents request schemas, required parameters, greedy paths, ANY, private and authorized methods', async () => {
    const src = source({
      apiGateway: {
        apiKeys: ['k1'],
        request: {
          schemas: { 'order-model': { schema: { type: 'object', required: ['id'] }, name: 'OrderModel' } },
        },
      },
      functions: [
        {
          key: 'create',
          name: 'shop-dev-create',
          events: [
            {
              http: {
                path: 'orders',
                method: 'post',
                private: true,
                request: {
                  schemas: { 'application/json': 'order-model' },
                  parameters: { querystrings: { dryRun: true }, headers: { 'X-Trace': false } },
                },
              },
            },
            { http: { path: 'files/{proxy+}', method: 'any', authorizer: 'auth' } },
            { http: 'GET /orders/{id}' },
          ],
        },
        { key: 'auth', name: 'shop-dev-auth', events: [] },
      ],
    });
    const doc = generateOpenApi(src, { kind: 'rest' }) as Json;
    await expectValid(doc);
    const post = doc.paths['/orders'].post;
    expect(post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/order-model',
    });
    expect(post.requestBody.required).toBe(true);
    expect(post.parameters).toContainEqual({
      name: 'dryRun',
      in: 'query',
      required: true,
      schema: { type: 'string' },
    });
    expect(post.security).toEqual([{ api_key: [] }]);
    expect(doc.components.securitySchemes.api_key).toEqual({
      type: 'apiKey',
      name: 'x-api-key',
      in: 'header',
    });
    const any = doc.paths['/files/{proxy}']['x-amazon-apigateway-any-method'];
    expect(any.parameters[0]).toMatchObject({ name: 'proxy', in: 'path', required: true });
    expect(any.security).toEqual([{ auth: [] }]);
    expect(doc.paths['/orders/{id}'].get.operationId).toBe('createGet');
  });

  it('converts draft-04 models: {{model: X}} references and boolean exclusive bounds', () => {
    expect(
      convertSchema({
        $schema: 'http://json-schema.org/draft-04/schema#',
        type: 'object',
        properties: {
          item: { $ref: '{{model: Item}}' },
          n: { type: 'number', maximum: 5, exclusiveMaximum: true },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: { item: { $ref: '#/components/schemas/Item' }, n: { type: 'number', exclusiveMaximum: 5 } },
    });
  });

  it('names the REST API <stage>-<service> when the documentation gives no title', async () => {
    const doc = generateOpenApi(
      source({ functions: [{ key: 'a', name: 'a', events: [{ http: 'GET /' }] }] }),
      {
        kind: 'rest',
      },
    ) as Json;
    expect(doc.info).toEqual({ title: 'dev-shop', version: '1' });
    expect(Object.keys(doc.paths)).toEqual(['/']);
    await expectValid(doc);
  });

  it('documents paths as the gateway serves them and rejects what it cannot serve', async () => {
    const events = [
      { http: 'GET users//{id}/' },
      { http: { path: '/orders/', method: 'get', authorizer: 'arn:aws:lambda:us-east-1:1:function:ext' } },
      { httpApi: 'POST /users//{id}/' },
    ];
    const src = source({ functions: [{ key: 'a', name: 'a', events }] });
    const rest = generateOpenApi(src, { kind: 'rest' }) as Json;
    expect(Object.keys(rest.paths)).toEqual(['/users/{id}', '/orders']);
    expect(rest.paths['/orders'].get.security).toEqual([{ ext: [] }]);
    await expectValid(rest);
    const http = generateOpenApi(src, { kind: 'http' }) as Json;
    expect(Object.keys(http.paths)).toEqual(['/users/{id}']);
    const fetch = source({ functions: [{ key: 'a', name: 'a', events: [{ http: 'FETCH /x' }] }] });
    expect(() => generateOpenApi(fetch, { kind: 'rest' })).toThrow(
      'Unsupported method "FETCH" in function a for http event: use GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, ANY or *',
    );
  });
});
