/**
 * The integration serverless-step-functions gives a state machine's `http` event: an AWS integration
 * calling Step Functions' StartExecution. The default request template makes the request body JSON
 * the execution input (as a string) and the request id its name; `lambda_proxy` passes the
 * Lambda-proxy-style event instead. The answer is StartExecution's own JSON with status 200; errors
 * of Step Functions come back as 400 with their type and message, as the plugin's 4xx mapping does.
 */
import { isSelflessError } from '../../platform/errors.js';
import type { Logger } from '../../platform/service.js';
import type { StepFunctionsFacade } from '../stepfunctions/facade.js';
import { MappingError, parseBody } from './lambda-integration.js';
import type { StateMachineTarget } from './model.js';
import type { GatewayRequest } from './request.js';
import { answers, type GatewayResponse, jsonError } from './response.js';

/** What the integration needs from the gateway for one request. */
export interface StepFunctionsCall {
  target: StateMachineTarget;
  req: GatewayRequest;
  service: string;
  stage: string;
  /** Builds the Lambda-proxy (1.0) event of the request, for `request.template: lambda_proxy`. */
  proxyEvent: () => unknown;
  stepFunctions: StepFunctionsFacade | undefined;
  log: Logger;
}

/** The execution input the route's request template produces; throws MappingError for a bad JSON body. */
export function executionInput(
  target: StateMachineTarget,
  req: GatewayRequest,
  proxyEvent: () => unknown,
): string {
  return JSON.stringify(target.template === 'lambda_proxy' ? proxyEvent() : parseBody(req));
}

/** Runs the StartExecution integration for one request and maps the outcome to the HTTP answer. */
export async function startExecutionIntegration(call: StepFunctionsCall): Promise<GatewayResponse> {
  const { target, req, log } = call;
  let input: string;
  try {
    input = executionInput(target, req, call.proxyEvent);
  } catch (e) {
    if (e instanceof MappingError) return jsonError(400, { message: e.message });
    throw e;
  }
  if (!call.stepFunctions) {
    log.warn(`apigateway: ${req.method} ${req.rawPath} needs Step Functions, which is not running`);
    return answers.restInternal();
  }
  const arn = await call.stepFunctions.machineArnFor(call.service, call.stage, target.key);
  if (!arn) {
    log.warn(`apigateway: state machine ${target.key} of ${call.service}:${call.stage} is not deployed`);
    return answers.restInternal();
  }
  try {
    const r = await call.stepFunctions.startExecution({ stateMachineArn: arn, name: req.requestId, input });
    const body = JSON.stringify({ executionArn: r.executionArn, startDate: r.startDate / 1000 });
    return { statusCode: 200, headers: [['Content-Type', 'application/json']], body: Buffer.from(body) };
  } catch (e) {
    // Step Functions' own refusals (ValidationException, InvalidExecutionInput, ...) are client errors.
    if (isSelflessError(e) && /^[A-Z][A-Za-z.]+$/.test(e.code))
      return jsonError(400, { __type: e.code, message: e.message });
    throw e;
  }
}
