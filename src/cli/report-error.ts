import { CommanderError } from 'commander';
import { TtpgraphError } from '../errors.ts';

/** Prints an error as one line on stderr and sets a non-zero exit code; stacks only with TTPGRAPH_DEBUG. */
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
  } else {
    process.stderr.write(`ttpgraph: error: ${String(err)}\n`);
  }
  if (process.env['TTPGRAPH_DEBUG'] !== undefined && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
  process.exitCode = 1;
}
