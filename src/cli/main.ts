#!/usr/bin/env node
/**
 * The `ttpgraph` command line. Each command group lives in src/cli/commands/ and registers itself
 * on the program; this file only wires them and turns errors into one line and an exit code.
 */
import { Command, CommanderError } from 'commander';
import { TtpgraphError } from '../errors.ts';
import { registerEvtxCommands } from './commands/evtx.ts';
import { registerHuntCommand } from './commands/hunt.ts';
import { registerSigmaCommands } from './commands/sigma.ts';
import { VERSION } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command('ttpgraph')
    .description('Threat-informed-defense graph: MITRE ATT&CK, Sigma rules, control mappings and your own logs.')
    .version(VERSION)
    .option('--db <path>', 'SQLite store to use (default: $TTPGRAPH_DB, else the per-user data directory)')
    .showHelpAfterError()
    .exitOverride();
  registerSigmaCommands(program);
  registerHuntCommand(program);
  registerEvtxCommands(program);
  return program;
}

/** Prints an error as one line on stderr and sets a non-zero exit code. */
export function reportError(err: unknown): void {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (usage errors, --help, --version).
    process.exitCode = err.exitCode;
    return;
  }
  if (err instanceof TtpgraphError) {
    process.stderr.write(`ttpgraph: error: ${err.describe()}\n`);
  } else if (err instanceof Error) {
    process.stderr.write(`ttpgraph: error: ${err.message}\n`);
    if (process.env['TTPGRAPH_DEBUG'] !== undefined) process.stderr.write(`${err.stack ?? ''}\n`);
  } else {
    process.stderr.write(`ttpgraph: error: ${String(err)}\n`);
  }
  process.exitCode = 1;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  reportError(err);
}
