/**
 * Runs the built CLI the way a user runs it: `cliInProcess` in this test process (the command's
 * entry, `runProgram` of dist/cli/main.js, with its stdout, stderr, exit code, environment and
 * working folder captured), `runCli` / `runCliAsync` as a real child process, for what needs one:
 * exit codes of a real process, signals, a terminal, a server that must not block the test.
 * Prefer cliInProcess: a child process costs ~0.3 s of start-up (more on a loaded machine).
 *
 * In-process runs see the commands exactly as written for the real process: they print through
 * process.stdout/stderr.write (swapped for the run), set process.exitCode (read and reset), and a
 * process.exit() call ends the run with that code instead of the test process. They run the built
 * dist/ (like the child process does), so worker threads start as they do for a user.
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliEntry, projectRoot } from './paths.ts';

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

export interface InProcessOptions {
  /** Working folder for the run (process.chdir, restored after). */
  readonly cwd?: string;
}

type Write = (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;

interface Capture {
  stdout: string;
  stderr: string;
}

/**
 * Per process (module instances come and go between test files): the streams' own write functions
 * and the router put in front of them, which sends writes to the run being captured, if any.
 */
interface Routers {
  readonly original: { readonly stdout: Write; readonly stderr: Write };
  readonly router: { readonly stdout: Write; readonly stderr: Write };
  capture: Capture | null;
}

const ROUTERS = Symbol.for('ttpgraph.test.cli-routers');

function routers(): Routers {
  const g = globalThis as { [ROUTERS]?: Routers };
  if (g[ROUTERS] !== undefined) return g[ROUTERS];
  const original = { stdout: process.stdout.write.bind(process.stdout) as Write, stderr: process.stderr.write.bind(process.stderr) as Write };
  const make =
    (name: 'stdout' | 'stderr'): Write =>
    (chunk, ...rest) => {
      const c = state.capture;
      if (c === null) return original[name](chunk, ...rest);
      c[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (done !== undefined) queueMicrotask(done);
      return true;
    };
  const state: Routers = { original, router: { stdout: make('stdout'), stderr: make('stderr') }, capture: null };
  g[ROUTERS] = state;
  return state;
}

interface CliModules {
  runProgram(args: readonly string[]): Promise<void>;
}

let loaded: Promise<CliModules> | undefined;

/**
 * The built CLI's entry, with the real CLI's output guard (terminal.ts) put over the routers: what
 * reaches the capture is what a user's terminal or pipe would get.
 */
function cliModules(): Promise<CliModules> {
  loaded ??= (async () => {
    const r = routers();
    process.stdout.write = r.router.stdout;
    process.stderr.write = r.router.stderr;
    const dist = (p: string): string => pathToFileURL(path.join(projectRoot, 'dist', 'cli', p)).href;
    const terminal = (await import(dist('terminal.js'))) as { guardTerminalOutput(): void };
    terminal.guardTerminalOutput();
    return (await import(dist('main.js'))) as CliModules;
  })();
  return loaded;
}

class ExitCalled extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`process.exit(${code})`);
    this.code = code;
  }
}

/** One run at a time: the streams, environment and working folder are the process's. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `ttpgraph ARGS` in this process and returns what it printed and its exit code. `env` is
 * added to the test environment for the run (and removed after).
 */
export function cliInProcess(args: readonly string[], env: Record<string, string> = {}, options: InProcessOptions = {}): Promise<CliResult> {
  const run = queue.then(() => runInProcess(args, env, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runInProcess(args: readonly string[], env: Record<string, string>, options: InProcessOptions): Promise<CliResult> {
  const cli = await cliModules();
  const r = routers();
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries({ ...TEST_ENV, ...env })) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  const cwd = process.cwd();
  if (options.cwd !== undefined) process.chdir(options.cwd);
  // Put back as it was (the method is never called through this variable).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const exit = process.exit;
  const exitCodeBefore = process.exitCode;
  process.exitCode = undefined;
  process.exit = (code?: number | string | null): never => {
    throw new ExitCalled(Number(code ?? process.exitCode ?? 0));
  };
  const capture: Capture = { stdout: '', stderr: '' };
  r.capture = capture;
  let status: number;
  try {
    await cli.runProgram(args);
    status = Number(process.exitCode ?? 0);
  } catch (err) {
    if (!(err instanceof ExitCalled)) throw err;
    status = err.code;
  } finally {
    r.capture = null;
    process.exit = exit;
    process.exitCode = exitCodeBefore;
    process.chdir(cwd);
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { status, stdout: capture.stdout, stderr: capture.stderr };
}

/** `ttpgraph ARGS` as a real child process (blocking): for exit codes and output of a real process. */
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
