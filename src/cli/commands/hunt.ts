/**
 * `ttpgraph hunt`: run Sigma rules (the store's, or --rules files) over logs. Exit status like grep: 0 hits found, 1 no hits,
 * 2 error (no usable rules, an unreadable log file or pipeline, bad arguments).
 * `hunt --save [LABEL]` also records the run in the store (hits per technique and rule), in one
 * transaction once the hunt has finished; `ttpgraph hunts` lists the saved runs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Graph } from '../../graph.ts';
import { HuntRecorder } from '../../ingest/hunt/record-hunt.ts';
import { graphFor, storePathOption, withGraph } from '../context.ts';
import { resolveStorePath } from '../../store/location.ts';
import { declareLogsource, LEVELS, mergeCollections, parseLogsourceArg, type RuleLevel, type SigmaCollection } from '../../sigma/index.ts';
import { createHitWriter, defaultCacheDir, expandLogPaths, type HuntFilters, InventoryCollector, loadPipeline, loadRuleFiles, loadStoreRules, OUTPUT_FORMATS, passes, runHunt, sourceDigest, startNdjsonWorkers, type OutputFormat, type RuleSource, type StoreRuleFilter } from '../../hunt/index.ts';
import type { NdjsonWorkers } from '../../hunt/ndjson-threads.ts';
import { fullTerminalWidth, printJson, progressBar } from '../output.ts';
import { TtpgraphError } from '../../errors.ts';
import { parseThreads } from '../options.ts';
import { writeMachine } from '../terminal.ts';
import { readFileSync } from 'node:fs';
import { ClickhouseClient, clickhouseTarget } from '../../clickhouse/client.ts';
import { runClickhouseHunt } from '../../clickhouse/hunt.ts';
import { DEFAULT_TABLE } from '../../sigma/backend/clickhouse/schema.ts';
import { tableName } from '../../sigma/backend/clickhouse/sql.ts';

interface HuntFlags {
  rules?: string[];
  fromStore?: boolean;
  cache: boolean;
  pipeline?: string[];
  logsource?: string;
  format: string;
  minLevel?: string;
  status?: string[];
  tag?: string[];
  technique?: string[];
  routing: boolean;
  quiet?: boolean;
  save?: string | boolean;
  threads?: number;
  maxLineBytes?: number;
  clickhouse?: string | boolean;
  clickhouseUrlFile?: string;
  sorted?: boolean;
  table?: string;
  since?: number;
  until?: number;
  maxRulesPerQuery?: number;
}

/** `2026-01-02`, `2026-01-02T10:00:00Z` or epoch milliseconds -> epoch ms. */
function parseTime(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || !value.includes('T') ? value : `${value}Z`);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('a date or time: 2026-01-02, 2026-01-02T10:00:00Z, or epoch milliseconds.');
  return ms;
}

