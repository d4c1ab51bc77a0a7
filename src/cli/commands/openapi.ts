/** `selfless openapi [--output FILE] [--format json|yaml] [--api rest|http]`: the service's API as OpenAPI 3.1. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { ConfigLike } from '../../services/apigateway/source.js';
import { usageError } from '../errors.js';
import { addServiceOptions, mergedOptions } from '../options.js';
import type { CliIo } from '../output.js';
import { loadServiceFor, readsService } from '../service.js';

/** Registers `openapi`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('openapi')
    .description(
      "Print the service's API as an OpenAPI 3.1 document (routes plus serverless-aws-documentation)",
    )
    .option('-o, --output <file>', 'Write the document to a file instead of stdout')
    .option('--format <format>', 'json or yaml (default: from the --output extension, else json)')
    .option('--api <api>', 'rest (http events) or http (httpApi events); default: the one the service has');
  addServiceOptions(cmd);
  readsService(cmd);
  cmd.action(async (_opts: unknown, command: Command) => {
    const m = mergedOptions(command) as { output?: string; format?: string; api?: string };
    const format = m.format ?? (m.output && /\.ya?ml$/i.test(m.output) ? 'yaml' : 'json');
    if (format !== 'json' && format !== 'yaml')
      throw usageError(`Unknown format "${m.format}".`, 'Use --format json or --format yaml.');
    if (m.api !== undefined && m.api !== 'rest' && m.api !== 'http')
      throw usageError(
        `Unknown API "${m.api}".`,
        'Use --api rest (http events) or --api http (httpApi events).',
      );
    const loaded = await loadServiceFor(command, io);
    // The gateway's model and the generator are loaded on use, not at every CLI start.
    const [{ apiKinds, generateOpenApi }, { sourceFromConfig }] = await Promise.all([
      import('../../framework/openapi.js'),
      import('../../services/apigateway/source.js'),
    ]);
    const src = sourceFromConfig(loaded.config as unknown as ConfigLike);
    const kinds = apiKinds(src);
    if (kinds.length === 0)
      throw usageError(
        `Service ${src.service} has no http or httpApi events, so it has no API to document.`,
        'Add an http or httpApi event to a function.',
      );
    const kind = (m.api as 'rest' | 'http' | undefined) ?? kinds[0]!;
    if (!kinds.includes(kind))
      throw usageError(`Service ${src.service} has no ${kind === 'rest' ? 'http' : 'httpApi'} events.`);
    if (kinds.length > 1 && !m.api)
      io.notice(
        `The service has a REST API and an HTTP API; documenting the REST API (--api http for the other).`,
      );
    const doc = generateOpenApi(src, { kind });
    const text =
      format === 'yaml'
        ? stringify(doc, { aliasDuplicateObjects: false })
        : `${JSON.stringify(doc, null, 2)}\n`;
    if (m.output) {
      const file = path.resolve(m.output);
      writeFileSync(file, text);
      io.success(`OpenAPI document written to ${file}`);
    } else {
      io.writeStdout(text);
    }
  });
}
