/**
 * Names and CloudFormation logical ids exactly as the Serverless Framework v3 derives them
 * (`lib/plugins/aws/lib/naming.js`). Logical ids are contracts: they must match byte for byte.
 */
import { createHash } from 'node:crypto';

/** Upper-cases the first character: `hello` → `Hello`. */
export function normalizeName(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** Function/resource key normalization: `-`→`Dash`, `_`→`Underscore`, upperFirst. */
export function normalizeFunctionName(s: string): string {
  return normalizeName(s.replace(/-/g, 'Dash').replace(/_/g, 'Underscore'));
}

/** Strips everything but `[0-9A-Za-z]`, then upperFirst: `my-topic.v2` → `Mytopicv2`. */
export function normalizeNameToAlphaNumericOnly(s: string): string {
  return normalizeName(s.replace(/[^0-9A-Za-z]/g, ''));
}

/** lodash `capitalize`: first char upper, the rest lower. */
function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1).toLowerCase();
}

/** One path segment: `{id}` → `IdVar`, `my-path` → `MyDashpath`, `userProfile` → `Userprofile`. */
export function normalizePathPart(part: string): string {
  return normalizeName(
    capitalize(part)
      .replace(/-/g, 'Dash')
      .replace(/\{(.*)\}/g, '$1Var')
      .replace(/[^0-9A-Za-z]/g, ''),
  );
}

/** A whole path: `users/{id}` → `UsersIdVar`. */
export function normalizePath(path: string): string {
  return path.split('/').map(normalizePathPart).join('');
}

/** Method as used in logical ids: `get` → `Get`. */
export function normalizeMethodName(method: string): string {
  return normalizeName(method.toLowerCase());
}

/** Deployed function name: `${service}-${stage}-${key}`. */
export function functionName(service: string, stage: string, key: string): string {
  return `${service}-${stage}-${key}`;
}

/** `/aws/lambda/<deployed name>`. */
export function logGroupName(deployedFunctionName: string): string {
  return `/aws/lambda/${deployedFunctionName}`;
}

/** `<Fn>LambdaFunction`. */
export function functionLogicalId(functionKey: string): string {
  return `${normalizeFunctionName(functionKey)}LambdaFunction`;
}

/** `<Fn>LogGroup`. */
export function logGroupLogicalId(functionKey: string): string {
  return `${normalizeFunctionName(functionKey)}LogGroup`;
}

/** `<Fn>LambdaFunctionUrl`. */
export function functionUrlLogicalId(functionKey: string): string {
  return `${normalizeFunctionName(functionKey)}LambdaFunctionUrl`;
}

/** `<Fn>ProvConcLambdaAlias`. */
export function provisionedConcurrencyAliasLogicalId(functionKey: string): string {
  return `${normalizeFunctionName(functionKey)}ProvConcLambdaAlias`;
}

/** `<Fn>LambdaEvConf`. */
export function eventInvokeConfigLogicalId(functionKey: string): string {
  return `${normalizeFunctionName(functionKey)}LambdaEvConf`;
}

/** `<Layer>LambdaLayer`. */
export function layerLogicalId(layerKey: string): string {
  return `${normalizeFunctionName(layerKey)}LambdaLayer`;
}

/** CloudFormation stack name: `provider.stackName` ‖ `${service}-${stage}`. */
export function stackName(service: string, stage: string, explicit?: string): string {
  return explicit ?? `${service}-${stage}`;
}

// ---- API Gateway v1 (REST) ----

/**
 * An API path as its segments joined by single slashes, without leading or trailing ones
 * (`/users//{id}/` → `users/{id}`): the resource path Serverless keys and prints it under.
 */
export function trimPath(path: string): string {
  return path.split('/').filter(Boolean).join('/');
}

/** `ApiGatewayResource<Path>` for a (non-root) resource path. */
export function restResourceLogicalId(path: string): string {
  return `ApiGatewayResource${normalizePath(trimPath(path))}`;
}

/** `ApiGatewayMethod<Path><Method>`; the root path `/` gives `ApiGatewayMethod<Method>`. */
export function restMethodLogicalId(path: string, method: string): string {
  const p = trimPath(path);
  return `ApiGatewayMethod${p === '' ? '' : normalizePath(p)}${normalizeMethodName(method)}`;
}

/** `<Fn>LambdaPermissionApiGateway`. */
export function restPermissionLogicalId(functionKey: string): string {
  return `${normalizeFunctionName(functionKey)}LambdaPermissionApiGateway`;
}

