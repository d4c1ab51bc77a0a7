import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { extractFreeOptions } from './argv.js';

function program(): Command {
  const p = new Command('selfless').option('--verbose');
  const invoke = p.command('invoke').option('-f, --function <name>');
  invoke.command('local').option('-f, --function <name>').option('-e, --env <kv>').option('--raw');
  p.command('print').option('--format <format>').option('-c, --config <path>');
  return p;
}

describe('free CLI options (read by opt: variables)', () => {
  it('takes unknown long options out, with a value when one follows', () => {
    expect(
      extractFreeOptions(program(), ['print', '--custom', 'yes', '--format', 'json', '--flag', '--x=1']),
    ).toEqual({
      argv: ['print', '--format', 'json'],
      free: { custom: 'yes', flag: true, x: '1' },
    });
  });

  it('knows the options of nested subcommands and leaves short options to commander', () => {
    expect(
      extractFreeOptions(program(), [
        'invoke',
        'local',
        '-f',
        'hello',
        '-e',
        'A=1',
        '--raw',
        '--stage2',
        'p',
        '-z',
      ]),
    ).toEqual({
      argv: ['invoke', 'local', '-f', 'hello', '-e', 'A=1', '--raw', '-z'],
      free: { stage2: 'p' },
    });
  });

  it('does not read a known option value or anything after -- as a free option', () => {
    expect(extractFreeOptions(program(), ['print', '--format', '--weird', '--', '--after'])).toEqual({
      argv: ['print', '--format', '--weird', '--', '--after'],
      free: {},
    });
  });

  it('turns --debug=<namespace> into --debug', () => {
    expect(extractFreeOptions(program(), ['print', '--debug=plugin:x']).argv).toEqual(['print', '--debug']);
  });
});
