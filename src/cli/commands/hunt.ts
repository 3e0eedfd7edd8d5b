/**
 * `ttpgraph hunt`: run Sigma rules over JSON logs. Exit status like grep: 0 hits found, 1 no hits,
 * 2 error (no usable rules, an unreadable log file or pipeline, bad arguments).
 * `hunt --save [LABEL]` also records the run in the store (hits per technique and rule), in one
 * transaction once the hunt has finished; `ttpgraph hunts` lists the saved runs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Graph } from '../../graph.ts';
import { HuntRecorder } from '../../ingest/hunt/record-hunt.ts';
import { graphFor, withGraph } from '../context.ts';
import { declareLogsource, LEVELS, parseLogsourceArg, type RuleLevel } from '../../sigma/index.ts';
import { createHitWriter, expandLogPaths, loadPipeline, loadRuleFiles, OUTPUT_FORMATS, runHunt, type OutputFormat } from '../../hunt/index.ts';
import { printJson, progressBar, terminalWidth } from '../output.ts';
import { parseThreads } from '../options.ts';
import { writeMachine } from '../terminal.ts';

interface HuntFlags {
  rules: string[];
  pipeline?: string[];
  logsource?: string;
  format: string;
  minLevel?: string;
  status?: string[];
  tag?: string[];
  routing: boolean;
  quiet?: boolean;
  save?: string | boolean;
  threads?: number;
  maxLineBytes?: number;
}

const HELP = `
Log formats: Windows .evtx files, NDJSON (one JSON event per line), a JSON array, or JSON objects
one after another; the JSON ones optionally gzip-compressed. Folders are searched for .evtx, .json,
.jsonl and .ndjson files (and their .gz). Windows events may be in the evtx crate's JSON shape (Event.System /
Event.EventData), winlogbeat JSON or flat NXLog-style JSON.

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
show; \`ttpgraph hunts\` lists them. Write the label as --save=LABEL, or put --save LABEL before
another option (a value after --save that names an existing file or folder is taken as a log).

Exit status (like grep):
  0  at least one hit
  1  no hits
  2  error: no usable rules, a log file or pipeline that cannot be read, a log file with no
     readable record, or bad arguments

Examples:
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

export function registerHuntCommand(program: Command): void {
  program
    .command('hunt')
    .description('run Sigma rules over JSON logs and print the hits')
    .argument('<logs...>', 'log files or folders (EVTX, NDJSON, JSON array; JSON optionally .gz)')
    .requiredOption('--rules <path>', 'rule file or directory (recursively *.yml); repeat for more', collect, [])
    .option('--pipeline <file>', 'pipeline YAML file layered over the built-in one; repeat for more', collect)
    .option('--logsource <spec>', 'the log source of all the files given: product=NAME[,service=NAME][,category=NAME] (default: recognised per event)')
    .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}`, 'table')
    .option('--min-level <level>', `only rules at or above this level (${LEVELS.join(', ')})`)
    .option('--status <status>', 'only rules with this status (stable, test, experimental, ...); repeat for more', collect)
    .option('--tag <tag>', 'only rules with this tag or tag prefix (e.g. attack.t1059, attack.execution); repeat for more', collect)
    .option('--no-routing', 'let every rule see every event (ignore logsource routing)')
    .option('-q, --quiet', 'no summary on stderr')
    .option('--threads <n>', '.evtx input: threads parsing and matching, this one included (default: 1 below 64 MB of .evtx, then one more per 64 MB, up to the cores and 8)', parseThreads)
    .option('--max-line-bytes <n>', 'longest NDJSON line (or JSON array element) read, in bytes, k/m suffixes allowed; longer ones are reported as FILE:LINE, skipped and counted (default: 16m)', parseByteSize)
    .option('--save [label]', 'record the run (hits per technique and rule) in the store (--db / $TTPGRAPH_DB), with an optional label')
    .addHelpText('after', HELP)
    .action(async (logs: string[], flags: HuntFlags, command: Command) => {
      const fail = (msg: string): void => {
        process.stderr.write(`ttpgraph: error: ${msg}\n`);
        process.exitCode = 2;
      };
      if (!OUTPUT_FORMATS.includes(flags.format as OutputFormat)) return fail(`--format "${flags.format}" is not one of ${OUTPUT_FORMATS.join(', ')}`);
      if (flags.minLevel !== undefined && !LEVELS.includes(flags.minLevel as RuleLevel)) return fail(`--min-level "${flags.minLevel}" is not one of ${LEVELS.join(', ')}`);
      let loaded;
      let pipe;
      try {
        loaded = loadRuleFiles(flags.rules);
        pipe = loadPipeline(flags.pipeline ?? []);
      } catch (e) {
        return fail((e as Error).message);
      }
      if (pipe.issues.length > 0) {
        for (const i of pipe.issues) process.stderr.write(`${i.file ?? ''}:${i.line ?? ''}: ${i.message}\n`);
        return fail('the pipeline could not be loaded');
      }
      if (flags.logsource !== undefined) {
        const ls = parseLogsourceArg(flags.logsource);
        if (typeof ls === 'string') return fail(ls);
        pipe = { ...pipe, pipeline: declareLogsource(pipe.pipeline, ls) };
      }
      if (loaded.collection.rules.length === 0 && loaded.collection.correlations.length === 0) {
        for (const i of loaded.collection.issues) process.stderr.write(`skipped rule: ${i.file ?? ''}:${i.line ?? ''}: ${i.message}\n`);
        return fail(`no usable rules in ${flags.rules.join(', ')}`);
      }
      // --save with a value that is a log path: commander took the path as the label.
      let label = typeof flags.save === 'string' ? flags.save : undefined;
      if (label !== undefined && existsSync(label)) {
        logs = [label, ...logs];
        label = undefined;
      }
      // The store is opened (and migrated) before the hunt, so a bad --db fails at once; it is written only at the end.
      let graph: Graph | undefined;
      if (flags.save !== undefined) {
        try {
          graph = graphFor(command, 'write');
        } catch (e) {
          return fail((e as Error).message);
        }
      }
      try {
        await hunt(logs, flags, loaded.collection, pipe.pipeline, graph, label);
      } finally {
        graph?.close();
      }
    });
}

/** Runs the hunt, printing hits as they come; with a graph, records the run once it has finished. */
async function hunt(
  logs: string[],
  flags: HuntFlags,
  collection: ReturnType<typeof loadRuleFiles>['collection'],
  pipeline: ReturnType<typeof loadPipeline>['pipeline'],
  graph: Graph | undefined,
  label: string | undefined,
): Promise<void> {
  const startedAt = new Date().toISOString();
  const recorder = graph === undefined ? undefined : new HuntRecorder();
  // The table is for people (made printable on its way out); the other formats are exact data.
  const sink = flags.format === 'table' ? (t: string) => process.stdout.write(t) : (t: string) => writeMachine(t, flags.format === 'csv' ? 'raw' : 'json');
  const writer = createHitWriter(flags.format as OutputFormat, sink, terminalWidth());
  const bar = progressBar('hunting');
  let fileErrors = 0;
  const summary = await runHunt({
    collection,
    pipeline,
    logs: expandLogPaths(logs),
    routing: flags.routing,
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    ...(flags.maxLineBytes !== undefined ? { maxLineBytes: flags.maxLineBytes } : {}),
    filters: {
      ...(flags.minLevel !== undefined ? { minLevel: flags.minLevel as RuleLevel } : {}),
      ...(flags.status !== undefined ? { status: flags.status } : {}),
      ...(flags.tag !== undefined ? { tags: flags.tag } : {}),
    },
    onHit: (h) => {
      writer.write(h);
      recorder?.add(h);
    },
    onProblem: (p) => {
      if (p.kind === 'file') fileErrors++;
      bar.done();
      process.stderr.write(`${p.kind === 'rule' ? 'skipped rule: ' : p.kind === 'input' ? 'skipped record: ' : p.kind === 'logsource' ? 'note: ' : 'error: '}${p.message}\n`);
    },
    onProgress: (p) => bar.update(p.fileIndex * 1000 + (p.size > 0 ? Math.min(999, Math.floor((p.bytes / p.size) * 1000)) : 0), p.files * 1000),
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
      logs: logs.map((l) => path.resolve(l)),
      rules: summary.rules + summary.correlations,
      files: summary.files,
      events: summary.events,
      hits: summary.hits,
    });
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
