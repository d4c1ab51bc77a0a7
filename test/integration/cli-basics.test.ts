/**
 * The CLI's frame through the real binary: version and help, unknown commands and options in
 * Serverless's wording, and bad service input (unknown runtime,
 * invalid event shape): the first line says what and where, exit code 1, no stack unless --debug.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { FIXTURES, firstLine, REPO, runCli, STACK_LINE } from './cli-support.js';

describe.concurrent('the CLI frame', { timeout: 90_000 }, () => {
  it('prints the version on stdout with -v and --version', async ({ expect }) => {
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['-v', '--version']) {
      const run = await runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
      expect(run.stderr).toBe('');
    }
  });

  it('lists the verbs in --help and the flags of a verb in <verb> --help', async ({ expect }) => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const verb of [
      'create',
      'deploy',
      'package',
      'info',
      'invoke',
      'logs',
      'metrics',
      'remove',
      'print',
      'dev',
      'server',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
    }
    const local = await runCli(['invoke', 'local', '--help']);
    expect(local.code).toBe(0);
    for (const flag of [
      '-f, --function',
      '-p, --path',
      '-d, --data',
      '--raw',
      '--context',
      '-x, --contextPath',
      '-e, --env',
      '-c, --config',
      '-s, --stage',
      '-r, --region',
      '--param',
    ]) {
      expect(local.stdout).toContain(flag);
    }
  });

  it('rejects an unknown command and an unknown option in Serverless wording', async ({ expect }) => {
    const command = await runCli(['deplyo']);
    expect(command.code).toBe(1);
    expect(command.stdout).toBe('');
    expect(firstLine(command.stderr)).toBe(
      '✖ Serverless command "deplyo" not found. Run "selfless --help" for a list of all available commands.',
    );
    const option = await runCli(['create', '--template', 'aws-nodejs', '--frobnicate']);
    expect(option.code).toBe(1);
    expect(firstLine(option.stderr)).toBe('✖ Detected unrecognized CLI options: "--frobnicate".');
    const short = await runCli(['print', '-z']);
    expect(firstLine(short.stderr)).toBe('✖ Detected unrecognized CLI options: "-z".');
  });
});

describe.concurrent('bad service input', { timeout: 90_000 }, () => {
  const badRuntime = ['-c', path.join(FIXTURES, 'bad-runtime/serverless.yml')];
  const badEvent = ['-c', path.join(FIXTURES, 'bad-event/serverless.yml')];

  it('reports an unknown runtime at its position in serverless.yml', async ({ expect }) => {
    const run = await runCli(['invoke', 'local', '-f', 'hello', ...badRuntime]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(firstLine(run.stderr)).toMatch(
      /^✖ Configuration error at 'provider\.runtime': .* \(test\/fixtures\/services\/bad-runtime\/serverless\.yml:5:3\)$/,
    );
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it('reports an invalid event shape at its position, with the stack only under --debug', async ({
    expect,
  }) => {
    const run = await runCli(['package', ...badEvent]);
    expect(run.code).toBe(1);
    expect(firstLine(run.stderr)).toMatch(
      /^✖ .*functions\.hello\.events.* \(test\/fixtures\/services\/bad-event\/serverless\.yml:\d+:\d+\)$/,
    );
    expect(run.stderr).not.toMatch(STACK_LINE);
    const debug = await runCli(['package', ...badEvent, '--debug']);
    expect(debug.code).toBe(1);
    expect(firstLine(debug.stderr)).toBe(firstLine(run.stderr));
    expect(debug.stderr).toMatch(STACK_LINE);
  });
});
