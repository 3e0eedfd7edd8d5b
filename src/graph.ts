/**
 * The typed library API: one object over a store, with the same queries the CLI and the web app
 * use. `openGraph()` opens (or creates) the store at the usual place.
 *
 *   const graph = openGraph({ path: 'ttpgraph.db' });
 *   await graph.importAttack('enterprise-attack-18.1.json');
 *   const page = graph.technique('T1114');
 *   graph.close();
 */
import { readSource, type ReadSourceOptions } from './sources/read-source.ts';
import { type ImportAttackOptions, type ImportAttackResult, importAttackBundle } from './ingest/stix/import-attack.ts';
import { type Dataset, type DatasetScope, listDatasets } from './query/datasets.ts';
import { type LookupOptions, resolveObject } from './query/lookup.ts';
import { type ObjectPage, objectPage } from './query/object-page.ts';
import { type NodeHit, type RuleOrControlHit, type SearchHit, type SearchOptions, closestNodes, search, searchAll, searchRulesAndControls } from './query/search.ts';
import { type TechniquePage, techniquePage } from './query/technique-page.ts';
import { TtpgraphError } from './errors.ts';
import { resolveStorePath } from './store/location.ts';
import { openStore, type Store } from './store/sqlite/store.ts';
import type { NodeRef } from './query/lookup.ts';
import { type ImportMappingsResult, importMappings } from './ingest/mappings/import-mappings.ts';
import { type ImportStixResult, importStixReports } from './ingest/stix/import-reports.ts';
import { type ControlLookup, type ControlPage, controlPage, findControls } from './query/controls.ts';
import { type ReportPage, reportPage, unknownReport } from './query/reports.ts';
import { datasetsInScope } from './query/datasets.ts';
import { type StoreSources, storeSources } from './query/sources.ts';
import { type TechniqueStats, techniqueStats, techniqueStatsInSteps } from './query/stats.ts';
import { sigmaRuleOrigin } from './query/rule-origin.ts';
import type { ImportSigmaResult } from './ingest/sigma/import-sigma.ts';
import { type SigmaRulePage, sigmaRulePage } from './query/sigma.ts';
import { readTextFiles } from './sources/read-tree.ts';
import type { ImportReportOptions, ImportReportResult } from './ingest/report/import-report.ts';
import { deleteImportedReport, type ReviewDecisions, type ReviewResult, reviewReport } from './ingest/report/review.ts';
import type { StoredModelInfo, TrainOptions, TrainResult } from './ingest/report/model-store.ts';
import {
  type ImportedReportPage,
  importedReportPage,
  type ImportedReportSummary,
  importedReports,
  reportLayer,
  reportStixBundle,
  type ReviewStatus,
  type StixBundle,
} from './query/imported-reports.ts';
import type { NavigatorLayer } from './query/navigator.ts';
import { type HuntRun, huntRunTechniqueCounts, huntRuns, type TechniqueHuntHits, techniqueHuntHits } from './query/hunts.ts';
import { type Matrix, matrixOf, type ObjectListItem, objectList, type TechniqueFilter, type TechniqueListItem, techniqueList } from './query/matrix.ts';
import type { HuntRecorder, HuntRunSummary } from './ingest/hunt/record-hunt.ts';
import { type InventoryRunSummary, saveDeclaredCoverage, saveInventory } from './ingest/hunt/record-inventory.ts';
import { type SavedInventory, savedInventory } from './query/inventory.ts';
import { CoverageContextCache, type DatasetCoverage } from './query/coverage/coverage.ts';
import { type Declaration, mergeDeclarations, parseDeclaration } from './query/coverage/declared.ts';
import { type GapList, gapList, type GapTargetKind, targetTechniques } from './query/coverage/gaps.ts';
import type { SyncOptions, SyncReport } from './sync/sync.ts';
import type { StoredRuleFilters, StoredRules } from './query/stored-rules.ts';

export interface OpenGraphOptions {
  /** Store file; default `$TTPGRAPH_DB`, else the per-user data directory. ':memory:' for a throwaway store. */
  readonly path?: string;
  /** Fail when the store does not exist yet instead of creating it (for read-only uses). */
  readonly mustExist?: boolean;
  /** Open an existing store for reading only (works on a read-only disk); imports then fail. */
  readonly readonly?: boolean;
}

