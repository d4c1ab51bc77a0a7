/**
 * Every verb of the CLI, one module each. Adding a verb is one line here. Order matters once:
 * `invoke-local` adds `local` under the `invoke` command, so it comes after `invoke`; so does `invoke-stepf` (`stepf`).
 */
import type { Command } from 'commander';
import type { CliIo } from '../output.js';
import * as create from './create.js';
import * as deploy from './deploy.js';
import * as dev from './dev.js';
import * as info from './info.js';
import * as invoke from './invoke.js';
import * as invokeLocal from './invoke-local.js';
import * as invokeStepf from './invoke-stepf.js';
import * as logs from './logs.js';
import * as metrics from './metrics.js';
import * as openapi from './openapi.js';
import * as pkg from './package.js';
import * as print from './print.js';
import * as remove from './remove.js';
import * as rollback from './rollback.js';
import * as server from './server.js';

/** A verb: registers its command(s) and flags on the program. */
export interface CliCommandModule {
  register(program: Command, io: CliIo): void;
}

/** All verbs, in help order. */
export const COMMANDS: CliCommandModule[] = [
  create,
  dev,
  server,
  deploy,
  pkg,
  info,
  invoke,
  invokeLocal,
  invokeStepf,
  logs,
  metrics,
  remove,
  rollback,
  print,
  openapi,
];
