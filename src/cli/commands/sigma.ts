/**
 * `ttpgraph sigma ...`: the Sigma command group. `check` validates rule files like a compiler.
 * Room is left for `sigma show ID` (needs the store; registered by the graph-import work) via
 * registerSigmaSubcommand-style additions on the group returned by sigmaGroup().
 */
import type { Command } from 'commander';
import { TtpgraphError } from '../../errors.ts';
import { compileCollection, formatIssue, type SigmaIssue } from '../../sigma/index.ts';
import { convertCollection, correlationQuery, groupQuery, ruleQuery, type ConvertedRule } from '../../sigma/backend/clickhouse/convert.ts';
import { DEFAULT_TABLE } from '../../sigma/backend/clickhouse/schema.ts';
import { tableName } from '../../sigma/backend/clickhouse/sql.ts';
import { loadPipeline, loadRuleFiles } from '../../hunt/index.ts';

interface ConvertFlags {
  target: string;
  pipeline?: string[];
  table?: string;
  routing: boolean;
  byRoute?: boolean;
  quiet?: boolean;
}

interface CheckFlags {
  pipeline?: string[];
  quiet?: boolean;
}

/** The `sigma` command group (created once; later subcommands attach to it). */
export function sigmaGroup(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'sigma');
  if (existing !== undefined) return existing;
  return program.command('sigma').description('Sigma rules: validate them (check); more subcommands work on the store');
}

