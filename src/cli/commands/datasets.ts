import type { Command } from 'commander';
import { withGraph } from '../context.ts';
import { printJson } from '../output.ts';

export function registerDatasetsCommand(program: Command): void {
  program
    .command('datasets')
    .description('list the ATT&CK datasets (domain × version) in the store; the newest of each domain is the default')
    .option('--json', 'print as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        const datasets = graph.datasets();
        if (flags.json === true) {
          printJson(datasets);
          return;
        }
        process.stdout.write(`store: ${graph.path}\n`);
        if (datasets.length === 0) process.stdout.write('no ATT&CK data yet: run ttpgraph import attack FILE|URL\n');
        const seen = new Set<string>();
        for (const d of datasets) {
          const isDefault = !seen.has(d.domain);
          seen.add(d.domain);
          process.stdout.write(
            `${d.domain.padEnd(10)} ${d.version.padEnd(6)} STIX ${d.specVersion}  ${String(d.objectCount).padStart(6)} objects  ${isDefault ? 'default ' : '        '} ${d.source}\n`,
          );
        }
      });
    });
}
