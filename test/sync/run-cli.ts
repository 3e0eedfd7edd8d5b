/**
 * Runs `ttpgraph ARGS` for the sync tests: in this test process (test/helpers/cli.ts, cliInProcess),
 * which does not block the event loop, so that a server living in the test process
 * (mirror-server.ts) can answer it. Output, exit code and environment are the command's own.
 */
import { cliInProcess, type CliResult } from '../helpers/cli.ts';

export function runCliAsync(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return cliInProcess(args, env);
}