const HELP = `
Log formats: Windows .evtx files, NDJSON (one JSON event per line), a JSON array, or JSON objects
one after another; the JSON ones optionally gzip-compressed. Folders are searched for .evtx, .json,
.jsonl and .ndjson files (and their .gz). Windows events may be in the evtx crate's JSON shape (Event.System /
Event.EventData), winlogbeat JSON or flat NXLog-style JSON.

Rules: --rules reads rule files and folders; their parsed form is cached (in $TTPGRAPH_CACHE_DIR,
else $XDG_CACHE_HOME/ttpgraph or ~/.cache/ttpgraph), so the next hunt parses only files that
changed (--no-cache: parse them all, write no cache). Without --rules, the hunt runs the rules
imported into the store (\`sync\`, \`import sigma\`; filtered by --min-level, --tag, --technique),
loaded from their parsed form without YAML parsing; --from-store adds them to --rules.

Log sources: a rule applies only to events of its logsource. ttpgraph recognises Windows event
logs (by their Channel), and Entra ID (Azure AD) sign-in, audit and risk detection logs, Azure
activity logs, Microsoft 365 management activity, AWS CloudTrail, Google Cloud audit logs and Okta
System Log events, each in its own JSON and as Microsoft Sentinel / Log Analytics rows
(SigninLogs, AuditLogs, OfficeActivity, SecurityEvent...). Events of any other shape reach only
rules without a product (category: proxy, webserver...), and are counted per file:
"N event(s) of unknown log source in FILE". Declare what the files hold with
--logsource product=NAME[,service=NAME][,category=NAME] (e.g. product=zeek,service=rdp), or
describe the shape in a pipeline (sources:, see docs/formats/sigma.md).

Bad input does not stop the hunt: a rule that does not load, a line that is not JSON, a line longer
than --max-line-bytes or a truncated gzip is reported on stderr as FILE:LINE: message, counted, and
skipped. A file that yields not one readable record (garbage named .evtx or .ndjson) is an error.

Saving a run: --save [LABEL] records it in the store (--db, else $TTPGRAPH_DB, else the default
store): when, the log paths, how many rules, files, events and hits, and the hits per technique and
rule (count, hosts, first and last seen), not the events. The run is written in one transaction once
the hunt has finished: a hunt that fails (a log file that cannot be read) or is interrupted saves
nothing. The newest saved run is the one technique pages (counts.hits) and the matrix ("hits")
show; \`ttpgraph hunts\` lists them. It also saves the log inventory (events per log source, channel
and event id: \`ttpgraph inventory\`), which \`ttpgraph coverage\` reads. Write the label as --save=LABEL, or put --save LABEL before
another option (a value after --save that names an existing file or folder is taken as a log).

Exit status (like grep):
  0  at least one hit
  1  no hits
  2  error: no usable rules, a log file or pipeline that cannot be read, a log file with no
     readable record, or bad arguments

Rules: without --rules, the Sigma rules in the store (from \`ttpgraph sync\` or \`ttpgraph import sigma\`),
all of them or those --min-level, --tag, --technique and --status let through; stderr says how many
and where they came from.

Examples:
  ttpgraph hunt logs/                              # every rule in the store
  ttpgraph hunt --technique T1003 --min-level high logs/security.evtx
  ttpgraph hunt --rules sigma/rules logs/sysmon.ndjson.gz
  ttpgraph hunt --rules sigma/rules --rules my-rules --min-level high --tag attack.t1059 \\
    --format sarif logs/*.json > hits.sarif
  ttpgraph hunt --rules sigma/rules --save=week-48 --quiet logs/ > /dev/null; ttpgraph hunts
  ttpgraph hunt --rules sigma/rules --logsource product=zeek,service=rdp zeek/rdp.ndjson`;

/** `4096`, `64k`, `16m`: bytes. */
function parseByteSize(value: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(value.trim());
  const n = m === null ? NaN : Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2] ?? '') ? 1024 : 1024 * 1024);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a positive number of bytes, e.g. 1048576, 512k or 64m.');
  return n;
}

