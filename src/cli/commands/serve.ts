import type { Command } from 'commander';
import { TtpgraphError } from '../../errors.ts';
import { createApp } from '../../web/app.ts';
import { listen } from '../../web/server.ts';
import { graphFor } from '../context.ts';

interface ServeFlags {
  host: string;
  port: string;
  token?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the web app and the JSON API on http://127.0.0.1:8080 (read-only unless started with a token)')
    .option('--host <host>', 'address to bind (other than 127.0.0.1 exposes the store to your network)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--token <token>', 'allow sync and import from the web (POST /api/v1/sync, /api/v1/import) to requests with "Authorization: Bearer TOKEN" (default: $TTPGRAPH_TOKEN)')
    .action(async (flags: ServeFlags, command: Command) => {
      const port = Number(flags.port);
      if (!/^\d{1,5}$/.test(flags.port) || port > 65535) throw new TtpgraphError('invalid-argument', `--port must be a number from 0 to 65535, not "${flags.port}"`);
      const envToken = process.env.TTPGRAPH_TOKEN;
      const token = flags.token ?? (envToken === '' ? undefined : envToken);
      if (token !== undefined && token.length < 8) throw new TtpgraphError('invalid-argument', 'the token must be at least 8 characters long');
      // An empty store gets created so the page can say how to fill it.
      const graph = graphFor(command, 'write');
      const app = createApp({ graph, token });
      const running = await listen(app, { host: flags.host, port });
      process.stderr.write(`ttpgraph: serving ${graph.path} at ${running.url} (${token === undefined ? 'read-only' : 'sync and import need the token'}); Ctrl-C stops\n`);
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
