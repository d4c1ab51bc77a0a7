/**
 * Task resources the engine can call: Lambda (plain function ARNs and `lambda:invoke`), SNS publish,
 * SQS sendMessage and Step Functions startExecution, with AWS's result shapes and error names.
 * Every service is reached through its facade, never its internals.
 */
import { randomUUID } from 'node:crypto';
import { isSelflessError } from '../../platform/errors.js';
import type { LambdaFacade } from '../lambda/facade.js';
import { StatesError } from './asl/errors.js';
import type { TaskCall } from './asl/ports.js';
import type { Json, JsonObject } from './asl/types.js';
import type { S3Reader } from './item-reader.js';

/** What the engine needs from SQS (the SQS engine's sendMessage shape). */
export interface SqsSender {
  sendMessage(
    queueRef: string,
    input: {
      body: string;
      delaySeconds?: number;
      messageAttributes?: Record<string, unknown>;
      groupId?: string;
      dedupId?: string;
    },
  ): Promise<{ MessageId: string; MD5OfMessageBody: string; SequenceNumber?: string }>;
}

/** What the engine needs from SNS. */
export interface SnsPublisher {
  publish(input: {
    topicArn?: string;
    targetArn?: string;
    phoneNumber?: string;
    message: string;
    subject?: string;
    messageAttributes?: Record<string, unknown>;
    messageStructure?: string;
    messageGroupId?: string;
    messageDeduplicationId?: string;
  }): Promise<{ MessageId: string; SequenceNumber?: string }>;
}

/** Starting child executions (`states:startExecution`), provided by the engine itself. */
export interface ExecutionStarter {
  start(
    stateMachineArn: string,
    input: Json | undefined,
    name: string | undefined,
  ): Promise<{ executionArn: string; startDate: number }>;
  /** Resolves when the execution closes, with its description. */
  awaitClose(executionArn: string, signal: AbortSignal): Promise<ChildDescription>;
  stop(executionArn: string): Promise<void>;
}

/** A closed child execution as DescribeExecution reports it. */
export interface ChildDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: string;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** The facades available to integrations; missing ones make their resources fail as AWS would for an unknown service. */
export interface IntegrationDeps {
  lambda?: LambdaFacade;
  sqs?: SqsSender;
  sns?: SnsPublisher;
  /** S3 objects for Map ItemReader. */
  s3?: S3Reader;
  executions?: ExecutionStarter;
}

function sdkMetadata(requestId: string, extraHeaders: Record<string, string> = {}): JsonObject {
  const headers = { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId, ...extraHeaders };
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

function asObject(v: Json, what: string): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new StatesError('States.Runtime', `The ${what} parameters must be a JSON object.`);
  return v;
}

