import { describe, expect, it } from 'vitest';
import { formatProblems, validateDefinition } from './validate.js';

const pass = { Type: 'Pass', End: true };

function problems(def: unknown) {
  return validateDefinition(def).map((p) => `${p.code} ${p.location}`);
}

describe('definition validation', () => {
  it('accepts a minimal machine', () => {
    expect(validateDefinition({ StartAt: 'A', States: { A: pass } })).toEqual([]);
  });

  it('requires StartAt and names it when it points nowhere', () => {
    expect(problems({ States: { A: pass } })).toContain('SCHEMA_VALIDATION_FAILED /StartAt');
    expect(problems({ StartAt: 'B', States: { A: pass } })).toContain('MISSING_TRANSITION_TARGET /StartAt');
  });

  it('reports an unknown Next with the state and field', () => {
    const p = validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nope' } } });
    expect(p).toContainEqual({
      code: 'MISSING_TRANSITION_TARGET',
      location: '/States/A/Next',
      message: "Missing 'Next' target: Nope",
    });
    expect(formatProblems(p)).toBe(
      "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/A/Next'",
    );
  });

  it('reports unreachable states', () => {
    expect(problems({ StartAt: 'A', States: { A: pass, B: pass } })).toEqual(['UNREACHABLE_STATE /States/B']);
  });

  it('checks targets inside Choice rules, Catchers and nested branches', () => {
    const p = problems({
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'Gone' }], Default: 'P' },
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'In', States: { In: { Type: 'Pass', Next: 'Outside' } } }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Missing' }],
          End: true,
        },
      },
    });
    expect(p).toEqual(
      expect.arrayContaining([
        'MISSING_TRANSITION_TARGET /States/C/Choices/0/Next',
        'MISSING_TRANSITION_TARGET /States/P/Branches/0/States/In/Next',
        'MISSING_TRANSITION_TARGET /States/P/Catch/0/Next',
      ]),
    );
  });

  it('rejects bad JSONPath, bad intrinsics and bad JSONata with their field', () => {
    expect(problems({ StartAt: 'A', States: { A: { Type: 'Pass', InputPath: 'x', End: true } } })).toEqual([
      'INVALID_JSON_PATH /States/A/InputPath',
    ]);
    expect(
      problems({
        StartAt: 'A',
        States: { A: { Type: 'Pass', Parameters: { 'v.$': 'States.Nope(1)' }, End: true } },
      }),
    ).toEqual(['INVALID_INTRINSIC /States/A/Parameters/v.$']);
    expect(
      problems({
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', Output: { v: '{% $states.input.( %}' }, End: true } },
      }),
    ).toEqual(['INVALID_JSONATA /States/A/Output/v']);
  });

  it('rejects fields of the other query language', () => {
    expect(
      problems({
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', InputPath: '$', End: true } },
      }),
    ).toEqual(['INVALID_FIELD_FOR_QUERY_LANGUAGE /States/A/InputPath']);
    expect(problems({ StartAt: 'A', States: { A: { Type: 'Pass', Output: {}, End: true } } })).toEqual([
      'INVALID_FIELD_FOR_QUERY_LANGUAGE /States/A/Output',
    ]);
  });

  it('rejects fields a state type does not have, Next with End, and a missing transition', () => {
    expect(
      problems({ StartAt: 'A', States: { A: { Type: 'Wait', Seconds: 1, Result: 1, End: true } } }),
    ).toContain('SCHEMA_VALIDATION_FAILED /States/A/Result');
    expect(problems({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'A', End: true } } })).toContain(
      'SCHEMA_VALIDATION_FAILED /States/A/End',
    );
    expect(problems({ StartAt: 'A', States: { A: { Type: 'Pass' } } })).toContain(
      'SCHEMA_VALIDATION_FAILED /States/A',
    );
  });

  it('requires States.ALL alone and last, and sane retrier numbers', () => {
    const p = problems({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Retry: [
            { ErrorEquals: ['States.ALL', 'X'] },
            { ErrorEquals: ['Y'], BackoffRate: 0.5, JitterStrategy: 'HALF' },
          ],
          End: true,
        },
      },
    });
    expect(p).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/T/Retry/0/ErrorEquals',
      'SCHEMA_VALIDATION_FAILED /States/T/Retry/1/BackoffRate',
      'SCHEMA_VALIDATION_FAILED /States/T/Retry/1/JitterStrategy',
    ]);
  });

  it('rejects duplicate state names across branches and duplicate template keys', () => {
    expect(
      problems({
        StartAt: 'P',
        States: {
          P: { Type: 'Parallel', Branches: [{ StartAt: 'P', States: { P: pass } }], End: true },
        },
      }),
    ).toContain('DUPLICATE_STATE_NAME /States/P/Branches/0/States/P');
    expect(
      problems({
        StartAt: 'A',
        States: { A: { Type: 'Pass', Parameters: { a: 1, 'a.$': '$' }, End: true } },
      }),
    ).toContain('SCHEMA_VALIDATION_FAILED /States/A/Parameters/a.$');
  });

  it('requires exactly one wait field and valid choice operators', () => {
    expect(
      problems({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, SecondsPath: '$.s', End: true } } }),
    ).toEqual(['SCHEMA_VALIDATION_FAILED /States/W']);
    expect(
      problems({
        StartAt: 'C',
        States: {
          C: {
            Type: 'Choice',
            Choices: [{ Variable: '$.x', NumericEquals: '1', StringEquals: 'a', Next: 'D' }],
          },
          D: pass,
        },
      }),
    ).toEqual(['SCHEMA_VALIDATION_FAILED /States/C/Choices/0']);
  });
});
