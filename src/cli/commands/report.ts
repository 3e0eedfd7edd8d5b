import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { TtpgraphError } from '../../errors.ts';
import { REVIEW_STATUSES, type ReviewStatus } from '../../query/imported-reports.ts';
import { renderEvidence, renderImportedReport, renderReportList, type ReportRenderOptions } from '../../render/terminal/imported-report.ts';
import { withGraph } from '../context.ts';
import { printJson, terminalStyle, terminalWidth } from '../output.ts';

const ids = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];

export function renderOptions(): ReportRenderOptions {
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  return { width: terminalWidth(), style: terminalStyle(), highlight: (t) => (color ? `\u001b[7m${t}\u001b[27m` : `»${t}«`) };
}

function statusesOf(value: string | undefined): ReviewStatus[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !(REVIEW_STATUSES as readonly string[]).includes(s) && s !== 'all');
  if (bad.length > 0) throw new TtpgraphError('invalid-argument', `--status "${bad.join(',')}" is not one of ${REVIEW_STATUSES.join(', ')}, all`);
  return list.includes('all') ? [...REVIEW_STATUSES] : (list as ReviewStatus[]);
}

/** `ttpgraph report ...`: imported reports, their techniques and their review. */
export function registerReportCommands(program: Command): Command {
  const group = program.command('report').description('imported threat reports: list, show, review the proposed techniques, export');
  group
    .command('list')
    .description('imported reports, newest first, with how many techniques are accepted, proposed and rejected')
    .option('--json', 'print as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        const list = graph.importedReports();
        if (flags.json === true) printJson(list);
        else process.stdout.write(renderReportList(list, terminalStyle()));
      });
    });
  group
    .command('show')
    .description('an imported report: metadata, summary, techniques with their evidence, names found')
    .argument('<id>', 'report ID (rpt-..., from import report or report list)')
    .option('--json', 'print the page model as JSON (with the text)')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        const page = graph.importedReport(id);
        if (flags.json === true) printJson(page);
        else process.stdout.write(renderImportedReport(page, renderOptions()));
      });
    });
  group
    .command('review')
    .description('accept or reject the techniques proposed for a report: interactively on a terminal, or with --accept/--reject')
    .argument('<id>', 'report ID')
    .option('--accept <ids>', 'technique IDs to accept (comma-separated, repeatable); any technique, proposed or not', ids)
    .option('--reject <ids>', 'technique IDs to reject', ids)
    .option('--reset <ids>', 'technique IDs back to proposed', ids)
    .option('--all', 'interactively: also go through techniques already accepted or rejected')
    .action(async (id: string, flags: { accept?: string[]; reject?: string[]; reset?: string[]; all?: boolean }, command: Command) => {
      await withGraph(command, 'write', async (graph) => {
        const scripted = flags.accept !== undefined || flags.reject !== undefined || flags.reset !== undefined;
        if (!scripted) {
          if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
            throw new TtpgraphError('invalid-argument', 'not a terminal: give --accept T1114,... and/or --reject T1005,... to review without questions');
          }
          await interactiveReview(graph, id, flags.all === true);
          return;
        }
        const r = graph.reviewReport(id, { accept: flags.accept ?? [], reject: flags.reject ?? [], reset: flags.reset ?? [] });
        process.stdout.write(
          `report ${r.id}: ${[
            r.accepted.length > 0 ? `accepted ${r.accepted.join(', ')}` : '',
            r.rejected.length > 0 ? `rejected ${r.rejected.join(', ')}` : '',
            r.reset.length > 0 ? `back to proposed ${r.reset.join(', ')}` : '',
          ]
            .filter((x) => x !== '')
            .join('; ')}\n`,
        );
      });
    });
  group
    .command('layer')
    .description("the report's techniques as an ATT&CK Navigator layer (JSON on stdout)")
    .argument('<id>', 'report ID')
    .option('--status <list>', 'which techniques: accepted, proposed, rejected, all (default accepted,proposed)')
    .action(async (id: string, flags: { status?: string }, command: Command) => {
      await withGraph(command, 'read', (graph) => printJson(graph.reportLayer(id, statusesOf(flags.status))));
    });
  group
    .command('stix')
    .description("the report as a STIX 2.1 bundle: a report object whose object_refs are its techniques and the names it mentions")
    .argument('<id>', 'report ID')
    .option('--status <list>', 'which techniques: accepted, proposed, rejected, all (default accepted,proposed)')
    .action(async (id: string, flags: { status?: string }, command: Command) => {
      await withGraph(command, 'read', (graph) => printJson(graph.reportStix(id, statusesOf(flags.status))));
    });
  group
    .command('delete')
    .description('remove an imported report with its techniques')
    .argument('<id>', 'report ID')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await withGraph(command, 'write', (graph) => {
        graph.deleteImportedReport(id);
        process.stdout.write(`deleted report ${id}\n`);
      });
    });
  return group;
}

type GraphLike = Parameters<Parameters<typeof withGraph>[2]>[0];

async function interactiveReview(graph: GraphLike, id: string, all: boolean): Promise<void> {
  const page = graph.importedReport(id);
  const o = renderOptions();
  const todo = page.techniques.filter((t) => all || t.status === 'proposed');
  process.stdout.write(`${o.style.heading(page.title)}\n${page.id}: ${todo.length} technique(s) to review. [a]ccept, [r]eject, [s]kip, [q]uit (quit saves the decisions made so far)\n\n`);
  // Lines are read through the iterator, which buffers them: answers typed (or pasted) ahead are kept.
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const accept: string[] = [];
  const reject: string[] = [];
  try {
    review: for (const [i, t] of todo.entries()) {
      process.stdout.write(`\n(${i + 1}/${todo.length})${t.status === 'proposed' ? '' : ` [${t.status}]`} ${renderEvidence(page, t, o)}`);
      let answer = '';
      while (!['a', 'r', 's', 'q'].includes(answer)) {
        process.stdout.write('accept, reject, skip or quit? [a/r/s/q] ');
        const next = await lines.next();
        // End of input (Ctrl+D) stops like "q": what was decided is saved.
        if (next.done === true) break review;
        answer = String(next.value).trim().toLowerCase().slice(0, 1);
      }
      if (answer === 'q') break;
      if (answer === 'a') accept.push(t.id);
      if (answer === 'r') reject.push(t.id);
    }
  } finally {
    rl.close();
  }
  if (accept.length + reject.length === 0) {
    process.stdout.write('nothing changed\n');
    return;
  }
  const r = graph.reviewReport(id, { accept, reject });
  process.stdout.write(`report ${r.id}: accepted ${r.accepted.join(', ') || 'none'}; rejected ${r.rejected.join(', ') || 'none'}\n`);
}
