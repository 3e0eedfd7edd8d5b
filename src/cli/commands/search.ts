import type { Command } from 'commander';
import { TtpgraphError } from '../../errors.ts';
import { renderSearchHits } from '../../render/terminal/object-page.ts';
import { withGraph } from '../context.ts';
import { printJson, terminalStyle, terminalWidth } from '../output.ts';

interface SearchFlags {
  type?: string;
  domain?: string;
  attackVersion?: string;
  limit: string;
  all?: boolean;
  json?: boolean;
}

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('ranked full-text search over IDs, names, aliases and descriptions')
    .argument('<text...>', 'words or an ID')
    .option('--type <type>', 'only this kind: technique, tactic, group, software, campaign, mitigation, asset, data-source, data-component, detection-strategy, analytic')
    .option('--domain <domain>', 'only this domain')
    .option('--attack-version <version>', 'search this ATT&CK version (default: the newest of each domain)')
    .option('--limit <n>', 'at most this many results', '20')
    .option('--all', 'include revoked and deprecated objects')
    .option('--json', 'print results as JSON')
    .action(async (words: string[], flags: SearchFlags, command: Command) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new TtpgraphError('invalid-argument', `--limit "${flags.limit}" is not a positive whole number`);
      await withGraph(command, 'read', (graph) => {
        const hits = graph.search(words.join(' '), {
          type: flags.type,
          domain: flags.domain,
          version: flags.attackVersion,
          limit,
          includeHidden: flags.all === true,
        });
        if (flags.json === true) printJson(hits);
        else process.stdout.write(renderSearchHits(hits, { width: terminalWidth(), style: terminalStyle() }));
      });
    });
}
