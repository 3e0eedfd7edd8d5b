#!/usr/bin/env node
/**
 * The `ttpgraph` command line. Each command group lives in src/cli/commands/ and registers itself
 * on the program; this file only wires them and turns errors into one line and an exit code.
 *
 * Only the module of the command being run is loaded (`show` need not load the Sigma engine, the
 * EVTX parser or the web server): that keeps `ttpgraph show T1114` a fast whole process. Help and
 * unknown commands load them all, so the listing is complete.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { reportError } from './report-error.ts';
import { guardTerminalOutput } from './terminal.ts';
import { VERSION } from '../version.ts';

type Register = (program: Command) => unknown;

/** Command name → how to load its registration(s). */
const COMMANDS: Readonly<Record<string, () => Promise<readonly Register[]>>> = {
  import: async () => [(await import('./commands/import.ts')).registerImportCommands],
  show: async () => [(await import('./commands/show.ts')).registerShowCommand],
  search: async () => [(await import('./commands/search.ts')).registerSearchCommand],
  datasets: async () => [(await import('./commands/datasets.ts')).registerDatasetsCommand],
  stats: async () => [(await import('./commands/stats.ts')).registerStatsCommand],
  sync: async () => [(await import('./commands/sync.ts')).registerSyncCommand],
  sigma: async () => [(await import('./commands/sigma.ts')).registerSigmaCommands, (await import('./commands/sigma-show.ts')).registerSigmaShowCommand],
  hunt: async () => [(await import('./commands/hunt.ts')).registerHuntCommand],
  hunts: async () => [(await import('./commands/hunt.ts')).registerHuntsCommand],
  evtx: async () => [(await import('./commands/evtx.ts')).registerEvtxCommands],
  report: async () => [(await import('./commands/report.ts')).registerReportCommands],
  extract: async () => [(await import('./commands/extract.ts')).registerExtractCommands],
  serve: async () => [(await import('./commands/serve.ts')).registerServeCommand],
  logs: async () => [(await import('./commands/coverage.ts')).registerLogsCommands],
  inventory: async () => [(await import('./commands/coverage.ts')).registerInventoryCommand],
  coverage: async () => [(await import('./commands/coverage.ts')).registerCoverageCommand],
  clickhouse: async () => [(await import('./commands/clickhouse.ts')).registerClickhouseCommands],
};

/** The first argument that is not an option (nor the value of --db). */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--db') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

export async function buildProgram(argv: readonly string[] = process.argv.slice(2)): Promise<Command> {
  const program = new Command('ttpgraph')
    .description('Threat-informed-defense graph: MITRE ATT&CK, Sigma rules, control mappings and your own logs.')
    .version(VERSION)
    .option('--db <path>', 'SQLite store to use (default: $TTPGRAPH_DB, else the per-user data directory)')
    // Usage errors look like every other error ("ttpgraph: error: ..."), then say where the usage is.
    .configureOutput({ outputError: (message, write) => write(`ttpgraph: ${message}`) })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const name = commandName(argv);
  const loaders = name !== undefined && name in COMMANDS ? [COMMANDS[name]!] : Object.values(COMMANDS);
  for (const load of loaders) for (const register of await load()) register(program);
  return program;
}

/**
 * Runs the command `args` (without node and the script) names; the outcome is in process.exitCode
 * and nothing here exits the process, so the tests run commands in their own process too
 * (test/helpers/cli.ts).
 */
export async function runProgram(args: readonly string[]): Promise<void> {
  try {
    await (await buildProgram(args)).parseAsync([...args], { from: 'user' });
  } catch (err) {
    reportError(err);
  }
}

/** True when this module is the process's entry (`ttpgraph …`, a symbolic link to it included), not imported. */
function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntry()) {
  // `ttpgraph show T1059 | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

  // From here on, whatever reaches stdout or stderr as text is made printable (src/cli/terminal.ts).
  guardTerminalOutput();

  await runProgram(process.argv.slice(2));
}
