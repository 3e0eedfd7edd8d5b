/**
 * `ttpgraph clickhouse ...`: the ClickHouse event table. `schema` prints its DDL (a Distributed
 * table over a cluster with --cluster); `load` reads logs as `hunt` does and inserts them over the
 * server's HTTP interface. The server's URL (and credentials) come from an argument, a file
 * (--url-file) or $TTPGRAPH_CLICKHOUSE_URL; messages show it without the password.
 * Hunting in ClickHouse is `ttpgraph hunt --clickhouse`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ClickhouseClient, clickhouseTarget } from '../../clickhouse/client.ts';
import { loadLogs } from '../../clickhouse/load.ts';
import { expandLogPaths } from '../../hunt/index.ts';
import { DEFAULT_TABLE, schemaStatements } from '../../sigma/backend/clickhouse/schema.ts';
import { tableName } from '../../sigma/backend/clickhouse/sql.ts';
import { progressBar } from '../output.ts';

interface SchemaFlags {
  table?: string;
  cluster?: string;
}
interface LoadFlags {
  table?: string;
  urlFile?: string;
  create: boolean;
  batch?: number;
  threads?: number;
  streams?: number;
  quiet?: boolean;
}

function fail(msg: string): void {
  process.stderr.write(`ttpgraph: error: ${msg}\n`);
  process.exitCode = 2;
}

const isUrl = (s: string | undefined): boolean => s !== undefined && /^https?:\/\//i.test(s);

export function registerClickhouseCommands(program: Command): void {
  const group = program.command('clickhouse').description('the ClickHouse event table: print its DDL (schema), load logs into it (load); hunt there with `hunt --clickhouse`');
  group
    .command('schema')
    .description('print the DDL of the event table (docs/formats/clickhouse.md)')
    .option('--table <name>', `table name, or DATABASE.NAME (default: ${DEFAULT_TABLE})`)
    .option('--cluster <name>', 'also a local table per shard (NAME_local) and a Distributed table over the cluster')
    .action((flags: SchemaFlags) => {
      try {
        for (const s of schemaStatements({ ...(flags.table !== undefined ? { table: flags.table } : {}), ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}) })) process.stdout.write(`${s};\n`);
      } catch (e) {
        fail((e as Error).message);
      }
    });
  group
    .command('load')
    .description('read logs (.evtx, NDJSON, JSON arrays, gzip; folders) and insert them into the event table over HTTP')
    .argument('<url-or-logs...>', 'the server (http://[user:password@]host:8123[/?database=DB]; or --url-file, or $TTPGRAPH_CLICKHOUSE_URL), then log files or folders')
    .option('--table <name>', `table, or DATABASE.NAME (default: ${DEFAULT_TABLE}; a Distributed table spreads the rows over its shards)`)
    .option('--url-file <file>', 'read the server URL (with credentials) from this file instead of the command line')
    .option('--no-create', 'do not create the table when it does not exist')
    .option('--batch <rows>', 'rows per INSERT (default 20000, fewer when they reach 32 MB)', (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error('--batch: a positive number of rows');
      return n;
    })
    .option('--threads <n>', 'worker threads building the rows of large plain NDJSON files (default: one per core, at most 4; 0: none)', (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0 || n > 64) throw new Error('--threads: a number of threads from 0 to 64');
      return n;
    })
    .option('--streams <n>', 'INSERT statements in flight at once, each a batch of its own (default 1)', (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1 || n > 16) throw new Error('--streams: a number of inserts from 1 to 16');
      return n;
    })
    .option('-q, --quiet', 'no summary on stderr')
    .addHelpText('after', '\nA URL on the command line is visible to other users of this machine (ps); prefer --url-file or $TTPGRAPH_CLICKHOUSE_URL for passwords.\nExit status: 0 loaded, 2 a file could not be read or the server refused.')
    .action(async (args: string[], flags: LoadFlags) => {
      const url = isUrl(args[0]) ? args[0] : undefined;
      const logs = url !== undefined ? args.slice(1) : args;
      if (logs.length === 0) return fail('no log files given');
      const tableText = flags.table ?? DEFAULT_TABLE;
      const table = tableName(tableText);
      if (table === undefined) return fail(`--table "${tableText}": expected NAME or DATABASE.NAME (letters, digits, underscore)`);
      let client: ClickhouseClient;
      try {
        client = new ClickhouseClient(clickhouseTarget(url, flags.urlFile, (p) => readFileSync(p, 'utf8')));
        if (flags.create) for (const s of schemaStatements({ table: tableText })) await client.exec(s);
      } catch (e) {
        return fail((e as Error).message);
      }
      const bar = progressBar(`loading into ${tableText}`);
      let fileErrors = 0;
      try {
        const summary = await loadLogs(client, {
          table,
          logs: expandLogPaths(logs),
          ...(flags.batch !== undefined ? { batchRows: flags.batch } : {}),
          ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
          ...(flags.streams !== undefined ? { streams: flags.streams } : {}),
          onProblem: (p) => {
            bar.done();
            if (p.kind === 'file') fileErrors++;
            process.stderr.write(`${p.kind === 'input' ? 'skipped record: ' : 'ttpgraph: error: '}${p.message}\n`);
          },
          onProgress: (p) => bar.update(p.fileIndex + (p.size > 0 ? Math.min(1, p.bytes / p.size) : 0), p.files),
        });
        bar.done();
        if (flags.quiet !== true) {
          const rate = summary.elapsedMs > 0 ? Math.round(summary.events / (summary.elapsedMs / 1000)) : 0;
          process.stderr.write(
            `clickhouse load: ${summary.events} event(s) from ${summary.files} file(s) into ${tableText} at ${client.target.display} in ${summary.batches} batch(es); ` +
              `${summary.skippedRecords} record(s) skipped, ${summary.filesFailed} file(s) unreadable; ${(summary.elapsedMs / 1000).toFixed(2)} s (${rate.toLocaleString('en-US')} events/s)\n`,
          );
        }
        process.exitCode = fileErrors > 0 ? 2 : 0;
      } catch (e) {
        bar.done();
        fail((e as Error).message);
      }
    });
}
