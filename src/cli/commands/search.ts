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
    .option(
      '--type <type>',
      'only this kind: technique, tactic, group, software, campaign, mitigation, asset, data-source, data-component, detection-strategy, analytic, sigma-rule, control',
    )
    .option('--domain <domain>', 'only this domain')
    .option('--attack-version <version>', 'search this ATT&CK version (default: the newest of each domain)')
    .option('--limit <n>', 'at most this many results', '20')
    .option('--all', 'include revoked and deprecated objects')
    .option('--json', 'print results as JSON')
    .action(async (words: string[], flags: SearchFlags, command: Command) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new TtpgraphError('invalid-argument', `--limit "${flags.limit}" is not a positive whole number`);
      const text = words.join(' ');
      const extraType = flags.type === 'sigma-rule' || flags.type === 'control' ? flags.type : undefined;
      await withGraph(command, 'read', (graph) => {
        // ATT&CK nodes first; Sigma rules and controls follow (or alone, with --type sigma-rule|control).
        const hits =
          extraType !== undefined
            ? []
            : graph.search(text, { type: flags.type, domain: flags.domain, version: flags.attackVersion, limit, includeHidden: flags.all === true });
        const extras = flags.type === undefined || extraType !== undefined ? graph.searchRulesAndControls(text, { type: extraType, limit }) : [];
        if (flags.json === true) {
          printJson(extraType !== undefined ? extras : flags.type === undefined ? [...hits, ...extras] : hits);
          return;
        }
        const style = terminalStyle();
        if (hits.length > 0 || extras.length === 0) process.stdout.write(renderSearchHits(hits, { width: terminalWidth(), style }));
        for (const e of extras) {
          const how = e.type === 'control' ? `ttpgraph show ${JSON.stringify(e.id)} --framework ${e.framework ?? ''}` : `ttpgraph sigma show ${e.id}`;
          process.stdout.write(`${style.bold(`${e.name}`)} ${style.dim(`${e.type}, ${e.detail}`)}\n${style.dim(`    ${how}`)}\n`);
        }
      });
    });
}
