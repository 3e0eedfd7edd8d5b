/**
 * Coverage commands:
 *   `ttpgraph logs inventory LOGS...`  what the logs hold (per log source, channel, event id), no rules
 *   `ttpgraph inventory`               the newest saved inventory (`hunt --save`, `logs inventory --save`)
 *   `ttpgraph coverage`                your level per technique, or the gaps against a group, campaign,
 *                                      software or report, as a table, JSON, CSV or Navigator layer;
 *                                      `--declare FILE` stores declared coverage; `--fail-under` gates CI
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { graphFor, withGraph } from '../context.ts';
import { printJson } from '../output.ts';
import { writeMachine } from '../terminal.ts';
import { TtpgraphError, fileReason } from '../../errors.ts';
import { defaultPipeline, declareLogsource, parseLogsourceArg, emptyCollection } from '../../sigma/index.ts';
import { expandLogPaths, InventoryCollector, loadPipeline, runHunt, type InventoryEntry } from '../../hunt/index.ts';
import { COVERAGE_LEVELS, type CoverageLevel, isCoverageLevel } from '../../query/coverage/levels.ts';
import { coverageLayer, gapList, gapRows, type GapList, type GapRow, shareAtLeast } from '../../query/coverage/gaps.ts';
import type { SavedInventory } from '../../query/inventory.ts';
import { parseThreads } from '../options.ts';

function fail(msg: string): void {
  process.stderr.write(`ttpgraph: error: ${msg}\n`);
  process.exitCode = 2;
}

const describe = (e: unknown): string => (e instanceof TtpgraphError ? e.describe() : e instanceof Error ? e.message : String(e));

/** The inventory as a table for people. */
function printInventory(entries: readonly InventoryEntry[], header: string): void {
  process.stdout.write(`${header}\n`);
  if (entries.length === 0) {
    process.stdout.write('(no events)\n');
    return;
  }
  const rows = entries.map((e) => [e.logsource, e.channel ?? '-', e.eventId ?? '-', String(e.count), e.first ?? '-', e.last ?? '-', `${e.hosts.length}${e.hostsTruncated ? '+' : ''}`, e.provider ?? '-']);
  const head = ['LOG SOURCE', 'CHANNEL', 'EVENT', 'COUNT', 'FIRST', 'LAST', 'HOSTS', 'PROVIDER'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`${line(head)}\n${rows.map((r) => `${line(r)}\n`).join('')}`);
}

