/**
 * OpenAPI 3.1 documents for a service's APIs, generated from the routes (http / httpApi events) plus
 * serverless-aws-documentation's format: `custom.documentation` (api info, tags, models as JSON
 * Schemas) and each event's `documentation` (summary, description, pathParams, queryParams,
 * requestHeaders, requestModels, methodResponses), and `request.schemas` / `request.parameters`.
 */
import { apiEventOf, eventEntry, isObj } from '../services/apigateway/events.js';
import type { ApiSource } from '../services/apigateway/source.js';

type Obj = Record<string, unknown>;

export interface OpenApiOptions {
  /** Which API to document: the REST API (`http` events) or the HTTP API (`httpApi` events). */
  kind: 'rest' | 'http';
  /** Base URL for `servers` (e.g. `http://127.0.0.1:3000/dev`). */
  serverUrl?: string;
}

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** Which kinds of API a source has: `rest` when it has http events, `http` when it has httpApi events. */
export function apiKinds(src: ApiSource): Array<'rest' | 'http'> {
  const kinds = new Set<'rest' | 'http'>();
  for (const f of src.functions)
    for (const ev of f.events) {
      const e = eventEntry(ev);
      if (e?.[0] === 'http') kinds.add('rest');
      if (e?.[0] === 'httpApi') kinds.add('http');
    }
  return (['rest', 'http'] as const).filter((k) => kinds.has(k));
}

/** A component name OpenAPI accepts (`^[a-zA-Z0-9._-]+$`). */
function componentName(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]/g, '_');
}

/**
 * Converts an API Gateway model schema (usually draft-04) to a JSON Schema 2020-12 value:
 * `{{model: Other}}` references point at components, draft-04 boolean exclusive bounds become numbers.
 */
export function convertSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(convertSchema);
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$schema' || (k === 'id' && typeof v === 'string')) continue;
    if (k === '$ref' && typeof v === 'string') {
      const m = /^\{\{\s*model:\s*([^}]+?)\s*\}\}$/.exec(v);
      out.$ref = m ? `#/components/schemas/${componentName(m[1]!)}` : v;
      continue;
    }
    out[k] = convertSchema(v);
  }
  if (out.exclusiveMaximum === true && typeof out.maximum === 'number') {
    out.exclusiveMaximum = out.maximum;
    delete out.maximum;
  } else if (typeof out.exclusiveMaximum === 'boolean') delete out.exclusiveMaximum;
  if (out.exclusiveMinimum === true && typeof out.minimum === 'number') {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  } else if (typeof out.exclusiveMinimum === 'boolean') delete out.exclusiveMinimum;
  return out;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function listOf(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** `{proxy+}` is not valid OpenAPI path templating: document it as `{proxy}`. */
function openApiPath(path: string): string {
  return path.replace(/\{([^}]+)\+\}/g, '{$1}');
}

function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]!);
}

interface RouteDoc {
  functionKey: string;
  method: string;
  path: string;
  documentation: Obj;
  request?: Obj;
  private?: boolean;
  authorizer?: string;
  operationId?: string;
}

function collectRoutes(src: ApiSource, kind: 'rest' | 'http'): RouteDoc[] {
  const routes: RouteDoc[] = [];
  for (const f of src.functions) {
    f.events.forEach((ev, i) => {
      const e = apiEventOf(ev, i, f.key, f.httpApiPayload ?? '2.0');
      if (kind === 'rest' && e?.type === 'http') {
        routes.push({
          functionKey: f.key,
          method: e.method,
          path: `/${e.path}`,
          documentation: e.documentation ?? {},
          request: e.request,
          private: e.private,
          authorizer: text(e.authorizer?.name),
          operationId: e.operationId,
        });
      } else if (kind === 'http' && e?.type === 'httpApi') {
        routes.push({
          functionKey: f.key,
          method: e.method,
          path: e.path === '*' ? '/{proxy+}' : e.path,
          documentation: e.documentation ?? {},
          authorizer: text(e.authorizer?.name),
        });
      }
    });
  }
  return routes;
}

