/**
 * Runs the built CLI as a child process without blocking this process's event loop, so that a
 * server living in the test process (mirror-server.ts) can answer it.
 */
import { spawn } from 'node:child_process';
import type { CliResult } from '../helpers/cli.ts';
import { cliEntry } from '../helpers/paths.ts';

export function runCliAsync(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '100', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
