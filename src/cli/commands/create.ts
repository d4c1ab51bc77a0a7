/** `selfless create`: a new service from a template shipped in templates/ (or a local directory). */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SelflessError } from '../../platform/errors.js';
import { addGlobalFlags, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';

/** The templates Selfless ships (a subset of Serverless's recommended list). */
export const TEMPLATES = ['aws-nodejs', 'aws-nodejs-typescript', 'aws-python3'] as const;

/** Where the shipped templates live (the package's templates/ folder). */
export function templatesDir(): string {
  return fileURLToPath(new URL('../../../templates/', import.meta.url));
}

/** Service names as serverless.yml accepts them. */
const SERVICE_NAME = /^[a-zA-Z][0-9a-zA-Z-]+$/;

/** Sets `service:` in serverless.yml and `name` in package.json, as Serverless's renameService does. */
export function renameService(name: string, serviceDir: string): void {
  const yml = path.join(serviceDir, 'serverless.yml');
  if (existsSync(yml)) {
    const text = readFileSync(yml, 'utf8');
    writeFileSync(yml, text.replace(/^service:.*$/m, `service: ${name}`));
  }
  const pkg = path.join(serviceDir, 'package.json');
  if (existsSync(pkg)) {
    const json = JSON.parse(readFileSync(pkg, 'utf8')) as Record<string, unknown>;
    json.name = name;
    writeFileSync(pkg, `${JSON.stringify(json, null, 2)}\n`);
  }
}

/** npm drops `.gitignore` from packages, so templates ship it as `gitignore`. */
function restoreDotfiles(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) restoreDotfiles(p);
    else if (entry.name === 'gitignore') renameSync(p, path.join(dir, '.gitignore'));
  }
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p, base));
    else out.push(path.relative(base, p).replace(/(^|\/)gitignore$/, '$1.gitignore'));
  }
  return out;
}

interface CreateOptions {
  template?: string;
  templateUrl?: string;
  templatePath?: string;
  path?: string;
  name?: string;
}

/** Creates the service; returns the directory shown to the user. */
export function createService(
  opts: CreateOptions,
  cwd: string,
): { displayPath: string; serviceDir: string; source: string } {
  const given = [opts.template, opts.templateUrl, opts.templatePath].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new SelflessError(
      'MISSING_TEMPLATE_CLI_PARAM',
      'You must either pass a template name (--template), a URL (--template-url) or a local path (--template-path).',
    );
  }
  if (opts.name !== undefined && !SERVICE_NAME.test(opts.name)) {
    throw new SelflessError('INVALID_SERVICE_NAME', `Invalid service name "${opts.name}"`, {
      hint: 'A service name starts with a letter and contains only letters, digits and dashes.',
    });
  }
  if (opts.templateUrl !== undefined) {
    throw new SelflessError(
      'TEMPLATE_URL_NOT_SUPPORTED',
      'Creating a service from a URL (--template-url) is not supported by Selfless.',
      {
        hint: 'Download the template yourself and pass its directory with --template-path, or use --template.',
      },
    );
  }
  let source: string;
  let label: string;
  let defaultDir: string | undefined;
  if (opts.template !== undefined) {
    if (!(TEMPLATES as readonly string[]).includes(opts.template)) {
      throw new SelflessError(
        'NOT_SUPPORTED_TEMPLATE',
        `Template "${opts.template}" is not supported. Supported templates are: ${TEMPLATES.map((t) => `"${t}"`).join(', ')}.`,
      );
    }
    source = path.join(templatesDir(), opts.template);
    label = opts.template;
  } else {
    source = path.resolve(cwd, opts.templatePath!);
    if (!existsSync(source) || !statSync(source).isDirectory()) {
      throw new SelflessError(
        'TEMPLATE_PATH_NOT_FOUND',
        `The template path "${opts.templatePath}" is not a directory.`,
      );
    }
    label = opts.templatePath!;
    // Serverless creates ./<name or template dir name> for --template-path.
    defaultDir = opts.name ?? path.basename(source);
  }
  const relTarget = opts.path ?? defaultDir;
  const serviceDir = relTarget === undefined ? cwd : path.resolve(cwd, relTarget);
  const displayPath = opts.path ?? (defaultDir !== undefined ? `./${defaultDir}` : './');
  if (relTarget !== undefined && existsSync(serviceDir)) {
    throw new SelflessError(
      'TARGET_FOLDER_ALREADY_EXISTS',
      `A folder named "${displayPath}" already exists.`,
      {
        hint: 'Choose another --path, or remove that folder first.',
      },
    );
  }
  if (relTarget === undefined) {
    const clash = listFiles(source).find((f) => existsSync(path.join(serviceDir, f)));
    if (clash) {
      throw new SelflessError(
        'TARGET_FILE_ALREADY_EXISTS',
        `File "${clash}" already exists in the current directory.`,
        {
          hint: 'Create the service in a new folder with --path <dir>.',
        },
      );
    }
  }
  cpSync(source, serviceDir, { recursive: true, errorOnExist: true, force: false });
  restoreDotfiles(serviceDir);
  const effectiveName = opts.name ?? (opts.path !== undefined ? path.basename(serviceDir) : undefined);
  if (effectiveName !== undefined && SERVICE_NAME.test(effectiveName))
    renameService(effectiveName, serviceDir);
  return { displayPath, serviceDir, source: label };
}

/** Registers `create`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('create')
    .description('Create new Serverless service')
    .option('-t, --template <name>', `Template for the service. Available templates: ${TEMPLATES.join(', ')}`)
    .option('-u, --template-url <url>', 'Template URL for the service (not supported by Selfless)')
    .option('--template-path <path>', 'Template local path for the service')
    .option('-p, --path <path>', 'The path where the service should be created')
    .option('-n, --name <name>', 'Name for the service. Overwrites the default name of the created service');
  addGlobalFlags(cmd);
  cmd.action((_opts: unknown, command: Command) => {
    const started = Date.now();
    const opts = mergedOptions(command) as CreateOptions;
    const { displayPath } = createService(opts, process.cwd());
    const from = opts.template !== undefined ? ` from "${opts.template}" template` : '';
    io.notice('');
    io.success(`Project successfully created in "${displayPath}"${from}${io.elapsed(started)}`);
    if (opts.path === undefined && opts.name === undefined) {
      io.aside('Please update the "service" property in serverless.yml with your service name');
    }
  });
}
