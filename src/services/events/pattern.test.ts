import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchesPattern, parsePattern } from './pattern.js';
import { selectPath, targetPayload, validateTargetInput } from './transform.js';

const ec2 = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/aws-events/eventbridge-custom.json', import.meta.url), 'utf8'),
);
const event = {
  ...ec2,
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'running',
    count: 5,
    price: 10.5,
    tags: ['prod', 'web'],
    ip: '10.0.0.25',
    nested: { flag: true, empty: null },
    items: [
      { kind: 'a', n: 1 },
      { kind: 'b', n: 2 },
    ],
  },
};
const m = (pattern: unknown) => matchesPattern(parsePattern(pattern), event);

describe('event pattern matching', () => {
  it('matches literal values, any-of lists, nested fields and arrays in the event', () => {
    expect(m({ source: ['aws.ec2'] })).toBe(true);
    expect(
      m({ source: ['aws.s3', 'aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] }),
    ).toBe(true);
    expect(m({ source: ['aws.s3'] })).toBe(false);
    expect(m({ detail: { state: ['running'] } })).toBe(true);
    expect(m({ detail: { tags: ['web'] } })).toBe(true);
    expect(m({ detail: { count: [5] } })).toBe(true);
    expect(m({ detail: { nested: { flag: [true], empty: [null] } } })).toBe(true);
    expect(m({ detail: { missing: ['x'] } })).toBe(false);
    expect(m({ detail: { items: { kind: ['b'] } } })).toBe(true);
  });

  it('prefix and suffix, also case-insensitive', () => {
    expect(m({ detail: { 'instance-id': [{ prefix: 'i-123' }] } })).toBe(true);
    expect(m({ detail: { 'instance-id': [{ prefix: 'I-123' }] } })).toBe(false);
    expect(m({ detail: { 'instance-id': [{ prefix: { 'equals-ignore-case': 'I-123' } }] } })).toBe(true);
    expect(m({ detail: { 'instance-id': [{ suffix: 'def0' }] } })).toBe(true);
    expect(m({ detail: { 'instance-id': [{ suffix: { 'equals-ignore-case': 'DEF0' } }] } })).toBe(true);
    expect(m({ detail: { count: [{ prefix: '5' }] } })).toBe(false);
  });

  it('anything-but with values, lists, prefix, suffix, equals-ignore-case and wildcard', () => {
    expect(m({ detail: { state: [{ 'anything-but': 'stopped' }] } })).toBe(true);
    expect(m({ detail: { state: [{ 'anything-but': ['running', 'pending'] }] } })).toBe(false);
    expect(m({ detail: { count: [{ 'anything-but': [1, 2] }] } })).toBe(true);
    expect(m({ detail: { state: [{ 'anything-but': { prefix: 'run' } }] } })).toBe(false);
    expect(m({ detail: { state: [{ 'anything-but': { suffix: 'ped' } }] } })).toBe(true);
    expect(m({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['RUNNING'] } }] } })).toBe(false);
    expect(m({ detail: { state: [{ 'anything-but': { wildcard: 'r*g' } }] } })).toBe(false);
    // anything-but needs the field to be there.
    expect(m({ detail: { missing: [{ 'anything-but': 'x' }] } })).toBe(false);
    // On an array every element must differ.
    expect(m({ detail: { tags: [{ 'anything-but': 'web' }] } })).toBe(false);
  });

  it('numeric comparisons and ranges', () => {
    expect(m({ detail: { count: [{ numeric: ['>', 0, '<=', 5] }] } })).toBe(true);
    expect(m({ detail: { count: [{ numeric: ['<', 5] }] } })).toBe(false);
    expect(m({ detail: { price: [{ numeric: ['=', 10.5] }] } })).toBe(true);
    expect(m({ detail: { state: [{ numeric: ['>', 0] }] } })).toBe(false);
  });

  it('exists, equals-ignore-case, wildcard and cidr', () => {
    expect(m({ detail: { state: [{ exists: true }] } })).toBe(true);
    expect(m({ detail: { missing: [{ exists: false }] } })).toBe(true);
    expect(m({ detail: { state: [{ exists: false }] } })).toBe(false);
    expect(m({ detail: { nested: [{ exists: true }] } })).toBe(false); // exists works on leaves only
    expect(m({ detail: { state: [{ 'equals-ignore-case': 'RUNNING' }] } })).toBe(true);
    expect(m({ detail: { 'instance-id': [{ wildcard: 'i-*def0' }] } })).toBe(true);
    expect(m({ detail: { 'instance-id': [{ wildcard: 'i-*xyz' }] } })).toBe(false);
    expect(m({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } })).toBe(true);
    expect(m({ detail: { ip: [{ cidr: '10.0.1.0/24' }] } })).toBe(false);
  });

  it('$or at any level', () => {
    expect(m({ $or: [{ source: ['aws.s3'] }, { detail: { count: [5] } }] })).toBe(true);
    expect(m({ detail: { $or: [{ state: ['stopped'] }, { count: [{ numeric: ['>', 10] }] }] } })).toBe(false);
  });

  it('rejects invalid patterns with AWS error and a reason', () => {
    const bad: unknown[] = [
      'not json',
      [],
      { source: 'aws.ec2' },
      { source: [] },
      { source: [{ prefix: 1 }] },
      { source: [{ unknown: 'x' }] },
      { source: [{ prefix: 'a', suffix: 'b' }] },
      { detail: { n: [{ numeric: ['>', 'x'] }] } },
      { detail: { n: [{ numeric: ['!', 1] }] } },
      { detail: { n: [{ numeric: ['<', 5, '>', 1] }] } },
      { detail: { n: [{ exists: 'yes' }] } },
      { detail: { n: [{ wildcard: 'a**b' }] } },
      { detail: { n: [{ cidr: '10.0.0.0' }] } },
      { detail: { n: [{ 'anything-but': [true] }] } },
      { $or: [{ source: ['x'] }] },
      { source: [[1]] },
    ];
    for (const p of bad) {
      expect(() => parsePattern(p), JSON.stringify(p)).toThrow(/^Event pattern is not valid. Reason: /);
    }
    try {
      parsePattern({ source: 'aws.ec2' });
    } catch (e) {
      expect((e as { code: string }).code).toBe('InvalidEventPatternException');
    }
  });
});

