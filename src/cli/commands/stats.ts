import type { Command } from 'commander';
import { withGraph } from '../context.ts';
import { printJson } from '../output.ts';
import { writeMachine } from '../terminal.ts';

interface StatsFlags {
  domain?: string;
  attackVersion?: string;
  json?: boolean;
  csv?: boolean;
}

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('per technique: groups, software, campaigns, reports, controls per framework, detections (what a heat map colours by)')
    .option('--domain <domain>', 'enterprise, mobile or ics (default: enterprise)')
    .option('--attack-version <version>', 'ATT&CK version (default: the newest in the store)')
    .option('--json', 'print as JSON')
    .option('--csv', 'print as CSV')
    .action(async (flags: StatsFlags, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        const stats = graph.stats({ domain: flags.domain, version: flags.attackVersion });
        if (flags.json === true) {
          printJson(stats);
          return;
        }
        const frameworks = [...new Set(stats.techniques.flatMap((t) => Object.keys(t.counts.controls)))].sort();
        const header = ['id', 'name', 'groups', 'software', 'campaigns', 'reports', 'detections', ...frameworks];
        const rows = stats.techniques.map((t) => [
          t.id,
          t.name,
          ...[t.counts.groups, t.counts.software, t.counts.campaigns, t.counts.reports, t.counts.detections].map(String),
          ...frameworks.map((f) => String(t.counts.controls[f] ?? 0)),
        ]);
        if (flags.csv === true) {
          const cell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
          writeMachine([header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n', 'raw');
          return;
        }
        process.stdout.write(`${stats.domain} ATT&CK ${stats.attackVersion}: ${stats.techniques.length} techniques\n`);
        const widths = header.map((h, i) => Math.min(i === 1 ? 40 : 12, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
        const line = (r: string[]): string => r.map((v, i) => (i < 2 ? v.slice(0, widths[i]).padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
        process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`);
      });
    });
}
