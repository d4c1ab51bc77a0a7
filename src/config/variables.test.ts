// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these specs are about ${…} syntax in plain strings
import { afterAll, describe, expect, it } from 'vitest';
import { load, loadError, removeServiceDirs } from './test-helpers.js';

afterAll(removeServiceDirs);

const base = 'service: svc\nprovider:\n  name: aws\n';

describe('variables: sources', () => {
  it('${self:} reads other properties, keeping the type of whole values', async () => {
    const { resolved } = await load(
      `${base}custom:\n  n: 5\n  list: [a, b]\n  copyN: \${self:custom.n}\n  copyList: \${self:custom.list}\n  text: n=\${self:custom.n}\n`,
    );
    const custom = resolved.custom as Record<string, unknown>;
    expect(custom.copyN).toBe(5);
    expect(custom.copyList).toEqual(['a', 'b']);
    expect(custom.text).toBe('n=5');
  });

  it('${self:} follows chains of properties that hold variables themselves', async () => {
    const { resolved } = await load(
      `${base}custom:\n  a: \${self:custom.b}\n  b: \${self:custom.c}-x\n  c: \${opt:stage, 'dev'}\n`,
    );
    expect((resolved.custom as Record<string, unknown>).a).toBe('dev-x');
  });

  it('${self:} of an object resolves the variables inside it first', async () => {
    const { resolved } = await load(
      `${base}custom:\n  obj:\n    k: \${opt:stage, 'dev'}\n  copy: \${self:custom.obj}\n`,
    );
    expect((resolved.custom as Record<string, unknown>).copy).toEqual({ k: 'dev' });
  });

  it('${opt:} reads CLI options; ${opt:} with no address is all of them', async () => {
    const { resolved } = await load(
      `${base}custom:\n  s: \${opt:stage}\n  foo: \${opt:foo}\n  all: \${opt:}\n`,
      {
        options: { stage: 'prod', foo: 'bar' },
      },
    );
    expect(resolved.custom).toEqual({ s: 'prod', foo: 'bar', all: { stage: 'prod', foo: 'bar' } });
  });

  it('${env:} reads the environment; an empty address is an error', async () => {
    const { resolved } = await load(`${base}custom:\n  e: \${env:MY_VAR}\n`, { env: { MY_VAR: 'hi' } });
    expect((resolved.custom as Record<string, unknown>).e).toBe('hi');
    const err = await loadError(`${base}custom:\n  e: \${env:}\n`);
    expect(err.message).toContain(
      'Cannot resolve variable at "custom.e": Missing address argument in variable "env" source',
    );
  });

  it('${sls:stage} is --stage, else provider.stage, else dev; ${sls:instanceId} is the load id', async () => {
    const yml = `${base}custom:\n  s: \${sls:stage}\n  id: \${sls:instanceId}\n`;
    expect(((await load(yml)).resolved.custom as Record<string, unknown>).s).toBe('dev');
    expect(
      ((await load(yml, { options: { stage: 'qa' } })).resolved.custom as Record<string, unknown>).s,
    ).toBe('qa');
    const withStage = `service: svc\nprovider:\n  name: aws\n  stage: \${env:STAGE, 'beta'}\ncustom:\n  s: \${sls:stage}\n  id: \${sls:instanceId}\n`;
    const loaded = await load(withStage);
    expect((loaded.resolved.custom as Record<string, unknown>).s).toBe('beta');
    expect((loaded.resolved.custom as Record<string, unknown>).id).toBe('1700000000000');
    const bad = await loadError(`${base}custom:\n  x: \${sls:foo}\n`);
    expect(bad.message).toContain('Unsupported "foo" address argument in variable "sls" source');
  });

  it('${param:} reads --param first, then params.<stage>, then params.default', async () => {
    const yml = `${base}params:\n  prod:\n    domain: prod.example.com\n  default:\n    domain: example.com\n    other: o\ncustom:\n  d: \${param:domain}\n  o: \${param:other}\n`;
    expect((await load(yml)).resolved.custom).toEqual({ d: 'example.com', o: 'o' });
    expect((await load(yml, { options: { stage: 'prod' } })).resolved.custom).toEqual({
      d: 'prod.example.com',
      o: 'o',
    });
    expect((await load(yml, { options: { param: ['domain=cli.example.com'] } })).resolved.custom).toEqual({
      d: 'cli.example.com',
      o: 'o',
    });
    const missing = await loadError(`${base}custom:\n  d: \${param:nope}\n`);
    expect(missing.message).toContain(
      'Cannot resolve variable at "custom.d": Value not found at "param" source',
    );
    const badCli = await loadError(yml, { options: { param: ['novalue'] } });
    expect(badCli.message).toContain(
      `Encountered invalid "--param" CLI option value: "novalue". Supported format: "--param='<key>=<val>'"`,
    );
  });

  it('${file(...)} reads yml, json, with or without an address', async () => {
    const { resolved } = await load(
      `${base}custom:\n  all: \${file(./extra.yml)}\n  one: \${file(./extra.yml):a.b}\n  json: \${file(./x.json):k}\n  ref: \${file(./extra.yml):r}\n`,
      {
        files: { 'extra.yml': 'a:\n  b: 42\nr: !Ref Thing\n', 'x.json': '{"k": [1, 2]}' },
      },
    );
    expect(resolved.custom).toEqual({
      all: { a: { b: 42 }, r: { Ref: 'Thing' } },
      one: 42,
      json: [1, 2],
      ref: { Ref: 'Thing' },
    });
  });

  it('${file(...)} resolves variables inside the included file against the main config', async () => {
    const { resolved } = await load(`${base}custom:\n  name: main\n  inc: \${file(./inc.yml)}\n`, {
      files: { 'inc.yml': 'greeting: hello-${self:custom.name}\n' },
    });
    expect((resolved.custom as Record<string, unknown>).inc).toEqual({ greeting: 'hello-main' });
  });

  it('${file(...)} loads JS modules: a value, a function (sync or async) and an addressed function', async () => {
    const { resolved } = await load(
      `${base}custom:\n  v: \${file(./v.cjs)}\n  f: \${file(./f.cjs)}\n  a: \${file(./a.js):deep}\n  p: \${file(./props.cjs):fn}\n`,
      {
        options: { stage: 'qa' },
        files: {
          'v.cjs': 'module.exports = { x: 1 };',
          'f.cjs': 'module.exports = ({ options }) => ({ stage: options.stage });',
          'a.js':
            'module.exports = async ({ resolveVariable }) => ({ deep: await resolveVariable("sls:stage") });',
          'props.cjs':
            'module.exports.fn = async ({ resolveConfigurationProperty }) => resolveConfigurationProperty(["service"]);',
        },
      },
    );
    expect(resolved.custom).toEqual({ v: { x: 1 }, f: { stage: 'qa' }, a: 'qa', p: 'svc' });
  });

  it('${file(...)} with a missing file fails unless a fallback is given', async () => {
    const err = await loadError(`${base}custom:\n  x: \${file(./missing.yml)}\n`);
    expect(err.message).toContain('Cannot resolve variable at "custom.x": Value not found at "file" source');
    expect(err.where).toBe('serverless.yml:5:3');
    expect(err.hint).toMatch(/^Not found \(relative to .+\): "missing\.yml"\./);
    const ok = await load(`${base}custom:\n  x: \${file(./missing.yml), 'fallback'}\n`);
    expect((ok.resolved.custom as Record<string, unknown>).x).toBe('fallback');
  });

  it('${file(...)} reports unparsable files and throwing functions', async () => {
    const err = await loadError(`${base}custom:\n  x: \${file(./bad.json)}\n  y: \${file(./throws.cjs)}\n`, {
      files: { 'bad.json': '{nope', 'throws.cjs': 'module.exports = () => { throw new Error("boom"); };' },
    });
    expect(err.message).toContain('Cannot resolve variable at "custom.x": Cannot parse "bad.json"');
    expect(err.message).toContain(
      'Cannot resolve variable at "custom.y": Cannot resolve "throws.cjs": Returned JS function errored with: Error: boom',
    );
  });

  it('${file(...)} reports a JS error as its first line and its position in the file, not a stack', async () => {
    const err = await loadError(
      `${base}custom:\n  x: \${file(./throws.cjs)}\n  y: \${file(./broken.cjs)}\n`,
      {
        files: {
          'throws.cjs': 'module.exports = () => {\n  const a = null;\n  return a.b;\n};\n',
          'broken.cjs': 'module.exports = () => {\n',
        },
      },
    );
    expect(err.message).toContain(
      'Cannot resolve "throws.cjs": Returned JS function errored with: TypeError: Cannot read properties of null (reading \'b\') (throws.cjs:3:',
    );
    // Under vitest the module loader's wording differs from Node's; the shape is what matters here.
    expect(err.message).toContain('Cannot load "broken.cjs": Initialization error: ');
    expect(err.message).not.toMatch(/\n\s+at /);
  });

  it('${strToBool(...)} accepts true/false/1/0 and rejects anything else', async () => {
    const { resolved } = await load(
      `${base}custom:\n  a: \${strToBool(true)}\n  b: \${strToBool(0)}\n  c: \${strToBool(\${env:FLAG})}\n`,
      {
        env: { FLAG: ' FALSE ' },
      },
    );
    expect(resolved.custom).toEqual({ a: true, b: false, c: false });
    const err = await loadError(`${base}custom:\n  x: \${strToBool(2)}\n`);
    expect(err.message).toContain(
      'Invalid "strToBool" input: Expected either "true", "false", "0", or "1". Received: 2',
    );
  });

  it('${aws:accountId} and ${aws:region} answer locally; ssm/cf/s3 say they need AWS', async () => {
    const { resolved } = await load(
      `${base}  region: eu-west-1\ncustom:\n  a: \${aws:accountId}\n  r: \${aws:region}\n`,
    );
    expect(resolved.custom).toEqual({ a: '000000000000', r: 'eu-west-1' });
    const err = await loadError(`${base}custom:\n  s: \${ssm:/my/param}\n`);
    expect(err.message).toContain('Cannot resolve variable at "custom.s": The "ssm" source reads from AWS');
  });
});