function requireString(params: JsonObject, field: string, service: string): string {
  const v = params[field];
  if (typeof v !== 'string' || v === '')
    throw new StatesError(
      `${service}.ValidationException`,
      `1 validation error detected: Value null at '${field[0].toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  return v;
}

function textOf(v: Json | undefined): string {
  return typeof v === 'string' ? v : JSON.stringify(v ?? null);
}

/** Maps a facade failure to `<Service>.<Exception>` with a Java-SDK-like cause. */
function serviceError(service: string, serviceId: string, e: unknown): StatesError {
  if (e instanceof StatesError) return e;
  const code = isSelflessError(e) ? e.code : 'ServiceException';
  const message = e instanceof Error ? e.message : String(e);
  const name = exceptionName(code);
  return new StatesError(
    `${service}.${name}`,
    `${message} (Service: ${serviceId}; Status Code: 400; Error Code: ${name}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

function exceptionName(code: string): string {
  if (/^[A-Z][A-Za-z.]+$/.test(code)) return code.replace(/^AWS\.SimpleQueueService\./, '');
  // SELFLESS_STYLE_CODES → PascalCase + Exception
  const pascal = code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return pascal.endsWith('Exception') ? pascal : `${pascal}Exception`;
}

/** Calls a Lambda function; resolves with its parsed result or throws the function's error as AWS names it. */
async function invokeFunction(
  lambda: LambdaFacade,
  functionName: string,
  payload: Json,
  opts: {
    qualifier?: string;
    invocationType?: 'RequestResponse' | 'Event' | 'DryRun';
    clientContext?: string;
    logTail?: boolean;
  } = {},
): Promise<{
  statusCode: number;
  payload: Json;
  executedVersion: string;
  requestId: string;
  logTail?: string;
}> {
  let result: Awaited<ReturnType<LambdaFacade['invoke']>>;
  try {
    result = await lambda.invoke({
      functionName,
      qualifier: opts.qualifier,
      payload: JSON.stringify(payload),
      invocationType: opts.invocationType,
      clientContext: opts.clientContext,
      logTail: opts.logTail,
    });
  } catch (e) {
    throw serviceError('Lambda', 'AWSLambda', e);
  }
  const text = result.payload.toString('utf8');
  if (result.functionError) {
    let errorType = 'Lambda.Unknown';
    try {
      const parsed = JSON.parse(text) as { errorType?: unknown };
      if (typeof parsed.errorType === 'string' && parsed.errorType !== '') errorType = parsed.errorType;
    } catch {
      // A crash with a non-JSON payload keeps AWS's generic name.
    }
    throw new StatesError(errorType, text);
  }
  let parsed: Json = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      parsed = text;
    }
  }
  return {
    statusCode: result.statusCode,
    payload: parsed,
    executedVersion: result.executedVersion ?? '$LATEST',
    requestId: result.requestId,
    logTail: result.logTail,
  };
}

/** Runs one Task call against the platform's services (the TaskPort's invoke). */
export async function invokeIntegration(deps: IntegrationDeps, call: TaskCall): Promise<Json> {
  const { resource } = call;
  if (resource.kind === 'lambda-function') {
    if (!deps.lambda)
      throw new StatesError('Lambda.ServiceException', 'The Lambda service is not available.');
    return (await invokeFunction(deps.lambda, resource.resource, call.input)).payload;
  }
  if (resource.kind === 'activity')
    throw new StatesError('States.Runtime', `Activities are not supported: ${resource.resource}`);
  const key = `${resource.service}:${resource.action}`;
  switch (key) {
    case 'lambda:invoke':
      return lambdaInvoke(deps, call);
    case 'sns:publish':
      return snsPublish(deps, call);
    case 'sqs:sendMessage':
      return sqsSendMessage(deps, call);
    case 'states:startExecution':
      return startExecution(deps, call);
    default:
      throw new StatesError(
        'States.Runtime',
        `The resource '${resource.resource}' is not supported by this platform (supported: lambda:invoke, sns:publish, sqs:sendMessage, states:startExecution and Lambda function ARNs).`,
      );
  }
}

async function lambdaInvoke(deps: IntegrationDeps, call: TaskCall): Promise<Json> {
  if (!deps.lambda) throw new StatesError('Lambda.ServiceException', 'The Lambda service is not available.');
  const params = asObject(call.input, 'lambda:invoke');
  const functionName = requireString(params, 'FunctionName', 'Lambda');
  const invocationType =
    (params.InvocationType as 'RequestResponse' | 'Event' | 'DryRun' | undefined) ?? 'RequestResponse';
  const payload = params.Payload === undefined ? {} : params.Payload;
  const r = await invokeFunction(
    deps.lambda,
    functionName,
    typeof payload === 'string' ? tryParse(payload) : payload,
    {
      qualifier: typeof params.Qualifier === 'string' ? params.Qualifier : undefined,
      invocationType,
      clientContext: typeof params.ClientContext === 'string' ? params.ClientContext : undefined,
      logTail: params.LogType === 'Tail',
    },
  );
  const out: JsonObject = {
    ExecutedVersion: r.executedVersion,
    Payload: invocationType === 'RequestResponse' ? r.payload : '',
    ...sdkMetadata(r.requestId, { 'X-Amz-Executed-Version': r.executedVersion }),
    StatusCode: r.statusCode,
  };
  if (r.logTail !== undefined) out.LogResult = Buffer.from(r.logTail).toString('base64');
  return out;
}

function tryParse(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

async function snsPublish(deps: IntegrationDeps, call: TaskCall): Promise<Json> {
  if (!deps.sns)
    throw new StatesError('SNS.AmazonSNSException', 'The SNS service is not available on this platform.');
  const p = asObject(call.input, 'sns:publish');
  if (p.Message === undefined)
    throw new StatesError('SNS.InvalidParameterException', 'Invalid parameter: Empty message');
  try {
    const r = await deps.sns.publish({
      topicArn: p.TopicArn as string | undefined,
      targetArn: p.TargetArn as string | undefined,
      phoneNumber: p.PhoneNumber as string | undefined,
      message: textOf(p.Message),
      subject: p.Subject as string | undefined,
      messageAttributes: p.MessageAttributes as Record<string, unknown> | undefined,
      messageStructure: p.MessageStructure as string | undefined,
      messageGroupId: p.MessageGroupId as string | undefined,
      messageDeduplicationId: p.MessageDeduplicationId as string | undefined,
    });
    return {
      MessageId: r.MessageId,
      ...(r.SequenceNumber ? { SequenceNumber: r.SequenceNumber } : {}),
      ...sdkMetadata(randomUUID()),
    };
  } catch (e) {
    throw serviceError('SNS', 'AmazonSNS', e);
  }
}

async function sqsSendMessage(deps: IntegrationDeps, call: TaskCall): Promise<Json> {
  if (!deps.sqs)
    throw new StatesError('SQS.AmazonSQSException', 'The SQS service is not available on this platform.');
  const p = asObject(call.input, 'sqs:sendMessage');
  const queueUrl = requireString(p, 'QueueUrl', 'SQS');
  if (p.MessageBody === undefined)
    throw new StatesError('SQS.AmazonSQSException', 'The request must contain the parameter MessageBody.');
  try {
    const r = await deps.sqs.sendMessage(queueUrl, {
      body: textOf(p.MessageBody),
      delaySeconds: typeof p.DelaySeconds === 'number' ? p.DelaySeconds : undefined,
      messageAttributes: p.MessageAttributes as Record<string, unknown> | undefined,
      groupId: p.MessageGroupId as string | undefined,
      dedupId: p.MessageDeduplicationId as string | undefined,
    });
    return {
      MD5OfMessageBody: r.MD5OfMessageBody,
      MessageId: r.MessageId,
      ...(r.SequenceNumber ? { SequenceNumber: r.SequenceNumber } : {}),
      ...sdkMetadata(randomUUID()),
    };
  } catch (e) {
    throw serviceError('SQS', 'AmazonSQS', e);
  }
}

async function startExecution(deps: IntegrationDeps, call: TaskCall): Promise<Json> {
  if (!deps.executions) throw new StatesError('States.Runtime', 'Child executions are not available.');
  const p = asObject(call.input, 'states:startExecution');
  const arn = requireString(p, 'StateMachineArn', 'StepFunctions');
  const input = p.Input === undefined ? undefined : typeof p.Input === 'string' ? tryParse(p.Input) : p.Input;
  let started: { executionArn: string; startDate: number };
  try {
    started = await deps.executions.start(arn, input, typeof p.Name === 'string' ? p.Name : undefined);
  } catch (e) {
    throw serviceError('StepFunctions', 'AWSStepFunctions', e);
  }
  const response: JsonObject = {
    ExecutionArn: started.executionArn,
    StartDate: started.startDate,
    ...sdkMetadata(randomUUID()),
  };
  if (call.resource.pattern !== 'sync' && call.resource.pattern !== 'sync:2') return response;
  call.submitted(response);
  let child: ChildDescription;
  try {
    child = await deps.executions.awaitClose(started.executionArn, call.signal);
  } catch (e) {
    if (call.signal.aborted) await deps.executions.stop(started.executionArn).catch(() => {});
    throw e;
  }
  const parsed = call.resource.pattern === 'sync:2';
  const described: JsonObject = {
    ExecutionArn: child.executionArn,
    Input: parsed ? tryParse(child.input) : child.input,
    InputDetails: { Included: true },
    Name: child.name,
    StartDate: child.startDate,
    StateMachineArn: child.stateMachineArn,
    Status: child.status,
    StopDate: child.stopDate ?? null,
  };
  if (child.status === 'SUCCEEDED') {
    described.Output = parsed ? tryParse(child.output ?? 'null') : (child.output ?? null);
    described.OutputDetails = { Included: true };
    return described;
  }
  if (child.error !== undefined) described.Error = child.error;
  if (child.cause !== undefined) described.Cause = child.cause;
  throw new StatesError('States.TaskFailed', JSON.stringify(described));
}
