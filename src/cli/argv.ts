/**
 * Argument pre-processing before commander sees them: Serverless accepts free `--name value` options
 * for `${opt:name}`, and `--debug=<namespace>`. Commander knows neither, so they are taken out here
 * and handed to the command separately.
 */
import type { Command, Option } from 'commander';

/** Free options by name: `--foo bar` → `{ foo: 'bar' }`, `--flag` → `{ flag: true }`. */
export type FreeOptions = Record<string, string | boolean>;

const freeOptionsByProgram = new WeakMap<Command, FreeOptions>();

/** Remembers the free options of one parse on its root program. */
export function setFreeOptions(program: Command, free: FreeOptions): void {
  freeOptionsByProgram.set(program, free);
}

/** The free options of the parse `cmd` belongs to. */
export function getFreeOptions(cmd: Command): FreeOptions {
  let root = cmd;
  while (root.parent) root = root.parent;
  return freeOptionsByProgram.get(root) ?? {};
}

function findOption(chain: Command[], match: (o: Option) => boolean): Option | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const found = chain[i]!.options.find(match);
    if (found) return found;
  }
  return undefined;
}

function subcommand(cmd: Command, name: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

/**
 * Splits argv into what commander should parse and the free options it does not know. Known
 * options are looked up along the command path found so far (program, then each subcommand).
 */
export function extractFreeOptions(program: Command, argv: string[]): { argv: string[]; free: FreeOptions } {
  const out: string[] = [];
  const free: FreeOptions = {};
  const chain: Command[] = [program];
  let sawOperand = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (token.startsWith('--') && token.length > 2) {
      const eq = token.indexOf('=');
      const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
      if (name === 'debug') {
        // `--debug=<namespace>` (Serverless) filters debug output; Selfless has one namespace.
        out.push('--debug');
        continue;
      }
      if (name === 'help' || name === 'version') {
        out.push(token);
        continue;
      }
      const known = findOption(chain, (o) => o.long === `--${name}`);
      if (known) {
        out.push(token);
        if (eq === -1 && (known.required || known.optional) && i + 1 < argv.length) {
          const next = argv[i + 1]!;
          if (known.required || !next.startsWith('-')) {
            out.push(next);
            i++;
          }
        }
        continue;
      }
      if (eq !== -1) {
        free[name] = token.slice(eq + 1);
      } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
        free[name] = argv[i + 1]!;
        i++;
      } else {
        free[name] = true;
      }
      continue;
    }
    if (token.startsWith('-') && token.length > 1) {
      out.push(token);
      const known = findOption(chain, (o) => o.short === token.slice(0, 2));
      if (known && token.length === 2 && known.required && i + 1 < argv.length) {
        out.push(argv[i + 1]!);
        i++;
      }
      continue;
    }
    out.push(token);
    const current = chain[chain.length - 1]!;
    const sub = sawOperand ? undefined : subcommand(current, token);
    if (sub) chain.push(sub);
    else sawOperand = true;
  }
  return { argv: out, free };
}
