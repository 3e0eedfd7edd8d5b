#!/usr/bin/env node
/**
 * The `ttpgraph` command line. Each command group lives in src/cli/commands/ and registers itself
 * on the program; this file only wires them and turns errors into one line and an exit code.
 */
import { Command } from 'commander';
import { registerDatasetsCommand } from './commands/datasets.ts';
import { registerImportCommands } from './commands/import.ts';
import { registerSearchCommand } from './commands/search.ts';
import { registerShowCommand } from './commands/show.ts';
import { registerStatsCommand } from './commands/stats.ts';
import { registerSyncCommand } from './commands/sync.ts';
import { reportError } from './report-error.ts';
import { registerEvtxCommands } from './commands/evtx.ts';
import { registerHuntCommand } from './commands/hunt.ts';
import { registerSigmaCommands } from './commands/sigma.ts';
import { registerSigmaShowCommand } from './commands/sigma-show.ts';
import { VERSION } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command('ttpgraph')
    .description('Threat-informed-defense graph: MITRE ATT&CK, Sigma rules, control mappings and your own logs.')
    .version(VERSION)
    .option('--db <path>', 'SQLite store to use (default: $TTPGRAPH_DB, else the per-user data directory)')
    .showHelpAfterError()
    .exitOverride();
  registerImportCommands(program);
  registerShowCommand(program);
  registerSearchCommand(program);
  registerDatasetsCommand(program);
  registerStatsCommand(program);
  registerSyncCommand(program);
  registerSigmaCommands(program);
  registerSigmaShowCommand(program);
  registerHuntCommand(program);
  registerEvtxCommands(program);
  return program;
}

// `ttpgraph show T1059 | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  reportError(err);
}
