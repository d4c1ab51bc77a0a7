/**
 * Loading serverless.yml for a command: the CLI's options become `${opt:…}` values, the config
 * module's warnings are printed, and free options nobody asked for are rejected.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { LoadedService } from '../config/types.js';
import { getFreeOptions } from './argv.js';
import { unrecognizedOptionsError } from './errors.js';
import { mergedOptions } from './options.js';
import type { CliIo } from './output.js';

const commandsWithService = new WeakSet<Command>();

/** Marks a command as one that reads serverless.yml (free options are then checked against it). */
export function readsService(cmd: Command): Command {
  commandsWithService.add(cmd);
  return cmd;
}

/** True when the command reads serverless.yml. */
export function isServiceCommand(cmd: Command): boolean {
  return commandsWithService.has(cmd);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Free options (`--foo bar`) are accepted only when the config reads them (`${opt:foo}`), as the
 * free CLI options Serverless v2 passed to variables; anything else is a typo, and Serverless v3
 * rejects it with UNSUPPORTED_CLI_OPTIONS.
 */
export function unreferencedFreeOptions(names: string[], configText: string): string[] {
  return names.filter((name) => !new RegExp(`\\bopt:\\s*${escapeRegExp(name)}(?![\\w-])`).test(configText));
}

/** Loads the service the command runs on, printing the loader's warnings on stderr. */
export async function loadServiceFor(cmd: Command, io: CliIo): Promise<LoadedService> {
  const merged = mergedOptions(cmd);
  const free = getFreeOptions(cmd);
  const options: Record<string, string | boolean | string[]> = {};
  for (const [k, v] of Object.entries(merged)) {
    if (
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      (Array.isArray(v) && v.every((x) => typeof x === 'string'))
    ) {
      options[k] = v as string | boolean | string[];
    }
  }
  Object.assign(options, free);
  // Loaded on use: `--help`, `--version` and `create` do not pay for the config loader.
  const { loadService } = await import('../config/index.js');
  const loaded = await loadService({
    cwd: process.cwd(),
    configPath: typeof merged.config === 'string' ? merged.config : undefined,
    options,
    env: process.env,
  });
  const freeNames = Object.keys(free);
  if (freeNames.length > 0) {
    let text = '';
    try {
      text = readFileSync(loaded.configPath, 'utf8');
    } catch {
      // A config that cannot be re-read references nothing.
    }
    const unknown = unreferencedFreeOptions(freeNames, text);
    if (unknown.length > 0) throw unrecognizedOptionsError(unknown);
  }
  for (const w of loaded.warnings) io.warning(w.replace(/^Warning:\s*/, ''));
  io.debugLog(`loaded ${loaded.configPath} (service dir ${loaded.serviceDir})`);
  return loaded;
}
