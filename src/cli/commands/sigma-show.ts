import type { Command } from 'commander';
import { withGraph } from '../context.ts';
import { printJson } from '../output.ts';

/**
 * `ttpgraph sigma show ID`: a stored rule's YAML, one command away from the technique page. It
 * joins the `sigma` command group (sigma check lives there too) or creates it.
 */
export function registerSigmaShowCommand(program: Command): void {
  const group = program.commands.find((c) => c.name() === 'sigma') ?? program.command('sigma').description('Sigma rules');
  group
    .command('show')
    .description('print a Sigma rule from the store (its file as imported), by rule id or title')
    .argument('<id>', 'rule id (UUID) or exact title')
    .option('--json', 'print the rule metadata and text as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        const rule = graph.sigmaRule(id);
        if (flags.json === true) printJson(rule);
        else process.stdout.write(`# ${rule.path}:${rule.line}  (covers ${rule.techniques.join(', ') || 'no technique'})\n${rule.yaml.endsWith('\n') ? rule.yaml : `${rule.yaml}\n`}`);
      });
    });
}
