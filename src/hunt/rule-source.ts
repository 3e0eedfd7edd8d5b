/**
 * Where a hunt's rules come from, said so that a worker thread can load them again by itself: the
 * NDJSON workers (ndjson-threads.ts) start with the hunt and load the rules while the hunt thread
 * does the same, instead of waiting for the hunt thread to load them and send them over. Only loads
 * that parse no YAML are done this way (a `--rules` folder whose rule cache holds every file, the
 * store's parsed forms); each load has a digest of what it read, and a worker uses its own rules
 * only when its digest is the hunt thread's, else it asks for them (see NdjsonWorkers.init).
 */
import type { StoredRuleFilters } from '../query/stored-rules.ts';
import { mergeCollections, type SigmaCollection } from '../sigma/index.ts';
import { sha256 } from './rule-cache.ts';
import { loadRuleFilesFromCache } from './rules.ts';

/** A structured-clone-able description of the hunt's rules: `--rules` paths (through their cache), then the store's, merged in that order. */
export interface RuleSource {
  /** `--rules` paths and the rule cache folder they are read through. */
  readonly files?: { readonly paths: readonly string[]; readonly cacheDir: string };
  /** The store's rules passing `filter` (loadStoreRules). */
  readonly store?: { readonly path: string; readonly filter: StoredRuleFilters };
}

/** The digest of a hunt's rules from the digests of its parts (files first, then the store); undefined when a part has none. */
export function sourceDigest(parts: readonly (string | undefined)[]): string | undefined {
  return parts.length === 0 || parts.some((p) => p === undefined) ? undefined : sha256(JSON.stringify(parts));
}

/**
 * The source's rules as the CLI loads them (hunt command, chooseRules): one part as it is, two
 * merged. Undefined when any part cannot be loaded without parsing YAML (a file not in the cache,
 * a stored rule without its parsed form) or cannot be read at all.
 */
export async function loadRuleSource(source: RuleSource): Promise<{ collection: SigmaCollection; digest: string } | undefined> {
  const parts: SigmaCollection[] = [];
  const digests: (string | undefined)[] = [];
  if (source.files !== undefined) {
    const got = loadRuleFilesFromCache(source.files.paths, source.files.cacheDir);
    if (got === undefined) return undefined;
    parts.push(got.collection);
    digests.push(got.digest);
  }
  if (source.store !== undefined) {
    // Loaded on demand: the SQLite driver is not needed by hunts over --rules.
    const { openStore } = await import('../store/sqlite/store.ts');
    const { loadStoredRules } = await import('../query/stored-rules.ts');
    const store = openStore(source.store.path, { readonly: true });
    try {
      const got = loadStoredRules(store, source.store.filter, { digest: true });
      parts.push(got.collection);
      digests.push(got.digest);
    } finally {
      store.close();
    }
  }
  const digest = sourceDigest(digests);
  if (digest === undefined) return undefined;
  return { collection: parts.length === 1 ? parts[0]! : mergeCollections(parts), digest };
}