/** Repeatable option values, also comma-separated. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((v) => v !== '')];
}

const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/i;

export function registerHuntCommand(program: Command): void {
  program
    .command('hunt')
    .description("run Sigma rules (the store's, or --rules files) over logs and print the hits")
    .argument('[logs...]', 'log files or folders (EVTX, NDJSON, JSON array; JSON optionally .gz); none with --clickhouse')
    .option('--rules <path>', "rule file or directory (recursively *.yml); repeat for more (default: the store's rules, from `ttpgraph sync` or `import sigma`)", collect)
    .option('--from-store', "also run the store's Sigma rules when --rules is given (without --rules they are the default)")
    .option('--no-cache', 'parse every --rules file (no cache of their parsed form is read or written)')
    .option('--pipeline <file>', 'pipeline YAML file layered over the built-in one; repeat for more', collect)
    .option('--logsource <spec>', 'the log source of all the files given: product=NAME[,service=NAME][,category=NAME] (default: recognised per event)')
    .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}`, 'table')
    .option('--min-level <level>', `only rules at or above this level (${LEVELS.join(', ')})`)
    .option('--status <status>', 'only rules with this status (stable, test, experimental, ...); repeat for more', collect)
    .option('--tag <tag>', 'only rules with this tag or tag prefix (e.g. attack.t1059, attack.execution); repeat for more', collect)
    .option('--technique <id>', 'only rules tagged with this ATT&CK technique (T1059 takes T1059.001 too); repeat for more', collect)
    .option('--no-routing', 'let every rule see every event (ignore logsource routing)')
    .option('-q, --quiet', 'no summary on stderr')
    .option('--threads <n>', '.evtx and plain NDJSON input: threads parsing and matching, this one included (default for each kind: 1 below 64 MB of it, then one more per 64 MB, up to the cores and 8)', parseThreads)
    .option('--max-line-bytes <n>', 'longest NDJSON line (or JSON array element) read, in bytes, k/m suffixes allowed; longer ones are reported as FILE:LINE, skipped and counted (default: 16m)', parseByteSize)
    .option('--clickhouse [url]', 'run the rules in ClickHouse over the event table (see `ttpgraph clickhouse`) instead of reading logs; the URL, else --clickhouse-url-file, else $TTPGRAPH_CLICKHOUSE_URL')
    .option('--clickhouse-url-file <file>', 'with --clickhouse: read the server URL (with credentials) from this file')
    .option('--sorted', 'with --clickhouse: print the hits at the end in file and line order, as a hunt over log files does (default: each route query\'s hits as soon as it answers)')
    .option('--table <name>', `with --clickhouse: the event table, or DATABASE.NAME (default: ${DEFAULT_TABLE})`)
    .option('--since <time>', 'with --clickhouse: only events at or after this time (2026-01-02, 2026-01-02T10:00:00Z, epoch ms)', parseTime)
    .option('--until <time>', 'with --clickhouse: only events before this time', parseTime)
    .option('--max-rules-per-query <n>', 'with --clickhouse: rules per query (default: 300 on servers before 20.x, whose query analysis slows down past a few hundred rules; 2000 after)', parseThreads)
    .option('--save [label]', 'record the run (hits per technique and rule) in the store (--db / $TTPGRAPH_DB), with an optional label')
    .addHelpText('after', HELP)
    .action(async (logs: string[], flags: HuntFlags, command: Command) => {
      // Exit 1 means "no hits": anything that goes wrong, expected or not, must be 2.
      try {
        await huntCommand(logs, flags, command);
      } catch (e) {
        fail(e instanceof TtpgraphError ? e.describe() : e instanceof Error ? e.message : String(e));
        if (process.env['TTPGRAPH_DEBUG'] !== undefined && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
      }
    });
}

function fail(msg: string): void {
  process.stderr.write(`ttpgraph: error: ${msg}\n`);
  process.exitCode = 2;
}

const describe = (e: unknown): string => (e instanceof TtpgraphError ? e.describe() : (e as Error).message);

/** The hunt's rules and, when `digest`, the digest of what was loaded (rule-source.ts; undefined when a part has none). */
interface ChosenRules {
  readonly collection: SigmaCollection;
  readonly digest: string | undefined;
}

/** The rules: --rules files, else the store's. Undefined when there are none (the error is printed). */
async function chooseRules(flags: HuntFlags, command: Command, digest: boolean): Promise<ChosenRules | undefined> {
  const parts: SigmaCollection[] = [];
  const digests: (string | undefined)[] = [];
  const fromFiles = flags.rules !== undefined && flags.rules.length > 0;
  if (fromFiles) {
    const loaded = loadRuleFiles(flags.rules ?? [], flags.cache ? { cacheDir: defaultCacheDir(), digest } : {});
    if (loaded.collection.rules.length === 0 && loaded.collection.correlations.length === 0) {
      for (const i of loaded.collection.issues) process.stderr.write(`skipped rule: ${i.file ?? ''}:${i.line ?? ''}: ${i.message}\n`);
      fail(`no usable rules in ${(flags.rules ?? []).join(', ')}`);
      return undefined;
    }
    parts.push(loaded.collection);
    digests.push(loaded.digest);
    if (flags.fromStore !== true) return { collection: loaded.collection, digest: digest ? sourceDigest(digests) : undefined };
  }
  const stored = await storeRules(flags, command, digest);
  if (stored === undefined) return undefined;
  parts.push(stored.collection);
  digests.push(stored.digest);
  return { collection: parts.length === 1 ? parts[0]! : mergeCollections(parts), digest: digest ? sourceDigest(digests) : undefined };
}

