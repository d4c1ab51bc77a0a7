import { describe, expect, it } from 'vitest';
import {
  ExpressionContext,
  evaluate,
  parseCondition,
  parseProjection,
  parseUpdate,
  project,
} from './expressions.js';
import { applyUpdate } from './update.js';
import { addNumbers, checkValue, compareNumbers, type Item, normalizeNumber } from './values.js';

const ctx = (names: Record<string, string> = {}, values: Record<string, unknown> = {}) =>
  new ExpressionContext(
    names,
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, checkValue(v)])),
  );

const item: Item = {
  pk: { S: 'user#1' },
  age: { N: '42' },
  name: { S: 'Ada' },
  tags: { SS: ['a', 'b'] },
  nums: { NS: ['1', '2.5'] },
  list: { L: [{ N: '1' }, { M: { x: { S: 'deep' } } }] },
  map: { M: { status: { S: 'on' }, count: { N: '3' } } },
  flag: { BOOL: true },
  nothing: { NULL: true },
};

function holds(expr: string, names: Record<string, string> = {}, values: Record<string, unknown> = {}) {
  const c = ctx(names, values);
  const cond = parseCondition(expr, c);
  c.checkAllUsed();
  return evaluate(cond, item);
}

describe('numbers', () => {
  it('normalises, orders numerically and adds exactly', () => {
    expect(normalizeNumber('0001.500')).toBe('1.5');
    expect(normalizeNumber('-0.0')).toBe('0');
    expect(normalizeNumber('1e3')).toBe('1000');
    expect(normalizeNumber('12E-4')).toBe('0.0012');
    expect(compareNumbers('10', '9')).toBe(1);
    expect(compareNumbers('-10', '-9')).toBe(-1);
    expect(compareNumbers('1.50', '1.5')).toBe(0);
    expect(addNumbers('0.1', '0.2')).toBe('0.3');
    expect(addNumbers('5', '7', -1)).toBe('-2');
    expect(addNumbers('99999999999999999999999999999999999999', '-1')).toBe(
      '99999999999999999999999999999999999998',
    );
  });

  it('refuses what DynamoDB refuses', () => {
    expect(() => normalizeNumber('abc')).toThrow('The parameter cannot be converted to a numeric value: abc');
    expect(() => normalizeNumber('1'.repeat(39))).toThrow('more than 38 significant digits');
    expect(() => normalizeNumber('1e126')).toThrow('Number overflow');
    expect(() => checkValue({ SS: [] })).toThrow('An string set  may not be empty');
    expect(() => checkValue({ NS: ['1', '1.0'] })).toThrow('contains duplicates');
    expect(() => checkValue({ S: 'a', N: '1' })).toThrow('more than one datatypes');
    expect(() => checkValue({ NULL: false })).toThrow(
      'Null attribute value types must have the value of true',
    );
  });
});

describe('condition expressions', () => {
  it('evaluates functions, comparisons and boolean logic', () => {
    expect(holds('attribute_exists(pk)')).toBe(true);
    expect(holds('attribute_not_exists(pk)')).toBe(false);
    expect(holds('attribute_not_exists(missing) AND age > :a', {}, { ':a': { N: '9' } })).toBe(true);
    expect(holds('age < :a OR #n = :n', { '#n': 'name' }, { ':a': { N: '9' }, ':n': { S: 'Ada' } })).toBe(
      true,
    );
    expect(holds('NOT (age = :a)', {}, { ':a': { N: '42.0' } })).toBe(false);
    expect(holds('age BETWEEN :lo AND :hi', {}, { ':lo': { N: '40' }, ':hi': { N: '50' } })).toBe(true);
    expect(holds('#n IN (:x, :y)', { '#n': 'name' }, { ':x': { S: 'Bob' }, ':y': { S: 'Ada' } })).toBe(true);
    expect(holds('begins_with(pk, :p)', {}, { ':p': { S: 'user#' } })).toBe(true);
    expect(
      holds('contains(tags, :t) AND contains(nums, :n)', {}, { ':t': { S: 'b' }, ':n': { N: '2.50' } }),
    ).toBe(true);
    expect(
      holds(
        'size(tags) = :two AND size(#n) = :three',
        { '#n': 'name' },
        { ':two': { N: '2' }, ':three': { N: '3' } },
      ),
    ).toBe(true);
    expect(holds('attribute_type(flag, :t)', {}, { ':t': { S: 'BOOL' } })).toBe(true);
    expect(
      holds(
        '#m.#s = :on AND list[1].x = :d',
        { '#m': 'map', '#s': 'status' },
        { ':on': { S: 'on' }, ':d': { S: 'deep' } },
      ),
    ).toBe(true);
    expect(holds('age <> :s', {}, { ':s': { S: '42' } })).toBe(true);
    expect(holds('age < :s', {}, { ':s': { S: '50' } })).toBe(false);
    // AND binds tighter than OR.
    expect(holds('age = :x AND age = :x OR flag = :t', {}, { ':x': { N: '1' }, ':t': { BOOL: true } })).toBe(
      true,
    );
  });

  it('reports syntax errors and placeholder problems with DynamoDB messages', () => {
    expect(() => parseCondition('age >', ctx())).toThrow(
      'Invalid ConditionExpression: Syntax error; token: "<EOF>"',
    );
    expect(() => parseCondition('age = = 1', ctx())).toThrow('Syntax error; token: "="');
    expect(() => parseCondition('#x = :v', ctx({}, { ':v': { S: 'a' } }))).toThrow(
      'An expression attribute name used in the document path is not defined; attribute name: #x',
    );
    expect(() => parseCondition('pk = :nope', ctx())).toThrow(
      'An expression attribute value used in expression is not defined; attribute value: :nope',
    );
    expect(() => parseCondition('', ctx())).toThrow(
      'Invalid ConditionExpression: The expression can not be empty;',
    );
    expect(() => parseCondition('foo(pk)', ctx())).toThrow('Invalid function name; function: foo');
    const c = ctx({ '#unused': 'x' }, { ':v': { S: 'a' } });
    parseCondition('pk = :v', c);
    expect(() => c.checkAllUsed()).toThrow(
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}',
    );
  });
});

