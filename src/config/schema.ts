/**
 * JSON Schema (draft-07) of serverless.yml for provider `aws`, as Serverless v3 validates it
 * (`lib/config-schema.js`, `lib/plugins/aws/provider.js`, per-event schemas), for the keys Selfless
 * supports. `additionalProperties: false` where Serverless has it.
 */

import { HTTP_METHODS } from './http-events.js';

type Schema = Record<string, unknown>;

/** Runtimes accepted by Serverless v3 (and osls additions). */
export const RUNTIMES = [
  'dotnet6',
  'dotnet8',
  'go1.x',
  'java8',
  'java8.al2',
  'java11',
  'java17',
  'java21',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'provided',
  'provided.al2',
  'provided.al2023',
  'python3.7',
  'python3.8',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'ruby2.7',
  'ruby3.2',
  'ruby3.3',
];

/** AWS regions `provider.region` accepts. */
export const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-iso-east-1',
  'us-iso-west-1',
  'us-isob-east-1',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'sa-east-1',
];

/** CloudWatch Logs retention values `logRetentionInDays` accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Serverless's schedule expression syntax: `rate(1 minute)`, `rate(5 minutes)`, 6-field `cron(...)`. */
export const SCHEDULE_PATTERN =
  '^(?:rate\\((?:1 (?:minute|hour|day)|(?:1\\d+|[2-9]\\d*) (?:minute|hour|day)s)\\)|cron\\(\\S+ \\S+ \\S+ \\S+ \\S+ \\S+\\))$';

/** A CloudFormation intrinsic in long form. */
export const CF_FUNCTION_COMMENT = 'cloudformation-intrinsic';
const cfFunction: Schema = {
  $comment: CF_FUNCTION_COMMENT,
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  patternProperties: { '^(Ref|Condition|Fn::[A-Za-z0-9]+)$': {} },
  additionalProperties: false,
};
const stringOrCf: Schema = { anyOf: [{ type: 'string' }, cfFunction] };
const arnOrCf: Schema = { anyOf: [{ type: 'string', pattern: '^arn:' }, cfFunction] };
const stringArray: Schema = { type: 'array', items: { type: 'string' } };
const anyObject: Schema = { type: 'object' };
const tags: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const environment: Schema = {
  type: 'object',
  patternProperties: {
    '^[A-Za-z_][a-zA-Z0-9_]*$': { anyOf: [{ const: '' }, { type: 'string' }, cfFunction] },
  },
  additionalProperties: false,
};
const memorySize: Schema = { type: 'integer', minimum: 128, maximum: 10240 };
const timeout: Schema = { type: 'integer', minimum: 1, maximum: 900 };
const runtime: Schema = { enum: RUNTIMES };
const architecture: Schema = { enum: ['arm64', 'x86_64'] };
const logRetention: Schema = { type: 'integer', enum: LOG_RETENTION_DAYS };
const filterPatterns: Schema = { type: 'array', minItems: 1, maxItems: 10, items: { type: 'object' } };
const inputTransformer: Schema = {
  type: 'object',
  properties: { inputTemplate: { type: 'string' }, inputPathsMap: { type: 'object' } },
  required: ['inputTemplate'],
  additionalProperties: false,
};
const vpc: Schema = {
  anyOf: [
    {
      type: 'object',
      properties: {
        securityGroupIds: { anyOf: [{ type: 'array', maxItems: 5 }, cfFunction] },
        subnetIds: { anyOf: [{ type: 'array', maxItems: 16 }, cfFunction] },
        ipv6AllowedForDualStack: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    { type: 'null' },
  ],
};
const iamStatement: Schema = {
  type: 'object',
  properties: {
    Sid: { type: 'string' },
    Effect: { enum: ['Allow', 'Deny'] },
    // Arrays first: with coerceTypes 'array' a one-item array would otherwise become a string.
    Action: { type: 'array', items: { type: 'string' } },
    NotAction: { type: 'array', items: { type: 'string' } },
    Resource: { anyOf: [{ type: 'array' }, cfFunction] },
    NotResource: { anyOf: [{ type: 'array' }, cfFunction] },
    Principal: {},
    Condition: { type: 'object' },
  },
  required: ['Effect'],
  additionalProperties: false,
};
const packageSchema: Schema = {
  type: 'object',
  properties: {
    artifact: { type: 'string' },
    exclude: stringArray,
    excludeDevDependencies: { type: 'boolean' },
    include: stringArray,
    individually: { type: 'boolean' },
    path: { type: 'string' },
    patterns: stringArray,
  },
  additionalProperties: false,
};
const httpCors: Schema = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      properties: {
        allowCredentials: { type: 'boolean' },
        cacheControl: { type: 'string' },
        headers: stringArray,
        maxAge: { type: 'integer', minimum: 1 },
        methods: { type: 'array', items: { enum: HTTP_METHODS } },
        origin: { type: 'string' },
        origins: stringArray,
      },
      additionalProperties: false,
    },
  ],
};
/** `cors` of provider.httpApi and of function URLs: `true` or the allowed* lists. */
const httpApiCors: Schema = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      properties: {
        allowCredentials: { type: 'boolean' },
        allowedHeaders: stringArray,
        allowedMethods: stringArray,
        allowedOrigins: stringArray,
        exposedResponseHeaders: stringArray,
        maxAge: { type: 'integer', minimum: 0 },
      },
      additionalProperties: false,
    },
  ],
};

