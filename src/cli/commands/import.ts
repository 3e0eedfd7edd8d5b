import type { Command } from 'commander';
import { isDomain } from '../../core/attack.ts';
import { TtpgraphError } from '../../errors.ts';
import type { Graph } from '../../graph.ts';
import { withGraph } from '../context.ts';
import { type Progress, progressBar } from '../output.ts';
import { reportError } from '../report-error.ts';
import { formatIssue } from '../../sigma/index.ts';
import { cancelOnInterrupt } from '../interrupt.ts';
import { parseMaxSize } from '../options.ts';
import type { ReadSourceOptions } from '../../sources/read-source.ts';

interface ReadFlags {
  maxSize?: number;
}

interface ImportAttackFlags extends ReadFlags {
  attackVersion?: string;
  domain?: string;
  force?: boolean;
}

const MAX_SIZE_HELP = 'largest source accepted, e.g. 500M or 2G (default: 200M for ATT&CK bundles, 50M for mapping and STIX files, 100M for threat reports, 1M per Sigma rule file)';


/**
 * Imports each source in turn, each its own transaction: one bad file is reported and skipped,
 * the others still land, and the exit code says something failed.
 */
async function importEach(
  command: Command,
  sources: readonly string[],
  flags: ReadFlags,
  importOne: (graph: Graph, source: string, progress: Progress, read: Omit<ReadSourceOptions, 'kind'>) => Promise<{ line: string; warnings: string[] }>,
): Promise<void> {
  const interrupt = cancelOnInterrupt();
  await withGraph(command, 'write', async (graph) => {
    let failed = 0;
    for (const source of sources) {
      if (interrupt.signal.aborted) break;
      const started = performance.now();
      const progress = progressBar(`importing ${source}`);
      const read = { signal: interrupt.signal, ...(flags.maxSize === undefined ? {} : { maxBytes: flags.maxSize }) };
      try {
        const { line, warnings } = await importOne(graph, source, progress, read);
        progress.done();
        process.stdout.write(`${line} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
        for (const w of warnings.slice(0, 20)) process.stderr.write(`ttpgraph: warning: ${source}: ${w}\n`);
        if (warnings.length > 20) process.stderr.write(`ttpgraph: warning: ${source}: ${warnings.length - 20} more skipped\n`);
      } catch (err) {
        progress.done();
        failed++;
        reportError(err);
      }
    }
    if (interrupt.signal.aborted) process.exitCode = 130;
    else if (failed > 0) process.exitCode = 1;
  }).finally(() => interrupt.dispose());
}

const VERB = { imported: 'imported', replaced: 'replaced', unchanged: 'unchanged, already in the store:' } as const;

export function registerImportCommands(program: Command): Command {
  const group = program.command('import').description('import data into the store (files or http(s) URLs)');
  group
    .command('attack')
    .description('import ATT&CK STIX 2.0 (mitre/cti) or 2.1 (attack-stix-data) bundles of any domain')
    .argument('<sources...>', 'bundle files or URLs')
    .option('--attack-version <version>', 'ATT&CK version when the bundle does not declare one (e.g. 15.1)')
    .option('--domain <domain>', 'domain when the bundle does not say (enterprise, mobile, ics)')
    .option('--force', 'replace a dataset even with a bundle that has fewer than half its techniques (or none)')
    .option('--max-size <size>', MAX_SIZE_HELP, parseMaxSize)
    .action(async (sources: string[], flags: ImportAttackFlags, command: Command) => {
      const domain = flags.domain;
      if (domain !== undefined && !isDomain(domain)) {
        throw new TtpgraphError('invalid-argument', `--domain "${domain}" is not one of enterprise, mobile, ics`);
      }
      await importEach(command, sources, flags, async (graph, source, progress, read) => {
        const r = await graph.importAttack(source, {
          read,
          ...(flags.force === true ? { force: true } : {}),
          ...(flags.attackVersion === undefined ? {} : { attackVersion: flags.attackVersion }),
          ...(domain === undefined ? {} : { domain }),
          onProgress: (done, total) => progress.update(done, total),
        });
        return {
          line: `${VERB[r.status]} ${r.domain} ATT&CK ${r.version} (STIX ${r.specVersion}) from ${source}: ${r.objects} objects, ${r.relationships} relationships`,
          warnings: r.skipped.map((s) => `object #${s.index}${s.id === null ? '' : ` ${s.id}`} skipped: ${s.reason}`),
        };
      });
    });
  group
    .command('mappings')
    .description('import Center for Threat-Informed Defense Mappings Explorer files (NIST 800-53, AWS, Azure, GCP, M365, CSA CCM, CRI, VERIS, KEV)')
    .argument('<sources...>', 'mapping JSON files or URLs')
    .option('--max-size <size>', MAX_SIZE_HELP, parseMaxSize)
    .action(async (sources: string[], flags: ReadFlags, command: Command) => {
      await importEach(command, sources, flags, async (graph, source, _progress, read) => {
        const r = await graph.importMappings(source, { read });
        return {
          line: `${VERB[r.status]} ${r.framework} ${r.frameworkVersion} for ${r.domain} ATT&CK ${r.attackVersion} from ${source}: ${r.mappings} mappings (${r.nonMappable} non_mappable), ${r.controls} controls`,
          warnings: r.skipped.map((s) => `mapping #${s.index} skipped: ${s.reason}`),
        };
      });
    });
  group
    .command('stix')
    .description('import STIX 2.1 report objects (an advisory bundle, an OpenCTI export); they link to ATT&CK through their object_refs')
    .argument('<sources...>', 'STIX bundle files or URLs')
    .option('--max-size <size>', MAX_SIZE_HELP, parseMaxSize)
    .action(async (sources: string[], flags: ReadFlags, command: Command) => {
      await importEach(command, sources, flags, async (graph, source, _progress, read) => {
        const r = await graph.importStix(source, { read });
        return {
          line: `imported ${r.reports} STIX report(s) from ${source}: ${r.refs} object_refs, ${r.attackRefs} of them to ATT&CK objects`,
          warnings: [...r.skipped.map((s) => `object #${s.index} skipped: ${s.reason}`), ...r.warnings],
        };
      });
    });
  group
    .command('report')
    .description('import threat reports (PDF, HTML article page, Markdown, text) and propose the ATT&CK techniques they describe, for review')
    .argument('<sources...>', 'report files or http(s) URLs')
    .option('--format <format>', 'read every source as this format instead of guessing: pdf, html, markdown, text')
    .option('--max-size <size>', MAX_SIZE_HELP, parseMaxSize)
    .action(async (sources: string[], flags: ReadFlags & { format?: string }, command: Command) => {
      const format = flags.format;
      if (format !== undefined && !['pdf', 'html', 'markdown', 'text'].includes(format)) {
        throw new TtpgraphError('invalid-argument', `--format "${format}" is not one of pdf, html, markdown, text`);
      }
      await importEach(command, sources, flags, async (graph, source, _progress, read) => {
        const r = await graph.importReport(source, { read, ...(format === undefined ? {} : { format: format as 'pdf' | 'html' | 'markdown' | 'text' }) });
        const what = `${r.techniques} technique(s) proposed (${r.explicit} named by ID), ${r.entities} group/software/campaign name(s)`;
        const line =
          r.status === 'unchanged'
            ? `unchanged, already in the store: report ${r.id} "${r.title}" from ${source}: ${what}`
            : `imported report ${r.id} "${r.title}" (${[r.publisher, r.published].filter((x) => x !== null).join(', ') || 'no publisher or date found'}) from ${source}: ${what}; review: ttpgraph report review ${r.id}`;
        return { line, warnings: r.trainedModel ? ['no extraction model yet: built one from the store first (ttpgraph extract train rebuilds it)'] : [] };
      });
    });
  group
    .command('sigma')
    .description('import Sigma rule files and folders of them (recursively); rules link to the techniques in their attack.tNNNN tags')
    .argument('<paths...>', 'rule files or folders')
    .option('--max-size <size>', MAX_SIZE_HELP, parseMaxSize)
    .action(async (paths: string[], flags: ReadFlags, command: Command) => {
      const interrupt = cancelOnInterrupt();
      await withGraph(command, 'write', async (graph) => {
        const started = performance.now();
        const bar = progressBar(`importing Sigma rules from ${paths.join(', ')}`);
        const r = await graph
          .importSigma(paths, { read: { signal: interrupt.signal, ...(flags.maxSize === undefined ? {} : { maxBytes: flags.maxSize }) }, onProgress: (done, total) => bar.update(done, total) })
          .finally(() => bar.done());
        for (const i of r.issues.slice(0, 50)) process.stderr.write(`ttpgraph: warning: ${formatIssue(i)} (skipped)\n`);
        if (r.issues.length > 50) process.stderr.write(`ttpgraph: warning: ${r.issues.length - 50} more problems (ttpgraph sigma check PATH lists them all)\n`);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          `imported ${r.rules} Sigma rule(s) from ${r.files} file(s) (${r.unchanged} unchanged, ${r.issues.length} skipped for errors), ${r.techniqueLinks} technique links in ${seconds} s\n`,
        );
        if (r.issues.length > 0) process.exitCode = 1;
      }).finally(() => interrupt.dispose());
    });
  return group;
}
