import { describe, expect, it } from 'vitest';
import { FilterPolicyError, parseFilterPolicy, passesFilter } from './filter.js';

const s = (Value: string) => ({ Type: 'String', Value });
const n = (Value: string) => ({ Type: 'Number', Value });

function attrs(policy: object, a: Record<string, { Type: string; Value: string }>) {
  return passesFilter(parseFilterPolicy(JSON.stringify(policy)), 'MessageAttributes', 'm', a);
}
function body(policy: object, message: unknown) {
  return passesFilter(
    parseFilterPolicy(JSON.stringify(policy), 'MessageBody'),
    'MessageBody',
    typeof message === 'string' ? message : JSON.stringify(message),
    {},
  );
}

describe('SNS filter policies, attribute scope', () => {
  it('matches exact strings (any of a list) and requires every key', () => {
    expect(attrs({ color: ['red', 'blue'] }, { color: s('blue') })).toBe(true);
    expect(attrs({ color: ['red'] }, { color: s('green') })).toBe(false);
    expect(attrs({ color: ['red'], size: ['L'] }, { color: s('red') })).toBe(false);
  });

  it('matches numbers only against Number attributes, exactly or by range', () => {
    expect(attrs({ price: [100] }, { price: n('100') })).toBe(true);
    expect(attrs({ price: [100] }, { price: s('100') })).toBe(false);
    expect(attrs({ price: [{ numeric: ['>', 0, '<=', 150] }] }, { price: n('150') })).toBe(true);
    expect(attrs({ price: [{ numeric: ['>', 0, '<=', 150] }] }, { price: n('151') })).toBe(false);
    expect(attrs({ price: [{ numeric: ['=', 3.5] }] }, { price: n('3.5') })).toBe(true);
  });

  it('supports prefix, suffix, equals-ignore-case, wildcard and cidr', () => {
    expect(attrs({ k: [{ prefix: 'ab' }] }, { k: s('abc') })).toBe(true);
    expect(attrs({ k: [{ suffix: '.png' }] }, { k: s('a.jpg') })).toBe(false);
    expect(attrs({ k: [{ 'equals-ignore-case': 'RED' }] }, { k: s('red') })).toBe(true);
    expect(attrs({ k: [{ wildcard: 'img/*.png' }] }, { k: s('img/x.png') })).toBe(true);
    expect(attrs({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: s('10.0.0.255') })).toBe(true);
    expect(attrs({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: s('10.0.1.1') })).toBe(false);
  });

  it('supports anything-but with a value, a list and a prefix', () => {
    expect(attrs({ k: [{ 'anything-but': 'red' }] }, { k: s('blue') })).toBe(true);
    expect(attrs({ k: [{ 'anything-but': ['red', 'blue'] }] }, { k: s('blue') })).toBe(false);
    expect(attrs({ k: [{ 'anything-but': { prefix: 'r' } }] }, { k: s('red') })).toBe(false);
    expect(attrs({ k: [{ 'anything-but': 'red' }] }, {})).toBe(false);
  });

  it('supports exists true and false', () => {
    expect(attrs({ k: [{ exists: true }] }, { k: s('x') })).toBe(true);
    expect(attrs({ k: [{ exists: false }] }, {})).toBe(true);
    expect(attrs({ k: [{ exists: false }] }, { k: s('x') })).toBe(false);
  });

  it('matches String.Array attributes when any element matches', () => {
    expect(attrs({ tags: ['b'] }, { tags: { Type: 'String.Array', Value: '["a","b"]' } })).toBe(true);
    expect(attrs({ tags: ['c'] }, { tags: { Type: 'String.Array', Value: '["a","b"]' } })).toBe(false);
  });

  it('supports $or across keys', () => {
    const p = { $or: [{ a: ['1'] }, { b: ['2'] }] };
    expect(attrs(p, { b: s('2') })).toBe(true);
    expect(attrs(p, { a: s('2') })).toBe(false);
  });
});

describe('SNS filter policies, MessageBody scope', () => {
  it('matches nested keys and arrays in the JSON message', () => {
    const p = { order: { status: ['paid'], total: [{ numeric: ['>=', 10] }] } };
    expect(body(p, { order: { status: 'paid', total: 12 } })).toBe(true);
    expect(body(p, { order: { status: 'paid', total: 2 } })).toBe(false);
    expect(body({ tags: ['x'] }, { tags: ['y', 'x'] })).toBe(true);
    expect(body({ k: [null] }, { k: null })).toBe(true);
  });

  it('drops messages that are not JSON', () => {
    expect(body({ k: ['v'] }, 'plain text')).toBe(false);
  });
});

describe('SNS filter policy validation', () => {
  it('rejects malformed policies with SNS-style reasons', () => {
    expect(() => parseFilterPolicy('{')).toThrow(FilterPolicyError);
    expect(() => parseFilterPolicy('{"a": "x"}')).toThrow(/must be an object or an array/);
    expect(() => parseFilterPolicy('{"a": [{"bogus": 1}]}')).toThrow(/Unrecognized match type bogus/);
    expect(() => parseFilterPolicy('{"a": [{"numeric": ["~", 1]}]}')).toThrow(/numeric range operator/);
  });
});
