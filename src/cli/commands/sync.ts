import { type Command, InvalidArgumentError } from 'commander';
import { DOMAINS, type Domain, isDomain, normalizeVersion } from '../../core/attack.ts';
import { TtpgraphError } from '../../errors.ts';
import { type Graph, openGraphForDryRun } from '../../graph.ts';
import { resolveStorePath } from '../../store/location.ts';
import { SIGMAHQ_ARCHIVE } from '../../sync/official.ts';
import { SOURCES, sourceNames } from '../../sync/sources.ts';
import type { SyncEvent, SyncReport, SyncResult } from '../../sync/sync.ts';
import { isUnreachable, transportFor } from '../../sync/transport.ts';
import { storePathOption, withGraph } from '../context.ts';
import { printJson } from '../output.ts';
import { syncProgressBar } from '../sync-progress.ts';

/** Environment variable naming an HTTP mirror, like --base-url. */
export const BASE_URL_ENV = 'TTPGRAPH_SYNC_BASE_URL';
const DEFAULT_TIMEOUT_MS = 30_000;

interface SyncFlags {
  attackVersion?: string;
  domain?: string[];
  only?: string[];
  from?: string;
  baseUrl?: string;
  dryRun?: boolean;
  timeout: number;
  json?: boolean;
}

const list = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];

/**
 * `ttpgraph sync`: fetch the latest ATT&CK bundles, Mappings Explorer files and SigmaHQ rules from
 * their official sources (or a mirror) and import what changed. Each file is its own transaction; one that cannot
 * be fetched or imported is reported on one line and the others still land; exit code 1 then.
 */
