import type { Command } from 'commander';
import { isDomain } from '../../core/attack.ts';
import { TtpgraphError } from '../../errors.ts';
import { withGraph } from '../context.ts';
import { progressBar } from '../output.ts';
import { reportError } from '../report-error.ts';

interface ImportAttackFlags {
  attackVersion?: string;
  domain?: string;
}

/**
 * `ttpgraph import <kind> FILE|URL...`. Each source is its own transaction: one bad file is
 * reported and skipped, the others still land, and the exit code says something failed.
 */
export function registerImportCommands(program: Command): Command {
  const group = program.command('import').description('import data into the store (files or http(s) URLs)');
  group
    .command('attack')
    .description('import ATT&CK STIX 2.0 (mitre/cti) or 2.1 (attack-stix-data) bundles of any domain')
    .argument('<sources...>', 'bundle files or URLs')
    .option('--attack-version <version>', 'ATT&CK version when the bundle does not declare one (e.g. 15.1)')
    .option('--domain <domain>', 'domain when the bundle does not say (enterprise, mobile, ics)')
    .action(async (sources: string[], flags: ImportAttackFlags, command: Command) => {
      if (flags.domain !== undefined && !isDomain(flags.domain)) {
        throw new TtpgraphError('invalid-argument', `--domain "${flags.domain}" is not one of enterprise, mobile, ics`);
      }
      await withGraph(command, 'write', async (graph) => {
        let failed = 0;
        for (const source of sources) {
          const started = performance.now();
          const progress = progressBar(`importing ${source}`);
          try {
            const result = await graph.importAttack(source, {
              ...(flags.attackVersion === undefined ? {} : { attackVersion: flags.attackVersion }),
              ...(flags.domain !== undefined && isDomain(flags.domain) ? { domain: flags.domain } : {}),
              onProgress: (done, total) => progress.update(done, total),
            });
            progress.done();
            const seconds = ((performance.now() - started) / 1000).toFixed(1);
            const what = `${result.domain} ATT&CK ${result.version} (STIX ${result.specVersion})`;
            const counts = `${result.objects} objects, ${result.relationships} relationships`;
            const verb = { imported: 'imported', replaced: 'replaced', unchanged: 'unchanged, already in the store:' }[result.status];
            process.stdout.write(`${verb} ${what} from ${source}: ${counts} in ${seconds} s\n`);
            for (const s of result.skipped.slice(0, 20)) {
              process.stderr.write(`ttpgraph: warning: ${source}: object #${s.index}${s.id === null ? '' : ` ${s.id}`} skipped: ${s.reason}\n`);
            }
            if (result.skipped.length > 20) process.stderr.write(`ttpgraph: warning: ${source}: ${result.skipped.length - 20} more objects skipped\n`);
          } catch (err) {
            progress.done();
            failed++;
            reportError(err);
          }
        }
        if (failed > 0) process.exitCode = 1;
      });
    });
  return group;
}