/** The store's rules passing the hunt's filters (decoded from their stored parsed form), said on stderr. */
async function storeRules(flags: HuntFlags, command: Command, digest: boolean): Promise<{ collection: SigmaCollection; digest: string | undefined } | undefined> {
  const filters = huntFilters(flags);
  const howToGet = 'run `ttpgraph sync` (or `ttpgraph sync --from DIR` offline), or `ttpgraph import sigma PATH`, or name rule files with --rules PATH';
  const storePath = resolveStorePath(storePathOption(command));
  if (storePath !== ':memory:' && !existsSync(storePath)) {
    fail(`no Sigma rules: there is no store at ${storePath} yet; ${howToGet}`);
    return undefined;
  }
  const graph = graphFor(command, 'read');
  try {
    const got = await loadStoreRules(graph, storeFilter(flags), { digest });
    if (got.stored === 0) {
      fail(`the store ${graph.path} has no Sigma rules: ${howToGet}`);
      return undefined;
    }
    const used = [...got.collection.rules, ...got.collection.correlations].filter((r) => passes(r, filters)).length;
    if (used === 0) {
      fail(`none of the store's ${got.stored.toLocaleString('en-US')} Sigma rules passes ${filterWords(flags)}`);
      return undefined;
    }
    if (flags.quiet !== true) process.stderr.write(`${used.toLocaleString('en-US')} rules from the store (${got.origin})\n`);
    return { collection: got.collection, digest: got.digest };
  } finally {
    graph.close();
  }
}

/** What of the hunt's filters the store can apply while loading (only a shortcut: the hunt filters again). */
function storeFilter(flags: HuntFlags): StoreRuleFilter {
  const filters = huntFilters(flags);
  return {
    ...(filters.minLevel !== undefined ? { minLevel: filters.minLevel } : {}),
    ...(filters.tags !== undefined ? { tags: filters.tags } : {}),
    ...(filters.techniques !== undefined ? { techniques: filters.techniques } : {}),
  };
}

/**
 * Where the rules chooseRules will load come from, for NDJSON workers to load them themselves
 * (rule-source.ts); undefined when they cannot without parsing YAML (--rules with --no-cache) or
 * the store is not a file.
 */
function ruleSource(flags: HuntFlags, command: Command): RuleSource | undefined {
  const fromFiles = flags.rules !== undefined && flags.rules.length > 0;
  if (fromFiles && !flags.cache) return undefined;
  const files = fromFiles ? { files: { paths: flags.rules ?? [], cacheDir: defaultCacheDir() } } : {};
  if (fromFiles && flags.fromStore !== true) return files;
  const storePath = resolveStorePath(storePathOption(command));
  if (storePath === ':memory:' || !existsSync(storePath)) return undefined;
  return { ...files, store: { path: storePath, filter: storeFilter(flags) } };
}

function huntFilters(flags: HuntFlags): HuntFilters {
  return {
    ...(flags.minLevel !== undefined ? { minLevel: flags.minLevel as RuleLevel } : {}),
    ...(flags.status !== undefined ? { status: flags.status } : {}),
    ...(flags.tag !== undefined ? { tags: flags.tag } : {}),
    ...(flags.technique !== undefined ? { techniques: flags.technique } : {}),
  };
}

function filterWords(flags: HuntFlags): string {
  const words: string[] = [];
  if (flags.minLevel !== undefined) words.push(`--min-level ${flags.minLevel}`);
  if (flags.status !== undefined) words.push(`--status ${flags.status.join(',')}`);
  if (flags.tag !== undefined) words.push(`--tag ${flags.tag.join(',')}`);
  if (flags.technique !== undefined) words.push(`--technique ${flags.technique.join(',')}`);
  return words.join(' ');
}

async function huntCommand(logs: string[], flags: HuntFlags, command: Command): Promise<void> {
  if (!OUTPUT_FORMATS.includes(flags.format as OutputFormat)) return fail(`--format "${flags.format}" is not one of ${OUTPUT_FORMATS.join(', ')}`);
  if (flags.minLevel !== undefined && !LEVELS.includes(flags.minLevel as RuleLevel)) return fail(`--min-level "${flags.minLevel}" is not one of ${LEVELS.join(', ')}`);
  const badTechnique = (flags.technique ?? []).find((t) => !TECHNIQUE_ID.test(t));
  if (badTechnique !== undefined) return fail(`--technique "${badTechnique}" is not an ATT&CK technique ID like T1059 or T1059.001`);
  // --save with a value that is a log path: commander took the path as the label.
  let label = typeof flags.save === 'string' ? flags.save : undefined;
  if (label !== undefined && existsSync(label)) {
    logs = [label, ...logs];
    label = undefined;
  }
  // Workers for large NDJSON files start now, before the rules are read: starting a thread and its
  // modules, and (from the rule cache or the store) loading the rules, overlap this thread's loading.
  const source = flags.clickhouse === undefined ? ruleSource(flags, command) : undefined;
  const pool =
    flags.clickhouse === undefined && logs.length > 0
      ? startNdjsonWorkers({ logs: expandLogPaths(logs), ...(flags.threads !== undefined ? { threads: flags.threads } : {}), ...(source !== undefined ? { source } : {}) })
      : undefined;
  try {
    await huntWith(logs, label, flags, command, pool);
  } finally {
    await pool?.close();
  }
}