export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('fetch the latest ATT&CK, control mappings and SigmaHQ rules from their official sources and import what changed')
    .option('--attack-version <version>', 'ATT&CK release to fetch (default: the newest of each domain)')
    .option('--domain <domain>', `limit ATT&CK bundles and mapping files (not Sigma rules) to these domains (${DOMAINS.join(', ')}); repeat or comma-separate`, list)
    .option('--only <sources>', `sync only these sources (${sourceNames().join(', ')}); repeat or comma-separate`, list)
    .option('--from <dir>', 'read a local mirror laid out like ../shared/data (attack/, mappings/, sigma/) instead of the network')
    .option('--base-url <url>', `read an HTTP mirror with that layout instead of the official URLs (default: $${BASE_URL_ENV})`)
    .option('--timeout <ms>', 'give up on a request after this many milliseconds without a response or data', parseTimeout, DEFAULT_TIMEOUT_MS)
    .option('--dry-run', 'list what would change (new, updated, unchanged) without writing the store or the cache')
    .option('--json', 'print the sync report as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Sources: attack (every domain of the ATT&CK collection index), mappings (the Mappings Explorer files),',
        `sigma (SigmaHQ's release archive ${SIGMAHQ_ARCHIVE.url.split('/').at(-1) ?? ''}: rules/ and rules-emerging-threats/, level medium`,
        'and up; unzipped in memory; the stored SigmaHQ rules become exactly its valid rules, rules gone upstream',
        'are removed, rules added with `import sigma` are kept; a rule that does not load is skipped and named).',
        '',
        'Downloads are cached in sync-cache/ beside the store; requests are conditional (ETag, Last-Modified),',
        'so a second sync downloads nothing that has not changed, and bytes already in the store are not imported again.',
        '',
        'A mirror (--from DIR, --base-url URL) holds attack/collection-index.json, attack/<domain>-attack-<version>.json,',
        'mappings/*.json and sigma/sigma_all_rules.zip; a directory may hold instead, under sigma/, the rule folders',
        'of a SigmaHQ/sigma clone (rules/, rules-threat-hunting/, rules-emerging-threats/, rules-compliance/,',
        'rules-dfir/, rules-placeholder/), which brings every rule of every level.',
      ].join('\n'),
    )
    .action(async (flags: SyncFlags, command: Command) => {
      const domains = checkDomains(flags.domain ?? []);
      if (flags.attackVersion !== undefined && normalizeVersion(flags.attackVersion) === undefined) {
        throw new TtpgraphError('invalid-argument', `--attack-version "${flags.attackVersion}" is not a version like 18.1`);
      }
      const only = flags.only ?? [];
      const unknown = only.filter((s) => !sourceNames().includes(s));
      if (unknown.length > 0) throw new TtpgraphError('invalid-argument', `--only ${unknown.join(',')}: the sources are ${sourceNames().join(', ')}`);
      const sources = only.length === 0 ? SOURCES : SOURCES.filter((s) => only.includes(s.name));
      const envBase = process.env[BASE_URL_ENV];
      const baseUrl = flags.baseUrl ?? (flags.from === undefined && envBase !== undefined && envBase !== '' ? envBase : undefined);
      if (flags.from !== undefined && flags.baseUrl !== undefined) throw new TtpgraphError('invalid-argument', '--from and --base-url cannot be used together');
      if (baseUrl !== undefined && !/^https?:\/\/[^/]/i.test(baseUrl)) throw new TtpgraphError('invalid-argument', `--base-url "${baseUrl}" is not an http(s) URL`);
      const dryRun = flags.dryRun === true;

      const printers: ReturnType<typeof eventPrinter>[] = [];
      const run = async (graph: Graph): Promise<SyncReport> => {
        const transport = transportFor({
          ...(flags.from === undefined ? {} : { from: flags.from }),
          ...(baseUrl === undefined ? {} : { baseUrl }),
          timeoutMs: flags.timeout,
          storePath: graph.path,
          writeCache: !dryRun,
        });
        const printer = eventPrinter(flags.json === true, dryRun);
        printers.push(printer);
        try {
          return await graph.sync({
            transport,
            sources,
            domains,
            ...(flags.attackVersion === undefined ? {} : { attackVersion: flags.attackVersion }),
            dryRun,
            onEvent: printer.onEvent,
          });
        } finally {
          printer.close();
        }
      };

      let report: SyncReport;
      if (dryRun) {
        // A dry run writes nothing, neither the store (not even a migration) nor the cache.
        const snapshot = await openGraphForDryRun(resolveStorePath(storePathOption(command)));
        try {
          report = await run(snapshot);
        } finally {
          snapshot.close();
        }
      } else {
        report = await withGraph(command, 'write', async (graph) => {
          const r = await run(graph);
          // A newer ATT&CK: the report extraction model learns from it (only when one was built before).
          try {
            const trained = await graph.refreshExtractor();
            if (trained !== null && flags.json !== true) process.stdout.write(`rebuilt the report extraction model from ${trained.domain} ATT&CK ${trained.attackVersion}; ${trained.reports} report(s) re-extracted\n`);
          } catch (err) {
            process.stderr.write(`ttpgraph: warning: the report extraction model was not rebuilt: ${err instanceof Error ? err.message : String(err)} (ttpgraph extract train)\n`);
          }
          return r;
        });
      }
      if (flags.json === true) printJson(reportJson(report));
      else process.stdout.write(`${summary(report)}\n`);
      if (report.failed > 0) process.exitCode = 1;
      const hosts = printers.flatMap((p) => p.unreachableHosts());
      if (hosts.length > 0) {
        process.stderr.write(
          `ttpgraph: sync: could not reach ${hosts.join(', ')}: offline or behind a firewall? Sync from a mirror folder laid out like ../shared/data ` +
            `with --from DIR, or from an HTTP mirror with --base-url URL ($${BASE_URL_ENV}); exit code 1\n`,
        );
      }
    });
}

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new InvalidArgumentError('not a whole number of milliseconds.');
  return ms;
}

function checkDomains(values: readonly string[]): Domain[] {
  const bad = values.filter((d) => !isDomain(d));
  if (bad.length > 0) throw new TtpgraphError('invalid-argument', `--domain "${bad.join(',')}" is not one of ${DOMAINS.join(', ')}`);
  return [...new Set(values.filter(isDomain))];
}

