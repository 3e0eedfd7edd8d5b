import type { Command } from 'commander';
import { withGraph } from '../context.ts';
import { printJson } from '../output.ts';

interface TrainFlags {
  annotations?: string;
  domain?: string;
  attackVersion?: string;
  json?: boolean;
}

/** `ttpgraph extract train`: the technique classifier, rebuilt from what the store holds. */
export function registerExtractCommands(program: Command): Command {
  const group = program.command('extract').description('the technique extractor used by `import report`');
  group
    .command('train')
    .description("build the technique classifier from the store (procedure examples, technique descriptions, detection text) and re-extract every report's unreviewed techniques")
    .option('--annotations <dir>', 'also learn from TRAM annotated reports (MAT .mjson files) in this folder')
    .option('--domain <domain>', 'ATT&CK domain to learn from', 'enterprise')
    .option('--attack-version <version>', 'ATT&CK version to learn from (default: the newest of the domain)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: TrainFlags, command: Command) => {
      await withGraph(command, 'write', async (graph) => {
        const started = performance.now();
        const r = await graph.trainExtractor({
          ...(flags.annotations === undefined ? {} : { annotations: flags.annotations }),
          ...(flags.domain === undefined ? {} : { domain: flags.domain }),
          ...(flags.attackVersion === undefined ? {} : { attackVersion: flags.attackVersion }),
        });
        if (flags.json === true) {
          printJson(r);
          return;
        }
        const kinds = Object.entries(r.counts).map(([k, n]) => `${n} ${k}`).join(', ');
        process.stdout.write(
          `${r.unchanged ? 'rebuilt (unchanged)' : 'built'} the extraction model from ${r.domain} ATT&CK ${r.attackVersion}${flags.annotations === undefined ? '' : ` and the annotations in ${flags.annotations}`}: ` +
            `${r.labels} techniques, ${r.examples} examples (${kinds}), ${(r.bytes / 1024 / 1024).toFixed(1)} MB; ${r.reports} report(s) re-extracted in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
        );
      });
    });
  group
    .command('info')
    .description('what the stored extraction model was built from')
    .option('--json', 'print as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withGraph(command, 'read', async (graph) => {
        const info = await graph.extractorInfo();
        if (flags.json === true) {
          printJson(info);
          return;
        }
        process.stdout.write(
          info === null
            ? 'no extraction model yet: ttpgraph extract train builds one (import report builds one the first time)\n'
            : `model ${info.sha256.slice(0, 12)} from ${info.domain} ATT&CK ${info.attackVersion}${info.annotations === null ? '' : ` + ${info.annotations}`}: ${info.labels} techniques, ${info.examples} examples, built ${info.builtAt}\n`,
        );
      });
    });
  return group;
}
