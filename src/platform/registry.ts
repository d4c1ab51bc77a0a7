/**
 * The service plugins the platform runs, in start order (a plugin may use the facades of those
 * before it). Adding a service is one line here.
 */
import { apigatewayPlugin } from '../services/apigateway/plugin.js';
import { dynamodbPlugin } from '../services/dynamodb/plugin.js';
import { eventsPlugin } from '../services/events/plugin.js';
import { kinesisPlugin } from '../services/kinesis/plugin.js';
import { lambdaLifecycle } from '../services/lambda/lifecycle.js';
import { type EnvironmentFactory, lambdaPlugin } from '../services/lambda/plugin.js';
import { logsPlugin } from '../services/logs/plugin.js';
import { s3Plugin } from '../services/s3/plugin.js';
import { snsPlugin } from '../services/sns/plugin.js';
import { sqsPlugin } from '../services/sqs/plugin.js';
import { stepFunctionsPlugin } from '../services/stepfunctions/plugin.js';
import type { ServicePlugin } from './service.js';

export interface RegistryOptions {
  /** Builds Lambda's execution-environment layer. */
  environments: EnvironmentFactory;
}

/** Every service plugin, in start order. */
export function servicePlugins(o: RegistryOptions): ServicePlugin[] {
  const lifecycle = lambdaLifecycle();
  return [
    logsPlugin(),
    lambdaPlugin(lifecycle.instrument(o.environments)),
    lifecycle.plugin,
    apigatewayPlugin(),
    sqsPlugin(),
    snsPlugin(),
    stepFunctionsPlugin(),
    s3Plugin(),
    eventsPlugin(),
    kinesisPlugin(),
    dynamodbPlugin(),
  ];
}
