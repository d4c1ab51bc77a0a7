/** `selfless package`: zips in .serverless/ plus the compiled deployment spec, as `serverless package`. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';

/** File name of the compiled spec next to the artifacts (what `deploy --package` sends). */
export const SPEC_FILE = 'selfless-deployment.json';

/** Human size as Serverless prints artifact sizes (`1.2 kB`). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Registers `package`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('package')
    .description('Package a Serverless service')
    .option('-p, --package <path>', 'Output path for the package (default: .serverless)')
    .option('--minify-template', 'Minify the CloudFormation template (accepted for compatibility)');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const started = Date.now();
    const opts = mergedOptions(command) as { package?: string };
    const loaded = await loadServiceFor(command, io);
    const { config } = loaded;
    io.notice(`Packaging ${config.service} for stage ${config.provider.stage} (${config.provider.region})`);
    const [{ packageService }, { compileDeployment }] = await Promise.all([
      import('../../framework/package.js'),
      import('../../framework/compile.js'),
    ]);
    const outputDir = opts.package === undefined ? undefined : path.resolve(process.cwd(), opts.package);
    const result = await packageService(loaded, { outputDir });
    const spec = compileDeployment(loaded, result);
    writeFileSync(path.join(result.outputDir, SPEC_FILE), `${JSON.stringify(spec, null, 2)}\n`);
    const seen = new Set<string>();
    for (const [key, a] of [...Object.entries(result.functions), ...Object.entries(result.layers)]) {
      if (seen.has(a.path)) continue;
      seen.add(a.path);
      io.info(
        `${path.relative(process.cwd(), a.path) || a.path} (${formatSize(a.size)}, sha256 ${a.sha256})${a.shared ? '' : ` ← ${key}`}`,
      );
    }
    io.notice('');
    io.success(`Service packaged${io.elapsed(started)}`);
  });
}
