/**
 * What other services use to reach Step Functions: `ctx.service<StepFunctionsFacade>('stepfunctions')`
 * (API Gateway's state-machine `http` events, schedules, EventBridge targets). They never touch the
 * engine's internals. Errors are SelflessErrors whose code is the AWS exception name.
 */

/** A started execution as StartExecution answers it (startDate in epoch ms). */
export interface StartedExecution {
  executionArn: string;
  startDate: number;
}

export interface StepFunctionsFacade {
  /** StartExecution: durable before it resolves; `input` is JSON text (default `{}`). */
  startExecution(input: {
    stateMachineArn: string;
    name?: string;
    input?: string;
  }): Promise<StartedExecution>;
  /** The ARN of a state machine a deployment created, by its key under `stepFunctions.stateMachines`. */
  machineArnFor(service: string, stage: string, key: string): Promise<string | undefined>;
}
