/**
 * The typed library API: one object over a store, with the same queries the CLI and the web app
 * use. `openGraph()` opens (or creates) the store at the usual place.
 *
 *   const graph = openGraph({ path: 'ttpgraph.db' });
 *   await graph.importAttack('enterprise-attack-18.1.json');
 *   const page = graph.technique('T1114');
 *   graph.close();
 */
import { readSource } from './sources/read-source.ts';
import { type ImportAttackOptions, type ImportAttackResult, importAttackBundle } from './ingest/stix/import-attack.ts';
import { type Dataset, type DatasetScope, listDatasets } from './query/datasets.ts';
import { type LookupOptions, resolveObject } from './query/lookup.ts';
import { type ObjectPage, objectPage } from './query/object-page.ts';
import { type RuleOrControlHit, type SearchHit, type SearchOptions, search, searchRulesAndControls } from './query/search.ts';
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
import { type TechniqueStats, techniqueStats } from './query/stats.ts';
import type { ImportSigmaResult } from './ingest/sigma/import-sigma.ts';
import { type SigmaRulePage, sigmaRulePage } from './query/sigma.ts';
import { readTextFiles } from './sources/read-tree.ts';
import { type HuntRun, huntRuns, type TechniqueHuntHits, techniqueHuntHits } from './query/hunts.ts';
import type { ImportReportOptions, ImportReportResult } from './ingest/report/import-report.ts';
import type { ReviewDecisions, ReviewResult } from './ingest/report/review.ts';
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

export interface OpenGraphOptions {
  /** Store file; default `$TTPGRAPH_DB`, else the per-user data directory. ':memory:' for a throwaway store. */
  readonly path?: string;
  /** Fail when the store does not exist yet instead of creating it (for read-only uses). */
  readonly mustExist?: boolean;
}

export type PageResult =
  | { readonly kind: 'technique'; readonly page: TechniquePage; readonly formerly: NodeRef | null }
  | { readonly kind: 'object'; readonly page: ObjectPage; readonly formerly: NodeRef | null }
  | { readonly kind: 'control'; readonly page: ControlPage; readonly formerly: null }
  | { readonly kind: 'report'; readonly page: ReportPage; readonly formerly: null };

export type PageQuery = DatasetScope & LookupOptions & ControlLookup;

export interface Graph {
  readonly path: string;
  readonly store: Store;
  datasets(): Dataset[];
  /** The page of any node by ATT&CK ID, STIX id or exact name, control ID (AC-16) or report ID. */
  page(id: string, query?: PageQuery): PageResult;
  /** A control-framework requirement and the techniques it maps to. */
  control(id: string, lookup?: ControlLookup): ControlPage;
  /** A report (citation slug or STIX report id) and everything it supports. */
  report(id: string, scope?: DatasetScope): ReportPage;
  /** Per technique of a dataset (default: newest enterprise), the counts a heat map colours by. */
  stats(scope?: DatasetScope): TechniqueStats;
  /** A technique's page model; throws when the ID is not a technique. */
  technique(id: string, scope?: DatasetScope & LookupOptions): TechniquePage;
  search(text: string, options?: SearchOptions): SearchHit[];
  /** Search over the stored Sigma rules and controls. */
  searchRulesAndControls(text: string, options?: { type?: 'sigma-rule' | 'control'; limit?: number }): RuleOrControlHit[];
  importAttack(fileOrUrl: string, options?: ImportAttackOptions): Promise<ImportAttackResult>;
  importMappings(fileOrUrl: string): Promise<ImportMappingsResult>;
  importStix(fileOrUrl: string): Promise<ImportStixResult>;
  /** Sigma rule files and folders of them (recursively, *.yml / *.yaml), in one transaction. */
  importSigma(paths: readonly string[]): Promise<ImportSigmaResult>;
  /** A Sigma rule by id (or title) with its file. */
  sigmaRule(id: string): SigmaRulePage;
  /** Saved hunts, newest first. */
  huntRuns(): HuntRun[];
  /** What fired for a technique (and its sub-techniques) in a saved hunt (default: the newest). */
  huntHits(attackId: string, runId?: number): TechniqueHuntHits[];
  /** A threat report (PDF, HTML article, Markdown, text): stored once per content, techniques proposed. */
  importReport(fileOrUrl: string, options?: ImportReportOptions): Promise<ImportReportResult>;
  /** Builds the technique classifier from the store (and TRAM annotations), then re-extracts every report's unreviewed techniques. */
  trainExtractor(options?: TrainOptions): Promise<TrainResult & { reports: number }>;
  extractorInfo(): Promise<StoredModelInfo | null>;
  /** After a sync brought a newer ATT&CK: rebuilds a stored model from it (same domain and annotations). Null when there was nothing to do. */
  refreshExtractor(): Promise<(TrainResult & { reports: number }) | null>;
  importedReports(): ImportedReportSummary[];
  importedReport(id: string): ImportedReportPage;
  reviewReport(id: string, decisions: ReviewDecisions): Promise<ReviewResult>;
  deleteImportedReport(id: string): Promise<void>;
  /** The report's techniques (default: accepted and proposed) as a Navigator layer / a STIX 2.1 bundle. */
  reportLayer(id: string, statuses?: readonly ReviewStatus[]): NavigatorLayer;
  reportStix(id: string, statuses?: readonly ReviewStatus[]): StixBundle;
  close(): void;
}

