/** The CLI entry: parses verbs and flags, prints results on stdout and progress on stderr. */
export async function main(argv: string[]): Promise<void> {
  process.stderr.write(`selfless: no commands yet (${argv.join(' ')})\n`);
  process.exitCode = 1;
}