export type PageResult =
  | { readonly kind: 'technique'; readonly page: TechniquePage; readonly formerly: NodeRef | null }
  | { readonly kind: 'object'; readonly page: ObjectPage; readonly formerly: NodeRef | null }
  | { readonly kind: 'control'; readonly page: ControlPage; readonly formerly: null }
  | { readonly kind: 'report'; readonly page: ReportPage; readonly formerly: null };

/** How sources are read for an import (the kind, and so its default size limit, is set by the import). */
export interface ReadOption {
  readonly read?: Omit<ReadSourceOptions, 'kind'>;
}

export type PageQuery = DatasetScope & LookupOptions & ControlLookup;

export interface Graph {
  readonly path: string;
  datasets(): Dataset[];
  /** The one dataset a scope means: with only a version, enterprise first; throws `unknown-version` when none. */
  dataset(scope?: DatasetScope): Dataset;
  /**
   * A number that changes whenever another connection wrote to the store (SQLite's
   * `PRAGMA data_version`); this connection's own writes do not count (SQLite's rule).
   */
  generation(): number;
  /** The ATT&CK matrix of a dataset: tactics in order, their techniques and sub-techniques. */
  matrix(dataset: Dataset): Matrix;
  /** The techniques of a dataset, filtered (the API's list). */
  techniqueList(dataset: Dataset, filter?: TechniqueFilter): TechniqueListItem[];
  /** The objects of one kind in a dataset (the API's list). */
  objectList(dataset: Dataset, kind: string, filter?: { readonly platform?: string | undefined }): ObjectListItem[];
  /** The page of any node by ATT&CK ID, STIX id or exact name, control ID (AC-16) or report ID. */
  page(id: string, query?: PageQuery): PageResult;
  /** A control-framework requirement and the techniques it maps to. */
  control(id: string, lookup?: ControlLookup): ControlPage;
  /** A report (citation slug or STIX report id) and everything it supports. */
  report(id: string, scope?: DatasetScope): ReportPage;
  /** Per technique of a dataset (default: newest enterprise), the counts a heat map colours by. */
  stats(scope?: DatasetScope): TechniqueStats;
  /** The same stats, a few techniques per step (for warming a server's cache without holding its event loop). */
  statsInSteps(dataset: Dataset): Generator<undefined, TechniqueStats>;
  /** How many Sigma rules the store holds and where they came from, in words ("SigmaHQ r2026-..."). */
  sigmaRuleOrigin(): { readonly stored: number; readonly origin: string };
  /** A technique's page model; throws when the ID is not a technique. */
  technique(id: string, scope?: DatasetScope & LookupOptions): TechniquePage;
  search(text: string, options?: SearchOptions): SearchHit[];
  /** Search over the stored Sigma rules and controls. */
  searchRulesAndControls(text: string, options?: { type?: 'sigma-rule' | 'control'; limit?: number }): RuleOrControlHit[];
  /** Suggestions over every kind of node: ATT&CK nodes once per ID with their domains, Sigma rules, controls, reports, saved hunts. */
  searchAll(text: string, limit?: number): NodeHit[];
  /** The nodes whose ATT&CK ID or name is closest to a text no page answers (a "not found" page's suggestions). */
  closest(text: string, limit?: number): { id: string; name: string; type: string }[];
  /** What the store holds besides ATT&CK: mapping sets, Sigma rule sets, reports, saved hunts (home page, /datasets). */
  sources(): StoreSources;
  /** `read` limits what is read (size, allowed folders, private URLs, cancellation): see ReadSourceOptions. */
  importAttack(fileOrUrl: string, options?: ImportAttackOptions & ReadOption): Promise<ImportAttackResult>;
  importMappings(fileOrUrl: string, options?: ReadOption): Promise<ImportMappingsResult>;
  importStix(fileOrUrl: string, options?: ReadOption): Promise<ImportStixResult>;
  /** Sigma rule files and folders of them (recursively, *.yml / *.yaml), in one transaction. */
  importSigma(paths: readonly string[], options?: ReadOption & { readonly onProgress?: (done: number, total: number) => void }): Promise<ImportSigmaResult>;
  /** A Sigma rule by id (or title) with its file. */
  sigmaRule(id: string): SigmaRulePage;
  /**
   * The stored Sigma rules as one collection for the engine (compileCollection, runHunt), loaded from
   * their parsed form without YAML parsing; optionally only some (level, tags, techniques, set).
   * `digest`: also hash what was read (StoredRules.digest).
   */
  sigmaRules(filters?: StoredRuleFilters, options?: { readonly digest?: boolean }): Promise<StoredRules>;
  /** Saved hunts, newest first. */
  huntRuns(): HuntRun[];
  /** Per saved hunt (by run id), how many distinct techniques it hit. */
  huntTechniqueCounts(): Map<number, number>;
  /** Stores a finished hunt (its hits, collected by the recorder) in one transaction; returns the run id. */
  saveHunt(recorder: HuntRecorder, run: HuntRunSummary, inventory?: Omit<InventoryRunSummary, 'runId' | 'label' | 'logs'>): number;
  /** Stores a log inventory on its own (`logs inventory --save`); returns its id. */
  saveInventory(inventory: InventoryRunSummary): number;
  /** The newest saved log inventory (or the one with `id`). */
  inventory(id?: number): SavedInventory | undefined;
  /** Coverage of every technique of a dataset (cached until the store's inventory, hunts, declaration or rules change). */
  coverage(dataset: Dataset): DatasetCoverage;
  /** The techniques an adversary (group, campaign, software) uses or a report describes, with your coverage, worst first. */
  gaps(kind: GapTargetKind, id: string, scope?: DatasetScope): GapList;
  /** Checks declared coverage files (one-line error naming FILE:LINE:COL) and stores them, replacing those before. */
  declareCoverage(files: readonly { readonly source: string; readonly text: string }[]): Declaration;
  /** Fetches the official sources (or a mirror) and imports what changed, as `ttpgraph sync`. */
  sync(options: SyncOptions): Promise<SyncReport>;
  /** What fired for a technique (and its sub-techniques) in a saved hunt (default: the newest). */
  huntHits(attackId: string, runId?: number): TechniqueHuntHits[];
  /** A threat report (PDF, HTML article, Markdown, text): stored once per content, techniques proposed. */
  importReport(fileOrUrl: string, options?: ImportReportOptions & ReadOption): Promise<ImportReportResult>;
  /** Builds the technique classifier from the store (and TRAM annotations), then re-extracts every report's unreviewed techniques. */
  trainExtractor(options?: TrainOptions): Promise<TrainResult & { reports: number }>;
  extractorInfo(): Promise<StoredModelInfo | null>;
  /** After a sync brought a newer ATT&CK: rebuilds a stored model from it (same domain and annotations). Null when there was nothing to do. */
  refreshExtractor(): Promise<(TrainResult & { reports: number }) | null>;
  importedReports(): ImportedReportSummary[];
  importedReport(id: string): ImportedReportPage;
  /** A person's verdicts on a report's techniques, in one transaction (quick: the web API answers it in the request). */
  reviewReport(id: string, decisions: ReviewDecisions): ReviewResult;
  deleteImportedReport(id: string): void;
  /** The report's techniques (default: accepted and proposed) as a Navigator layer / a STIX 2.1 bundle. */
  reportLayer(id: string, statuses?: readonly ReviewStatus[]): NavigatorLayer;
  reportStix(id: string, statuses?: readonly ReviewStatus[]): StixBundle;
  close(): void;
}