interface InventoryFlags {
  json?: boolean;
  save?: string | boolean;
  logsource?: string;
  pipeline?: string[];
  threads?: number;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerLogsCommands(program: Command): void {
  const logs = program.command('logs').description('what your logs hold');
  logs
    .command('inventory')
    .description('count the events of log files per log source, channel, provider and event id (first and last time, hosts), without rules')
    .argument('<logs...>', 'log files or folders (EVTX, NDJSON, JSON array; JSON optionally .gz)')
    .option('--json', 'print the inventory as JSON')
    .option('--save [label]', 'store it (--db / $TTPGRAPH_DB): the newest inventory is what `coverage` reads')
    .option('--logsource <spec>', 'the log source of all the files given: product=NAME[,service=NAME][,category=NAME]')
    .option('--pipeline <file>', 'pipeline YAML file layered over the built-in one (its sources recognise log shapes); repeat for more', collect)
    .option('--threads <n>', '.evtx and plain NDJSON input: threads reading, this one included', parseThreads)
    .action(async (paths: string[], flags: InventoryFlags, command: Command) => {
      try {
        await inventoryCommand(paths, flags, command);
      } catch (e) {
        fail(describe(e));
      }
    });
}

async function inventoryCommand(paths: string[], flags: InventoryFlags, command: Command): Promise<void> {
  let pipeline = defaultPipeline;
  if (flags.pipeline !== undefined) {
    const loaded = loadPipeline(flags.pipeline);
    if (loaded.issues.length > 0) return fail(`the pipeline could not be loaded: ${loaded.issues[0]?.file ?? ''}:${loaded.issues[0]?.line ?? ''}: ${loaded.issues[0]?.message ?? ''}`);
    pipeline = loaded.pipeline;
  }
  if (flags.logsource !== undefined) {
    const ls = parseLogsourceArg(flags.logsource);
    if (typeof ls === 'string') return fail(ls);
    pipeline = declareLogsource(pipeline, ls);
  }
  // --save with a value that is a log path: commander took the path as the label.
  let label = typeof flags.save === 'string' ? flags.save : undefined;
  if (label !== undefined && existsSync(label)) {
    paths = [label, ...paths];
    label = undefined;
  }
  const graph = flags.save === undefined ? undefined : graphFor(command, 'write');
  try {
    const inventory = new InventoryCollector(pipeline.sources);
    let fileErrors = 0;
    const files = expandLogPaths(paths);
    const summary = await runHunt({
      collection: emptyCollection(),
      pipeline,
      logs: files,
      inventory,
      ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
      onHit: () => undefined,
      onProblem: (p) => {
        if (p.kind === 'file') fileErrors++;
        if (p.kind !== 'logsource') process.stderr.write(`${p.kind === 'input' ? 'skipped record: ' : 'ttpgraph: error: '}${p.message}\n`);
      },
    });
    const entries = inventory.entries();
    if (flags.json === true) printJson({ files: summary.files, events: summary.events, entries });
    else printInventory(entries, `${summary.events} event(s) in ${summary.files} file(s), ${entries.length} kind(s) of event`);
    process.exitCode = fileErrors > 0 ? 2 : 0;
    if (graph === undefined) return;
    if (fileErrors > 0) {
      process.stderr.write(`inventory: not saved: ${fileErrors} log file(s) could not be read\n`);
      return;
    }
    const id = graph.saveInventory({ label, logs: paths.map((p) => path.resolve(p)), files: summary.files, events: summary.events, entries });
    process.stderr.write(`inventory: saved as ${id}${label === undefined ? '' : ` "${label}"`} in ${graph.path}\n`);
  } finally {
    graph?.close();
  }
}

export function registerInventoryCommand(program: Command): void {
  program
    .command('inventory')
    .description('the newest saved log inventory (from `hunt --save` or `logs inventory --save`)')
    .option('--json', 'print it as JSON')
    .option('--id <n>', 'a saved inventory by its id', (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('an inventory id (a number).');
      return Number(v);
    })
    .action(async (flags: { json?: boolean; id?: number }, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        const inv: SavedInventory | undefined = graph.inventory(flags.id);
        if (inv === undefined) {
          if (flags.id !== undefined) throw new TtpgraphError('unknown-id', `no saved inventory ${flags.id}`, { id: String(flags.id) });
          process.stdout.write('no saved inventory (run `ttpgraph hunt --save LOGS...` or `ttpgraph logs inventory --save LOGS...`)\n');
          return;
        }
        if (flags.json === true) return printJson(inv);
        const from = inv.runId === null ? 'logs inventory' : `hunt run ${inv.runId}`;
        printInventory(inv.entries, `inventory ${inv.id}${inv.label === null ? '' : ` "${inv.label}"`} (${from}, ${inv.createdAt.replace('T', ' ').slice(0, 19)}): ${inv.events} event(s) in ${inv.files} file(s) of ${inv.logs.join(' ')}`);
      });
    });
}

interface CoverageFlags {
  group?: string;
  campaign?: string;
  software?: string;
  report?: string;
  format: string;
  failUnder?: { level: CoverageLevel; percent: number };
  declare?: string[];
  attackVersion?: string;
  domain?: string;
}

const FORMATS = ['table', 'json', 'csv', 'navigator'] as const;

