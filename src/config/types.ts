/**
 * The public shape of a loaded service: what `config/` hands to the CLI and the framework compiler.
 * Everything here is resolved (no `${…}` left), validated and defaulted. Raw CloudFormation values
 * (intrinsics in long form: `{ Ref }`, `{ 'Fn::GetAtt': [...] }`) pass through as `CfValue`.
 */

/** A JSON value, possibly holding CloudFormation intrinsics in their long form. */
export type CfValue = string | number | boolean | null | CfValue[] | { [key: string]: CfValue };

/** Any plain object from the config file. */
export type RawObject = Record<string, unknown>;

export type ConfigValidationMode = 'error' | 'warn' | 'off';
export type Architecture = 'x86_64' | 'arm64';

/** IAM policy statement as written in serverless.yml. */
export interface IamStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: CfValue;
  NotAction?: CfValue;
  Resource?: CfValue;
  NotResource?: CfValue;
  Principal?: CfValue;
  Condition?: CfValue;
}

/** `provider.iam`, with the legacy keys (iamRoleStatements, role, …) folded in. */
export interface IamConfig {
  /** An existing role (ARN, or intrinsic), when the service does not generate one. */
  roleArn?: CfValue;
  /** Generated role settings (when `roleArn` is absent). */
  role: {
    name?: string;
    path?: string;
    statements: IamStatement[];
    managedPolicies: CfValue[];
    permissionsBoundary?: CfValue;
    tags?: Record<string, string>;
  };
  deploymentRole?: string;
}

export interface HttpApiAuthorizerConfig {
  type?: 'jwt' | 'request';
  name?: string;
  identitySource?: string | string[];
  issuerUrl?: string;
  audience?: string | string[];
  functionName?: string;
  functionArn?: CfValue;
  resultTtlInSeconds?: number;
  enableSimpleResponses?: boolean;
  payloadVersion?: '1.0' | '2.0';
  managedExternally?: boolean;
}

export interface HttpApiCors {
  allowedOrigins: string[];
  allowedHeaders: string[];
  allowedMethods?: string[];
  allowCredentials?: boolean;
  exposedResponseHeaders?: string[];
  maxAge?: number;
}

export interface ProviderHttpApiConfig {
  id?: CfValue;
  name?: string;
  /** Payload format version, default '2.0'. */
  payload: '1.0' | '2.0';
  cors?: HttpApiCors;
  authorizers: Record<string, HttpApiAuthorizerConfig>;
  metrics?: boolean;
  disableDefaultEndpoint?: boolean;
  shouldStartNameWithService?: boolean;
}

export interface ApiKeyConfig {
  name?: string;
  value?: string;
  description?: string;
  customerId?: string;
  enabled?: boolean;
  /** Usage plan this key belongs to (multi-plan form), if any. */
  usagePlan?: string;
}

export interface UsagePlanConfig {
  quota?: { limit?: number; offset?: number; period?: 'DAY' | 'WEEK' | 'MONTH' };
  throttle?: { burstLimit?: number; rateLimit?: number };
}

export interface ProviderApiGatewayConfig {
  restApiId?: CfValue;
  restApiRootResourceId?: CfValue;
  restApiResources?: Record<string, CfValue>;
  websocketApiId?: CfValue;
  apiKeys: ApiKeyConfig[];
  apiKeySourceType?: 'HEADER' | 'AUTHORIZER';
  binaryMediaTypes: string[];
  description?: string;
  disableDefaultEndpoint?: boolean;
  metrics?: boolean;
  minimumCompressionSize?: number;
  resourcePolicy?: CfValue[];
  request?: { schemas?: Record<string, { schema: CfValue; name?: string; description?: string }> };
  shouldStartNameWithService?: boolean;
  /** Stage name of the REST API (default: the service stage). */
  stage?: string;
  /** Usage plans by name ('default' for the single-plan form). */
  usagePlans?: Record<string, UsagePlanConfig>;
  timeoutInMillis?: number;
  /** Everything as written, for settings not modelled above. */
  raw: RawObject;
}