async function huntWith(logs: string[], label: string | undefined, flags: HuntFlags, command: Command, pool: NdjsonWorkers | undefined): Promise<void> {
  let chosen;
  let pipe;
  try {
    pipe = loadPipeline(flags.pipeline ?? []);
    if (pipe.issues.length > 0) {
      for (const i of pipe.issues) process.stderr.write(`${i.file ?? ''}:${i.line ?? ''}: ${i.message}\n`);
      return fail('the pipeline could not be loaded');
    }
    if (flags.logsource !== undefined) {
      const ls = parseLogsourceArg(flags.logsource);
      if (typeof ls === 'string') return fail(ls);
      pipe = { ...pipe, pipeline: declareLogsource(pipe.pipeline, ls) };
    }
    chosen = await chooseRules(flags, command, pool?.loadsRules === true);
  } catch (e) {
    return fail(describe(e));
  }
  if (chosen === undefined) return;
  if (flags.clickhouse === undefined && logs.length === 0) return fail('no log files given (or hunt in ClickHouse with --clickhouse)');
  // The store is opened (and migrated) before the hunt, so a bad --db fails at once; it is written only at the end.
  let graph: Graph | undefined;
  if (flags.save !== undefined) {
    try {
      graph = graphFor(command, 'write');
    } catch (e) {
      return fail(describe(e));
    }
  }
  try {
    await hunt(logs, flags, chosen, pipe.pipeline, graph, label, pool);
  } finally {
    graph?.close();
  }
}

