import { describe, expect, it } from 'vitest';
import { parseFunctionRef } from './names.js';

describe('function identifiers', () => {
  it('accepts a plain name, with or without a qualifier', () => {
    expect(parseFunctionRef('hello-dev-hello')).toEqual({ name: 'hello-dev-hello' });
    expect(parseFunctionRef('hello-dev-hello:live')).toEqual({ name: 'hello-dev-hello', qualifier: 'live' });
    expect(parseFunctionRef('fn', '3')).toEqual({ name: 'fn', qualifier: '3' });
    expect(parseFunctionRef('fn:$LATEST')).toEqual({ name: 'fn', qualifier: '$LATEST' });
  });

  it('accepts full and partial ARNs', () => {
    expect(parseFunctionRef('arn:aws:lambda:us-east-1:000000000000:function:fn')).toEqual({ name: 'fn' });
    expect(parseFunctionRef('arn:aws:lambda:eu-west-1:000000000000:function:fn:2')).toEqual({
      name: 'fn',
      qualifier: '2',
    });
    expect(parseFunctionRef('000000000000:function:fn:prod')).toEqual({ name: 'fn', qualifier: 'prod' });
  });

  it('refuses a qualifier that contradicts the Qualifier parameter', () => {
    expect(() => parseFunctionRef('fn:1', '2')).toThrow(/does not match/);
    expect(parseFunctionRef('fn:1', '1')).toEqual({ name: 'fn', qualifier: '1' });
  });

  it('refuses malformed names and ARNs', () => {
    expect(() => parseFunctionRef('bad name')).toThrow(/failed to satisfy constraint/);
    expect(() => parseFunctionRef('arn:aws:s3:::bucket')).toThrow(/not a valid Lambda function ARN/);
    expect(() => parseFunctionRef('a:b:c')).toThrow(/not a valid/);
  });
});
