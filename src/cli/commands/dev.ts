/**
 * `selfless dev [serviceDir]`: an embedded platform in this process (state in the service's
 * `.selfless/`, or a temporary dir with --ephemeral), one deployment, the endpoints printed, then
 * every saved file redeploys the service (only changed functions get new environments; the old ones
 * serve until the new ones are ready). Ctrl-C stops the watcher, the functions and the platform.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadedService } from '../../config/types.js';
import type { watchService } from '../../framework/watch.js';
import type { DeployResult } from '../../platform/deployments.js';
import type { SelflessError } from '../../platform/errors.js';
import type { Platform, WarmFamily } from '../../platform/platform.js';
import type { Logger } from '../../platform/service.js';
import type { ApiGatewayFacade } from '../../services/apigateway/plugin.js';
import type { LogSink } from '../../services/lambda/runtime/types.js';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { readsService } from '../service.js';
import { limitsFromEnv, serverPort } from './server.js';

/** Packages and deploys a loaded service into an in-process platform. */
export async function deployLocal(
  platform: Platform,
  loaded: LoadedService,
  outputDir: string,
): Promise<DeployResult> {
  const [{ packageService }, { compileDeployment }] = await Promise.all([
    import('../../framework/package.js'),
    import('../../framework/compile.js'),
  ]);
  const pkg = await packageService(loaded, { outputDir });
  const uploads = [...Object.values(pkg.functions), ...Object.values(pkg.layers)];
  const seen = new Set<string>();
  for (const a of uploads) {
    if (seen.has(a.sha256)) continue;
    seen.add(a.sha256);
    if (!(await platform.deployments.hasArtifact(a.sha256)))
      await platform.deployments.putArtifact(a.sha256, readFileSync(a.path));
  }
  return platform.deployments.apply(compileDeployment(loaded, pkg));
}

/** The `endpoints:` / `functions:` sections as `serverless deploy` prints them. */
export function serviceOutputs(platform: Platform, result: DeployResult): string {
  const lines: string[] = [];
  let api: ReturnType<ApiGatewayFacade['endpoints']>;
  try {
    api = platform.service<ApiGatewayFacade>('apigateway').endpoints(result.service, result.stage);
  } catch {
    api = undefined;
  }
  if (api && api.apiKeys.length > 0) {
    lines.push('api keys:');
    for (const k of api.apiKeys)
      lines.push(`  ${k.name}: ${k.value}${k.description ? ` - ${k.description}` : ''}`);
  }
  if (api && api.endpoints.length === 1) lines.push(`endpoint: ${api.endpoints[0]}`);
  else if (api && api.endpoints.length > 1) {
    lines.push('endpoints:');
    for (const e of api.endpoints) lines.push(`  ${e}`);
  }
  if (result.functions.length > 0) {
    lines.push('functions:');
    for (const f of result.functions) lines.push(`  ${f.key}: ${f.name}`);
  }
  return lines.join('\n');
}

/**
 * Shows every function log line on stderr as it is written (`hello: START RequestId…`), as a local
 * dev loop should; the lines are still stored for `logs` and CloudWatch Logs.
 */
