#!/usr/bin/env node
// Thin entry: everything lives in the compiled CLI.
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2)));
