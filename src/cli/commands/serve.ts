import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { TtpgraphError } from '../../errors.ts';
import { createApp, DEFAULT_ALLOWED_HOSTS } from '../../web/app.ts';
import { listen } from '../../web/server.ts';
import { graphFor } from '../context.ts';

interface ServeFlags {
  host: string;
  port: string;
  token?: string;
  tokenFile?: string;
  allowDir?: string[];
  allowPrivateUrls?: boolean;
  allowedHost?: string[];
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
    .description('serve the web app and the JSON API on http://127.0.0.1:8080 (read-only unless started with a token)')
    .option('--host <host>', 'address to bind (other than 127.0.0.1 exposes the store to your network)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--token-file <file>', 'allow sync and import from the web (POST /api/v1/sync, /api/v1/import) to requests with "Authorization: Bearer TOKEN", the token read from this file (default: $TTPGRAPH_TOKEN)')
    .option('--token <token>', 'the token itself (visible to other users in the process list: prefer $TTPGRAPH_TOKEN or --token-file)')
    .option('--allow-dir <dir>', 'a folder on the server whose files web imports and syncs may read (repeatable; default none: only URLs and the official sources)', repeat)
    .option('--allow-private-urls', 'let web imports fetch URLs on loopback and private addresses (refused by default)')
    .option('--allowed-host <name>', 'a host name the server answers to besides the bound address, localhost, 127.0.0.1 and [::1] (repeatable)', repeat)
    .action(async (flags: ServeFlags, command: Command) => {
      const port = Number(flags.port);
      if (!/^\d{1,5}$/.test(flags.port) || port > 65535) throw new TtpgraphError('invalid-argument', `--port must be a number from 0 to 65535, not "${flags.port}"`);
      const token = readToken(flags);
      if (token !== undefined && token.length < 8) throw new TtpgraphError('invalid-argument', 'the token must be at least 8 characters long');
      const dirs = allowedDirs(flags.allowDir ?? []);
      const bound = net.isIPv6(flags.host) ? `[${flags.host}]` : flags.host;
      const hosts = [...DEFAULT_ALLOWED_HOSTS, ...(flags.host === '0.0.0.0' || flags.host === '::' ? [] : [bound]), ...(flags.allowedHost ?? [])];
      // A store that exists is opened read-only when nothing will write (no token): that works on a
      // read-only disk too. An empty store gets created so the page can say how to fill it.
      const graph = graphFor(command, token === undefined ? 'read-or-create' : 'write');
      const app = createApp({ graph, token, writePolicy: { allowedDirs: dirs, allowPrivateUrls: flags.allowPrivateUrls === true }, allowedHosts: hosts });
      const running = await listen(app, { host: flags.host, port });
      process.stderr.write(`ttpgraph: serving ${graph.path} at ${running.url} (${token === undefined ? 'read-only' : 'sync and import need the token'}); Ctrl-C stops\n`);
      if (token !== undefined && dirs.length > 0) process.stderr.write(`ttpgraph: web imports may read files under ${dirs.join(', ')}\n`);
      if (graph.datasets().length === 0) {
        process.stderr.write(`ttpgraph: the store is empty: run ttpgraph sync, or ttpgraph import attack FILE|URL${token === undefined ? '' : ', or press "Sync now" on the home page'}\n`);
      }
      // Fill the caches (home, default matrix, heat-map counts) while nobody is waiting yet.
      const warming = setTimeout(() => app.warm(), 10);
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