/** `<Fn>ApiGatewayAuthorizer` (authorizer named after a function key or name). */
export function restAuthorizerLogicalId(authorizerName: string): string {
  return `${normalizeFunctionName(authorizerName)}ApiGatewayAuthorizer`;
}

/** REST API name: `apiName` ‖ `${stage}-${service}` ‖ `${service}-${stage}` (shouldStartNameWithService). */
export function restApiName(
  service: string,
  stage: string,
  apiName?: string,
  startWithService = false,
): string {
  if (apiName) return apiName;
  return startWithService ? `${service}-${stage}` : `${stage}-${service}`;
}

// ---- API Gateway v2 (HTTP API) ----

/** `HttpApiRoute<normalizePath(routeKey)>`, `HttpApiRouteDefault` for `*` / `$default`. */
export function httpApiRouteLogicalId(routeKey: string): string {
  if (routeKey === '*' || routeKey === '$default') return 'HttpApiRouteDefault';
  return `HttpApiRoute${normalizePath(routeKey)}`;
}

/** `HttpApiIntegration<Fn>`. */
export function httpApiIntegrationLogicalId(functionKey: string): string {
  return `HttpApiIntegration${normalizeFunctionName(functionKey)}`;
}

/** `<Fn>LambdaPermissionHttpApi`. */
export function httpApiPermissionLogicalId(functionKey: string): string {
  return `${normalizeFunctionName(functionKey)}LambdaPermissionHttpApi`;
}

/** `HttpApiAuthorizer<Name>`. */
export function httpApiAuthorizerLogicalId(name: string): string {
  return `HttpApiAuthorizer${normalizeNameToAlphaNumericOnly(name)}`;
}

// ---- WebSocket ----

