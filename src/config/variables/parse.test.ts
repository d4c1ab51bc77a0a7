// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these specs are about ${…} syntax in plain strings
import { describe, expect, it } from 'vitest';
import { isWholeValue, parseVariables } from './parse.js';

describe('variable syntax', () => {
  it('parses a fallback chain into typed sources and a literal', () => {
    const vars = parseVariables("${opt:stage, self:provider.stage, 'dev'}")!;
    expect(vars).toHaveLength(1);
    expect(vars[0]!.sources).toEqual([
      { type: 'opt', address: { value: 'stage' } },
      { type: 'self', address: { value: 'provider.stage' } },
      { value: 'dev' },
    ]);
    expect(isWholeValue("${opt:stage, self:provider.stage, 'dev'}", vars)).toBe(true);
  });

  it('rejects an unquoted non-numeric fallback with Serverless wording', () => {
    expect(() => parseVariables('${opt:stage, dev}')).toThrow(
      'Invalid literal source "dev" at index 13 in "${opt:stage, dev}"',
    );
  });

  it('types numeric, boolean and null fallbacks', () => {
    expect(parseVariables('${opt:n, 5}')![0]!.sources[1]).toEqual({ value: 5 });
    expect(parseVariables('${opt:n, 1.5}')![0]!.sources[1]).toEqual({ value: 1.5 });
    expect(parseVariables('${opt:n, true}')![0]!.sources[1]).toEqual({ value: true });
    expect(parseVariables('${opt:n, null}')![0]!.sources[1]).toEqual({ value: null });
    expect(parseVariables('${opt:n, "a\\"b"}')![0]!.sources[1]).toEqual({ value: 'a"b' });
  });

  it('leaves escaped, foreign and CloudFormation syntax alone', () => {
    expect(parseVariables('\\${foo:bar}')).toBeNull();
    expect(parseVariables('${Foo:bar}')).toBeNull();
    expect(parseVariables('arn:${AWS::Partition}:s3:::${Bucket}')).toBeNull();
    expect(parseVariables('plain text')).toBeNull();
  });

  it('finds several variables with their spans in a string', () => {
    const text = 'a-${opt:x}-${env:Y}';
    const vars = parseVariables(text)!;
    expect(vars.map((v) => text.slice(v.start, v.end))).toEqual(['${opt:x}', '${env:Y}']);
    expect(isWholeValue(text, vars)).toBe(false);
  });

  it('parses nested variables in addresses and params', () => {
    const [v] = parseVariables('${self:custom.${opt:stage}}')!;
    const addr = (v!.sources[0] as { address: { template: { text: string; vars: unknown[] } } }).address;
    expect(addr.template.text).toBe('custom.${opt:stage}');
    expect(addr.template.vars).toHaveLength(1);
    const [f] = parseVariables('${file(./config.${opt:stage}.yml):key}')!;
    const src = f!.sources[0] as { type: string; params: { template: { text: string } }[]; address: unknown };
    expect(src.type).toBe('file');
    expect(src.params[0]!.template.text).toBe('./config.${opt:stage}.yml');
    expect(src.address).toEqual({ value: 'key' });
  });

  it('parses params: literal, quoted and several', () => {
    const [v] = parseVariables('${ssm(eu-west-1, raw):/p}')!;
    expect(v!.sources[0]).toEqual({
      type: 'ssm',
      params: [{ value: 'eu-west-1' }, { value: 'raw' }],
      address: { value: '/p' },
    });
    const [b] = parseVariables('${strToBool(2)}')!;
    expect(b!.sources[0]).toEqual({ type: 'strToBool', params: [{ value: 2 }] });
    const [q] = parseVariables("${file('./a b.yml')}")!;
    expect(q!.sources[0]).toEqual({ type: 'file', params: [{ value: './a b.yml' }] });
  });

  it('reports an unterminated variable', () => {
    expect(() => parseVariables('${opt:stage')).toThrow('Missing variable closing bracket in ${opt:stage');
  });

  it('reports invalid sources and addresses', () => {
    expect(() => parseVariables('${opt:stage, %x}')).toThrow(/Invalid variable source at index 13/);
    expect(() => parseVariables('${self:${Foo}}')).toThrow(/Invalid variable type/);
  });
});