/** Prints each result as it comes (errors as one line on stderr) and keeps a progress bar on a terminal. */
function eventPrinter(json: boolean, dryRun: boolean): { onEvent: (e: SyncEvent) => void; close: () => void; unreachableHosts: () => string[] } {
  const unreachable = new Map<string, { source: string; host: string; reason: string; results: SyncResult[] }>();
  // Hosts that answered at least once: their failures are about a file, not about being offline.
  const answered = new Set<string>();
  const offline = (): { source: string; host: string; reason: string; results: SyncResult[] }[] => [...unreachable.values()].filter((g) => !answered.has(g.host));
  const { show, clear } = syncProgressBar('');
  return {
    onEvent(event) {
      if (event.type === 'progress') {
        show(event);
        return;
      }
      clear();
      if (event.type === 'warning') {
        process.stderr.write(`ttpgraph: warning: ${event.message}\n`);
        return;
      }
      const r = event.result;
      if (r.error !== null && isUnreachable(r.error)) {
        // Offline, every file of a host fails alike: one line per source and host, at the end.
        const key = `${r.source}\u0000${hostOf(r.where)}\u0000${r.error.message}`;
        const group = unreachable.get(key);
        if (group === undefined) unreachable.set(key, { source: r.source, host: hostOf(r.where), reason: r.error.message, results: [r] });
        else group.results.push(r);
        return;
      }
      answered.add(hostOf(r.where));
      if (r.error !== null) {
        process.stderr.write(`ttpgraph: error: ${r.label}: ${r.error.describe().replace(/\s*\n\s*/g, ' ')}\n`);
        return;
      }
      for (const w of r.warnings.slice(0, 20)) process.stderr.write(`ttpgraph: warning: ${r.where}: ${w}\n`);
      if (r.warnings.length > 20) process.stderr.write(`ttpgraph: warning: ${r.where}: ${r.warnings.length - 20} more warnings\n`);
      if (!json) process.stdout.write(`${resultLine(r, dryRun)}\n`);
    },
    close() {
      clear();
      for (const g of unreachable.values()) {
        const lines = answered.has(g.host) || g.results.length === 1 ? g.results.map((r) => `${r.label}: ${r.where}`) : [`${g.source}: ${g.results.length} files from ${g.host}`];
        for (const what of lines) process.stderr.write(`ttpgraph: error: ${what}: ${g.reason}\n`);
      }
    },
    unreachableHosts: () => [...new Set(offline().map((g) => g.host))],
  };
}

function hostOf(where: string): string {
  try {
    return new URL(where).host;
  } catch {
    return where;
  }
}

function resultLine(r: SyncResult, dryRun: boolean): string {
  const got = r.transfer === 'downloaded' ? `, ${megabytes(r.downloadedBytes)} downloaded` : r.transfer === 'not-modified' ? ', not modified' : '';
  if (r.action === 'unchanged') return `unchanged ${r.label}: already in the store (${r.where}${got})`;
  if (dryRun) return `${r.action} ${r.label}: would be ${r.action === 'new' ? 'added' : 'replaced'} from ${r.where}${got}${r.counts === null ? '' : ` (${r.counts})`}`;
  return `${r.action} ${r.label} from ${r.where}: ${r.counts ?? ''}${got}, in ${r.seconds.toFixed(1)} s`;
}

function summary(report: SyncReport): string {
  const count = (action: string): number => report.results.filter((r) => r.action === action).length;
  const actions = report.dryRun ? ['new', 'updated', 'unchanged', 'failed'] : ['imported', 'replaced', 'unchanged', 'failed'];
  const parts = actions.map((a) => `${count(a)} ${a}`).join(', ');
  const notModified = report.transfers.filter((t) => t.transfer === 'not-modified').length;
  const transfer = `${megabytes(report.downloadedBytes)} downloaded${notModified > 0 ? `, ${notModified} not modified` : ''}`;
  const tail = report.dryRun ? '; nothing was written' : '';
  return `sync${report.dryRun ? ' --dry-run' : ''}: ${parts}; ${transfer}, in ${report.seconds.toFixed(1)} s${tail}`;
}

function megabytes(bytes: number): string {
  return bytes >= 100_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${bytes} bytes`;
}

function reportJson(report: SyncReport): unknown {
  return {
    ...report,
    results: report.results.map((r) => ({ ...r, error: r.error === null ? null : { code: r.error.code, message: r.error.describe() } })),
  };
}
