/**
 * `ttpgraph sigma ...`: the Sigma command group. `check` validates rule files like a compiler.
 * Room is left for `sigma show ID` (needs the store; registered by the graph-import work) via
 * registerSigmaSubcommand-style additions on the group returned by sigmaGroup().
 */
import type { Command } from 'commander';
import { TtpgraphError } from '../../errors.ts';
import { compileCollection, formatIssue, type SigmaIssue } from '../../sigma/index.ts';
import { loadPipeline, loadRuleFiles } from '../../hunt/index.ts';

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
    .command('check')
    .description('parse and compile Sigma rule files; print each problem as FILE:LINE:COL: error[CODE] RULE-ID: MESSAGE')
    .argument('<paths...>', 'rule files or directories (searched recursively for *.yml, *.yaml)')
    .option('--pipeline <file>', 'pipeline YAML file layered over the built-in one (placeholders, field mappings); repeat for more', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('-q, --quiet', 'print only the problems, no summary')
    .addHelpText('after', '\nExit status: 0 when every rule is valid, 1 when any rule has an error, 2 when a path cannot be read.')
    .action((paths: string[], flags: CheckFlags) => {
      let loaded;
      let pipe;
      try {
        loaded = loadRuleFiles(paths);
        pipe = loadPipeline(flags.pipeline ?? []);
      } catch (e) {
        process.stderr.write(`ttpgraph: error: ${e instanceof TtpgraphError ? e.describe() : (e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
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
