/**
 * The rules `hunt` uses when no `--rules` is given: the Sigma rules in the store (SigmaHQ's from
 * `sync`, and any added with `import sigma`). This is the one place that turns stored rules into a
 * collection the hunt runs; how they are read (here: the stored file texts, parsed again) can
 * change without its callers knowing.
 */
import type { StoredRuleFiles, StoredRuleFilter } from '../query/stored-rules.ts';
import { mergeCollections, parseSigma, type SigmaCollection } from '../sigma/index.ts';

export type StoreRuleFilter = StoredRuleFilter;

/** What the store offers (the Graph has it). */
export interface RuleStore {
  storedSigmaRules(filter?: StoredRuleFilter): StoredRuleFiles;
}

export interface StoreRules {
  readonly collection: SigmaCollection;
  /** How many stored rules (rules, correlations, filters) were chosen. */
  readonly rules: number;
  /** The stored rules in all, before any filter. */
  readonly stored: number;
  /** Where they came from, in words: "SigmaHQ r2025-06-02", "SigmaHQ from ../shared/data/sigma, synced 2026-12-03; 2 added with import sigma". */
  readonly origin: string;
}

/**
 * The stored rules passing the filter, as one collection. Filtering here is only a shortcut (fewer
 * files to parse): the hunt applies its filters to the rules again.
 */
export function loadStoreRules(store: RuleStore, filter: StoreRuleFilter = {}, onProgress?: (done: number, total: number) => void): StoreRules {
  const got = store.storedSigmaRules(filter);
  const collection = mergeCollections(
    got.files.map((f, i) => {
      if (onProgress !== undefined && i % 100 === 0) onProgress(i, got.files.length);
      return parseSigma(f.text, { file: f.path });
    }),
  );
  return { collection, rules: got.chosen, stored: got.stored, origin: got.origin };
}
