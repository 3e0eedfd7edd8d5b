import type { Command } from 'commander';
import { renderObjectPage } from '../../render/terminal/object-page.ts';
import { renderTechniquePage } from '../../render/terminal/technique-page.ts';
import { withGraph } from '../context.ts';
import { printJson, terminalStyle, terminalWidth } from '../output.ts';

interface ShowFlags {
  domain?: string;
  attackVersion?: string;
  json?: boolean;
  follow?: boolean;
}

export function registerShowCommand(program: Command): void {
  program
    .command('show')
    .description('show the page of a technique, group, software, campaign, mitigation, tactic, data component, detection strategy or analytic')
    .argument('<id>', 'ATT&CK ID (T1114, G0007, DET0476...), STIX id, or exact name')
    .option('--domain <domain>', 'enterprise, mobile or ics (default: the domain that has the ID, enterprise first)')
    .option('--attack-version <version>', 'ATT&CK version (default: the newest in the store)')
    .option('--json', 'print the page model as JSON')
    .option('--no-follow', 'show a revoked object itself instead of the object that replaced it')
    .action(async (id: string, flags: ShowFlags, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        const result = graph.page(id, { domain: flags.domain, version: flags.attackVersion, noFollow: flags.follow === false });
        if (result.formerly !== null) {
          process.stderr.write(`ttpgraph: note: ${result.formerly.id} "${result.formerly.name}" was revoked; showing ${result.page.id}, which replaced it\n`);
        }
        if (flags.json === true) {
          printJson(result.page);
          return;
        }
        const options = { width: terminalWidth(), style: terminalStyle(), formerly: result.formerly };
        process.stdout.write(result.kind === 'technique' ? renderTechniquePage(result.page, options) : renderObjectPage(result.page, options));
      });
    });
}