function echoFunctionLogs(platform: Platform, io: CliIo): void {
  let sink: LogSink;
  try {
    sink = platform.service<LogSink>('logs');
  } catch {
    return;
  }
  const write = sink.write.bind(sink);
  sink.write = (group, stream, lines) => {
    const fn = group.replace(/^\/aws\/lambda\//, '');
    for (const l of lines) io.writeStderr(`${io.colors.gray(`${fn}:`)} ${l.message.replace(/\n$/, '')}\n`);
    write(group, stream, lines);
  };
}

/** The runtime families (node, python) the service's functions run on. */
export function warmFamilies(loaded: LoadedService): WarmFamily[] {
  const families = new Set<WarmFamily>();
  for (const f of Object.values(loaded.config.functions)) {
    if (f.image !== undefined) continue;
    if (f.runtime.startsWith('nodejs')) families.add('node');
    else if (f.runtime.startsWith('python')) families.add('python');
  }
  return [...families];
}

export interface DevOptions {
  serviceDir: string;
  configPath?: string;
  options: Record<string, string | boolean | string[]>;
  port: number;
  dataDir?: string;
  ephemeral: boolean;
  io: CliIo;
  log: Logger;
}

/** A running dev session. */
export interface DevSession {
  platform: Platform;
  stop(): Promise<void>;
}

/** Starts the platform, deploys, prints the endpoints and starts watching. */
export async function startDev(o: DevOptions): Promise<DevSession> {
  const started = Date.now();
  // Loaded here, not at the top: every CLI start imports this module to register `dev`.
  const [{ loadService }, { startPlatform }, { watchService }] = await Promise.all([
    import('../../config/index.js'),
    import('../../platform/platform.js'),
    import('../../framework/watch.js'),
  ]);
  const serviceDir = path.resolve(o.serviceDir);
  const load = () =>
    loadService({ cwd: serviceDir, configPath: o.configPath, options: o.options, env: process.env });
  let loaded = await load();
  for (const w of loaded.warnings) o.io.warning(w.replace(/^Warning:\s*/, ''));
  const tmp = o.ephemeral ? mkdtempSync(path.join(os.tmpdir(), 'selfless-dev-')) : undefined;
  const dataDir = tmp ?? path.resolve(o.dataDir ?? path.join(loaded.serviceDir, '.selfless'));
  const outputDir = path.join(dataDir, 'package');
  const { config } = loaded;
  o.io.notice(`Deploying ${config.service} to stage ${config.provider.stage} (${config.provider.region})`);
  // Only the runtimes this service uses are pre-started: on a small machine an idle interpreter
  // starting beside the deployment slows it down.
  const warmPool = warmFamilies(loaded);
  let platform: Platform;
  try {
    platform = await startPlatform({
      port: o.port,
      dataDir,
      limits: limitsFromEnv(),
      log: o.log,
      warmPool,
    }).catch((e) => {
      // A dev session should not fail because a long-running server holds the default port.
      if ((e as SelflessError).code === 'PORT_UNAVAILABLE' && o.port !== 0)
        return startPlatform({ port: 0, dataDir, limits: limitsFromEnv(), log: o.log, warmPool });
      throw e;
    });
  } catch (e) {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  echoFunctionLogs(platform, o.io);
  let watcher: ReturnType<typeof watchService> | undefined;
  const stop = async () => {
    await watcher?.close();
    await platform.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const result = await deployLocal(platform, loaded, outputDir);
    for (const w of result.warnings) o.io.warning(w);
    o.io.success(`Service deployed to stack ${config.provider.stackName}${o.io.elapsed(started)}`);
    o.io.result(`\n${serviceOutputs(platform, result)}`);
  } catch (e) {
    await stop();
    throw e;
  }

  // Redeploys run one at a time; changes that arrive meanwhile make one more run afterwards.
  let running: Promise<void> | undefined;
  let again = false;
  const redeploy = async (files: string[]) => {
    const t0 = Date.now();
    try {
      if (files.some((f) => path.resolve(f) === loaded.configPath)) {
        loaded = await load();
        for (const w of loaded.warnings) o.io.warning(w.replace(/^Warning:\s*/, ''));
      }
      const before = JSON.stringify(
        platform
          .service<ApiGatewayFacade>('apigateway')
          .endpoints(config.service, loaded.config.provider.stage),
      );
      const result = await deployLocal(platform, loaded, outputDir);
      for (const w of result.warnings) o.io.warning(w);
      const changed = result.functions.filter((f) => f.status !== 'unchanged').map((f) => f.key);
      o.io.success(
        `${changed.length > 0 ? `Redeployed ${changed.join(', ')}` : 'Redeployed (no function changed)'} ${o.io.colors.gray(`(${Date.now() - t0} ms)`)}`,
      );
      const after = JSON.stringify(
        platform
          .service<ApiGatewayFacade>('apigateway')
          .endpoints(config.service, loaded.config.provider.stage),
      );
      if (before !== after) o.io.result(serviceOutputs(platform, result));
    } catch (e) {
      // A broken save must not end the session: report it and keep serving the last good deployment.
      const err = e as SelflessError;
      o.io.warning(
        `Redeploy failed: ${err.message}${err.where ? ` (${err.where})` : ''}${err.hint ? `\n  ${err.hint}` : ''}`,
      );
    }
  };
  const onChange = (files: string[]) => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      await redeploy(files);
      while (again) {
        again = false;
        await redeploy([loaded.configPath]);
      }
    })().finally(() => {
      running = undefined;
    });
  };
  watcher = watchService(loaded.serviceDir, onChange, { ignore: [dataDir] });
  await watcher.ready;
  o.io.aside(`Platform: ${platform.url} (AWS_ENDPOINT_URL). Watching for changes, Ctrl-C to stop.`);
  return {
    platform,
    stop: async () => {
      await running;
      await stop();
    },
  };
}

/** Registers `dev` with its flags. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('dev')
    .description('Run a service locally: an embedded platform, a deployment, and redeploys on change')
    .argument('[serviceDir]', 'Directory of the service (default: the current directory)')
    .option('--port <port>', 'Port of the platform (default: 4566, or SELFLESS_PORT)')
    .option('--data-dir <dir>', 'Data directory (default: <serviceDir>/.selfless)')
    .option('--ephemeral', 'Keep no state: use a temporary data directory, removed on exit');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (serviceDir: string | undefined, _opts: unknown, command: Command) => {
    const m = mergedOptions(command);
    const options: Record<string, string | boolean | string[]> = {};
    for (const [k, v] of Object.entries(m))
      if (typeof v === 'string' || typeof v === 'boolean' || Array.isArray(v)) options[k] = v as string;
    const w = (level: string) => (msg: string) => io.writeStderr(`${level}: ${msg}\n`);
    const session = await startDev({
      serviceDir: serviceDir ?? process.cwd(),
      configPath: typeof m.config === 'string' ? m.config : undefined,
      options,
      port: serverPort(typeof m.port === 'string' ? m.port : undefined),
      dataDir: typeof m.dataDir === 'string' ? m.dataDir : undefined,
      ephemeral: m.ephemeral === true,
      io,
      log: {
        info: io.verbose ? w('info') : () => {},
        warn: w('warning'),
        error: w('error'),
        debug: io.debug ? w('debug') : () => {},
      },
    });
    await new Promise<void>((resolve) => {
      const shutdown = () => {
        process.off('SIGINT', shutdown);
        process.off('SIGTERM', shutdown);
        io.notice('Stopping…');
        void session.stop().finally(resolve);
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    });
  });
}
