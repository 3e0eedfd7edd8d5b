import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { TtpgraphError } from '../../errors.ts';
import { SOURCES } from '../../sync/sources.ts';
import type { SyncEvent } from '../../sync/sync.ts';
import { isUnreachable } from '../../sync/transport.ts';
import { BASE_URL_ENV } from './sync.ts';
import { type App, createApp, DEFAULT_ALLOWED_HOSTS } from '../../web/app.ts';
import { listen } from '../../web/server.ts';
import { graphFor } from '../context.ts';
import { syncProgressBar } from '../sync-progress.ts';

/** Environment variables: a mirror folder for the start-up sync (like --from), and the port (like --port). */
export const SYNC_FROM_ENV = 'TTPGRAPH_SYNC_FROM';
export const PORT_ENV = 'TTPGRAPH_PORT';

interface ServeFlags {
  host: string;
  port?: string;
  token?: string;
  tokenFile?: string;
  allowDir?: string[];
  allowPrivateUrls?: boolean;
  allowedHost?: string[];
  from?: string;
  sync: boolean;
}

const repeat = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The write token: --token-file, else $TTPGRAPH_TOKEN, else --token (which other users can read in `ps`). */
function readToken(flags: ServeFlags): string | undefined {
  if (flags.tokenFile !== undefined) {
    if (flags.token !== undefined) throw new TtpgraphError('invalid-argument', '--token and --token-file cannot be used together');
    let text: string;
    try {
      text = readFileSync(flags.tokenFile, 'utf8');
    } catch (err) {
      throw new TtpgraphError('invalid-argument', `cannot read the token file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { source: flags.tokenFile }, { cause: err });
    }
    const token = text.trim();
    if (/\s/.test(token)) throw new TtpgraphError('invalid-argument', 'the token file must hold the token alone on one line', { source: flags.tokenFile });
    return token === '' ? undefined : token;
  }
  if (flags.token !== undefined) {
    process.stderr.write('ttpgraph: warning: a --token on the command line can be read by other users of this machine (ps); prefer $TTPGRAPH_TOKEN or --token-file FILE\n');
    return flags.token;
  }
  const envToken = process.env.TTPGRAPH_TOKEN;
  return envToken === undefined || envToken === '' ? undefined : envToken;
}

function allowedDirs(dirs: readonly string[]): string[] {
  return dirs.map((d) => {
    const abs = path.resolve(d);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new TtpgraphError('invalid-argument', `--allow-dir "${d}" is not a folder`);
    return abs;
  });
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the web app and the JSON API on http://127.0.0.1:8080 (read-only unless started with a token); an empty store is synced first, in the background')
    .option('--host <host>', 'address to bind (other than 127.0.0.1 exposes the store to your network)', '127.0.0.1')
    .option('--port <port>', `port to listen on (0: any free port) (default: $${PORT_ENV}, else 8080)`)
    .option('--token-file <file>', 'allow sync and import from the web (POST /api/v1/sync, /api/v1/import) to requests with "Authorization: Bearer TOKEN", the token read from this file (default: $TTPGRAPH_TOKEN)')
    .option('--token <token>', 'the token itself (visible to other users in the process list: prefer $TTPGRAPH_TOKEN or --token-file)')
    .option('--allow-dir <dir>', 'a folder on the server whose files web imports and syncs may read (repeatable; default none: only URLs and the official sources)', repeat)
    .option('--allow-private-urls', 'let web imports fetch URLs on loopback and private addresses (refused by default)')
    .option('--allowed-host <name>', 'a host name the server answers to besides the bound address, localhost, 127.0.0.1 and [::1] (repeatable)', repeat)
    .option('--from <dir>', `sync from this mirror folder (laid out like ../shared/data) at start, instead of the official sources on an empty store (default: $${SYNC_FROM_ENV})`)
    .option('--no-sync', 'do not sync an empty store at start')
    .addHelpText(
      'after',
      [
        '',
        'On an empty store, serve starts `ttpgraph sync` of every source in the background (one write job, as',
        'POST /api/v1/sync does): its progress shows in this terminal and on every page, and pages are served',
        'meanwhile, each dataset as soon as it has landed. With --from DIR (or $TTPGRAPH_SYNC_FROM) it reads that',
        'folder instead of the network, also when the store is not empty (only what changed is imported).',
      ].join('\n'),
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const portText = flags.port ?? (process.env[PORT_ENV] === undefined || process.env[PORT_ENV] === '' ? '8080' : process.env[PORT_ENV]);
      const port = Number(portText);
      if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new TtpgraphError('invalid-argument', `--port must be a number from 0 to 65535, not "${portText}"`);
      const token = readToken(flags);
      if (token !== undefined && token.length < 8) throw new TtpgraphError('invalid-argument', 'the token must be at least 8 characters long');
      const dirs = allowedDirs(flags.allowDir ?? []);
      const bound = net.isIPv6(flags.host) ? `[${flags.host}]` : flags.host;
      const hosts = [...DEFAULT_ALLOWED_HOSTS, ...(flags.host === '0.0.0.0' || flags.host === '::' ? [] : [bound]), ...(flags.allowedHost ?? [])];
      const envFrom = process.env[SYNC_FROM_ENV];
      const from = flags.from ?? (envFrom === undefined || envFrom === '' ? undefined : envFrom);
      // A store that exists is opened read-only when nothing will write (no token, no start-up sync):
      // that works on a read-only disk too. An empty store gets created so the page can say how to fill it.
      let graph = graphFor(command, token === undefined ? 'read-or-create' : 'write');
      const empty = graph.datasets().length === 0;
      const syncing = flags.sync && (empty || flags.from !== undefined);
      if (syncing && token === undefined) {
        graph.close();
        graph = graphFor(command, 'write');
      }
      const app = createApp({ graph, token, writePolicy: { allowedDirs: dirs, allowPrivateUrls: flags.allowPrivateUrls === true }, allowedHosts: hosts });
      const running = await listen(app, { host: flags.host, port });
      process.stderr.write(`ttpgraph: serving ${graph.path} at ${running.url} (${token === undefined ? 'read-only' : 'sync and import need the token'}); Ctrl-C stops\n`);
      if (token !== undefined && dirs.length > 0) process.stderr.write(`ttpgraph: web imports may read files under ${dirs.join(', ')}\n`);
      if (syncing) {
        startupSync(app, from);
      } else if (empty) {
        process.stderr.write(`ttpgraph: the store is empty: run ttpgraph sync, or ttpgraph import attack FILE|URL${token === undefined ? '' : ', or press "Sync now" on the home page'}\n`);
      }
      // Fill the caches (home, default matrix, heat-map counts, a technique page) while nobody is waiting yet.
      const warming = setTimeout(() => void app.warm(), 10);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          clearTimeout(warming);
          // A running write job is let finish (a second Ctrl-C abandons it, and its open transaction rolls back).
          void running.close().then(() => app.idle()).then(() => {
            graph.close();
            resolve();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

/**
 * The start-up sync: every source, from `from` or the official ones, as the app's one write job.
 * The terminal gets a progress bar (on a TTY) and one line per file; the end says what landed, or,
 * when no source could be reached, one line saying so and how to fix it. The server keeps serving.
 */
function startupSync(app: App, from: string | undefined): void {
  const fromProblem = from === undefined ? undefined : folderProblem(from);
  if (fromProblem !== undefined) {
    const message = `${from ?? ''}: ${fromProblem}: start with npm start -- --from DIR (a folder laid out like ../shared/data), or ttpgraph sync --from DIR in another terminal`;
    process.stderr.write(`ttpgraph: error: ${message}; serving the store as it is\n`);
    app.setStartupProblem(message);
    return;
  }
  const printer = startupPrinter();
  const envBase = process.env[BASE_URL_ENV];
  const baseUrl = from === undefined && envBase !== undefined && envBase !== '' ? envBase : undefined;
  const job = app.startSync({ sources: SOURCES, domains: [], ...(from === undefined ? {} : { from }), ...(baseUrl === undefined ? {} : { baseUrl }) }, printer.onEvent);
  if (job === undefined) return;
  process.stderr.write(`ttpgraph: syncing every source from ${from ?? baseUrl ?? 'the official sources'} in the background; pages are served meanwhile, each dataset once it has landed\n`);
  void app.idle().then(() => {
    const outcome = printer.finish();
    app.setStartupProblem(outcome);
  });
}

function folderProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : 'not a folder';
  } catch {
    return 'no such folder';
  }
}

/** Prints the start-up sync in the server's terminal; `finish` prints the outcome and returns the problem to show on the home page, if any. */
function startupPrinter(): { onEvent: (e: SyncEvent) => void; finish: () => string | undefined } {
  const { show, clear } = syncProgressBar('sync ');
  const counts = { landed: 0, unchanged: 0, failed: 0 };
  const unreachable = new Set<string>();
  return {
    onEvent(event) {
      if (event.type === 'progress') {
        show(event);
        return;
      }
      clear();
      if (event.type === 'warning') return;
      const r = event.result;
      if (r.error !== null && isUnreachable(r.error)) {
        counts.failed++;
        try {
          unreachable.add(new URL(r.where).host);
        } catch {
          unreachable.add(r.where);
        }
        return;
      }
      if (r.error !== null) {
        counts.failed++;
        process.stderr.write(`ttpgraph: sync: failed ${r.label}: ${r.error.describe().replace(/\s*\n\s*/g, ' ')}\n`);
        return;
      }
      if (r.action === 'unchanged') counts.unchanged++;
      else counts.landed++;
      process.stderr.write(`ttpgraph: sync: ${r.action} ${r.label}${r.counts === null ? '' : ` (${r.counts})`}\n`);
    },
    finish() {
      clear();
      if (unreachable.size > 0 && counts.landed === 0 && counts.unchanged === 0) {
        const message = `could not reach ${[...unreachable].join(', ')} (offline or behind a firewall?): start with npm start -- --from DIR, or set $${SYNC_FROM_ENV}, to sync from a folder laid out like ../shared/data`;
        process.stderr.write(`ttpgraph: sync: ${message}; serving the store as it is\n`);
        return message;
      }
      const tail = unreachable.size > 0 ? `; could not reach ${[...unreachable].join(', ')}` : '';
      process.stderr.write(`ttpgraph: sync: done: ${counts.landed} imported, ${counts.unchanged} unchanged, ${counts.failed} failed${tail}\n`);
      return counts.failed > 0 ? `${counts.failed} file(s) failed${tail}; the server's terminal names them` : undefined;
    },
  };
}
