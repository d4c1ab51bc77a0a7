/**
 * `selfless deploy`: package the service, upload its artifacts to the platform at
 * SELFLESS_ENDPOINT (default http://127.0.0.1:4566) and apply the compiled deployment spec, then
 * print the Serverless-style summary. Also `deploy function -f fn` (one function's code and
 * configuration) and `deploy list` (the deployment history).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadedService } from '../../config/types.js';
import { PlatformClient } from '../../framework/client.js';
import { sourcePosition } from '../../framework/source-position.js';
import { isSelflessError, SelflessError } from '../../platform/errors.js';
import type { DeploymentSpec, FunctionSpec } from '../../platform/spec.js';
import { usageError } from '../errors.js';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';
import { serviceOutputs, stackOutputs } from './info.js';
import { functionOf } from './invoke.js';
import { SPEC_FILE } from './package.js';

interface DeployOptions {
  package?: string;
  force?: boolean;
  function?: string;
  updateConfig?: boolean;
}

/** Packages (or reads a --package dir) and returns the spec with the zip file of each sha. */
async function buildSpec(
  loaded: LoadedService,
  packageDir: string | undefined,
): Promise<{ spec: DeploymentSpec; files: Map<string, string> }> {
  // Packaging (zip, patterns) is loaded on use: every CLI start imports this module.
  const { digestFile, packageService } = await import('../../framework/package.js');
  const files = new Map<string, string>();
  if (packageDir) {
    const dir = path.resolve(process.cwd(), packageDir);
    let spec: DeploymentSpec;
    try {
      spec = JSON.parse(readFileSync(path.join(dir, SPEC_FILE), 'utf8')) as DeploymentSpec;
    } catch (e) {
      throw new SelflessError('PACKAGE_NOT_FOUND', `No packaged service in ${dir}: ${(e as Error).message}`, {
        where: dir,
        hint: 'Run "selfless package" first, or deploy without --package.',
      });
    }
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.zip'))) {
      const file = path.join(dir, name);
      files.set((await digestFile(file)).sha256, file);
    }
    return { spec, files };
  }
  const result = await packageService(loaded, {});
  const { compileDeployment } = await import('../../framework/compile.js');
  for (const a of [...Object.values(result.functions), ...Object.values(result.layers)])
    files.set(a.sha256, a.path);
  return { spec: compileDeployment(loaded, result), files };
}

/** The zips of the `layers:` section, uploaded like function code. */
function layerArtifacts(spec: DeploymentSpec): Array<Pick<FunctionSpec, 'codeSha256'>> {
  return Object.values((spec.sections.layers ?? {}) as Record<string, { codeSha256?: string }>)
    .filter((l) => typeof l.codeSha256 === 'string')
    .map((l) => ({ codeSha256: l.codeSha256 as string }));
}

/** Uploads the artifacts the given functions need. */
async function uploadArtifacts(
  client: PlatformClient,
  functions: Array<Pick<FunctionSpec, 'codeSha256'>>,
  files: Map<string, string>,
  io: CliIo,
) {
  for (const sha of new Set(functions.map((f) => f.codeSha256))) {
    const file = files.get(sha);
    if (!file)
      throw new SelflessError('MISSING_ARTIFACT', `The artifact ${sha} of the deployment was not found.`, {
        hint: 'Package the service again.',
      });
    const { uploaded } = await client.uploadArtifact(sha, file);
    io.info(`${uploaded ? 'Uploaded' : 'Already on the platform:'} ${path.basename(file)}`);
  }
}

async function deployService(loaded: LoadedService, o: DeployOptions, io: CliIo): Promise<void> {
  const started = Date.now();
  const { service } = loaded.config;
  const { stage, region } = loaded.config.provider;
  io.notice(`Deploying ${service} to stage ${stage} (${region})`);
  const client = new PlatformClient();
  await client.health();
  const { spec, files } = await buildSpec(loaded, o.package);
  await uploadArtifacts(client, [...spec.functions, ...layerArtifacts(spec)], files, io);
  const result = await client.deploy(spec).catch((e) => {
    throw locateInConfig(e, loaded.configPath);
  });
  for (const w of result.warnings) io.warning(w);
  io.notice('');
  if (!result.changed && !o.force) {
    io.skip(`No changes to deploy. Deployment skipped.${io.elapsed(started)}`);
    return;
  }
  io.success(`Service deployed to stack ${service}-${stage}${io.elapsed(started)}`);
  io.notice('');
  const info = await client.info(service, stage);
  io.result(
    [
      ...serviceOutputs(info, io.outColors.gray, true),
      ...(io.verbose ? stackOutputs(info, io.outColors.gray) : []),
    ].join('\n'),
  );
}

/** The parts of a function spec that are configuration (everything but the code). */
function configurationOf(f: FunctionSpec): string {
  const { codeSha256: _s, codeSize: _z, ...rest } = f;
  return JSON.stringify(rest);
}

