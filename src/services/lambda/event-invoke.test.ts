import { describe, expect, it } from 'vitest';
import {
  deadLetterFromServerless,
  destinationKind,
  settingsFromServerless,
  validateEventInvokeSettings,
} from './event-invoke.js';
import { settingsFromBody } from './event-invoke-api.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:failures';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alerts';
const BUS = 'arn:aws:events:us-east-1:000000000000:event-bus/default';

describe('destination ARNs', () => {
  it('knows functions (with a qualifier), queues, topics and event buses', () => {
    expect(destinationKind(`${FN}:audit`)).toBe('lambda');
    expect(destinationKind(`${FN}:audit:live`)).toBe('lambda');
    expect(destinationKind(`${FN}:audit:$LATEST`)).toBe('lambda');
    expect(destinationKind(QUEUE)).toBe('sqs');
    expect(destinationKind(TOPIC)).toBe('sns');
    expect(destinationKind(BUS)).toBe('events');
    expect(destinationKind('arn:aws:events:us-east-1:000000000000:rule/r')).toBeUndefined();
    expect(destinationKind('arn:aws:s3:::bucket')).toBeUndefined();
    expect(destinationKind('failures')).toBeUndefined();
  });
});

describe('validateEventInvokeSettings', () => {
  it('accepts what PutFunctionEventInvokeConfig accepts', () => {
    expect(() =>
      validateEventInvokeSettings(
        { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 21600, onSuccess: BUS, onFailure: QUEUE },
        'worker',
      ),
    ).not.toThrow();
  });

  it("refuses out-of-range settings with AWS's validation message", () => {
    expect(() => validateEventInvokeSettings({ maximumRetryAttempts: 3 }, 'worker')).toThrow(
      "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    );
    expect(() => validateEventInvokeSettings({ maximumEventAgeInSeconds: 59 }, 'worker')).toThrow(
      'Member must have value greater than or equal to 60',
    );
  });

  it('refuses unknown destinations and the function itself', () => {
    expect(() => validateEventInvokeSettings({ onFailure: 'arn:aws:s3:::bucket' }, 'worker')).toThrow(
      /OnFailure\.Destination arn:aws:s3:::bucket is invalid/,
    );
    expect(() => validateEventInvokeSettings({ onSuccess: `${FN}:worker:live` }, 'worker')).toThrow(
      "You can't specify the function as a destination for itself.",
    );
  });
});

describe('settingsFromServerless', () => {
  const arnOfKey = (key: string) => (key === 'audit' ? `${FN}:svc-dev-audit` : undefined);

  it('turns function keys into ARNs and keeps ARNs, retries and age', () => {
    expect(
      settingsFromServerless(
        'worker',
        {
          maximumRetryAttempts: 1,
          maximumEventAge: 120,
          destinations: {
            onSuccess: { type: 'function', functionKey: 'audit' },
            onFailure: { type: 'sqs', arn: QUEUE },
          },
        },
        arnOfKey,
      ),
    ).toEqual({
      maximumRetryAttempts: 1,
      maximumEventAgeInSeconds: 120,
      onSuccess: `${FN}:svc-dev-audit`,
      onFailure: QUEUE,
    });
  });

  it('is undefined when nothing is set, and skips destinations still written as intrinsics', () => {
    expect(settingsFromServerless('worker', { timeout: 3 }, arnOfKey)).toBeUndefined();
    expect(
      settingsFromServerless(
        'worker',
        { destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['Q', 'Arn'] } } } },
        arnOfKey,
      ),
    ).toBeUndefined();
  });

  it('names the property of a bad destination', () => {
    expect(() =>
      settingsFromServerless('worker', { destinations: { onSuccess: { functionKey: 'nope' } } }, arnOfKey),
    ).toThrow(
      'Function "nope" named in functions.worker.destinations.onSuccess is not a function of this service.',
    );
    expect(() =>
      settingsFromServerless(
        'worker',
        { destinations: { onFailure: { type: 'sns', arn: QUEUE } } },
        arnOfKey,
      ),
    ).toThrow(`functions.worker.destinations.onFailure: type sns does not match ${QUEUE}.`);
    expect(() =>
      settingsFromServerless('worker', { destinations: { onFailure: { arn: 'arn:aws:s3:::b' } } }, arnOfKey),
    ).toThrow(/is not the ARN of a Lambda function/);
  });
});

describe('deadLetterFromServerless', () => {
  it('takes SNS topic and SQS queue ARNs, and nothing else', () => {
    expect(deadLetterFromServerless('worker', { onError: TOPIC })).toBe(TOPIC);
    expect(deadLetterFromServerless('worker', { onError: QUEUE })).toBe(QUEUE);
    expect(deadLetterFromServerless('worker', {})).toBeUndefined();
    expect(deadLetterFromServerless('worker', { onError: { Ref: 'Topic' } })).toBeUndefined();
    expect(() => deadLetterFromServerless('worker', { onError: `${FN}:x` })).toThrow(
      'onError config must be a SNS topic arn or SQS queue arn',
    );
  });
});

describe('settingsFromBody', () => {
  it('reads a Put body, and for an Update keeps what the body does not name', () => {
    expect(
      settingsFromBody({
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: QUEUE } },
      }),
    ).toEqual({ maximumRetryAttempts: 0, onFailure: QUEUE });
    expect(
      settingsFromBody(
        { MaximumEventAgeInSeconds: 300, DestinationConfig: { OnSuccess: { Destination: BUS } } },
        { maximumRetryAttempts: 1, onSuccess: TOPIC, onFailure: QUEUE },
      ),
    ).toEqual({ maximumRetryAttempts: 1, maximumEventAgeInSeconds: 300, onSuccess: BUS, onFailure: QUEUE });
    expect(settingsFromBody({ DestinationConfig: { OnFailure: {} } }, { onFailure: QUEUE })).toEqual({});
  });
});
