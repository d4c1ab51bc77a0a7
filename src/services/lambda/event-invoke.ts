/**
 * Asynchronous invocation settings (Lambda's EventInvokeConfig): retries, maximum event age and the
 * on-success / on-failure destinations, kept per function and qualifier (`$LATEST`, a version or an
 * alias) as AWS keeps them. serverless.yml `destinations`, `maximumRetryAttempts` and
 * `maximumEventAge` become the `$LATEST` configuration (Serverless compiles them to an
 * `AWS::Lambda::EventInvokeConfig` with `Qualifier: $LATEST`); the Lambda API edits any of them.
 *
 * Table `lambda.event-invoke` (key: `name:qualifier`).
 */
import { SelflessError } from '../../platform/errors.js';
import { isIntrinsic } from '../../platform/resources/intrinsics.js';

export const EVENT_INVOKE = 'lambda.event-invoke';

/** The async settings of one function qualifier. */
export interface EventInvokeConfig {
  functionName: string;
  /** `$LATEST`, a version number or an alias name. */
  qualifier: string;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  /** Destination ARNs (function, SQS queue, SNS topic or EventBridge bus). */
  onSuccess?: string;
  onFailure?: string;
  /** Epoch ms of the last change. */
  lastModified: number;
  /** Written by a deployment from serverless.yml: the next deployment replaces or removes it. */
  fromDeployment?: boolean;
}

/** The settings part of a config, as the API and serverless.yml give them. */
export type EventInvokeSettings = Pick<
  EventInvokeConfig,
  'maximumRetryAttempts' | 'maximumEventAgeInSeconds' | 'onSuccess' | 'onFailure'
>;

export const eventInvokeKey = (functionName: string, qualifier: string) => `${functionName}:${qualifier}`;

/** What a destination ARN names. */
export type DestinationKind = 'lambda' | 'sqs' | 'sns' | 'events';

const DESTINATION = /^arn:aws[a-zA-Z-]*:(lambda|sqs|sns|events):[a-z0-9-]+:\d{12}:(.+)$/;

/** The kind of a destination ARN, or undefined when it names nothing Lambda can deliver to. */
export function destinationKind(arn: string): DestinationKind | undefined {
  const m = DESTINATION.exec(arn);
  if (!m) return undefined;
  const [, service, resource] = m;
  if (service === 'lambda')
    return /^function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?$/.test(resource) ? 'lambda' : undefined;
  if (service === 'events') return /^event-bus\/[A-Za-z0-9._\-/]+$/.test(resource) ? 'events' : undefined;
  return /^[A-Za-z0-9_.-]+$/.test(resource) ? (service as DestinationKind) : undefined;
}

/** The function name a Lambda destination ARN names (without qualifier). */
export function destinationFunctionName(arn: string): string | undefined {
  return /:function:([a-zA-Z0-9-_]+)/.exec(arn)?.[1];
}

/**
 * Checks settings as PutFunctionEventInvokeConfig does; throws INVALID_PARAMETER with AWS's
 * wording. `functionName` is the configured function (it may not be its own destination).
 */
export function validateEventInvokeSettings(s: EventInvokeSettings, functionName: string): void {
  const range = (v: number | undefined, field: string, min: number, max: number) => {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < min || v > max)
      throw new SelflessError(
        'INVALID_PARAMETER',
        `1 validation error detected: Value '${v}' at '${field}' failed to satisfy constraint: Member must have value ${v < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
      );
  };
  range(s.maximumRetryAttempts, 'maximumRetryAttempts', 0, 2);
  range(s.maximumEventAgeInSeconds, 'maximumEventAgeInSeconds', 60, 21600);
  for (const [field, arn] of [
    ['onSuccess', s.onSuccess],
    ['onFailure', s.onFailure],
  ] as const) {
    if (arn === undefined) continue;
    if (!destinationKind(arn))
      throw new SelflessError(
        'INVALID_PARAMETER',
        `The provided destination config DestinationConfig.${field === 'onSuccess' ? 'OnSuccess' : 'OnFailure'}.Destination ${arn} is invalid: it must be the ARN of a Lambda function, an SQS queue, an SNS topic or an EventBridge event bus.`,
      );
    if (destinationFunctionName(arn) === functionName)
      throw new SelflessError(
        'INVALID_PARAMETER',
        "You can't specify the function as a destination for itself.",
      );
  }
}

/** A serverless.yml destination after normalization and intrinsic resolution (see config/normalize.ts). */
interface WrittenDestination {
  type?: string;
  arn?: unknown;
  functionKey?: string;
}

/**
 * The `$LATEST` settings a function's serverless.yml asks for, or undefined when it sets none.
 * `arnOfKey` gives the ARN of another function of the service by its key (undefined if none).
 * A destination still written as an intrinsic (the preflight, before resources exist) is skipped.
 */
export function settingsFromServerless(
  fnKey: string,
  extra: Record<string, unknown> | undefined,
  arnOfKey: (key: string) => string | undefined,
): EventInvokeSettings | undefined {
  if (!extra) return undefined;
  const out: EventInvokeSettings = {};
  if (typeof extra.maximumRetryAttempts === 'number') out.maximumRetryAttempts = extra.maximumRetryAttempts;
  if (typeof extra.maximumEventAge === 'number') out.maximumEventAgeInSeconds = extra.maximumEventAge;
  const destinations = (extra.destinations ?? {}) as Record<string, WrittenDestination | undefined>;
  for (const field of ['onSuccess', 'onFailure'] as const) {
    const d = destinations[field];
    if (!d) continue;
    const where = `functions.${fnKey}.destinations.${field}`;
    let arn: string | undefined;
    if (d.functionKey !== undefined) {
      arn = arnOfKey(d.functionKey);
      if (!arn)
        throw new SelflessError(
          'INVALID_DESTINATION',
          `Function "${d.functionKey}" named in ${where} is not a function of this service.`,
          { where, hint: 'Name a function key of this service, or give an ARN.' },
        );
    } else if (typeof d.arn === 'string') arn = d.arn;
    else if (isIntrinsic(d.arn)) continue;
    else
      throw new SelflessError(
        'INVALID_DESTINATION',
        `${where} must name a function of the service or an ARN.`,
        {
          where,
        },
      );
    const kind = destinationKind(arn);
    if (!kind)
      throw new SelflessError(
        'INVALID_DESTINATION',
        `${where}: ${arn} is not the ARN of a Lambda function, SQS queue, SNS topic or EventBridge event bus.`,
        { where },
      );
    const declared = { function: 'lambda', sqs: 'sqs', sns: 'sns', eventBus: 'events' }[d.type ?? ''];
    if (d.type !== undefined && declared !== kind)
      throw new SelflessError('INVALID_DESTINATION', `${where}: type ${d.type} does not match ${arn}.`, {
        where,
      });
    out[field] = arn;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The dead-letter target of a function's serverless.yml `onError` (an SNS topic or SQS queue
 * ARN), or undefined when unset; throws for anything else, as Serverless does (v3 takes both).
 */
export function deadLetterFromServerless(
  fnKey: string,
  extra: Record<string, unknown> | undefined,
): string | undefined {
  const v = extra?.onError;
  // Still an intrinsic during the preflight, before the resources it names exist.
  if (v === undefined || v === null || isIntrinsic(v)) return undefined;
  const kind = typeof v === 'string' ? destinationKind(v) : undefined;
  if (kind !== 'sns' && kind !== 'sqs')
    throw new SelflessError('INVALID_ON_ERROR', 'onError config must be a SNS topic arn or SQS queue arn', {
      where: `functions.${fnKey}.onError`,
    });
  return v as string;
}
