/**
 * `ttpgraph hunt`: run Sigma rules over JSON logs. Exit status like grep: 0 hits found, 1 no hits,
 * 2 error (no usable rules, an unreadable log file or pipeline, bad arguments).
 */
import type { Command } from 'commander';
import { LEVELS, type RuleLevel } from '../../sigma/index.ts';
import { createHitWriter, expandLogPaths, loadPipeline, loadRuleFiles, OUTPUT_FORMATS, runHunt, type OutputFormat } from '../../hunt/index.ts';
import { progressBar, terminalWidth } from '../output.ts';

interface HuntFlags {
  rules: string[];
  pipeline?: string[];
  format: string;
  minLevel?: string;
  status?: string[];
  tag?: string[];
  routing: boolean;
  quiet?: boolean;
}

const HELP = `
Log formats: Windows .evtx files, NDJSON (one JSON event per line), a JSON array, or JSON objects
one after another; the JSON ones optionally gzip-compressed. Folders are searched for .evtx, .json,
.jsonl and .ndjson files (and their .gz). Windows events may be in the evtx crate's JSON shape (Event.System /
Event.EventData), winlogbeat JSON or flat NXLog-style JSON.

Bad input does not stop the hunt: a rule that does not load, a line that is not JSON or a truncated
gzip is reported on stderr as FILE:LINE: message, counted, and skipped.

Exit status (like grep):
  0  at least one hit
  1  no hits
  2  error: no usable rules, a log file or pipeline that cannot be read, or bad arguments

Examples:
  ttpgraph hunt --rules sigma/rules logs/sysmon.ndjson.gz
  ttpgraph hunt --rules sigma/rules --rules my-rules --min-level high --tag attack.t1059 \\
    --format sarif logs/*.json > hits.sarif`;

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
    .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}`, 'table')
    .option('--min-level <level>', `only rules at or above this level (${LEVELS.join(', ')})`)
    .option('--status <status>', 'only rules with this status (stable, test, experimental, ...); repeat for more', collect)
    .option('--tag <tag>', 'only rules with this tag or tag prefix (e.g. attack.t1059, attack.execution); repeat for more', collect)
    .option('--no-routing', 'let every rule see every event (ignore logsource routing)')
    .option('-q, --quiet', 'no summary on stderr')
    .addHelpText('after', HELP)
    .action(async (logs: string[], flags: HuntFlags) => {
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
      if (loaded.collection.rules.length === 0 && loaded.collection.correlations.length === 0) {
        for (const i of loaded.collection.issues) process.stderr.write(`skipped rule: ${i.file ?? ''}:${i.line ?? ''}: ${i.message}\n`);
        return fail(`no usable rules in ${flags.rules.join(', ')}`);
      }
      const writer = createHitWriter(flags.format as OutputFormat, (t) => process.stdout.write(t), terminalWidth());
      const bar = progressBar('hunting');
      let fileErrors = 0;
      const summary = await runHunt({
        collection: loaded.collection,
        pipeline: pipe.pipeline,
        logs: expandLogPaths(logs),
        routing: flags.routing,
        filters: {
          ...(flags.minLevel !== undefined ? { minLevel: flags.minLevel as RuleLevel } : {}),
          ...(flags.status !== undefined ? { status: flags.status } : {}),
          ...(flags.tag !== undefined ? { tags: flags.tag } : {}),
        },
        onHit: (h) => writer.write(h),
        onProblem: (p) => {
          if (p.kind === 'file') fileErrors++;
          bar.done();
          process.stderr.write(`${p.kind === 'rule' ? 'skipped rule: ' : p.kind === 'input' ? 'skipped record: ' : 'error: '}${p.message}\n`);
        },
        onProgress: (p) => bar.update(p.fileIndex * 1000 + (p.size > 0 ? Math.min(999, Math.floor((p.bytes / p.size) * 1000)) : 0), p.files * 1000),
      });
      bar.done();
      writer.end();
      if (flags.quiet !== true) {
        process.stderr.write(
          `hunt: ${summary.events} event(s) in ${summary.files} file(s), ${summary.hits} hit(s) from ${summary.rulesHit} rule(s); ` +
            `${summary.rules} rule(s) and ${summary.correlations} correlation(s) used, ${summary.ruleProblems} rule problem(s), ` +
            `${summary.skippedRecords} record(s) skipped, ${summary.filesFailed} file(s) unreadable; ${(summary.elapsedMs / 1000).toFixed(2)} s\n`,
        );
      }
      process.exitCode = fileErrors > 0 ? 2 : summary.hits > 0 ? 0 : 1;
    });
}