export function registerSigmaCommands(program: Command): void {
  const group = sigmaGroup(program);
  group
    .command('convert')
    .description('print Sigma rules as queries for another engine: --target clickhouse (SQL over the event table of `ttpgraph clickhouse schema`)')
    .argument('<paths...>', 'rule files or directories (searched recursively for *.yml, *.yaml)')
    .requiredOption('--target <engine>', 'the query language: clickhouse')
    .option('--pipeline <file>', 'pipeline YAML file layered over the built-in one; repeat for more', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--table <name>', `the event table, or DATABASE.NAME (default: ${DEFAULT_TABLE})`)
    .option('--no-routing', 'no log source conditions: every rule over every event')
    .option('--by-route', 'one query per route (the rules sharing a log source, as `hunt --clickhouse` runs them) instead of one per rule')
    .option('-q, --quiet', 'no summary on stderr')
    .addHelpText('after', '\nEach rule becomes one SELECT, preceded by a comment line naming it; correlations become GROUP BY queries over windows of their timespan.\nValues are always escaped: a rule cannot end a string and run SQL of its own.\nExit status: 0 every rule converted, 1 some could not be, 2 none could or a path cannot be read.')
    .action((paths: string[], flags: ConvertFlags) => {
      if (flags.target.toLowerCase() !== 'clickhouse') {
        process.stderr.write(`ttpgraph: error: --target "${flags.target}": the only target is clickhouse\n`);
        process.exitCode = 2;
        return;
      }
      const tableText = flags.table ?? DEFAULT_TABLE;
      const table = tableName(tableText);
      if (table === undefined) {
        process.stderr.write(`ttpgraph: error: --table "${tableText}": expected NAME or DATABASE.NAME (letters, digits, underscore)\n`);
        process.exitCode = 2;
        return;
      }
      const input = readRulesAndPipeline(paths, flags.pipeline ?? []);
      if (input === undefined) return;
      const { loaded, pipe } = input;
      if (pipe.issues.length > 0) {
        for (const i of pipe.issues) process.stderr.write(`${formatIssue(i)}\n`);
        process.exitCode = 2;
        return;
      }
      const { collection } = loaded;
      const converted = convertCollection(collection, pipe.pipeline, flags.routing ? {} : { routing: false });
      const issues: SigmaIssue[] = [...collection.issues, ...converted.issues];
      const out: string[] = [];
      const q = { table };
      const comment = (text: string): string => `-- ${text.replace(/[\r\n]+/g, ' ')}\n`;
      if (flags.byRoute === true) {
        for (const g of converted.groups) out.push(`${comment(`${g.rules.length} rule(s): ${g.rules.map((r) => r.rule.id ?? r.rule.title).join(', ')}`)}${groupQuery(converted.converter, g, q)};\n`);
      } else {
        for (const r of converted.rules) out.push(`${comment(`${r.rule.id ?? '(no id)'} ${r.rule.title}${r.rule.file !== undefined ? ` (${r.rule.file}:${r.rule.line})` : ''}`)}${ruleQuery(converted.converter, r, q)};\n`);
      }
      const byName = new Map<string, ConvertedRule>();
      for (const r of converted.rules) {
        if (r.rule.id !== undefined) byName.set(r.rule.id, r);
        if (r.rule.name !== undefined) byName.set(r.rule.name, r);
      }
      let corrFailed = 0;
      for (const c of collection.correlations) {
        try {
          out.push(`${comment(`correlation ${c.id ?? '(no id)'} ${c.title} (${c.type})`)}${correlationQuery(c, byName, converted.converter, q)};\n`);
        } catch (e) {
          corrFailed++;
          issues.push({ code: 'unknown-rule-reference', severity: 'error', message: (e as Error).message, ...(c.file !== undefined ? { file: c.file } : {}), line: c.line, ...(c.id !== undefined ? { ruleId: c.id } : {}) });
        }
      }
      process.stdout.write(out.join('\n'));
      for (const i of issues) process.stderr.write(`${formatIssue(i)}\n`);
      const total = collection.rules.length + collection.correlations.length;
      const done = converted.rules.length + collection.correlations.length - corrFailed;
      if (flags.quiet !== true) process.stderr.write(`converted ${done} of ${total} rule(s) and correlation(s) to ClickHouse SQL; ${issues.length} problem(s)\n`);
      process.exitCode = done === 0 && total > 0 ? 2 : issues.some((i) => i.severity === 'error') ? 1 : 0;
    });
  group
    .command('check')
    .description('parse and compile Sigma rule files; print each problem as FILE:LINE:COL: error[CODE] RULE-ID: MESSAGE')
    .argument('<paths...>', 'rule files or directories (searched recursively for *.yml, *.yaml)')
    .option('--pipeline <file>', 'pipeline YAML file layered over the built-in one (placeholders, field mappings); repeat for more', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('-q, --quiet', 'print only the problems, no summary')
    .addHelpText('after', '\nExit status: 0 when every rule is valid, 1 when any rule has an error, 2 when a path cannot be read.')
    .action((paths: string[], flags: CheckFlags) => {
      const input = readRulesAndPipeline(paths, flags.pipeline ?? []);
      if (input === undefined) return;
      const { loaded, pipe } = input;
      const { collection, files } = loaded;
      const compiled = compileCollection(collection, { pipeline: pipe.pipeline });
      const issues: SigmaIssue[] = [...pipe.issues, ...collection.issues, ...compiled.issues];
      issues.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
      for (const i of issues) process.stdout.write(`${formatIssue(i)}\n`);
      const errors = issues.filter((i) => i.severity === 'error').length;
      const badFiles = new Set(issues.filter((i) => i.severity === 'error').map((i) => i.file)).size;
      if (flags.quiet !== true) {
        process.stderr.write(
          `checked ${files} file(s): ${collection.rules.length} rule(s), ${collection.correlations.length} correlation(s), ${collection.filters.length} filter(s); ` +
            `${errors} error(s) in ${badFiles} file(s)\n`,
        );
      }
      process.exitCode = errors > 0 ? 1 : 0;
    });
}

/** The rule files and pipelines a `sigma` subcommand was given; a path that cannot be read is one error line and exit 2 (undefined). */
function readRulesAndPipeline(paths: readonly string[], pipelines: readonly string[]): { loaded: ReturnType<typeof loadRuleFiles>; pipe: ReturnType<typeof loadPipeline> } | undefined {
  try {
    return { loaded: loadRuleFiles([...paths]), pipe: loadPipeline([...pipelines]) };
  } catch (e) {
    process.stderr.write(`ttpgraph: error: ${e instanceof TtpgraphError ? e.describe() : (e as Error).message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}