describe('target input', () => {
  it('passes the whole event, a constant, or the part at InputPath', () => {
    expect(JSON.parse(targetPayload(event, {}))).toEqual(event);
    expect(targetPayload(event, { Input: '{"fixed":1}' })).toBe('{"fixed":1}');
    expect(JSON.parse(targetPayload(event, { InputPath: '$.detail.nested' }))).toEqual({
      flag: true,
      empty: null,
    });
    expect(selectPath(event, "$.detail['instance-id']")).toBe('i-1234567890abcdef0');
    expect(selectPath(event, '$.detail.items[1].kind')).toBe('b');
  });

  it('fills an InputTransformer template: strings raw inside quotes, JSON outside', () => {
    const out = targetPayload(
      event,
      {
        InputTransformer: {
          InputPathsMap: {
            id: "$.detail['instance-id']",
            state: '$.detail.state',
            tags: '$.detail.tags',
            none: '$.detail.nope',
          },
          InputTemplate:
            '{"message": "<id> is <state>", "id": <id>, "tags": <tags>, "none": <none>, "rule": "<aws.events.rule-name>", "raw": "<x>"}',
        },
      },
      { ruleName: 'my-rule' },
    );
    expect(JSON.parse(out)).toEqual({
      message: 'i-1234567890abcdef0 is running',
      id: 'i-1234567890abcdef0',
      tags: ['prod', 'web'],
      none: null,
      rule: 'my-rule',
      raw: '<x>',
    });
    expect(
      targetPayload(event, {
        InputTransformer: { InputPathsMap: { s: '$.detail.state' }, InputTemplate: '"state: <s>"' },
      }),
    ).toBe('"state: running"');
  });

  it('validates target input settings', () => {
    expect(() => validateTargetInput({ Input: '{', InputPath: '$' })).toThrow('only one of');
    expect(() => validateTargetInput({ Input: '{' })).toThrow('not valid JSON');
    expect(() => validateTargetInput({ InputPath: 'detail' })).toThrow('must start with $');
    expect(() =>
      validateTargetInput({ InputTransformer: { InputPathsMap: { a: '$.x..y' }, InputTemplate: '<a>' } }),
    ).toThrow('not valid');
  });
});