describe('variables: syntax features', () => {
  it('fallbacks: the first source with a value wins; literals of any type; null accepted last', async () => {
    const { resolved } = await load(
      `${base}custom:\n  a: \${opt:stage, self:provider.stage, 'dev'}\n  n: \${opt:x, 3}\n  b: \${opt:x, false}\n  z: \${opt:x, null}\n  s: \${opt:x, "dq"}\n`,
    );
    expect(resolved.custom).toEqual({ a: 'dev', n: 3, b: false, z: null, s: 'dq' });
  });

  it('nesting: ${self:custom.${opt:stage}}', async () => {
    const yml = `${base}custom:\n  dev: small\n  prod: large\n  size: \${self:custom.\${opt:stage, 'dev'}}\n`;
    expect(((await load(yml)).resolved.custom as Record<string, unknown>).size).toBe('small');
    expect(
      ((await load(yml, { options: { stage: 'prod' } })).resolved.custom as Record<string, unknown>).size,
    ).toBe('large');
  });

  it('escapes: \\${foo:bar} is the literal ${foo:bar}; ${Foo:bar} and ${AWS::Region} stay verbatim', async () => {
    const { resolved } = await load(
      `${base}custom:\n  esc: '\\\${foo:bar}'\n  mixed: 'a-\\\${x:y}-\${opt:s, "z"}'\n  foreign: \${Foo:bar}\n  sub: !Sub 'arn:\${AWS::Partition}:s3:::\${Bucket}'\n`,
    );
    expect(resolved.custom).toEqual({
      esc: '${foo:bar}',
      mixed: 'a-${x:y}-z',
      foreign: '${Foo:bar}',
      sub: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}' },
    });
  });

  it('a variable inside a string must resolve to a string, number or boolean', async () => {
    const err = await loadError(`${base}custom:\n  obj: {a: 1}\n  s: x-\${self:custom.obj}\n`);
    expect(err.message).toContain(
      'Cannot resolve variable at "custom.s": String value consist of variable which resolve with non-string value',
    );
  });

  it('reports every missing value together, in Serverless wording, with positions', async () => {
    const err = await loadError(`${base}custom:\n  y: \${self:custom.x}\n  z: \${env:NOPE}\n`);
    expect(err.code).toBe('VARIABLES_RESOLUTION_ERROR');
    expect(err.message).toBe(
      'Cannot resolve serverless.yml: Variables resolution errored with:\n' +
        '  - Cannot resolve variable at "custom.y": Value not found at "self" source (serverless.yml:5:3),\n' +
        '  - Cannot resolve variable at "custom.z": Value not found at "env" source (serverless.yml:6:3)',
    );
    expect(err.where).toBe('serverless.yml:5:3');
  });

  it('detects cycles and names both properties', async () => {
    const err = await loadError(`${base}custom:\n  a: \${self:custom.b}\n  b: \${self:custom.a}\n`);
    expect(err.message).toMatch(/Circular reference among "custom\.(a|b)" and "custom\.(a|b)" properties/);
    expect(err.message).toContain('custom.a');
    expect(err.message).toContain('custom.b');
    const self = await loadError(`${base}custom:\n  a:\n    b: \${self:custom.a}\n`);
    expect(self.message).toContain('Circular reference. "custom.a.b" refers to itself');
  });

  it('detects cycles that run through the content of a file', async () => {
    const err = await loadError(`${base}custom:\n  x: \${file(./f.yml)}\n  y: \${self:custom.x.a}\n`, {
      files: { 'f.yml': 'a: ${self:custom.y}\n' },
    });
    expect(err.message).toContain('Circular reference');
  });

  it('stops values that keep producing variables (excessive nest depth)', async () => {
    const err = await loadError(`${base}custom:\n  a: \${file(./loop.yml):v}\n`, {
      files: { 'loop.yml': 'v: ${file(./loop.yml):v}\n' },
    });
    expect(err.message).toContain('Excessive property variables nest depth');
  });

  it('reports syntax errors with the property path', async () => {
    const err = await loadError(`${base}custom:\n  a: \${opt:stage, dev}\n`);
    expect(err.message).toContain(
      'Variable syntax error at "custom.a": Invalid literal source "dev" at index 13 in "${opt:stage, dev}"',
    );
  });

  it('names unknown sources', async () => {
    const err = await loadError(`${base}custom:\n  a: \${foo:bar}\n  b: \${baz:qux}\n`);
    expect(err.message).toContain('Unrecognized configuration variable sources: "foo", "baz"');
  });

  it('useDotenv loads .env.<stage> (else .env) into the env source, without overriding real env', async () => {
    const yml = `${base}useDotenv: true\ncustom:\n  a: \${env:A}\n  b: \${env:B}\n`;
    const files = { '.env': 'A=from-env\nB=base\n', '.env.prod': 'A=from-prod\nB=prod\n' };
    expect((await load(yml, { files })).resolved.custom).toEqual({ a: 'from-env', b: 'base' });
    expect((await load(yml, { files, options: { stage: 'prod' } })).resolved.custom).toEqual({
      a: 'from-prod',
      b: 'prod',
    });
    expect((await load(yml, { files, env: { B: 'real' } })).resolved.custom).toEqual({
      a: 'from-env',
      b: 'real',
    });
  });

  it('resolves values only, never keys', async () => {
    const { resolved } = await load(`${base}custom:\n  \${opt:x}: 1\n`);
    expect(resolved.custom).toEqual({ '${opt:x}': 1 });
  });
});