/** Runs the hunt, printing hits as they come; with a graph, records the run once it has finished. */
async function hunt(
  logs: string[],
  flags: HuntFlags,
  { collection, digest }: ChosenRules,
  pipeline: ReturnType<typeof loadPipeline>['pipeline'],
  graph: Graph | undefined,
  label: string | undefined,
  pool: NdjsonWorkers | undefined,
): Promise<void> {
  const startedAt = new Date().toISOString();
  // The server and table first: a missing URL or a bad table name is an error before any output.
  let ch: { client: ClickhouseClient; table: string; tableText: string } | undefined;
  if (flags.clickhouse !== undefined) {
    const tableText = flags.table ?? DEFAULT_TABLE;
    const table = tableName(tableText);
    if (table === undefined) return fail(`--table "${tableText}": expected NAME or DATABASE.NAME (letters, digits, underscore)`);
    ch = { client: new ClickhouseClient(clickhouseTarget(typeof flags.clickhouse === 'string' ? flags.clickhouse : undefined, flags.clickhouseUrlFile, (p) => readFileSync(p, 'utf8'))), table, tableText };
  }
  const recorder = graph === undefined ? undefined : new HuntRecorder();
  // A saved hunt also keeps what the logs held (the coverage's log inventory).
  const inventory = graph === undefined ? undefined : new InventoryCollector(pipeline.sources);
  const bar = progressBar('hunting');
  const rules = [...collection.rules, ...collection.correlations];
  // The table is for people (made printable on its way out); the other formats are exact data.
  // The progress bar is cleared before any result line, so the two never share a line.
  const write = flags.format === 'table' ? (t: string) => process.stdout.write(t) : (t: string) => writeMachine(t, flags.format === 'csv' ? 'raw' : 'json');
  const writer = createHitWriter(
    flags.format as OutputFormat,
    (t) => {
      bar.done();
      write(t);
    },
    { width: fullTerminalWidth(), ruleIds: rules.flatMap((r) => (r.id === undefined ? [] : [r.id])), ruleTitles: rules.map((r) => r.title) },
  );
  let fileErrors = 0;
  const onProblem = (p: { kind: string; message: string }): void => {
    if (p.kind === 'file') fileErrors++;
    bar.done();
    process.stderr.write(`${p.kind === 'rule' ? 'skipped rule: ' : p.kind === 'input' ? 'skipped record: ' : p.kind === 'logsource' ? 'note: ' : 'ttpgraph: error: '}${p.message}\n`);
  };
  let where = logs;
  let summary;
  if (ch !== undefined) {
    const { client, table, tableText } = ch;
    where = [`${client.target.display} ${tableText}`];
    summary = await runClickhouseHunt({
      client,
      table,
      collection,
      pipeline,
      routing: flags.routing,
      filters: huntFilters(flags),
      ...(flags.since !== undefined ? { sinceMs: flags.since } : {}),
      ...(flags.until !== undefined ? { untilMs: flags.until } : {}),
      ...(flags.maxRulesPerQuery !== undefined ? { maxRulesPerQuery: flags.maxRulesPerQuery } : {}),
      order: flags.sorted === true ? 'file' : 'stream',
      onHit: (h) => {
        writer.write(h);
        recorder?.add(h);
      },
      onProblem,
      onProgress: (p) => bar.update(p.done, p.groups),
    });
  } else summary = await runHunt({
    collection,
    pipeline,
    logs: expandLogPaths(logs),
    ...(pool !== undefined ? { ndjsonWorkers: pool } : {}),
    ...(digest !== undefined ? { rulesDigest: digest } : {}),
    routing: flags.routing,
    ...(inventory !== undefined ? { inventory } : {}),
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    ...(flags.maxLineBytes !== undefined ? { maxLineBytes: flags.maxLineBytes } : {}),
    filters: huntFilters(flags),
    onHit: (h) => {
      writer.write(h);
      recorder?.add(h);
    },
    onProblem,
    onProgress: (p) => bar.update(p.fileIndex + (p.size > 0 ? Math.min(1, p.bytes / p.size) : 0), p.files),
  });
  bar.done();
  writer.end();
  if (flags.quiet !== true) {
    process.stderr.write(
      `hunt: ${summary.events} event(s) in ${summary.files} file(s), ${summary.hits} hit(s) from ${summary.rulesHit} rule(s); ` +
        `${summary.rules} rule(s) and ${summary.correlations} correlation(s) used, ${summary.ruleProblems} rule problem(s), ` +
        `${summary.skippedRecords} record(s) skipped, ${summary.filesFailed} file(s) unreadable` +
        `${summary.unknownLogsource > 0 ? `, ${summary.unknownLogsource} event(s) of unknown log source` : ''}; ${(summary.elapsedMs / 1000).toFixed(2)} s\n`,
    );
  }
  process.exitCode = fileErrors > 0 ? 2 : summary.hits > 0 ? 0 : 1;
  if (graph === undefined || recorder === undefined) return;
  if (fileErrors > 0) {
    process.stderr.write(`hunt: not saved: ${fileErrors} log file(s) could not be read\n`);
    return;
  }
  let id: number;
  try {
    id = graph.saveHunt(recorder, {
      label,
      startedAt,
      logs: flags.clickhouse !== undefined ? where : logs.map((l) => path.resolve(l)),
      rules: summary.rules + summary.correlations,
      files: summary.files,
      events: summary.events,
      hits: summary.hits,
    }, inventory === undefined ? undefined : { files: summary.files, events: summary.events, entries: inventory.entries() });
  } catch (e) {
    process.stderr.write(`ttpgraph: error: hunt not saved: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (flags.quiet !== true) {
    process.stderr.write(`hunt: saved as run ${id}${label === undefined ? '' : ` "${label}"`} in ${graph.path}\n`);
  }
}

interface HuntsFlags {
  json?: boolean;
}

/** `ttpgraph hunts`: the saved hunt runs, newest first. */
export function registerHuntsCommand(program: Command): void {
  program
    .command('hunts')
    .description('list the hunts saved with `hunt --save`, newest first (the newest is the one pages and the matrix show)')
    .option('--json', 'print the runs as JSON')
    .action(async (flags: HuntsFlags, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        const runs = graph.huntRuns();
        const techniques = graph.huntTechniqueCounts();
        const rows = runs.map((r) => ({ ...r, techniques: techniques.get(r.id) ?? 0 }));
        if (flags.json === true) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write('no saved hunts (run `ttpgraph hunt --save [LABEL] --rules RULES LOGS...`)\n');
          return;
        }
        for (const r of rows) {
          const when = r.finishedAt.replace('T', ' ').slice(0, 19);
          const name = r.label === null ? '' : ` "${r.label}"`;
          process.stdout.write(
            `${r.id}${name}  ${when}  ${r.hits} hit(s) on ${r.techniques} technique(s); ${r.events} event(s) in ${r.files} file(s), ${r.rules} rule(s)  ${r.logs.join(' ')}\n`,
          );
        }
      });
    });
}