const restAuthorizer: Schema = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: {
        arn: stringOrCf,
        authorizerId: stringOrCf,
        claims: stringArray,
        identitySource: { type: 'string' },
        identityValidationExpression: { type: 'string' },
        managedExternally: { type: 'boolean' },
        name: { type: 'string' },
        resultTtlInSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
        scopes: { type: 'array', items: stringOrCf },
        type: {
          type: 'string',
          pattern:
            '^(?:token|TOKEN|request|REQUEST|cognito_user_pools|COGNITO_USER_POOLS|aws_iam|AWS_IAM|custom|CUSTOM)$',
        },
      },
      additionalProperties: false,
    },
  ],
};

/** Per-event schemas, keyed by event type (`functions.<fn>.events[].<type>`). */
export const EVENT_SCHEMAS: Record<string, Schema> = {
  http: {
    anyOf: [
      {
        type: 'string',
        pattern:
          '^(?:\\*|(?:GET|POST|PUT|PATCH|OPTIONS|HEAD|DELETE|ANY|get|post|put|patch|options|head|delete|any) (?:\\/\\S*))$',
      },
      {
        type: 'object',
        properties: {
          async: { type: 'boolean' },
          authorizer: restAuthorizer,
          // serverless-aws-documentation's key; Selfless reads it natively for OpenAPI.
          documentation: anyObject,
          connectionId: stringOrCf,
          connectionType: { type: 'string' },
          cors: httpCors,
          integration: {
            type: 'string',
            pattern:
              '^(?:lambda-proxy|aws_proxy|lambda|aws|http|http-proxy|http_proxy|mock|LAMBDA-PROXY|AWS_PROXY|LAMBDA|AWS|HTTP|HTTP-PROXY|HTTP_PROXY|MOCK)$',
          },
          method: {
            type: 'string',
            pattern:
              '^(?:\\*|[Gg][Ee][Tt]|[Pp][Oo][Ss][Tt]|[Pp][Uu][Tt]|[Pp][Aa][Tt][Cc][Hh]|[Oo][Pp][Tt][Ii][Oo][Nn][Ss]|[Hh][Ee][Aa][Dd]|[Dd][Ee][Ll][Ee][Tt][Ee]|[Aa][Nn][Yy])$',
          },
          operationId: { type: 'string' },
          path: { type: 'string', pattern: '^(?:\\*|\\/?\\S*)$' },
          private: { type: 'boolean' },
          request: anyObject,
          response: anyObject,
        },
        required: ['path', 'method'],
        additionalProperties: false,
      },
    ],
  },
  httpApi: {
    anyOf: [
      {
        type: 'string',
        pattern:
          '^(?:\\*|(?:GET|POST|PUT|PATCH|OPTIONS|HEAD|DELETE|ANY|get|post|put|patch|options|head|delete|any|\\*) \\/\\S*)$',
      },
      {
        type: 'object',
        properties: {
          authorizer: {
            anyOf: [
              { type: 'string' },
              {
                type: 'object',
                properties: {
                  id: stringOrCf,
                  name: { type: 'string' },
                  scopes: stringArray,
                  type: { const: 'aws_iam' },
                },
                additionalProperties: false,
              },
            ],
          },
          documentation: anyObject,
          method: { type: 'string' },
          path: { type: 'string', pattern: '^(?:\\*|\\/\\S*)$' },
        },
        required: ['path'],
        additionalProperties: false,
      },
    ],
  },
  websocket: {
    anyOf: [
      { type: 'string' },
      {
        type: 'object',
        properties: {
          route: { type: 'string' },
          routeResponseSelectionExpression: { const: '$default' },
          authorizer: {
            anyOf: [
              { type: 'string' },
              {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  arn: stringOrCf,
                  identitySource: { anyOf: [{ type: 'string' }, stringArray] },
                },
                additionalProperties: false,
              },
            ],
          },
        },
        required: ['route'],
        additionalProperties: false,
      },
    ],
  },
  sns: {
    anyOf: [
      { type: 'string', maxLength: 256, pattern: '^(?:arn:[a-zA-Z-]+:sns:.+|[\\w-]+)$' },
      {
        type: 'object',
        properties: {
          arn: arnOrCf,
          topicName: { type: 'string', maxLength: 256, pattern: '^[\\w-]+$' },
          displayName: { type: 'string' },
          filterPolicy: anyObject,
          filterPolicyScope: { enum: ['MessageAttributes', 'MessageBody'] },
          redrivePolicy: {
            type: 'object',
            properties: {
              deadLetterTargetArn: { type: 'string' },
              deadLetterTargetRef: { type: 'string' },
              deadLetterTargetImport: anyObject,
            },
            additionalProperties: false,
          },
        },
        anyOf: [{ required: ['arn'] }, { required: ['topicName'] }],
        additionalProperties: false,
      },
    ],
  },
  sqs: {
    anyOf: [
      arnOrCf,
      {
        type: 'object',
        properties: {
          arn: arnOrCf,
          batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
          enabled: { type: 'boolean' },
          maximumBatchingWindow: { type: 'integer', minimum: 0, maximum: 300 },
          functionResponseType: { enum: ['ReportBatchItemFailures'] },
          filterPatterns,
          maximumConcurrency: { type: 'integer', minimum: 2, maximum: 1000 },
        },
        required: ['arn'],
        additionalProperties: false,
      },
    ],
  },
  s3: {
    anyOf: [
      { type: 'string' },
      {
        type: 'object',
        properties: {
          bucket: stringOrCf,
          event: { type: 'string', pattern: '^s3:.+$' },
          existing: { type: 'boolean' },
          forceDeploy: { type: 'boolean' },
          rules: {
            type: 'array',
            items: {
              anyOf: [
                {
                  type: 'object',
                  properties: { prefix: stringOrCf },
                  required: ['prefix'],
                  additionalProperties: false,
                },
                {
                  type: 'object',
                  properties: { suffix: stringOrCf },
                  required: ['suffix'],
                  additionalProperties: false,
                },
              ],
            },
          },
        },
        required: ['bucket'],
        additionalProperties: false,
      },
    ],
  },
  stream: {
    anyOf: [
      arnOrCf,
      {
        type: 'object',
        properties: {
          arn: arnOrCf,
          type: { enum: ['dynamodb', 'kinesis'] },
          batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
          parallelizationFactor: { type: 'integer', minimum: 1, maximum: 10 },
          startingPosition: { enum: ['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP'] },
          startingPositionTimestamp: { type: 'number' },
          enabled: { type: 'boolean' },
          consumer: { anyOf: [{ const: true }, arnOrCf] },
          batchWindow: { type: 'integer', minimum: 0, maximum: 300 },
          maximumRetryAttempts: { type: 'integer', minimum: -1, maximum: 10000 },
          bisectBatchOnFunctionError: { type: 'boolean' },
          maximumRecordAgeInSeconds: {
            anyOf: [{ const: -1 }, { type: 'integer', minimum: 60, maximum: 604800 }],
          },
          functionResponseType: { enum: ['ReportBatchItemFailures'] },
          destinations: {
            type: 'object',
            properties: {
              onFailure: {
                anyOf: [
                  arnOrCf,
                  {
                    type: 'object',
                    properties: { arn: arnOrCf, type: { enum: ['sns', 'sqs'] } },
                    required: ['arn'],
                    additionalProperties: false,
                  },
                ],
              },
            },
            additionalProperties: false,
            required: ['onFailure'],
          },
          tumblingWindowInSeconds: { type: 'integer', minimum: 0, maximum: 900 },
          filterPatterns,
        },
        required: ['arn'],
        additionalProperties: false,
      },
    ],
  },
  schedule: {
    anyOf: [
      { type: 'string', pattern: SCHEDULE_PATTERN },
      {
        type: 'object',
        properties: {
          rate: {
            type: 'array',
            minItems: 1,
            items: { anyOf: [{ type: 'string', pattern: SCHEDULE_PATTERN }, cfFunction] },
          },
          enabled: { type: 'boolean' },
          name: { type: 'string', minLength: 1, maxLength: 64 },
          description: { type: 'string', maxLength: 512 },
          input: { anyOf: [{ type: 'string', maxLength: 8192 }, { type: 'object' }] },
          inputPath: { type: 'string', maxLength: 256 },
          inputTransformer,
          method: { enum: ['eventBus', 'scheduler'] },
          timezone: { type: 'string' },
          role: stringOrCf,
        },
        required: ['rate'],
        additionalProperties: false,
      },
    ],
  },
  eventBridge: {
    type: 'object',
    properties: {
      eventBus: stringOrCf,
      schedule: { type: 'string', pattern: SCHEDULE_PATTERN },
      name: { type: 'string', minLength: 1, maxLength: 64 },
      description: { type: 'string', maxLength: 512 },
      enabled: { type: 'boolean' },
      pattern: {
        type: 'object',
        properties: {
          version: {},
          id: {},
          'detail-type': {},
          source: {},
          account: {},
          time: {},
          region: {},
          resources: {},
          detail: {},
          $or: {},
        },
        additionalProperties: false,
      },
      input: { type: 'object' },
      inputPath: { type: 'string', maxLength: 256 },
      inputTransformer,
      retryPolicy: {
        type: 'object',
        properties: {
          maximumEventAge: { type: 'integer', minimum: 60, maximum: 86400 },
          maximumRetryAttempts: { type: 'integer', minimum: 0, maximum: 185 },
        },
        additionalProperties: false,
      },
      deadLetterQueueArn: stringOrCf,
    },
    anyOf: [{ required: ['pattern'] }, { required: ['schedule'] }],
    additionalProperties: false,
  },
  alb: {
    type: 'object',
    properties: {
      authorizer: { anyOf: [{ type: 'string' }, stringArray] },
      conditions: {
        type: 'object',
        properties: {
          header: { anyOf: [{ type: 'object' }, { type: 'array' }] },
          host: stringArray,
          ip: stringArray,
          method: stringArray,
          path: stringArray,
          query: { type: 'object' },
        },
        additionalProperties: false,
        minProperties: 1,
      },
      healthCheck: { anyOf: [{ type: 'boolean' }, { type: 'object' }] },
      listenerArn: arnOrCf,
      multiValueHeaders: { type: 'boolean' },
      priority: { type: 'integer', minimum: 1, maximum: 50000 },
      targetGroupName: { type: 'string', maxLength: 32 },
    },
    required: ['listenerArn', 'priority', 'conditions'],
    additionalProperties: false,
  },
  cloudwatchLog: {
    anyOf: [
      { type: 'string', pattern: '^[/#A-Za-z0-9-_.]+$' },
      {
        type: 'object',
        properties: {
          logGroup: { type: 'string', pattern: '^[/#A-Za-z0-9-_.]+$' },
          filter: { type: 'string' },
        },
        required: ['logGroup'],
        additionalProperties: false,
      },
    ],
  },
  cloudwatchEvent: {
    type: 'object',
    properties: {
      event: anyObject,
      input: { anyOf: [{ type: 'string' }, anyObject] },
      inputPath: { type: 'string' },
      inputTransformer,
      description: { type: 'string' },
      name: { type: 'string' },
      enabled: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  // Recognized, passed through (not wired by Selfless yet).
  cognitoUserPool: anyObject,
  iot: anyObject,
  iotFleetProvisioning: anyObject,
  alexaSkill: { anyOf: [{ type: 'string' }, anyObject] },
  alexaSmartHome: { anyOf: [{ type: 'string' }, anyObject] },
  cloudFront: anyObject,
  msk: anyObject,
  kafka: anyObject,
  activemq: anyObject,
  rabbitmq: anyObject,
};

const functionSchema: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: '^[a-zA-Z0-9-_]+$', maxLength: 64 },
    handler: { type: 'string' },
    image: { anyOf: [{ type: 'string' }, anyObject] },
    runtime,
    runtimeManagement: {},
    architecture,
    memorySize,
    timeout,
    ephemeralStorageSize: { type: 'integer', minimum: 512, maximum: 10240 },
    environment,
    description: { type: 'string', maxLength: 256 },
    events: { type: 'array', items: { type: 'object' } },
    layers: { anyOf: [{ type: 'array', items: stringOrCf }, cfFunction] },
    package: packageSchema,
    reservedConcurrency: { anyOf: [{ type: 'integer', minimum: 0 }, cfFunction] },
    provisionedConcurrency: { anyOf: [{ type: 'integer', minimum: 0 }, cfFunction] },
    url: {
      anyOf: [
        { type: 'boolean' },
        {
          type: 'object',
          properties: {
            authorizer: { enum: ['aws_iam'] },
            cors: httpApiCors,
            invokeMode: { enum: ['BUFFERED', 'RESPONSE_STREAM'] },
          },
          additionalProperties: false,
        },
      ],
    },
    destinations: {
      type: 'object',
      properties: {
        onSuccess: { anyOf: [{ type: 'string' }, anyObject] },
        onFailure: { anyOf: [{ type: 'string' }, anyObject] },
      },
      additionalProperties: false,
    },
    maximumRetryAttempts: { type: 'integer', minimum: 0, maximum: 2 },
    maximumEventAge: { type: 'integer', minimum: 60, maximum: 21600 },
    onError: stringOrCf,
    tags,
    vpc,
    role: stringOrCf,
    kmsKeyArn: stringOrCf,
    awsKmsKeyArn: stringOrCf,
    tracing: { anyOf: [{ type: 'boolean' }, { enum: ['Active', 'PassThrough'] }] },
    snapStart: { type: 'boolean' },
    condition: { type: 'string' },
    dependsOn: stringArray,
    disableLogs: { type: 'boolean' },
    logRetentionInDays: logRetention,
    logDataProtectionPolicy: anyObject,
    logs: anyObject,
    versionFunction: { type: 'boolean' },
    fileSystemConfig: {
      type: 'object',
      properties: { arn: stringOrCf, localMountPath: { type: 'string', pattern: '^/mnt/[a-zA-Z0-9-_.]+$' } },
      required: ['localMountPath', 'arn'],
      additionalProperties: false,
    },
    httpApi: {
      type: 'object',
      properties: { payload: { enum: ['1.0', '2.0'] } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const providerSchema: Schema = {
  type: 'object',
  properties: {
    name: { const: 'aws' },
    runtime,
    runtimeManagement: {},
    stage: { type: 'string', pattern: '^[a-zA-Z0-9-]+$' },
    region: { enum: REGIONS },
    profile: { type: 'string' },
    stackName: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9-]*$', maxLength: 128 },
    memorySize,
    timeout,
    environment,
    versionFunctions: { type: 'boolean' },
    logRetentionInDays: logRetention,
    logDataProtectionPolicy: anyObject,
    logs: anyObject,
    apiGateway: {
      type: 'object',
      properties: {
        apiKeys: { type: 'array' },
        apiKeySourceType: { enum: ['HEADER', 'AUTHORIZER', 'header', 'authorizer'] },
        binaryMediaTypes: stringArray,
        description: { type: 'string' },
        disableDefaultEndpoint: { type: 'boolean' },
        metrics: { type: 'boolean' },
        minimumCompressionSize: { type: 'integer', minimum: 0, maximum: 10485760 },
        request: anyObject,
        resourcePolicy: { type: 'array' },
        restApiId: stringOrCf,
        restApiResources: { anyOf: [{ type: 'array' }, anyObject] },
        restApiRootResourceId: stringOrCf,
        shouldStartNameWithService: { type: 'boolean' },
        stage: { type: 'string' },
        timeoutInMillis: { type: 'integer', minimum: 50 },
        usagePlan: { anyOf: [anyObject, { type: 'array' }] },
        websocketApiId: stringOrCf,
      },
      additionalProperties: false,
    },
    apiName: { type: 'string' },
    endpointType: {
      anyOf: [
        { enum: ['REGIONAL', 'EDGE', 'PRIVATE'] },
        { type: 'string', pattern: '^(?:regional|edge|private)$' },
      ],
    },
    vpcEndpointIds: { type: 'array' },
    websocketsApiName: { type: 'string' },
    websocketsApiRouteSelectionExpression: { type: 'string' },
    websocketsDescription: { type: 'string' },
    websocket: anyObject,
    httpApi: {
      type: 'object',
      properties: {
        authorizers: { type: 'object', additionalProperties: anyObject },
        cors: httpApiCors,
        disableDefaultEndpoint: { type: 'boolean' },
        id: stringOrCf,
        metrics: { type: 'boolean' },
        name: { type: 'string' },
        payload: { enum: ['1.0', '2.0'] },
        shouldStartNameWithService: { type: 'boolean' },
        useProviderTags: { const: true },
      },
      additionalProperties: false,
    },
    iam: {
      type: 'object',
      properties: {
        role: {
          anyOf: [
            { type: 'string' },
            cfFunction,
            {
              type: 'object',
              properties: {
                name: { type: 'string', maxLength: 64 },
                path: { type: 'string' },
                managedPolicies: { type: 'array', items: stringOrCf },
                statements: { type: 'array', items: iamStatement },
                permissionBoundary: stringOrCf,
                permissionsBoundary: stringOrCf,
                tags,
              },
              additionalProperties: false,
            },
          ],
        },
        deploymentRole: { type: 'string' },
      },
      additionalProperties: false,
    },
    iamRoleStatements: { type: 'array', items: iamStatement },
    iamManagedPolicies: { type: 'array', items: stringOrCf },
    role: stringOrCf,
    rolePermissionsBoundary: stringOrCf,
    cfnRole: { type: 'string' },
    tags,
    stackTags: tags,
    stackPolicy: { type: 'array' },
    stackParameters: { type: 'array' },
    notificationArns: { type: 'array' },
    disableRollback: { type: 'boolean' },
    rollbackConfiguration: anyObject,
    deploymentMethod: { enum: ['changesets', 'direct'] },
    deploymentBucket: { anyOf: [{ type: 'string' }, anyObject] },
    deploymentPrefix: { type: 'string' },
    architecture,
    layers: { type: 'array', items: stringOrCf },
    kmsKeyArn: stringOrCf,
    vpc,
    tracing: {
      type: 'object',
      properties: {
        apiGateway: { type: 'boolean' },
        lambda: { anyOf: [{ type: 'boolean' }, { enum: ['Active', 'PassThrough'] }] },
      },
      additionalProperties: false,
    },
    lambdaHashingVersion: { enum: ['20200924', '20201221'] },
    ecr: anyObject,
    eventBridge: anyObject,
    alb: anyObject,
    cloudFront: anyObject,
    s3: anyObject,
    kinesis: anyObject,
    versionFunctionsHash: {},
    credentials: {},
  },
  required: ['name'],
  additionalProperties: false,
};

const stepFunctionsSchema: Schema = {
  type: 'object',
  properties: {
    stateMachines: { type: 'object', additionalProperties: anyObject },
    activities: { type: 'array' },
    validate: { type: 'boolean' },
    noOutput: { type: 'boolean' },
  },
  additionalProperties: false,
};

/** The whole serverless.yml schema (event bodies are validated separately, see validate.ts). */
export const CONFIG_SCHEMA: Schema = {
  type: 'object',
  properties: {
    service: {
      anyOf: [
        { type: 'string', pattern: '^[a-zA-Z][0-9a-zA-Z-]+$' },
        {
          type: 'object',
          properties: { name: { type: 'string', pattern: '^[a-zA-Z][0-9a-zA-Z-]+$' } },
          required: ['name'],
        },
      ],
    },
    frameworkVersion: { type: 'string' },
    provider: providerSchema,
    functions: {
      type: 'object',
      patternProperties: { '^[a-zA-Z0-9-_]+$': functionSchema },
      additionalProperties: false,
    },
    layers: {
      type: 'object',
      patternProperties: {
        '^[a-zA-Z0-9-_]+$': {
          type: 'object',
          properties: {
            allowedAccounts: stringArray,
            compatibleArchitectures: { type: 'array', maxItems: 2, items: architecture },
            compatibleRuntimes: { type: 'array', maxItems: 15, items: runtime },
            description: { type: 'string', maxLength: 256 },
            licenseInfo: { type: 'string', maxLength: 512 },
            name: { type: 'string' },
            package: packageSchema,
            path: { type: 'string' },
            retain: { type: 'boolean' },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    resources: {
      type: 'object',
      properties: {
        AWSTemplateFormatVersion: { type: 'string' },
        Conditions: anyObject,
        Description: { type: 'string' },
        Mappings: anyObject,
        Metadata: anyObject,
        Outputs: anyObject,
        Parameters: anyObject,
        Resources: anyObject,
        Rules: anyObject,
        Transform: {},
        extensions: anyObject,
      },
      additionalProperties: false,
    },
    custom: anyObject,
    plugins: {
      anyOf: [
        stringArray,
        {
          type: 'object',
          properties: { localPath: { type: 'string' }, modules: stringArray },
          additionalProperties: false,
        },
      ],
    },
    package: packageSchema,
    params: {
      type: 'object',
      patternProperties: { '^[a-zA-Z0-9-]+$': anyObject },
      additionalProperties: false,
    },
    configValidationMode: { enum: ['error', 'warn', 'off'] },
    useDotenv: { const: true },
    variablesResolutionMode: { enum: ['20210219', '20210326'] },
    deprecationNotificationMode: { enum: ['error', 'warn', 'warn:summary'] },
    disabledDeprecations: { anyOf: [{ const: '*' }, stringArray] },
    unresolvedVariablesNotificationMode: { enum: ['error', 'warn'] },
    projectDir: { type: 'string' },
    console: {},
    dashboard: {},
    app: { type: 'string' },
    org: { type: 'string' },
    outputs: anyObject,
    stepFunctions: stepFunctionsSchema,
  },
  required: ['service', 'provider'],
  additionalProperties: false,
};
