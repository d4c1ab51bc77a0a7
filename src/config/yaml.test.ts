// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation ${} syntax in plain strings
import { describe, expect, it } from 'vitest';
import { parseYaml } from './yaml.js';

describe('YAML parsing', () => {
  it('turns CloudFormation short tags into their long forms', () => {
    const text = [
      'a: !Ref Bucket',
      'b: !GetAtt Queue.Arn',
      'c: !GetAtt [Queue, Arn]',
      'd: !Sub "arn:${AWS::Partition}:x"',
      'e: !Join ["-", [a, !Ref B]]',
      'f: !Select [0, !GetAZs ""]',
      'g: !Split [",", "a,b"]',
      'h: !If [IsProd, 1, 2]',
      'i: !Equals [!Ref Stage, prod]',
      'j: !ImportValue shared-arn',
      'k: !FindInMap [M, !Ref "AWS::Region", ami]',
      'l: !Base64 hello',
      'm: !Not [!Condition IsProd]',
      'n: !And [!Condition A, !Condition B]',
      'o: !Or [!Condition A, !Condition B]',
      'p: !GetAtt Table.StreamArn.Deep',
    ].join('\n');
    expect(parseYaml(text, 'serverless.yml').value).toEqual({
      a: { Ref: 'Bucket' },
      b: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      c: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      d: { 'Fn::Sub': 'arn:${AWS::Partition}:x' },
      e: { 'Fn::Join': ['-', ['a', { Ref: 'B' }]] },
      f: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      g: { 'Fn::Split': [',', 'a,b'] },
      h: { 'Fn::If': ['IsProd', 1, 2] },
      i: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      j: { 'Fn::ImportValue': 'shared-arn' },
      k: { 'Fn::FindInMap': ['M', { Ref: 'AWS::Region' }, 'ami'] },
      l: { 'Fn::Base64': 'hello' },
      m: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      n: { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] },
      o: { 'Fn::Or': [{ Condition: 'A' }, { Condition: 'B' }] },
      p: { 'Fn::GetAtt': ['Table', 'StreamArn.Deep'] },
    });
  });

  it('records the line and column of every property path', () => {
    const text =
      'service: s\nfunctions:\n  hello:\n    handler: h.main\n    events:\n      - http: GET /\n      - sqs:\n          arn: x\n';
    const { positions } = parseYaml(text, 'serverless.yml');
    expect(positions.get('service')).toEqual({ line: 1, col: 1 });
    expect(positions.get('functions.hello')).toEqual({ line: 3, col: 3 });
    expect(positions.get('functions.hello.handler')).toEqual({ line: 4, col: 5 });
    expect(positions.get('functions.hello.events.0')).toEqual({ line: 6, col: 9 });
    expect(positions.get('functions.hello.events.1.sqs.arn')).toEqual({ line: 8, col: 11 });
  });

  it('supports anchors, aliases and merge keys', () => {
    const text = 'base: &b\n  memorySize: 512\n  timeout: 3\nfn:\n  <<: *b\n  timeout: 10\nsame: *b\n';
    expect(parseYaml(text, 'x.yml').value).toEqual({
      base: { memorySize: 512, timeout: 3 },
      fn: { memorySize: 512, timeout: 10 },
      same: { memorySize: 512, timeout: 3 },
    });
  });

  it('reports malformed YAML with file:line:col from the parser', () => {
    let err: { message: string; where?: string; code?: string } | undefined;
    try {
      parseYaml('service: s\nprovider:\n  name: aws\n   bad: [\n', 'serverless.yml');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('CONFIG_YAML_SYNTAX');
    expect(err?.where).toMatch(/^serverless\.yml:\d+:\d+$/);
    expect(err?.message.split('\n')[0]).toMatch(
      /^Cannot parse "serverless\.yml": .+ \(serverless\.yml:\d+:\d+\)$/,
    );
  });

  it('rejects duplicate keys', () => {
    expect(() => parseYaml('a: 1\na: 2\n', 'serverless.yml')).toThrow(/serverless\.yml:2:1/);
  });
});