export interface ProviderConfig {
  name: 'aws';
  runtime: string;
  stage: string;
  region: string;
  profile?: string;
  stackName: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, CfValue>;
  versionFunctions: boolean;
  logRetentionInDays?: number;
  apiGateway: ProviderApiGatewayConfig;
  httpApi: ProviderHttpApiConfig;
  /** REST API name (`provider.apiName` ‖ `${stage}-${service}` ‖ `${service}-${stage}`). */
  apiName: string;
  /** HTTP API name. */
  httpApiName: string;
  /** WebSocket API name. */
  websocketsApiName: string;
  websocketsApiRouteSelectionExpression: string;
  endpointType?: 'REGIONAL' | 'EDGE' | 'PRIVATE';
  iam: IamConfig;
  tags: Record<string, string>;
  stackTags: Record<string, string>;
  deploymentMethod: 'changesets' | 'direct';
  architecture: Architecture;
  layers: CfValue[];
  vpc?: CfValue;
  tracing?: { apiGateway?: boolean; lambda?: boolean | 'Active' | 'PassThrough' };
  logs?: RawObject;
  kmsKeyArn?: CfValue;
  deploymentBucket?: RawObject;
  deploymentPrefix: string;
  s3?: Record<string, RawObject>;
  alb?: RawObject;
  ecr?: RawObject;
  eventBridge?: RawObject;
  /** `provider` exactly as resolved, for settings not modelled above. */
  raw: RawObject;
}

// ---- function events (discriminated by `type`; `raw` is the event body as written) ----

interface EventBase<T extends string> {
  type: T;
  /** 0-based position in the function's `events` array. */
  index: number;
  /** The event's value as written (`{ http: <raw> }`), resolved. */
  raw: unknown;
}

export type HttpIntegration = 'AWS_PROXY' | 'AWS' | 'HTTP' | 'HTTP_PROXY' | 'MOCK';

export interface HttpCors {
  origin?: string;
  origins: string[];
  headers: string[];
  methods: string[];
  allowCredentials: boolean;
  maxAge?: number;
  cacheControl?: string;
}

export interface RestAuthorizer {
  /** Function key in this service, when the authorizer is one of ours. */
  functionKey?: string;
  name: string;
  arn?: CfValue;
  authorizerId?: CfValue;
  type: 'TOKEN' | 'REQUEST' | 'COGNITO_USER_POOLS' | 'AWS_IAM' | 'CUSTOM';
  resultTtlInSeconds: number;
  identitySource?: string;
  identityValidationExpression?: string;
  scopes?: string[];
  claims?: string[];
  managedExternally?: boolean;
}

export interface HttpEvent extends EventBase<'http'> {
  /**
   * Path without leading or trailing slashes, doubled slashes collapsed (`/users//{id}/` →
   * `users/{id}`; '' for the root); `*` becomes `{proxy+}`.
   */
  path: string;
  /** Upper-case method (GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE), `ANY` for `*`. */
  method: string;
  /** `AWS` when `async: true`. */
  integration: HttpIntegration;
  cors?: HttpCors;
  private: boolean;
  async: boolean;
  authorizer?: RestAuthorizer;
  request?: RawObject;
  response?: RawObject;
  /** serverless-aws-documentation's `documentation:` of the method. */
  documentation?: RawObject;
  operationId?: string;
}

export interface HttpApiEvent extends EventBase<'httpApi'> {
  /** Upper-case method or `ANY`; `*` routes have method ANY and path '*'. */
  method: string;
  /** Path with one leading slash and no trailing or doubled ones, or '*' for the `$default` route. */
  path: string;
  /** `$default` or `<METHOD> <path>`. */
  routeKey: string;
  authorizer?: { name?: string; id?: CfValue; type?: 'aws_iam'; scopes?: string[] };
  /** The event's own `payload`, else the function's `httpApi.payload`, else the provider's. */
  payload: '1.0' | '2.0';
  /** serverless-aws-documentation's `documentation:` of the route. */
  documentation?: RawObject;
}

export interface WebsocketEvent extends EventBase<'websocket'> {
  route: string;
  routeResponseSelectionExpression?: string;
  authorizer?: { functionKey?: string; name?: string; arn?: CfValue; identitySource: string[] };
}

export interface SnsEvent extends EventBase<'sns'> {
  /** Topic ARN when subscribing to an existing topic. */
  arn?: CfValue;
  topicName: string;
  /** True when the framework creates the topic (name only, no ARN). */
  createsTopic: boolean;
  displayName?: string;
  filterPolicy?: CfValue;
  filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
  redrivePolicy?: RawObject;
}

export interface SqsEvent extends EventBase<'sqs'> {
  arn: CfValue;
  /** Queue name (last ARN segment, or derived from an intrinsic's logical id). */
  queueName: string;
  batchSize: number;
  maximumBatchingWindow?: number;
  enabled: boolean;
  functionResponseType?: 'ReportBatchItemFailures';
  filterPatterns?: CfValue[];
  maximumConcurrency?: number;
}

