/** Amazon States Language definition shapes, as parsed JSON (validated by ./validate.ts). */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type QueryLanguage = 'JSONPath' | 'JSONata';

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
  Comment?: string;
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: Json;
  Assign?: Json;
  Comment?: string;
}

/** A Choice rule: a top-level rule has Next; nested And/Or/Not rules do not. */
export interface ChoiceRule {
  Next?: string;
  Condition?: Json;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
  Variable?: string;
  Assign?: Json;
  Output?: Json;
  Comment?: string;
  [operator: string]: unknown;
}

export interface ProcessorDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
  Comment?: string;
  ProcessorConfig?: { Mode?: 'INLINE' | 'DISTRIBUTED'; ExecutionType?: 'STANDARD' | 'EXPRESS' };
}

/** One state, every field optional here; which fields are allowed per type is validate.ts's job. */
export interface StateDefinition {
  Type: 'Task' | 'Pass' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';
  Comment?: string;
  QueryLanguage?: QueryLanguage;
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
  ResultPath?: string | null;
  Parameters?: Json;
  ResultSelector?: Json;
  Arguments?: Json;
  Output?: Json;
  Assign?: Json;
  Result?: Json;
  Resource?: string;
  TimeoutSeconds?: number | string;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number | string;
  HeartbeatSecondsPath?: string;
  Credentials?: Json;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Choices?: ChoiceRule[];
  Default?: string;
  Seconds?: number | string;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
  Branches?: ProcessorDefinition[];
  ItemProcessor?: ProcessorDefinition;
  Iterator?: ProcessorDefinition;
  ItemsPath?: string;
  Items?: Json;
  ItemSelector?: Json;
  ItemReader?: Json;
  ItemBatcher?: Json;
  ResultWriter?: Json;
  Label?: string;
  MaxConcurrency?: number | string;
  MaxConcurrencyPath?: string;
  ToleratedFailurePercentage?: number | string;
  ToleratedFailurePercentagePath?: string;
  ToleratedFailureCount?: number | string;
  ToleratedFailureCountPath?: string;
}

export interface StateMachineDefinition extends ProcessorDefinition {
  Version?: string;
  TimeoutSeconds?: number;
  QueryLanguage?: QueryLanguage;
}