function parseFailUnder(value: string): { level: CoverageLevel; percent: number } {
  const m = /^([a-z]+):(\d+(?:\.\d+)?)%?$/.exec(value.trim());
  if (m === null || !isCoverageLevel(m[1]!) || Number(m[2]) > 100) throw new InvalidArgumentError(`LEVEL:PERCENT, LEVEL one of ${COVERAGE_LEVELS.join(', ')} and PERCENT 0-100 (e.g. detectable:60).`);
  return { level: m[1], percent: Number(m[2]) };
}

const csvCell = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function printRows(rows: readonly GapRow[], title: string, flags: CoverageFlags, list: GapList | undefined, layer: () => unknown): void {
  if (flags.format === 'json') return printJson(list ?? { techniques: rows });
  if (flags.format === 'navigator') return printJson(layer());
  if (flags.format === 'csv') {
    const lines = [['id', 'name', 'level', 'declared', 'hits', 'reasons', 'close_with'].join(',')];
    for (const r of rows) lines.push([r.id, r.name, r.level, String(r.declared), String(r.hits), r.reasons.join('; '), r.closeWith ?? ''].map(csvCell).join(','));
    writeMachine(`${lines.join('\n')}\n`, 'raw');
    return;
  }
  const counts = COVERAGE_LEVELS.map((l) => `${rows.filter((r) => r.level === l).length} ${l}`).join(', ');
  process.stdout.write(`${title}: ${rows.length} technique(s): ${counts}\n`);
  const idWidth = Math.max(2, ...rows.map((r) => r.id.length));
  for (const r of rows) {
    const level = `${r.level}${r.declared ? '*' : ''}`;
    process.stdout.write(`${r.id.padEnd(idWidth)}  ${level.padEnd(11)}  ${r.name}\n`);
    process.stdout.write(`${' '.repeat(idWidth + 2)}${r.reasons.join('; ')}\n`);
    if (r.closeWith !== null) process.stdout.write(`${' '.repeat(idWidth + 2)}to close: ${r.closeWith}\n`);
  }
  if (rows.some((r) => r.declared)) process.stdout.write('* declared (coverage --declare), not seen in your logs\n');
}

export function registerCoverageCommand(program: Command): void {
  program
    .command('coverage')
    .description('your coverage per technique (none, visible, detectable, detected) from your logs, rules and hunts, or the gaps against an adversary')
    .option('--group <id>', 'the techniques a group uses (G0059, or its name)')
    .option('--campaign <id>', 'the techniques a campaign uses (C0027)')
    .option('--software <id>', 'the techniques a piece of software uses (S0367)')
    .option('--report <id>', 'the techniques a report describes (a cited report slug, a STIX report, or an imported report rpt-... with its accepted techniques)')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'table')
    .option('--fail-under <level:percent>', 'exit 1 when fewer than PERCENT % of the techniques are at LEVEL or better (a CI gate), e.g. detectable:60', parseFailUnder)
    .option('--declare <file>', 'store declared coverage (YAML, docs/formats/coverage.md; or DeTT&CT data source / technique administration files), replacing what was declared before; repeat for more', collect)
    .option('--attack-version <v>', 'ATT&CK version (default: the newest)')
    .option('--domain <domain>', 'ATT&CK domain (default: enterprise)')
    .addHelpText(
      'after',
      `
Levels, from evidence: visible = a log source one of the technique's analytics (ATT&CK v18) or data
components (<= v17) needs is in the newest log inventory; detectable = a Sigma rule for it (or a
sub-technique) has its logsource in the inventory; detected = the newest saved hunt hit it. A
declared coverage file adds log sources, Sigma logsources and techniques you have outside these
logs; it raises levels, never lowers them (marked *).

Examples:
  ttpgraph hunt --save=week-48 logs/ > /dev/null   # hits and the log inventory
  ttpgraph coverage --group G0059                   # APT29's techniques, worst first
  ttpgraph coverage --group G0059 --format navigator > apt29-coverage.json
  ttpgraph coverage --declare edr.yml               # what your EDR and SIEM cover
  ttpgraph coverage --group G0059 --fail-under detectable:50 --format csv`,
    )
    .action(async (flags: CoverageFlags, command: Command) => {
      try {
        await coverageCommand(flags, command);
      } catch (e) {
        fail(describe(e));
      }
    });
}