export interface S3Rule {
  prefix?: string;
  suffix?: string;
}

export interface S3Event extends EventBase<'s3'> {
  bucket: CfValue;
  /** Bucket name when it is a plain string. */
  bucketName?: string;
  event: string;
  rules: S3Rule[];
  existing: boolean;
  forceDeploy: boolean;
}

export interface StreamEvent extends EventBase<'stream'> {
  arn: CfValue;
  streamType: 'dynamodb' | 'kinesis';
  /** Table (dynamodb) or stream (kinesis) name. */
  streamName: string;
  batchSize: number;
  startingPosition: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  startingPositionTimestamp?: number;
  enabled: boolean;
  batchWindow?: number;
  maximumRetryAttempts?: number;
  bisectBatchOnFunctionError?: boolean;
  maximumRecordAgeInSeconds?: number;
  parallelizationFactor?: number;
  functionResponseType?: 'ReportBatchItemFailures';
  destinations?: { onFailure?: CfValue | { arn: CfValue; type?: 'sns' | 'sqs' } };
  tumblingWindowInSeconds?: number;
  filterPatterns?: CfValue[];
  consumer?: boolean | string;
}

export interface ScheduleEvent extends EventBase<'schedule'> {
  /** One or more `rate(...)` / `cron(...)` expressions. */
  rates: CfValue[];
  enabled: boolean;
  name?: string;
  description?: string;
  input?: CfValue;
  inputPath?: string;
  inputTransformer?: { inputTemplate: string; inputPathsMap?: Record<string, string> };
  method: 'eventBus' | 'scheduler';
  timezone?: string;
}

export interface EventBridgeEvent extends EventBase<'eventBridge'> {
  eventBus?: CfValue;
  pattern?: RawObject;
  schedule?: string;
  name?: string;
  description?: string;
  enabled: boolean;
  input?: CfValue;
  inputPath?: string;
  inputTransformer?: { inputTemplate: string; inputPathsMap?: Record<string, string> };
  retryPolicy?: { maximumEventAge?: number; maximumRetryAttempts?: number };
  deadLetterQueueArn?: CfValue;
}

export interface AlbEvent extends EventBase<'alb'> {
  listenerArn: CfValue;
  priority: number;
  conditions: RawObject;
  healthCheck?: boolean | RawObject;
  multiValueHeaders: boolean;
  targetGroupName?: string;
  authorizer?: string[];
}

export interface CloudwatchLogEvent extends EventBase<'cloudwatchLog'> {
  logGroup: string;
  filter: string;
}

export interface CloudwatchEventEvent extends EventBase<'cloudwatchEvent'> {
  event?: RawObject;
  input?: CfValue;
  inputPath?: string;
  inputTransformer?: RawObject;
  name?: string;
  description?: string;
  enabled: boolean;
}

/** Events Selfless recognizes but does not model in detail (iot, cognitoUserPool, msk, …). */
export interface OtherEvent extends EventBase<'other'> {
  /** The event type key as written (`iot`, `cognitoUserPool`, …). */
  eventType: string;
}

export type FunctionEvent =
  | HttpEvent
  | HttpApiEvent
  | WebsocketEvent
  | SnsEvent
  | SqsEvent
  | S3Event
  | StreamEvent
  | ScheduleEvent
  | EventBridgeEvent
  | AlbEvent
  | CloudwatchLogEvent
  | CloudwatchEventEvent
  | OtherEvent;

export type FunctionEventType = FunctionEvent['type'];

export interface PackageConfig {
  patterns: string[];
  individually: boolean;
  artifact?: string;
  excludeDevDependencies: boolean;
  path?: string;
  /** Deprecated include/exclude, kept as written. */
  include: string[];
  exclude: string[];
}

export interface FunctionUrlConfig {
  authorizer?: 'aws_iam';
  cors?: {
    allowedOrigins?: string[];
    allowedHeaders?: string[];
    allowedMethods?: string[];
    allowCredentials?: boolean;
    exposedResponseHeaders?: string[];
    maxAge?: number;
  };
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
}

export type Destination = {
  type?: 'function' | 'sns' | 'sqs' | 'eventBus';
  arn?: CfValue;
  functionKey?: string;
};