describe('update expressions', () => {
  const update = (expr: string, values: Record<string, unknown> = {}, names: Record<string, string> = {}) => {
    const c = ctx(names, values);
    const actions = parseUpdate(expr, c);
    c.checkAllUsed();
    return applyUpdate(item, actions, ['pk']);
  };

  it('applies SET with arithmetic, if_not_exists and list_append, REMOVE, ADD and DELETE', () => {
    const after = update(
      'SET age = age + :one, visits = if_not_exists(visits, :zero) + :one, list = list_append(list, :more), map.count = :one REMOVE flag ADD tags :c, total :one DELETE nums :n',
      {
        ':one': { N: '1' },
        ':zero': { N: '0' },
        ':more': { L: [{ S: 'x' }] },
        ':c': { SS: ['c'] },
        ':n': { NS: ['1'] },
      },
    );
    expect(after.age).toEqual({ N: '43' });
    expect(after.visits).toEqual({ N: '1' });
    expect(after.list).toEqual({ L: [{ N: '1' }, { M: { x: { S: 'deep' } } }, { S: 'x' }] });
    expect(after.map).toEqual({ M: { status: { S: 'on' }, count: { N: '1' } } });
    expect(after.flag).toBeUndefined();
    expect(after.tags).toEqual({ SS: ['a', 'b', 'c'] });
    expect(after.total).toEqual({ N: '1' });
    expect(after.nums).toEqual({ NS: ['2.5'] });
    expect(item.age).toEqual({ N: '42' });
    expect(update('REMOVE list[0], nothing').list).toEqual({ L: [{ M: { x: { S: 'deep' } } }] });
  });

  it('refuses key changes, overlapping paths, missing parents and wrong operand types', () => {
    expect(() => update('SET pk = :v', { ':v': { S: 'x' } })).toThrow(
      'Cannot update attribute pk. This attribute is part of the key',
    );
    expect(() => update('SET a = :v REMOVE a', { ':v': { S: 'x' } })).toThrow('Two document paths overlap');
    expect(() => update('SET nope.deeper = :v', { ':v': { S: 'x' } })).toThrow(
      'The document path provided in the update expression is invalid for update',
    );
    expect(() => update('SET age = #n + :v', { ':v': { N: '1' } }, { '#n': 'name' })).toThrow(
      'incorrect data type',
    );
    expect(() => update('ADD flag :v', { ':v': { N: '1' } })).toThrow('incorrect data type');
    expect(() => update('SET a = :v SET b = :v', { ':v': { N: '1' } })).toThrow(
      'The "SET" section can only be used once',
    );
  });
});

describe('projection expressions', () => {
  it('keeps top-level and nested paths', () => {
    const c = ctx({ '#m': 'map' });
    const paths = parseProjection('pk, #m.status, list[1].x, missing', c);
    expect(project(item, paths)).toEqual({
      pk: { S: 'user#1' },
      map: { M: { status: { S: 'on' } } },
      list: { L: [{ M: { x: { S: 'deep' } } }] },
    });
  });
});
