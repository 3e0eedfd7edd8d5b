/** Runs the built CLI as a real child process, the way a user runs it. */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { cliEntry } from './paths.ts';

/**
 * The CLI caches the parsed form of --rules folders (hunt); tests keep theirs out of the user's
 * ~/.cache, in one folder under the temp dir that every run shares (bounded: one cache per rule set).
 */
const TEST_ENV = { NO_COLOR: '1', COLUMNS: '100', TTPGRAPH_CACHE_DIR: path.join(os.tmpdir(), 'ttpgraph-test-cache') };

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [cliEntry, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...TEST_ENV, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like runCli, without blocking the test process (needed when the test itself serves HTTP to the CLI). */
export function runCliAsync(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      env: { ...process.env, ...TEST_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