export interface FunctionConfig {
  /** Key under `functions:`. */
  key: string;
  /** Deployed name: `name:` or `${service}-${stage}-${key}`. */
  name: string;
  /** `file.export` (absent for image functions). */
  handler?: string;
  image?: string | RawObject;
  runtime: string;
  architecture: Architecture;
  memorySize: number;
  timeout: number;
  ephemeralStorageSize?: number;
  /** Provider environment merged with the function's (function wins). */
  environment: Record<string, CfValue>;
  events: FunctionEvent[];
  /** `httpApi.payload` of the function, when set (its httpApi events' default before the provider's). */
  httpApiPayload?: '1.0' | '2.0';
  description?: string;
  reservedConcurrency?: number;
  provisionedConcurrency?: number;
  /** Function layers, or provider layers when the function has none. */
  layers: CfValue[];
  package: PackageConfig;
  url?: FunctionUrlConfig;
  /** `/aws/lambda/<name>`. */
  logGroup: string;
  /** Normalized function key, e.g. `GetDashuser`. */
  normalizedKey: string;
  /** `<Normalized>LambdaFunction`. */
  logicalId: string;
  logRetentionInDays?: number;
  disableLogs: boolean;
  destinations?: { onSuccess?: Destination; onFailure?: Destination };
  maximumRetryAttempts?: number;
  maximumEventAge?: number;
  onError?: CfValue;
  tags: Record<string, string>;
  vpc?: CfValue;
  role?: CfValue;
  kmsKeyArn?: CfValue;
  tracing?: boolean | 'Active' | 'PassThrough';
  condition?: string;
  dependsOn?: string[];
  versionFunction: boolean;
  fileSystemConfig?: RawObject;
  snapStart?: boolean;
  /** The function exactly as resolved, for keys not modelled above. */
  raw: RawObject;
}

export interface LayerConfig {
  key: string;
  /** `name:` or the key itself. */
  name: string;
  path?: string;
  package?: { artifact?: string; patterns?: string[] };
  description?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
  allowedAccounts?: string[];
  retain: boolean;
  /** `<Normalized>LambdaLayer`. */
  logicalId: string;
  raw: RawObject;
}

export interface ResourcesConfig {
  Resources: Record<string, RawObject>;
  Outputs: Record<string, RawObject>;
  Conditions: Record<string, CfValue>;
  Mappings: Record<string, CfValue>;
  Parameters: Record<string, RawObject>;
  Metadata?: RawObject;
  Description?: string;
  AWSTemplateFormatVersion?: string;
  Transform?: CfValue;
  extensions: Record<string, RawObject>;
}

export interface StateMachineConfig {
  key: string;
  name?: string;
  id?: string;
  type: 'STANDARD' | 'EXPRESS';
  role?: CfValue;
  definition: RawObject | string;
  events: RawObject[];
  /** `<Normalized>StepFunctionsStateMachine` or `normalize(id || name)`. */
  logicalId: string;
  raw: RawObject;
}

export interface StepFunctionsConfig {
  stateMachines: Record<string, StateMachineConfig>;
  activities: string[];
  validate: boolean;
  noOutput: boolean;
}

export interface PluginsConfig {
  localPath?: string;
  modules: string[];
}

export interface ServiceConfig {
  service: string;
  frameworkVersion?: string;
  provider: ProviderConfig;
  functions: Record<string, FunctionConfig>;
  layers: Record<string, LayerConfig>;
  resources: ResourcesConfig;
  custom: RawObject;
  plugins: PluginsConfig;
  package: PackageConfig;
  params: Record<string, Record<string, unknown>>;
  stepFunctions?: StepFunctionsConfig;
  configValidationMode: ConfigValidationMode;
  useDotenv: boolean;
  /** `${sls:instanceId}` of this load. */
  instanceId: string;
}

export interface LoadOptions {
  /** Directory to look for serverless.yml in (default process.cwd()). */
  cwd?: string;
  /** Explicit config file (`-c/--config`), relative to cwd. */
  configPath?: string;
  /** CLI flags: stage, region, param (array of k=v), and any other --opt for `${opt:}`. */
  options?: Record<string, string | boolean | string[]>;
  /** Environment for `${env:}` (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** `${sls:instanceId}` (default: Date.now() as a string, one per load). */
  instanceId?: string;
}

export interface LoadedService {
  config: ServiceConfig;
  /** The fully resolved raw config (what `print` shows). */
  resolved: Record<string, unknown>;
  configPath: string;
  serviceDir: string;
  /** Schema warnings and deprecations, each a printable line (or block). */
  warnings: string[];
}
