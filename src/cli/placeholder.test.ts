import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addServiceOptions } from './options.js';
import { notAvailableError, placeholderAction } from './placeholder.js';

describe('verbs that are not available yet', () => {
  it('parse their real flags, then fail with a clear user error', async () => {
    const program = new Command('selfless').exitOverride();
    const cmd = addServiceOptions(program.command('rollback').option('-t, --timestamp <t>'));
    placeholderAction(cmd, 'rollback');
    await expect(
      program.parseAsync(['rollback', '-t', '1', '-s', 'prod'], { from: 'user' }),
    ).rejects.toMatchObject({
      code: 'COMMAND_NOT_AVAILABLE',
      message: '"selfless rollback" is not available yet in this version of Selfless.',
    });
    expect(cmd.opts()).toMatchObject({ timestamp: '1', stage: 'prod' });
    expect(notAvailableError('x').isUserError()).toBe(true);
  });
});
