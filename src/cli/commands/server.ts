/** `selfless server [--port 4566] [--host 127.0.0.1] [--data-dir .selfless]`: runs the platform until stopped. */
import type { Command } from 'commander';
import { type PlatformLimits, resolveLimits } from '../../platform/limits.js';
import { usageError } from '../errors.js';
import { addGlobalFlags, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';

/** The port from --port, then SELFLESS_PORT, then 4566. */
export function serverPort(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = flag ?? env.SELFLESS_PORT ?? '4566';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(
      `Invalid port "${raw}".`,
      'Give a port number from 0 to 65535 (--port or SELFLESS_PORT).',
    );
  return port;
}

/** Limits overridden by SELFLESS_LIMITS (JSON, e.g. `{"asyncRetryDelaysMs":[1000,2000]}`), for tests and tuning. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<PlatformLimits> {
  if (!env.SELFLESS_LIMITS) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.SELFLESS_LIMITS);
  } catch (e) {
    throw usageError(`SELFLESS_LIMITS is not valid JSON: ${(e as Error).message}`);
  }
  const known = resolveLimits();
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw usageError('SELFLESS_LIMITS must be a JSON object.');
  for (const k of Object.keys(parsed))
    if (!(k in known))
      throw usageError(
        `SELFLESS_LIMITS has an unknown key "${k}".`,
        `Known keys: ${Object.keys(known).join(', ')}.`,
      );
  return parsed as Partial<PlatformLimits>;
}

/** Registers `server`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('server')
    .description('Run the Selfless platform (AWS APIs, deployed services) until stopped')
    .option('--port <port>', 'Port of the platform (default: 4566, or SELFLESS_PORT)')
    .option('--host <host>', 'Address to listen on (default: 127.0.0.1)')
    .option('--data-dir <dir>', 'Data directory (default: .selfless)');
  addGlobalFlags(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const o = mergedOptions(command) as { port?: string; host?: string; dataDir?: string; verbose?: boolean };
    // Loaded on use: every CLI start registers this verb, few run it.
    const { startPlatform, stderrLogger } = await import('../../platform/platform.js');
    const platform = await startPlatform({
      port: serverPort(o.port),
      host: o.host,
      dataDir: o.dataDir ?? '.selfless',
      limits: limitsFromEnv(),
      log: stderrLogger(io.verbose),
      warmPool: true,
    });
    io.notice(`Selfless platform listening on ${platform.url} (data: ${platform.dataDir})`);
    io.aside(`export AWS_ENDPOINT_URL=${platform.url} SELFLESS_ENDPOINT=${platform.url}`);
    await new Promise<void>((resolve) => {
      const shutdown = () => {
        process.off('SIGINT', shutdown);
        process.off('SIGTERM', shutdown);
        io.notice('Stopping the platform…');
        void platform.stop().finally(resolve);
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    });
  });
}
