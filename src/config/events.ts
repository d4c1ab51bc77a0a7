/**
 * Normalizes one function event (`{ <type>: <config> }`, already schema-checked) into its typed,
 * defaulted form. Problems the schema cannot express are reported through `problem`.
 */
import { queueNameFromArn, streamNameFromArn, trimPath } from './naming.js';
import type {
  CfValue,
  FunctionEvent,
  HttpCors,
  HttpIntegration,
  RawObject,
  RestAuthorizer,
  S3Rule,
} from './types.js';

/** Headers `cors: true` allows, for REST and HTTP APIs. */
export const DEFAULT_CORS_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
  'X-Amzn-Trace-Id',
];

export interface EventContext {
  functionKey: string;
  /** Provider-level HTTP API payload version (default '2.0'). */
  httpApiPayload: '1.0' | '2.0';
  /** Reports a problem at a path relative to this event (`['http', 'method']`). */
  problem: (relPath: string[], message: string) => void;
}

function obj(v: unknown): RawObject {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as RawObject) : {};
}

/** Logical id or name behind an intrinsic (`Fn::GetAtt: [Queue, Arn]` → `Queue`), or a plain string's tail. */
export function nameFromArnValue(arn: unknown, fromString: (s: string) => string): string | undefined {
  if (typeof arn === 'string') return fromString(arn);
  const o = obj(arn);
  const getAtt = o['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof o.Ref === 'string') return o.Ref;
  const imp = o['Fn::ImportValue'];
  if (typeof imp === 'string') return imp;
  return undefined;
}

/** serverless.yml `integration:` values of http events and the API Gateway types they stand for. */
export const HTTP_INTEGRATIONS: Record<string, HttpIntegration> = {
  'lambda-proxy': 'AWS_PROXY',
  aws_proxy: 'AWS_PROXY',
  lambda: 'AWS',
  aws: 'AWS',
  http: 'HTTP',
  'http-proxy': 'HTTP_PROXY',
  http_proxy: 'HTTP_PROXY',
  mock: 'MOCK',
};

function httpCors(raw: unknown, method: string): HttpCors | undefined {
  if (raw === undefined || raw === false || raw === null) return undefined;
  const o = raw === true ? {} : obj(raw);
  const origins = Array.isArray(o.origins)
    ? (o.origins as string[])
    : typeof o.origin === 'string'
      ? [o.origin]
      : ['*'];
  const methods = new Set<string>(Array.isArray(o.methods) ? (o.methods as string[]) : []);
  methods.add('OPTIONS');
  methods.add(method);
  return {
    origin: typeof o.origin === 'string' ? o.origin : undefined,
    origins,
    headers: Array.isArray(o.headers) ? (o.headers as string[]) : [...DEFAULT_CORS_HEADERS],
    methods: [...methods],
    allowCredentials: o.allowCredentials === true,
    maxAge: typeof o.maxAge === 'number' ? o.maxAge : undefined,
    cacheControl: typeof o.cacheControl === 'string' ? o.cacheControl : undefined,
  };
}

function restAuthorizer(raw: unknown): RestAuthorizer | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = typeof raw === 'string' ? {} : obj(raw);
  const ref = typeof raw === 'string' ? raw : undefined;
  if (ref?.toLowerCase() === 'aws_iam' || String(o.type ?? '').toLowerCase() === 'aws_iam') {
    return { name: 'aws_iam', type: 'AWS_IAM', resultTtlInSeconds: 0 };
  }
  const arn = ref?.startsWith('arn:') ? ref : (o.arn as CfValue | undefined);
  const arnName = typeof arn === 'string' ? (arn.split(':').pop() ?? arn) : undefined;
  const functionKey = ref && !ref.startsWith('arn:') ? ref : undefined;
  const name = (o.name as string | undefined) ?? functionKey ?? arnName ?? 'authorizer';
  let type = String(o.type ?? '').toUpperCase() as RestAuthorizer['type'] | '';
  if (!type) type = typeof arn === 'string' && arn.includes(':cognito-idp:') ? 'COGNITO_USER_POOLS' : 'TOKEN';
  const ttl = typeof o.resultTtlInSeconds === 'number' ? o.resultTtlInSeconds : 300;
  const identitySource =
    (o.identitySource as string | undefined) ??
    (type === 'REQUEST' && ttl === 0 ? undefined : 'method.request.header.Authorization');
  return {
    functionKey:
      arn === undefined && !o.authorizerId ? (functionKey ?? (o.name as string | undefined)) : undefined,
    name,
    arn,
    authorizerId: o.authorizerId as CfValue | undefined,
    type,
    resultTtlInSeconds: ttl,
    identitySource,
    identityValidationExpression: o.identityValidationExpression as string | undefined,
    scopes: o.scopes as string[] | undefined,
    claims: o.claims as string[] | undefined,
    managedExternally: o.managedExternally as boolean | undefined,
  };
}

