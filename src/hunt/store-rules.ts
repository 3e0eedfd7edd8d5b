/**
 * The rules `hunt` uses when no `--rules` is given: the Sigma rules in the store (SigmaHQ's from
 * `sync`, and any added with `import sigma`). This is the one place that turns stored rules into a
 * collection the hunt thread runs: they come decoded from the parsed form the import kept
 * (Graph.sigmaRules), with no YAML parsing. (An NDJSON worker thread loads the same rows through
 * the same query itself, rule-source.ts, and uses them only when their digest is this load's.)
 */
import type { StoredRuleFilters, StoredRules } from '../query/stored-rules.ts';
import type { SigmaCollection } from '../sigma/index.ts';

export type StoreRuleFilter = StoredRuleFilters;

/** What the store offers (the Graph has it). */
export interface RuleStore {
  sigmaRules(filters?: StoredRuleFilters, options?: { readonly digest?: boolean }): Promise<StoredRules>;
  sigmaRuleOrigin(): { readonly stored: number; readonly origin: string };
}

export interface StoreRules {
  readonly collection: SigmaCollection;
  /** How many stored documents (rules, correlations, filters) were loaded. */
  readonly rules: number;
  /** The stored rules in all, before any filter. */
  readonly stored: number;
  /** Where they came from, in words: "SigmaHQ r2025-06-02", "SigmaHQ from ../shared/data/sigma, synced 2026-12-03; 2 added with import sigma". */
  readonly origin: string;
  /** When asked for: the load's digest (StoredRules.digest), undefined when a rule had to be parsed from YAML. */
  readonly digest?: string;
}

/**
 * The stored rules passing the filter, as one collection. Filtering here is only a shortcut (fewer
 * rules decoded): the hunt applies its filters to the rules again.
 */
export async function loadStoreRules(store: RuleStore, filter: StoreRuleFilter = {}, options: { readonly digest?: boolean } = {}): Promise<StoreRules> {
  const { stored, origin } = store.sigmaRuleOrigin();
  if (stored === 0) return { collection: { rules: [], correlations: [], filters: [], issues: [] }, rules: 0, stored, origin };
  const got = await store.sigmaRules(filter, options);
  return { collection: got.collection, rules: got.documents, stored, origin, ...(got.digest !== undefined ? { digest: got.digest } : {}) };
}