function modelRef(name: string, models: Set<string>): Obj {
  return models.has(name) ? { $ref: `#/components/schemas/${componentName(name)}` } : {};
}

function operationFor(route: RouteDoc, src: ApiSource, models: Set<string>, usedIds: Set<string>): Obj {
  const doc = route.documentation;
  const op: Obj = {};
  if (text(doc.summary)) op.summary = doc.summary;
  if (text(doc.description)) op.description = doc.description;
  if (Array.isArray(doc.tags)) op.tags = doc.tags.map(String);
  let opId =
    route.operationId ??
    `${route.functionKey}${route.method === 'ANY' ? 'Any' : route.method[0] + route.method.slice(1).toLowerCase()}`;
  while (usedIds.has(opId)) opId = `${opId}_`;
  usedIds.add(opId);
  op.operationId = opId;

  const params: Obj[] = [];
  const pathDocs = new Map(listOf(doc.pathParams).map((p) => [String(p.name), p]));
  for (const name of pathParamNames(route.path)) {
    const d = pathDocs.get(name);
    params.push({
      name,
      in: 'path',
      required: true,
      ...(text(d?.description) ? { description: d!.description } : {}),
      schema: { type: 'string' },
    });
  }
  const reqParams = isObj(route.request?.parameters) ? (route.request!.parameters as Obj) : {};
  const required = (group: unknown, name: string): boolean => {
    if (!isObj(group)) return false;
    const v = group[name];
    return v === true || (isObj(v) && v.required === true);
  };
  const addParams = (location: 'query' | 'header', docs: Obj[], group: unknown) => {
    const seen = new Set<string>();
    for (const d of docs) {
      const name = String(d.name);
      seen.add(name);
      params.push({
        name,
        in: location,
        required: d.required === true || required(group, name),
        ...(text(d.description) ? { description: d.description } : {}),
        schema: { type: 'string' },
      });
    }
    if (isObj(group))
      for (const name of Object.keys(group))
        if (!seen.has(name))
          params.push({ name, in: location, required: required(group, name), schema: { type: 'string' } });
  };
  addParams('query', listOf(doc.queryParams), reqParams.querystrings);
  addParams('header', listOf(doc.requestHeaders), reqParams.headers);
  if (params.length > 0) op.parameters = params;

  const content: Obj = {};
  if (isObj(doc.requestModels))
    for (const [type, model] of Object.entries(doc.requestModels))
      content[type] = { schema: modelRef(String(model), models) };
  const schemas = isObj(route.request?.schemas) ? (route.request!.schemas as Obj) : {};
  const shared =
    isObj(src.apiGateway.request) && isObj(src.apiGateway.request.schemas)
      ? src.apiGateway.request.schemas
      : {};
  for (const [type, v] of Object.entries(schemas)) {
    if (content[type]) continue;
    if (typeof v === 'string')
      content[type] = { schema: { $ref: `#/components/schemas/${componentName(v)}` } };
    else if (isObj(v) && isObj(v.schema)) content[type] = { schema: convertSchema(v.schema) };
    else content[type] = { schema: convertSchema(v) };
  }
  void shared;
  if (Object.keys(content).length > 0) {
    const body: Obj = { content, required: Object.keys(schemas).length > 0 };
    const rb = isObj(doc.requestBody) ? doc.requestBody : undefined;
    if (text(rb?.description)) body.description = rb!.description;
    op.requestBody = body;
  }

  const responses: Obj = {};
  for (const r of listOf(doc.methodResponses)) {
    const code = String(r.statusCode ?? '200');
    const resp: Obj = {
      description: text(isObj(r.responseBody) ? r.responseBody.description : undefined) ?? `${code} response`,
    };
    const headers: Obj = {};
    for (const h of listOf(r.responseHeaders))
      headers[String(h.name)] = {
        ...(text(h.description) ? { description: h.description } : {}),
        schema: { type: 'string' },
      };
    if (Object.keys(headers).length > 0) resp.headers = headers;
    if (isObj(r.responseModels)) {
      const c: Obj = {};
      for (const [type, model] of Object.entries(r.responseModels))
        c[type] = { schema: modelRef(String(model), models) };
      resp.content = c;
    }
    responses[code] = resp;
  }
  if (Object.keys(responses).length === 0) responses['200'] = { description: '200 response' };
  op.responses = responses;

  const security: Obj[] = [];
  if (route.authorizer) security.push({ [componentName(route.authorizer)]: [] });
  if (route.private) security.push({ api_key: [] });
  if (security.length > 0) op.security = [Object.assign({}, ...security)];
  return op;
}