function splitRoute(s: string): { method: string; path: string } {
  const sp = s.indexOf(' ');
  return sp < 0 ? { method: '', path: s } : { method: s.slice(0, sp), path: s.slice(sp + 1).trim() };
}

function arnService(arn: string): string | undefined {
  return arn.split(':')[2];
}

/** Typed event for `events[index]` of a function; undefined when the problem was reported. */
export function normalizeEvent(
  rawEvent: RawObject,
  index: number,
  ctx: EventContext,
): FunctionEvent | undefined {
  const [type] = Object.keys(rawEvent);
  if (!type) return undefined;
  const raw = rawEvent[type];
  const o = obj(raw);
  const base = { index, raw };
  switch (type) {
    case 'http': {
      const { method, path } =
        typeof raw === 'string'
          ? splitRoute(raw)
          : { method: String(o.method ?? ''), path: String(o.path ?? '') };
      const m = method === '*' ? 'ANY' : method.toUpperCase();
      const integrationRaw = typeof o.integration === 'string' ? o.integration.toLowerCase() : 'lambda-proxy';
      const isAsync = o.async === true;
      return {
        type: 'http',
        ...base,
        path: trimPath(path),
        method: m,
        integration: isAsync ? 'AWS' : (HTTP_INTEGRATIONS[integrationRaw] ?? 'AWS_PROXY'),
        cors: httpCors(o.cors, m),
        private: o.private === true,
        async: isAsync,
        authorizer: restAuthorizer(o.authorizer),
        request: o.request as RawObject | undefined,
        response: o.response as RawObject | undefined,
        operationId: o.operationId as string | undefined,
      };
    }
    case 'httpApi': {
      let method: string;
      let path: string;
      if (typeof raw === 'string') {
        if (raw.trim() === '*') {
          method = 'ANY';
          path = '*';
        } else {
          ({ method, path } = splitRoute(raw.trim()));
        }
      } else {
        path = String(o.path ?? '');
        method = typeof o.method === 'string' ? o.method : '';
        if (!method && path !== '*') {
          ctx.problem(
            ['httpApi'],
            `Missing "method" property in function ${ctx.functionKey} for httpApi event in serverless.yml`,
          );
          return undefined;
        }
      }
      method = method === '*' || method === '' ? 'ANY' : method.toUpperCase();
      const routeKey = path === '*' ? '$default' : `${method} ${path}`;
      const auth = o.authorizer;
      return {
        type: 'httpApi',
        ...base,
        method,
        path,
        routeKey,
        authorizer:
          typeof auth === 'string'
            ? { name: auth }
            : auth && typeof auth === 'object'
              ? (auth as { name?: string; id?: CfValue; type?: 'aws_iam'; scopes?: string[] })
              : undefined,
        payload: ctx.httpApiPayload,
      };
    }
    case 'websocket': {
      const route = typeof raw === 'string' ? raw : String(o.route);
      const a = o.authorizer;
      let authorizer:
        | { functionKey?: string; name?: string; arn?: CfValue; identitySource: string[] }
        | undefined;
      if (typeof a === 'string') {
        authorizer = a.startsWith('arn:')
          ? { arn: a, name: a.split(':').pop(), identitySource: ['route.request.header.Auth'] }
          : { functionKey: a, name: a, identitySource: ['route.request.header.Auth'] };
      } else if (a && typeof a === 'object') {
        const ao = a as RawObject;
        const ids = ao.identitySource;
        authorizer = {
          functionKey: ao.arn ? undefined : (ao.name as string | undefined),
          name: ao.name as string | undefined,
          arn: ao.arn as CfValue | undefined,
          identitySource: Array.isArray(ids)
            ? (ids as string[])
            : typeof ids === 'string'
              ? [ids]
              : ['route.request.header.Auth'],
        };
      }
      return {
        type: 'websocket',
        ...base,
        route,
        routeResponseSelectionExpression: o.routeResponseSelectionExpression as string | undefined,
        authorizer,
      };
    }
    case 'sns': {
      if (typeof raw === 'string') {
        const isArn = raw.startsWith('arn:');
        return {
          type: 'sns',
          ...base,
          arn: isArn ? raw : undefined,
          topicName: isArn ? (raw.split(':').pop() ?? raw) : raw,
          createsTopic: !isArn,
        };
      }
      const arn = o.arn as CfValue | undefined;
      const topicName =
        (o.topicName as string | undefined) ?? nameFromArnValue(arn, (s) => s.split(':').pop() ?? s);
      if (!topicName) {
        ctx.problem(
          ['sns'],
          `Missing "topicName" for an sns event whose "arn" is not a plain ARN in function ${ctx.functionKey}`,
        );
        return undefined;
      }
      return {
        type: 'sns',
        ...base,
        arn,
        topicName,
        createsTopic: arn === undefined,
        displayName: o.displayName as string | undefined,
        filterPolicy: o.filterPolicy as CfValue | undefined,
        filterPolicyScope: o.filterPolicyScope as 'MessageAttributes' | 'MessageBody' | undefined,
        redrivePolicy: o.redrivePolicy as RawObject | undefined,
      };
    }
    case 'sqs': {
      const arn = (typeof raw === 'string' || !('arn' in o) ? raw : o.arn) as CfValue;
      const queueName = nameFromArnValue(arn, queueNameFromArn);
      if (!queueName) {
        ctx.problem(
          ['sqs'],
          `Cannot tell the queue name of the sqs event in function ${ctx.functionKey}: use an ARN or Fn::GetAtt/Ref`,
        );
        return undefined;
      }
      return {
        type: 'sqs',
        ...base,
        arn,
        queueName,
        batchSize: typeof o.batchSize === 'number' ? o.batchSize : 10,
        maximumBatchingWindow: o.maximumBatchingWindow as number | undefined,
        enabled: o.enabled !== false,
        functionResponseType: o.functionResponseType as 'ReportBatchItemFailures' | undefined,
        filterPatterns: o.filterPatterns as CfValue[] | undefined,
        maximumConcurrency: o.maximumConcurrency as number | undefined,
      };
    }
    case 's3': {
      const bucket = (typeof raw === 'string' ? raw : o.bucket) as CfValue;
      const rules = Array.isArray(o.rules) ? (o.rules as S3Rule[]) : [];
      return {
        type: 's3',
        ...base,
        bucket,
        bucketName: typeof bucket === 'string' ? bucket : undefined,
        event: typeof o.event === 'string' ? o.event : 's3:ObjectCreated:*',
        rules,
        existing: o.existing === true,
        forceDeploy: o.forceDeploy === true,
      };
    }
    case 'stream': {
      const arn = (typeof raw === 'string' ? raw : o.arn) as CfValue;
      const fromArn = typeof arn === 'string' ? streamNameFromArn(arn) : undefined;
      const streamType = (o.type as 'dynamodb' | 'kinesis' | undefined) ?? fromArn?.type;
      if (!streamType) {
        ctx.problem(
          ['stream'],
          `Missing "type" ("dynamodb" or "kinesis") for the stream event in function ${ctx.functionKey}`,
        );
        return undefined;
      }
      const streamName = fromArn?.name ?? nameFromArnValue(arn, (s) => s);
      if (!streamName) {
        ctx.problem(
          ['stream'],
          `Cannot tell the stream name of the stream event in function ${ctx.functionKey}`,
        );
        return undefined;
      }
      return {
        type: 'stream',
        ...base,
        arn,
        streamType,
        streamName,
        batchSize: typeof o.batchSize === 'number' ? o.batchSize : 10,
        startingPosition:
          (o.startingPosition as 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP' | undefined) ?? 'TRIM_HORIZON',
        startingPositionTimestamp: o.startingPositionTimestamp as number | undefined,
        enabled: o.enabled !== false,
        batchWindow: o.batchWindow as number | undefined,
        maximumRetryAttempts: o.maximumRetryAttempts as number | undefined,
        bisectBatchOnFunctionError: o.bisectBatchOnFunctionError as boolean | undefined,
        maximumRecordAgeInSeconds: o.maximumRecordAgeInSeconds as number | undefined,
        parallelizationFactor: o.parallelizationFactor as number | undefined,
        functionResponseType: o.functionResponseType as 'ReportBatchItemFailures' | undefined,
        destinations: o.destinations as { onFailure?: CfValue } | undefined,
        tumblingWindowInSeconds: o.tumblingWindowInSeconds as number | undefined,
        filterPatterns: o.filterPatterns as CfValue[] | undefined,
        consumer: o.consumer as boolean | string | undefined,
      };
    }
    case 'schedule': {
      const rates =
        typeof raw === 'string' ? [raw] : Array.isArray(o.rate) ? (o.rate as CfValue[]) : [o.rate as CfValue];
      if (typeof o.name === 'string' && rates.length > 1) {
        ctx.problem(
          ['schedule', 'name'],
          `"name" cannot be set on a schedule event with several rates in function ${ctx.functionKey}`,
        );
        return undefined;
      }
      const given = [o.input, o.inputPath, o.inputTransformer].filter((x) => x !== undefined).length;
      if (given > 1) {
        ctx.problem(
          ['schedule'],
          `Only one of "input", "inputPath" or "inputTransformer" may be set on a schedule event in function ${ctx.functionKey}`,
        );
        return undefined;
      }
      return {
        type: 'schedule',
        ...base,
        rates,
        enabled: o.enabled !== false,
        name: o.name as string | undefined,
        description: o.description as string | undefined,
        input: o.input as CfValue | undefined,
        inputPath: o.inputPath as string | undefined,
        inputTransformer: o.inputTransformer as { inputTemplate: string } | undefined,
        method: (o.method as 'eventBus' | 'scheduler' | undefined) ?? 'eventBus',
        timezone: o.timezone as string | undefined,
      };
    }
    case 'eventBridge':
      return {
        type: 'eventBridge',
        ...base,
        eventBus: o.eventBus as CfValue | undefined,
        pattern: o.pattern as RawObject | undefined,
        schedule: o.schedule as string | undefined,
        name: o.name as string | undefined,
        description: o.description as string | undefined,
        enabled: o.enabled !== false,
        input: o.input as CfValue | undefined,
        inputPath: o.inputPath as string | undefined,
        inputTransformer: o.inputTransformer as { inputTemplate: string } | undefined,
        retryPolicy: o.retryPolicy as { maximumEventAge?: number; maximumRetryAttempts?: number } | undefined,
        deadLetterQueueArn: o.deadLetterQueueArn as CfValue | undefined,
      };
    case 'alb': {
      const auth = o.authorizer;
      return {
        type: 'alb',
        ...base,
        listenerArn: o.listenerArn as CfValue,
        priority: o.priority as number,
        conditions: obj(o.conditions),
        healthCheck: o.healthCheck as boolean | RawObject | undefined,
        multiValueHeaders: o.multiValueHeaders === true,
        targetGroupName: o.targetGroupName as string | undefined,
        authorizer: typeof auth === 'string' ? [auth] : (auth as string[] | undefined),
      };
    }
    case 'cloudwatchLog':
      return {
        type: 'cloudwatchLog',
        ...base,
        logGroup: typeof raw === 'string' ? raw : String(o.logGroup),
        filter: typeof o.filter === 'string' ? o.filter : '',
      };
    case 'cloudwatchEvent':
      return {
        type: 'cloudwatchEvent',
        ...base,
        event: o.event as RawObject | undefined,
        input: o.input as CfValue | undefined,
        inputPath: o.inputPath as string | undefined,
        inputTransformer: o.inputTransformer as RawObject | undefined,
        name: o.name as string | undefined,
        description: o.description as string | undefined,
        enabled: o.enabled !== false,
      };
    default:
      return { type: 'other', ...base, eventType: type };
  }
}

/** Destination type from an ARN's service (`lambda` → function, `events` → eventBus). */
export function destinationTypeFromArn(arn: string): 'function' | 'sns' | 'sqs' | 'eventBus' | undefined {
  switch (arnService(arn)) {
    case 'lambda':
      return 'function';
    case 'sns':
      return 'sns';
    case 'sqs':
      return 'sqs';
    case 'events':
      return 'eventBus';
    default:
      return undefined;
  }
}
