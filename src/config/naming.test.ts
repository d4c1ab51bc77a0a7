import { describe, expect, it } from 'vitest';
import {
  eventBridgeRuleName,
  functionLogicalId,
  httpApiRouteLogicalId,
  layerLogicalId,
  normalizeFunctionName,
  normalizeNameToAlphaNumericOnly,
  normalizePath,
  normalizePathPart,
  restMethodLogicalId,
  restPermissionLogicalId,
  restResourceLogicalId,
  s3BucketLogicalId,
  scheduleLogicalId,
  snsPermissionLogicalId,
  snsTopicLogicalId,
  sqsEventSourceMappingLogicalId,
  stateMachineLogicalId,
  streamEventSourceMappingLogicalId,
  trimPath,
  websocketRouteLogicalId,
} from './naming.js';

describe('normalization helpers (§5.1)', () => {
  it('normalizes function keys', () => {
    expect(normalizeFunctionName('hello')).toBe('Hello');
    expect(normalizeFunctionName('hello-world')).toBe('HelloDashworld');
    expect(normalizeFunctionName('my_func')).toBe('MyUnderscorefunc');
    expect(normalizeFunctionName('createUser')).toBe('CreateUser');
  });

  it('strips to alphanumerics', () => {
    expect(normalizeNameToAlphaNumericOnly('my-topic.v2')).toBe('Mytopicv2');
  });

  it('normalizes path parts, lower-casing the rest', () => {
    expect(normalizePathPart('users')).toBe('Users');
    expect(normalizePathPart('{id}')).toBe('IdVar');
    expect(normalizePathPart('userProfile')).toBe('Userprofile');
    expect(normalizePathPart('my-path')).toBe('MyDashpath');
    expect(normalizePathPart('{proxy+}')).toBe('ProxyVar');
    expect(normalizePathPart('{user_id}')).toBe('UseridVar');
    expect(normalizePath('users/{id}')).toBe('UsersIdVar');
  });
});

describe('Appendix A vectors', () => {
  it('REST resources and methods', () => {
    expect(restResourceLogicalId('users')).toBe('ApiGatewayResourceUsers');
    expect(restResourceLogicalId('users/{id}')).toBe('ApiGatewayResourceUsersIdVar');
    expect(restMethodLogicalId('users/{id}', 'get')).toBe('ApiGatewayMethodUsersIdVarGet');
    expect(restMethodLogicalId('/', 'GET')).toBe('ApiGatewayMethodGet');
    expect(restResourceLogicalId('/users//{id}/')).toBe('ApiGatewayResourceUsersIdVar');
  });

  it('trims API paths to their segments joined by single slashes', () => {
    expect(trimPath('/users/{id}/')).toBe('users/{id}');
    expect(trimPath('users//{id}')).toBe('users/{id}');
    expect(trimPath('//')).toBe('');
    expect(trimPath('{proxy+}')).toBe('{proxy+}');
  });

  it('HTTP API routes', () => {
    expect(httpApiRouteLogicalId('GET /users/{id}')).toBe('HttpApiRouteGetUsersIdVar');
    expect(httpApiRouteLogicalId('*')).toBe('HttpApiRouteDefault');
    expect(httpApiRouteLogicalId('$default')).toBe('HttpApiRouteDefault');
  });

  it('SNS, SQS, streams and schedules', () => {
    expect(snsTopicLogicalId('dispatch')).toBe('SNSTopicDispatch');
    expect(snsPermissionLogicalId('hello', 'dispatch')).toBe('HelloLambdaPermissionDispatchSNS');
    expect(sqsEventSourceMappingLogicalId('hello', 'my-queue')).toBe('HelloEventSourceMappingSQSMyqueue');
    expect(streamEventSourceMappingLogicalId('hello', 'dynamodb', 'Users')).toBe(
      'HelloEventSourceMappingDynamodbUsers',
    );
    expect(scheduleLogicalId('cron', 1)).toBe('CronEventsRuleSchedule1');
    expect(scheduleLogicalId('cron', 2)).toBe('CronEventsRuleSchedule2');
  });

  it('the worked example: shop / create-order / POST /orders/{id}', () => {
    expect(functionLogicalId('create-order')).toBe('CreateDashorderLambdaFunction');
    expect(restResourceLogicalId('orders')).toBe('ApiGatewayResourceOrders');
    expect(restResourceLogicalId('orders/{id}')).toBe('ApiGatewayResourceOrdersIdVar');
    expect(restMethodLogicalId('orders/{id}', 'POST')).toBe('ApiGatewayMethodOrdersIdVarPost');
    expect(restPermissionLogicalId('create-order')).toBe('CreateDashorderLambdaPermissionApiGateway');
  });
});

describe('other logical ids', () => {
  it('websocket routes, S3 buckets, layers, state machines, EventBridge rule names', () => {
    expect(websocketRouteLogicalId('$connect')).toBe('SconnectWebsocketsRoute');
    expect(s3BucketLogicalId('my-bucket')).toBe('S3BucketMybucket');
    expect(layerLogicalId('common-libs')).toBe('CommonDashlibsLambdaLayer');
    expect(stateMachineLogicalId('order-flow')).toBe('OrderDashflowStepFunctionsStateMachine');
    expect(stateMachineLogicalId('x', { name: 'my-machine' })).toBe('MyDashmachine');
    expect(stateMachineLogicalId('x', { id: 'Flow', name: 'n' })).toBe('Flow');
    expect(eventBridgeRuleName('svc-dev-fn', 1)).toBe('svc-dev-fn-rule-1');
    const long = eventBridgeRuleName('a'.repeat(70), 1);
    expect(long.length).toBe(64);
  });
});