export function openGraph(options: OpenGraphOptions = {}): Graph {
  const path = options.path === ':memory:' ? ':memory:' : resolveStorePath(options.path);
  const store = openStore(path, { mustExist: options.mustExist === true, readonly: options.readonly === true, migrateOlder: true });
  return graphOver(store, path, () => store.close());
}

/**
 * The graph as `sync --dry-run` sees the store at `path`, never writing it (not even a migration):
 * read-only, or a throwaway migrated copy, or an empty in-memory store when there is none.
 */
export async function openGraphForDryRun(path: string): Promise<Graph> {
  const { openStoreForDryRun } = await import('./sync/snapshot.ts');
  const snapshot = await openStoreForDryRun(path);
  return graphOver(snapshot.store, path, () => snapshot.dispose());
}

function graphOver(store: Store, path: string, close: () => void): Graph {
  const dataVersion = store.statement('PRAGMA data_version').pluck();
  const coverage = new CoverageContextCache(store);
  const report = (id: string, scope: DatasetScope = {}): ReportPage => {
    for (const dataset of datasetsInScope(store, scope)) {
      const found = reportPage(store, id, dataset);
      if (found !== undefined) return found;
    }
    throw unknownReport(id);
  };
  const page = (id: string, query: PageQuery = {}): PageResult => {
    if (query.framework !== undefined) return { kind: 'control', page: controlPage(store, id, query), formerly: null };
    try {
      const { object, dataset, formerly } = resolveObject(store, id, query, query);
      if (object.kind === 'technique') return { kind: 'technique', page: techniquePage(store, object, dataset, coverage.context()), formerly };
      return { kind: 'object', page: objectPage(store, object, dataset), formerly };
    } catch (err) {
      // Not an ATT&CK object: it may be a control ID or a report ID.
      if (!(err instanceof TtpgraphError) || err.code !== 'unknown-id' || query.kind !== undefined) throw err;
      if (findControls(store, id).length > 0) return { kind: 'control', page: controlPage(store, id), formerly: null };
      try {
        return { kind: 'report', page: report(id, query), formerly: null };
      } catch {
        throw err;
      }
    }
  };
  return {
    path,
    datasets: () => listDatasets(store),
    dataset: (scope = {}) => {
      const found = datasetsInScope(store, scope);
      const first = found.find((d) => d.domain === 'enterprise') ?? found[0];
      if (first === undefined) throw new TtpgraphError('unknown-version', 'no ATT&CK data in the store');
      return first;
    },
    generation: () => dataVersion.get() as number,
    matrix: (dataset) => matrixOf(store, dataset),
    techniqueList: (dataset, filter) => techniqueList(store, dataset, filter),
    objectList: (dataset, kind, filter) => objectList(store, dataset, kind, filter),
    page,
    technique: (id, scope = {}) => {
      const result = page(id, { ...scope, kind: 'technique' });
      if (result.kind !== 'technique') throw new TtpgraphError('unknown-id', `${id} is not a technique`, { id });
      return result.page;
    },
    control: (id, lookup) => controlPage(store, id, lookup),
    report,
    stats: (scope = {}) => {
      const dataset = datasetsInScope(store, scope)[0];
      if (dataset === undefined) throw new TtpgraphError('unknown-version', 'no ATT&CK data in the store');
      return techniqueStats(store, dataset);
    },
    statsInSteps: (dataset) => techniqueStatsInSteps(store, dataset),
    sigmaRuleOrigin: () => sigmaRuleOrigin(store),
    search: (text, searchOptions) => search(store, text, searchOptions),
    searchRulesAndControls: (text, extraOptions) => searchRulesAndControls(store, text, extraOptions),
    searchAll: (text, limit) => searchAll(store, text, limit),
    closest: (text, limit) => closestNodes(store, text, limit),
    sources: () => storeSources(store),
    importAttack: async (fileOrUrl, importOptions = {}) => {
      const { name, bytes } = await readSource(fileOrUrl, { ...importOptions.read, kind: 'attack' });
      return importAttackBundle(store, bytes, name, importOptions);
    },
    importMappings: async (fileOrUrl, importOptions = {}) => {
      const { name, bytes } = await readSource(fileOrUrl, { ...importOptions.read, kind: 'mappings' });
      return importMappings(store, bytes, name);
    },
    importStix: async (fileOrUrl, importOptions = {}) => {
      const { name, bytes } = await readSource(fileOrUrl, { ...importOptions.read, kind: 'stix' });
      return importStixReports(store, bytes, name);
    },
    importSigma: async (paths, importOptions = {}) => {
      // Loaded on demand: the Sigma engine and the YAML parser would add ~50 ms to every `show`.
      const { importSigmaFiles } = await import('./ingest/sigma/import-sigma.ts');
      const files = await readTextFiles(paths, ['.yml', '.yaml'], { ...importOptions.read, kind: 'sigma' });
      if (importOptions.read?.signal?.aborted === true) throw new TtpgraphError('cancelled', 'cancelled: nothing was stored', { source: paths.join(', ') });
      return importSigmaFiles(store, files, importOptions.onProgress === undefined ? {} : { onProgress: importOptions.onProgress });
    },
    sigmaRule: (id) => sigmaRulePage(store, id),
    sigmaRules: async (filters, loadOptions) => {
      // Loaded on demand, like importSigma: the Sigma engine is not needed by other queries.
      const { loadStoredRules } = await import('./query/stored-rules.ts');
      return loadStoredRules(store, filters, loadOptions);
    },
    huntRuns: () => huntRuns(store),
    huntHits: (attackId, runId) => techniqueHuntHits(store, attackId, runId),
    // The report modules are loaded on demand: pdf.js, Readability and the classifier are not for `show`.
    importReport: async (fileOrUrl, reportOptions = {}) => {
      const { importReport } = await import('./ingest/report/import-report.ts');
      const { read, ...rest } = reportOptions;
      const { name, bytes } = await readSource(fileOrUrl, { ...read, kind: 'report' });
      return importReport(store, bytes, name, rest);
    },
    trainExtractor: async (trainOptions = {}) => {
      const { trainStoredModel } = await import('./ingest/report/model-store.ts');
      const { reextractAll } = await import('./ingest/report/import-report.ts');
      const result = trainStoredModel(store, trainOptions);
      return { ...result, reports: reextractAll(store) };
    },
    extractorInfo: async () => (await import('./ingest/report/model-store.ts')).storedModelInfo(store),
    refreshExtractor: async () => {
      const { modelIsStale, storedModelInfo, trainStoredModel } = await import('./ingest/report/model-store.ts');
      const info = storedModelInfo(store);
      if (info === null || !modelIsStale(store)) return null;
      const { reextractAll } = await import('./ingest/report/import-report.ts');
      const result = trainStoredModel(store, { domain: info.domain, ...(info.annotations === null ? {} : { annotations: info.annotations }) });
      return { ...result, reports: reextractAll(store) };
    },
    importedReports: () => importedReports(store),
    importedReport: (id) => importedReportPage(store, id),
    reviewReport: (id, decisions) => reviewReport(store, id, decisions),
    deleteImportedReport: (id) => deleteImportedReport(store, id),
    reportLayer: (id, statuses) => reportLayer(store, id, statuses),
    reportStix: (id, statuses) => reportStixBundle(store, id, statuses),
    huntTechniqueCounts: () => huntRunTechniqueCounts(store),
    saveHunt: (recorder, run, inventory) =>
      store.transaction(() => {
        const runId = recorder.save(store, run);
        if (inventory !== undefined) saveInventory(store, { ...inventory, runId, label: run.label, logs: run.logs });
        return runId;
      }),
    saveInventory: (inventory) => saveInventory(store, inventory),
    inventory: (id) => savedInventory(store, id),
    coverage: (dataset) => coverage.dataset(dataset),
    gaps: (kind, id, scope = {}) => {
      const found = datasetsInScope(store, scope);
      const dataset = found.find((d) => d.domain === 'enterprise') ?? found[0];
      if (dataset === undefined) throw new TtpgraphError('unknown-version', 'no ATT&CK data in the store');
      return gapList(targetTechniques(store, kind, id, dataset, scope), dataset, coverage.dataset(dataset));
    },
    declareCoverage: (files) => {
      const declaration = mergeDeclarations(files.map((f) => parseDeclaration(f.text, f.source)));
      saveDeclaredCoverage(store, files.map((f) => f.source).join(', '), JSON.stringify(files));
      return declaration;
    },
    sync: async (syncOptions) => {
      // Loaded on demand, like the Sigma engine: `show` does not pay for the sync code.
      const { syncSources } = await import('./sync/sync.ts');
      return syncSources(store, syncOptions);
    },
    close,
  };
}
