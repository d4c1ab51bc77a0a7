import { describe, expect, it } from 'vitest';
import { decodeSegments, PathTable } from './router.js';

function table(...templates: string[]) {
  const t = new PathTable<string>();
  for (const tpl of templates) t.add(tpl, () => tpl);
  return t;
}

function first(t: PathTable<string>, path: string) {
  const m = t.match(decodeSegments(path)!).next();
  return m.done ? undefined : m.value;
}

describe('path routing', () => {
  it('prefers literal segments over parameters, and parameters over a greedy segment', () => {
    const t = table('/users/{id}', '/users/me', '/{proxy+}');
    expect(first(t, '/users/me')?.value).toBe('/users/me');
    expect(first(t, '/users/42')).toEqual({ value: '/users/{id}', params: { id: '42' } });
    expect(first(t, '/other/a/b')).toEqual({ value: '/{proxy+}', params: { proxy: 'other/a/b' } });
  });

  it('backtracks: a deeper literal route wins over a greedy sibling', () => {
    const t = table('/a/{x}/c', '/a/{proxy+}');
    expect(first(t, '/a/b/c')).toEqual({ value: '/a/{x}/c', params: { x: 'b' } });
    expect(first(t, '/a/b/d')).toEqual({ value: '/a/{proxy+}', params: { proxy: 'b/d' } });
  });

  it('does not let a greedy segment match nothing, nor the root', () => {
    const t = table('/files/{proxy+}');
    expect(first(t, '/files')).toBeUndefined();
    expect(first(t, '/')).toBeUndefined();
  });

  it('decodes each segment on its own, so %2F stays inside one parameter', () => {
    const t = table('/hello/{name}');
    expect(first(t, '/hello/a%2Fb')).toEqual({ value: '/hello/{name}', params: { name: 'a/b' } });
    expect(first(t, '/hello/J%C3%BCrgen')?.params).toEqual({ name: 'Jürgen' });
    expect(first(t, '/hello/a/b')).toBeUndefined();
  });

  it('treats a trailing slash like none and rejects malformed escapes', () => {
    const t = table('/hello');
    expect(first(t, '/hello/')?.value).toBe('/hello');
    expect(decodeSegments('/bad/%E0%A4%A')).toBeUndefined();
  });

  it('keeps dot segments literal (the gateway never resolves ..)', () => {
    const t = table('/static/{proxy+}', '/secret');
    expect(first(t, '/static/../secret')).toEqual({
      value: '/static/{proxy+}',
      params: { proxy: '../secret' },
    });
  });
});
