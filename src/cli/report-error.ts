import { CommanderError } from 'commander';
import { TtpgraphError } from '../errors.ts';

/**
 * Prints an error as one line on stderr and sets a non-zero exit code: 2 for bad arguments (as in
 * Unix tools; 1 means something else to some commands, such as hunt's "no hits"), else 1. Stacks
 * only with TTPGRAPH_DEBUG.
 */
export function reportError(err: unknown): void {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (usage errors, --help, --version).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
    return;
  }
  if (err instanceof TtpgraphError) {
    process.stderr.write(`ttpgraph: error: ${err.describe()}\n`);
  } else if (err instanceof Error) {
    process.stderr.write(`ttpgraph: error: ${err.message}\n`);
  } else {
    process.stderr.write(`ttpgraph: error: ${String(err)}\n`);
  }
  if (process.env['TTPGRAPH_DEBUG'] !== undefined && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
  // 130: interrupted by Ctrl-C (128 + SIGINT), as shells report it.
  process.exitCode = err instanceof TtpgraphError && err.code === 'invalid-argument' ? 2 : err instanceof TtpgraphError && err.code === 'cancelled' ? 130 : 1;
}
