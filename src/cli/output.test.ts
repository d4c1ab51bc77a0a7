import { describe, expect, it } from 'vitest';
import { SelflessError } from '../platform/errors.js';
import { formatError, unrecognizedOptionsError } from './errors.js';
import { colorEnabled, createIo } from './output.js';

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { isTTY, write: (c: string) => chunks.push(c), text: () => chunks.join('') };
}

describe('output channels', () => {
  it('writes results to stdout and everything else to stderr, in Serverless styles', () => {
    const out = sink();
    const err = sink();
    const io = createIo({ stdout: out, stderr: err, env: {} });
    io.result('{"a":1}');
    io.notice('Packaging x for stage dev (us-east-1)');
    io.success('Service packaged');
    io.skip('No changes');
    io.warning('Invalid configuration encountered');
    io.info('hidden without --verbose');
    io.debugLog('hidden without --debug');
    expect(out.text()).toBe('{"a":1}\n');
    expect(err.text()).toBe(
      'Packaging x for stage dev (us-east-1)\n✔ Service packaged\n∅ No changes\nWarning: Invalid configuration encountered\n',
    );
    io.verbose = true;
    io.debug = true;
    io.info('shown');
    io.debugLog('shown too');
    expect(err.text()).toMatch(/shown\ndebug: shown too\n$/);
  });

  it('uses colour only on a terminal, never with NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled({ write: () => 0, isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ write: () => 0, isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ write: () => 0, isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ write: () => 0, isTTY: true }, { TERM: 'dumb' })).toBe(false);
    const err = sink(true);
    createIo({ stdout: sink(), stderr: err, env: {} }).success('coloured');
    expect(err.text()).toContain('\u001b[');
  });

  it('prints the elapsed-time suffix in whole seconds', () => {
    const io = createIo({ stdout: sink(), stderr: sink(), env: {}, now: () => 5_900 });
    expect(io.elapsed(1_000)).toBe(' (4s)');
  });
});

describe('error blocks', () => {
  it('puts what and where on the first line, then details and the hint; no stack for user errors', () => {
    const err = new SelflessError('X', 'Handler file "a.js" of function "f" not found\nsecond line', {
      where: 'serverless.yml:8:14',
      hint: 'Fix the path.',
    });
    expect(formatError(err, { debug: false })).toBe(
      '✖ Handler file "a.js" of function "f" not found (serverless.yml:8:14)\nsecond line\nFix the path.\n',
    );
    expect(formatError(err, { debug: true })).toContain('SelflessError: Handler file');
  });

  it('does not repeat a position the first line already names', () => {
    const err = new SelflessError('X', 'Cannot parse serverless.yml:3:9', { where: 'serverless.yml:3:9' });
    expect(formatError(err, { debug: false })).toBe('✖ Cannot parse serverless.yml:3:9\n');
  });

  it('treats other errors as bugs: a hint to use --debug, the stack only with it', () => {
    const text = formatError(new TypeError('x is undefined'), { debug: false });
    expect(text.split('\n')[0]).toBe('✖ x is undefined');
    expect(text).toContain('--debug');
    expect(text).not.toContain('at ');
    expect(formatError(new TypeError('x is undefined'), { debug: true })).toContain(
      'TypeError: x is undefined\n    at ',
    );
  });

  it("words unknown options as Serverless's UNSUPPORTED_CLI_OPTIONS", () => {
    expect(unrecognizedOptionsError(['foo', '-z']).message).toBe(
      'Detected unrecognized CLI options: "--foo", "-z".',
    );
  });
});