export function openGraph(options: OpenGraphOptions = {}): Graph {
  const path = options.path === ':memory:' ? ':memory:' : resolveStorePath(options.path);
  const store = openStore(path, { mustExist: options.mustExist === true });
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
      if (object.kind === 'technique') return { kind: 'technique', page: techniquePage(store, object, dataset), formerly };
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
    store,
    datasets: () => listDatasets(store),
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
    search: (text, searchOptions) => search(store, text, searchOptions),
    searchRulesAndControls: (text, extraOptions) => searchRulesAndControls(store, text, extraOptions),
    importAttack: async (fileOrUrl, importOptions) => {
      const { name, bytes } = await readSource(fileOrUrl);
      return importAttackBundle(store, bytes, name, importOptions);
    },
    importMappings: async (fileOrUrl) => {
      const { name, bytes } = await readSource(fileOrUrl);
      return importMappings(store, bytes, name);
    },
    importStix: async (fileOrUrl) => {
      const { name, bytes } = await readSource(fileOrUrl);
      return importStixReports(store, bytes, name);
    },
    importSigma: async (paths) => {
      // Loaded on demand: the Sigma engine and the YAML parser would add ~50 ms to every `show`.
      const { importSigmaFiles } = await import('./ingest/sigma/import-sigma.ts');
      return importSigmaFiles(store, await readTextFiles(paths, ['.yml', '.yaml']));
    },
    sigmaRule: (id) => sigmaRulePage(store, id),
    huntRuns: () => huntRuns(store),
    huntHits: (attackId, runId) => techniqueHuntHits(store, attackId, runId),
    // The report modules are loaded on demand: pdf.js, Readability and the classifier are not for `show`.
    importReport: async (fileOrUrl, reportOptions = {}) => {
      const { importReport } = await import('./ingest/report/import-report.ts');
      const { name, bytes } = await readSource(fileOrUrl);
      return importReport(store, bytes, name, reportOptions);
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
    reviewReport: async (id, decisions) => (await import('./ingest/report/review.ts')).reviewReport(store, id, decisions),
    deleteImportedReport: async (id) => (await import('./ingest/report/review.ts')).deleteImportedReport(store, id),
    reportLayer: (id, statuses) => reportLayer(store, id, statuses),
    reportStix: (id, statuses) => reportStixBundle(store, id, statuses),
    close: () => store.close(),
  };
}
