/**
 * Normalizes one function event (`{ <type>: <config> }`, already schema-checked) into its typed,
 * defaulted form. Problems the schema cannot express are reported through `problem`.
 */
import { type HttpEventContext, parseHttpApiEvent, parseHttpEvent } from './http-events.js';
import { queueNameFromArn, streamNameFromArn } from './naming.js';
import type { CfValue, FunctionEvent, RawObject, S3Rule } from './types.js';

export interface EventContext {
  functionKey: string;
  /** HTTP API payload version of the function (its `httpApi.payload`, else the provider's; default '2.0'). */
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

function httpContext(ctx: EventContext): HttpEventContext {
  return { owner: `function ${ctx.functionKey}`, httpApiPayload: ctx.httpApiPayload, problem: ctx.problem };
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
    case 'http':
      return parseHttpEvent(raw, index, httpContext(ctx));
    case 'httpApi':
      return parseHttpApiEvent(raw, index, httpContext(ctx));
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