async function deployFunction(
  loaded: LoadedService,
  key: string,
  o: DeployOptions,
  io: CliIo,
): Promise<void> {
  const started = Date.now();
  const { service } = loaded.config;
  const { stage, region } = loaded.config.provider;
  const fn = functionOf(loaded, key);
  io.notice(`Deploying function ${key} to stage ${stage} (${region})`);
  const client = new PlatformClient();
  const notDeployed = () =>
    new SelflessError(
      'FUNCTION_NOT_DEPLOYED',
      `Function "${fn.name}" doesn't exist in this stage (${stage}).`,
      {
        hint: 'Deploy the whole service first with "selfless deploy".',
      },
    );
  let current: Awaited<ReturnType<PlatformClient['info']>>;
  try {
    current = await client.info(service, stage);
  } catch (e) {
    if (isSelflessError(e) && e.code === 'SERVICE_NOT_FOUND') throw notDeployed();
    throw e;
  }
  const old = current.spec.functions.find((f) => f.key === key);
  if (!old) throw notDeployed();
  const { spec, files } = await buildSpec(loaded, o.package);
  let next = spec.functions.find((f) => f.key === key);
  if (!next) throw notDeployed();
  if (o.updateConfig) next = { ...next, codeSha256: old.codeSha256, codeSize: old.codeSize };
  const codeChanged = old.codeSha256 !== next.codeSha256;
  const configChanged = configurationOf(old) !== configurationOf(next);
  if (!codeChanged && !configChanged && !o.force) {
    io.notice('');
    io.skip(`Code did not change. Function deployment skipped.${io.elapsed(started)}`);
    return;
  }
  if (codeChanged) await uploadArtifacts(client, [next], files, io);
  const updated = next;
  const result = await client.deploy({
    ...current.spec,
    functions: current.spec.functions.map((f) => (f.key === key ? updated : f)),
  });
  for (const w of result.warnings) io.warning(w);
  io.notice('');
  if (codeChanged) io.success(`Function code deployed${io.elapsed(started)}`);
  else io.skip(`Code did not change. Function deployment skipped.${io.elapsed(started)}`);
  if (configChanged) io.success(`Function configuration updated${io.elapsed(started)}`);
}

/** Prints the deployment history as `deploy list` does. */
export async function listDeployments(loaded: LoadedService, io: CliIo): Promise<void> {
  const { service } = loaded.config;
  const { stage } = loaded.config.provider;
  const { deployments } = await new PlatformClient().deployments(service, stage);
  if (deployments.length === 0) {
    io.skip("No deployments found, if that's unexpected ensure that stage and region are correct");
    return;
  }
  const blocks = (
    deployments as Array<{ timestamp: number; functions?: Array<{ key: string; codeSha256: string }> }>
  ).map((d) =>
    [
      `${new Date(d.timestamp)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, '')} UTC`,
      `Timestamp: ${d.timestamp}`,
      'Files:',
      `  - ${SPEC_FILE}`,
      ...[...new Set((d.functions ?? []).map((f) => f.codeSha256))].map(
        (sha) => `  - ${sha.slice(0, 12)}.zip`,
      ),
    ].join('\n'),
  );
  io.result(blocks.join('\n\n'));
}

/** Registers `deploy`, `deploy function` and `deploy list`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('deploy')
    .description('Deploy a Serverless service')
    .option('-p, --package <path>', 'Path of the deployment package')
    .option('--force', 'Forces a deployment to take place')
    .option('-f, --function <name>', "Function name. Deploys a single function (see 'deploy function')")
    .option('--conceal', 'Hide secrets from the output (e.g. API Gateway key values)')
    .option('--aws-profile <profile>', 'AWS profile to use with the command')
    .option('--enforce-hash-update', 'Enforce the change of the Lambda function hash')
    .option('--minify-template', 'Minify the CloudFormation template');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const o = mergedOptions(command) as DeployOptions;
    const loaded = await loadServiceFor(command, io);
    if (o.function) return deployFunction(loaded, o.function, o, io);
    return deployService(loaded, o, io);
  });

  const fnCmd = cmd
    .command('function')
    .description('Deploy a single function from the service')
    .option('-f, --function <name>', 'Name of the function')
    .option('--force', 'Forces a deployment to take place')
    .option('-u, --update-config', 'Updates function configuration only');
  addServiceOptions(fnCmd);
  readsService(fnCmd);
  fnCmd.action(async (_opts: unknown, command: Command) => {
    const o = mergedOptions(command) as DeployOptions;
    if (!o.function)
      throw usageError(
        'The "--function" (-f) option is required.',
        'Example: selfless deploy function -f hello',
      );
    const loaded = await loadServiceFor(command, io);
    await deployFunction(loaded, o.function, o, io);
  });

  const listCmd = cmd.command('list').description('List deployed versions of the service');
  addServiceOptions(listCmd);
  readsService(listCmd);
  listCmd.action(async (_opts: unknown, command: Command) => {
    await listDeployments(await loadServiceFor(command, io), io);
  });
}

/**
 * Points a platform error about a property (`functions.f.events[0].schedule.rate`) at the line of
 * serverless.yml that holds it, trying shorter paths when the exact one is implied (`schedule: rate(…)`).
 */
function locateInConfig(e: unknown, configPath: string): unknown {
  if (!isSelflessError(e) || !e.where || !/^(functions|resources|provider|custom)[.[]/.test(e.where))
    return e;
  const keyPath = e.where
    .split(/\.|\[(\d+)\]/)
    .filter((k) => k !== undefined && k !== '')
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  for (let n = keyPath.length; n > 1; n--) {
    const at = sourcePosition(configPath, keyPath.slice(0, n));
    if (/:\d+:\d+$/.test(at))
      return new SelflessError(e.code, e.message, {
        kind: e.kind,
        where: at,
        hint: e.hint,
        details: e.details,
        cause: e,
      });
  }
  return e;
}
