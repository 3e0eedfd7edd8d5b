/**
 * Runs the built CLI in a pseudo-terminal, the way a person meets it: stdout and stderr are a TTY
 * (so progress bars, colours and terminal widths are live), through script(1) of util-linux.
 * The command line is built from fixed arguments only, each quoted for the shell script(1) starts.
 */
import { spawn } from 'node:child_process';
import { cliEntry } from './paths.ts';

export interface TerminalResult {
  /** The exit status of the command (script -e passes it on). */
  readonly status: number | null;
  /** What the terminal showed: stdout and stderr together, with \r\n line ends and escape sequences. */
  readonly screen: string;
}

export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs `node dist/cli/main.js ARGS` in a terminal `columns` wide. */
export function runInTerminal(args: readonly string[], options: { env?: Record<string, string>; columns?: number; cwd?: string } = {}): Promise<TerminalResult> {
  const command = [process.execPath, cliEntry, ...args].map(shellQuote).join(' ');
  return runShellInTerminal(command, options);
}

/** Runs a shell command line in a terminal (for tests that must type what a README says). */
export function runShellInTerminal(command: string, options: { env?: Record<string, string>; columns?: number; cwd?: string } = {}): Promise<TerminalResult> {
  const columns = options.columns ?? 120;
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  // The terminal's own width counts, not an inherited COLUMNS.
  delete env['COLUMNS'];
  delete env['NO_COLOR'];
  env['TERM'] = 'xterm-256color';
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `stty cols ${columns} rows 40 2>/dev/null; exec ${command}`, '/dev/null'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (screen += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, screen }));
  });
}

/**
 * The lines a person reads: each terminal line as it stands after carriage returns and "clear line"
 * sequences have done their work (the last text written after the last \r), colours removed.
 */
export function visibleLines(screen: string): string[] {
  return screen
    .split('\n')
    .map((raw) => {
      const line = raw.replace(/\r$/, '');
      const afterCr = line.split('\r').at(-1) ?? '';
      // eslint-disable-next-line no-control-regex -- terminal escape sequences are what is stripped
      return afterCr.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
    })
    .filter((l) => l !== '');
}

/** Is every progress bar line ended (cleared with \r) before anything else is written after it? */
export function progressNeverInterleaves(screen: string): boolean {
  // A bar ends in "NN%"; what follows it must be the \r that clears it.
  return [...screen.matchAll(/\] \d{1,3}%/g)].every((m) => screen[(m.index ?? 0) + m[0].length] === '\r');
}