/** Route key as used in logical ids: `$connect` → `Sconnect`. */
export function normalizeWebsocketRouteKey(route: string): string {
  return normalizeName(
    route
      .replace(/\$/g, 'S')
      .replace(/\//g, 'Slash')
      .replace(/-/g, 'Dash')
      .replace(/_/g, 'Underscore')
      .replace(/\./g, 'Period'),
  );
}

/** `<Route>WebsocketsRoute`. */
export function websocketRouteLogicalId(route: string): string {
  return `${normalizeWebsocketRouteKey(route)}WebsocketsRoute`;
}

/** `<Fn>WebsocketsIntegration`. */
export function websocketIntegrationLogicalId(functionKey: string): string {
  return `${normalizeFunctionName(functionKey)}WebsocketsIntegration`;
}

// ---- SNS ----

/** `SNSTopic<TopicAlnum>`. */
export function snsTopicLogicalId(topicName: string): string {
  return `SNSTopic${normalizeNameToAlphaNumericOnly(topicName)}`;
}

/** `<Fn>LambdaPermission<TopicAlnum>SNS`. */
export function snsPermissionLogicalId(functionKey: string, topicName: string): string {
  return `${normalizeFunctionName(functionKey)}LambdaPermission${normalizeNameToAlphaNumericOnly(topicName)}SNS`;
}

/** `<Fn>SnsSubscription<TopicAlnum>`. */
export function snsSubscriptionLogicalId(functionKey: string, topicName: string): string {
  return `${normalizeFunctionName(functionKey)}SnsSubscription${normalizeNameToAlphaNumericOnly(topicName)}`;
}

// ---- SQS / streams ----

/** `<Fn>EventSourceMappingSQS<QueueAlnum>`. */
export function sqsEventSourceMappingLogicalId(functionKey: string, queueName: string): string {
  return `${normalizeFunctionName(functionKey)}EventSourceMappingSQS${normalizeNameToAlphaNumericOnly(queueName)}`;
}

/** `<Fn>EventSourceMapping<Dynamodb|Kinesis><StreamAlnum>`. */
export function streamEventSourceMappingLogicalId(
  functionKey: string,
  streamType: 'dynamodb' | 'kinesis',
  streamName: string,
): string {
  return `${normalizeFunctionName(functionKey)}EventSourceMapping${normalizeName(streamType)}${normalizeNameToAlphaNumericOnly(streamName)}`;
}

/** Queue name from an SQS ARN (last `:` segment). */
export function queueNameFromArn(arn: string): string {
  return arn.split(':').pop() ?? arn;
}

/** Table or stream name from a DynamoDB/Kinesis stream ARN. */
export function streamNameFromArn(arn: string): { type: 'dynamodb' | 'kinesis'; name: string } | undefined {
  const parts = arn.split(':');
  const service = parts[2];
  const resource = parts.slice(5).join(':');
  if (service === 'dynamodb') {
    const m = /^table\/([^/]+)/.exec(resource);
    return m ? { type: 'dynamodb', name: m[1]! } : undefined;
  }
  if (service === 'kinesis') {
    const m = /^stream\/([^/]+)/.exec(resource);
    return m ? { type: 'kinesis', name: m[1]! } : undefined;
  }
  return undefined;
}

// ---- S3 ----

/** `S3Bucket<BucketAlnum>`. */
export function s3BucketLogicalId(bucket: string): string {
  return `S3Bucket${normalizeNameToAlphaNumericOnly(bucket)}`;
}

/** `<Fn>LambdaPermission<BucketAlnum>S3`. */
export function s3PermissionLogicalId(functionKey: string, bucket: string): string {
  return `${normalizeFunctionName(functionKey)}LambdaPermission${normalizeNameToAlphaNumericOnly(bucket)}S3`;
}

// ---- schedules, EventBridge, CloudWatch ----

/** `<Fn>EventsRuleSchedule<n>` (n is 1-based per function). */
export function scheduleLogicalId(functionKey: string, n: number): string {
  return `${normalizeFunctionName(functionKey)}EventsRuleSchedule${n}`;
}

/** `<Fn>LambdaPermissionEventsRuleSchedule<n>`. */
export function schedulePermissionLogicalId(functionKey: string, n: number): string {
  return `${normalizeFunctionName(functionKey)}LambdaPermissionEventsRuleSchedule${n}`;
}

/** `<Fn>SchedulerSchedule<n>` (method: scheduler). */
export function schedulerScheduleLogicalId(functionKey: string, n: number): string {
  return `${normalizeFunctionName(functionKey)}SchedulerSchedule${n}`;
}

/** EventBridge rule name `<deployedFn>-rule-<idx>`; names over 64 chars are shortened with a hash. */
export function eventBridgeRuleName(deployedFunctionName: string, idx: number): string {
  const name = `${deployedFunctionName}-rule-${idx}`;
  if (name.length <= 64) return name;
  const hash = createHash('md5').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 64 - hash.length - 1)}-${hash}`;
}

/** `<RuleAlnum>EventBridgeRule`. */
export function eventBridgeRuleLogicalId(ruleName: string): string {
  return `${normalizeNameToAlphaNumericOnly(ruleName)}EventBridgeRule`;
}

/** `<Bus>EventBridgeEventBus`. */
export function eventBusLogicalId(busName: string): string {
  return `${normalizeFunctionName(busName)}EventBridgeEventBus`;
}

/** `<Fn>EventBridgeLambdaPermission<idx>`. */
export function eventBridgePermissionLogicalId(functionKey: string, idx: number): string {
  return `${normalizeFunctionName(functionKey)}EventBridgeLambdaPermission${idx}`;
}

/** `<Fn>EventsRuleCloudWatchEvent<n>`. */
export function cloudWatchEventLogicalId(functionKey: string, n: number): string {
  return `${normalizeFunctionName(functionKey)}EventsRuleCloudWatchEvent${n}`;
}

/** `<Fn>LogsSubscriptionFilterCloudWatchLog<n>`. */
export function cloudWatchLogLogicalId(functionKey: string, n: number): string {
  return `${normalizeFunctionName(functionKey)}LogsSubscriptionFilterCloudWatchLog${n}`;
}

// ---- ALB ----

/** `<Fn>AlbListenerRule<priority>`. */
export function albListenerRuleLogicalId(functionKey: string, priority: number): string {
  return `${normalizeFunctionName(functionKey)}AlbListenerRule${priority}`;
}

/** `<Fn>Alb[MultiValue]TargetGroup<albId>`. */
export function albTargetGroupLogicalId(functionKey: string, albId: string, multiValue: boolean): string {
  return `${normalizeFunctionName(functionKey)}Alb${multiValue ? 'MultiValue' : ''}TargetGroup${albId}`;
}

// ---- Step Functions (serverless-step-functions) ----

/** `<Key>StepFunctionsStateMachine`, or `normalize(id || name)` when either is set. */
export function stateMachineLogicalId(key: string, opts: { id?: string; name?: string } = {}): string {
  const explicit = opts.id ?? opts.name;
  return explicit
    ? normalizeFunctionName(explicit)
    : `${normalizeFunctionName(key)}StepFunctionsStateMachine`;
}
