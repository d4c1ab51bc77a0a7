import { describe, expect, it } from 'vitest';
import { NO_VALUE, type ResolveScope, referencedIds, resolveValue } from './intrinsics.js';

const scope: ResolveScope = {
  region: 'eu-west-1',
  ref: (id) =>
    ({ 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '000000000000', Queue: 'http://q', Stage: 'dev' })[id],
  getAtt: (id, a) => (id === 'Queue' && a === 'Arn' ? 'arn:aws:sqs:eu-west-1:000000000000:q' : undefined),
  condition: (c) => c === 'IsDev',
  mappings: { Sizes: { dev: { memory: 128 } } },
};
const r = (v: unknown) => resolveValue(v, scope, 'x');

describe('intrinsic functions', () => {
  it('resolves Ref, both Fn::GetAtt forms and Fn::Sub with variables, attributes and escapes', () => {
    expect(r({ Ref: 'Queue' })).toBe('http://q');
    expect(r({ 'Fn::GetAtt': 'Queue.Arn' })).toBe('arn:aws:sqs:eu-west-1:000000000000:q');
    expect(
      r({ 'Fn::Sub': ['${Queue.Arn}/${Name}/${AWS::Region}/${!Literal}', { Name: { Ref: 'Stage' } }] }),
    ).toBe('arn:aws:sqs:eu-west-1:000000000000:q/dev/eu-west-1/${Literal}');
  });

  it('resolves list functions and conditions', () => {
    expect(r({ 'Fn::Join': ['-', ['a', { Ref: 'Stage' }]] })).toBe('a-dev');
    expect(r({ 'Fn::Select': ['2', { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] }] })).toBe(
      'sqs',
    );
    expect(r({ 'Fn::If': ['IsDev', 'small', 'big'] })).toBe('small');
    expect(r({ 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Not': [{ 'Fn::Equals': ['a', 'b'] }] }] })).toBe(
      true,
    );
    expect(r({ 'Fn::Or': [{ 'Fn::Equals': [1, '1'] }, false] })).toBe(true);
    expect(r({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'memory'] })).toBe(128);
    expect(
      r({ a: { 'Fn::If': ['Nope', 'x', { Ref: 'AWS::NoValue' }] }, b: [1, { Ref: 'AWS::NoValue' }] }),
    ).toEqual({ b: [1] });
    expect(r({ Ref: 'AWS::NoValue' })).toBe(NO_VALUE);
  });

  it('says where an unresolved reference is', () => {
    expect(() => resolveValue({ Ref: 'Missing' }, scope, 'functions.a.environment.X')).toThrow(
      /Unresolved reference Missing \(functions\.a\.environment\.X\.Ref\)/,
    );
    expect(() => r({ 'Fn::Select': [5, ['a']] })).toThrow(/out of range/);
    expect(() => r({ 'Fn::ImportValue': 'x' })).toThrow(/not supported/);
  });

  it('finds the logical ids a value refers to', () => {
    expect([
      ...referencedIds({
        a: { Ref: 'A' },
        b: { 'Fn::GetAtt': ['B', 'Arn'] },
        c: { 'Fn::Sub': '${C.Arn}-${AWS::Region}-${!D}' },
        d: { Ref: 'AWS::StackName' },
      }),
    ]).toEqual(['A', 'B', 'C']);
  });
});