async function coverageCommand(flags: CoverageFlags, command: Command): Promise<void> {
  if (!(FORMATS as readonly string[]).includes(flags.format)) return fail(`--format "${flags.format}" is not one of ${FORMATS.join(', ')}`);
  const targets = (['group', 'campaign', 'software', 'report'] as const).filter((k) => flags[k] !== undefined);
  if (targets.length > 1) return fail(`give one of --group, --campaign, --software, --report (got ${targets.map((t) => `--${t}`).join(', ')})`);
  if (flags.declare !== undefined) {
    const files = flags.declare.map((f) => {
      try {
        return { source: f, text: readFileSync(f, 'utf8') };
      } catch (e) {
        throw new TtpgraphError('file-unreadable', fileReason(e), { source: f });
      }
    });
    await withGraph(command, 'write', (graph) => {
      const d = graph.declareCoverage(files);
      process.stderr.write(
        `coverage: declared ${d.logSources.length} log source(s), ${d.dataComponents.length} data component(s), ${d.sigma.length} Sigma logsource(s), ${d.techniques.length} technique(s) from ${d.source}\n`,
      );
    });
  }
  const scope = { ...(flags.attackVersion !== undefined ? { version: flags.attackVersion } : {}), ...(flags.domain !== undefined ? { domain: flags.domain } : {}) };
  await withGraph(command, 'read', (graph) => {
    const kind = targets[0];
    let rows: GapRow[];
    let list: GapList | undefined;
    let title: string;
    let domain: string;
    let version: string;
    if (kind !== undefined) {
      list = graph.gaps(kind, flags[kind]!, scope);
      rows = list.techniques;
      title = `${list.target.id} ${list.target.name} (${list.target.type}, ATT&CK ${list.domain} ${list.attackVersion})`;
      domain = list.domain;
      version = list.attackVersion;
    } else {
      const dataset = graph.dataset(scope);
      const coverage = graph.coverage(dataset);
      rows = gapRows(coverage.techniques.keys(), coverage);
      list = gapList({ id: `${dataset.domain}-${dataset.version}`, name: `every technique`, type: 'dataset', techniques: [...coverage.techniques.keys()] }, dataset, coverage);
      title = `ATT&CK ${dataset.domain} ${dataset.version}`;
      domain = dataset.domain;
      version = dataset.version;
    }
    if (flags.format === 'table') {
      const b = list.basis;
      process.stdout.write(
        `evidence: ${b.inventory === null ? 'no saved log inventory' : `inventory ${b.inventory.id}${b.inventory.label === null ? '' : ` "${b.inventory.label}"`} (${b.inventory.events} events)`}; ` +
          `${b.hunt === null ? 'no saved hunt' : `hunt ${b.hunt.id}${b.hunt.label === null ? '' : ` "${b.hunt.label}"`}`}; ${b.declared === null ? 'nothing declared' : `declared: ${b.declared.source}`}\n`,
      );
    }
    printRows(rows, title, flags, list, () => coverageLayer(rows, title, domain, version));
    if (flags.failUnder !== undefined) {
      const share = shareAtLeast(rows, flags.failUnder.level);
      if (share < flags.failUnder.percent) {
        process.stderr.write(`coverage: ${share.toFixed(1)}% of ${rows.length} technique(s) at ${flags.failUnder.level} or better, under ${flags.failUnder.percent}%\n`);
        process.exitCode = 1;
      } else process.stderr.write(`coverage: ${share.toFixed(1)}% of ${rows.length} technique(s) at ${flags.failUnder.level} or better (at least ${flags.failUnder.percent}%)\n`);
    }
  });
}