/** Generates the OpenAPI 3.1 document of one of a service's APIs. */
export function generateOpenApi(src: ApiSource, opts: OpenApiOptions): Obj {
  const docs = src.documentation;
  const api = isObj(docs.api) ? docs.api : {};
  const info = isObj(api.info) ? api.info : {};
  const defaultTitle = opts.kind === 'rest' ? `${src.stage}-${src.service}` : `${src.stage}-${src.service}`;
  const outInfo: Obj = {
    title: text(info.title) ?? defaultTitle,
    version: text(info.version) ?? (docs.version !== undefined ? String(docs.version) : '1'),
  };
  for (const k of ['description', 'termsOfService']) if (text(info[k])) outInfo[k] = info[k];
  if (isObj(info.contact)) outInfo.contact = info.contact;
  if (isObj(info.license) && text(info.license.name)) outInfo.license = info.license;

  const schemas: Obj = {};
  const models = new Set<string>();
  for (const m of listOf(docs.models)) {
    if (!text(m.name)) continue;
    models.add(String(m.name));
    const s = convertSchema(m.schema ?? {}) as Obj;
    schemas[componentName(String(m.name))] =
      text(m.description) && isObj(s) && !s.description ? { ...s, description: m.description } : s;
  }
  const shared =
    isObj(src.apiGateway.request) && isObj(src.apiGateway.request.schemas)
      ? src.apiGateway.request.schemas
      : {};
  for (const [id, v] of Object.entries(shared)) {
    const name = componentName(id);
    if (schemas[name]) continue;
    schemas[name] = convertSchema(isObj(v) && 'schema' in v ? v.schema : v);
  }

  const routes = collectRoutes(src, opts.kind);
  const paths: Obj = {};
  const usedIds = new Set<string>();
  const securitySchemes: Obj = {};
  for (const r of routes) {
    const p = openApiPath(r.path);
    const item = (paths[p] ?? {}) as Obj;
    paths[p] = item;
    const op = operationFor(r, src, models, usedIds);
    if (r.method === 'ANY') item['x-amazon-apigateway-any-method'] = op;
    else if (OPERATION_METHODS.includes(r.method.toLowerCase())) item[r.method.toLowerCase()] = op;
    if (r.private) securitySchemes.api_key = { type: 'apiKey', name: 'x-api-key', in: 'header' };
    if (r.authorizer) {
      const authDefs = isObj(src.httpApi.authorizers) ? src.httpApi.authorizers : {};
      const def = isObj(authDefs[r.authorizer]) ? (authDefs[r.authorizer] as Obj) : undefined;
      securitySchemes[componentName(r.authorizer)] =
        def && def.type !== 'request'
          ? { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }
          : { type: 'apiKey', name: 'Authorization', in: 'header' };
    }
  }

  const doc: Obj = { openapi: '3.1.0', info: outInfo };
  if (opts.serverUrl) doc.servers = [{ url: opts.serverUrl }];
  const tags = listOf(api.tags).filter((t) => text(t.name));
  if (tags.length > 0)
    doc.tags = tags.map((t) => ({
      name: t.name,
      ...(text(t.description) ? { description: t.description } : {}),
    }));
  doc.paths = paths;
  const components: Obj = {};
  if (Object.keys(schemas).length > 0) components.schemas = schemas;
  if (Object.keys(securitySchemes).length > 0) components.securitySchemes = securitySchemes;
  if (Object.keys(components).length > 0) doc.components = components;
  return doc;
}
