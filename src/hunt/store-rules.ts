/**
 * The rules `hunt` uses when no `--rules` is given: the Sigma rules in the store (SigmaHQ's from
 * `sync`, and any added with `import sigma`). This is the one place that turns stored rules into a
 * collection the hunt runs; how they are read (here: the stored file texts, parsed again) can
 * change without its callers knowing.
 */
import { LEVELS, mergeCollections, parseSigma, type RuleLevel, type SigmaCollection } from '../sigma/index.ts';
import type { Store } from '../store/sqlite/store.ts';

export interface StoreRuleFilter {
  /** Only rules at or above this level. */
  readonly minLevel?: RuleLevel;
  /** Only rules linked to these techniques (T1059 takes its sub-techniques too). */
  readonly techniques?: readonly string[];
}

export interface StoreRules {
  readonly collection: SigmaCollection;
  /** How many stored rules (rules, correlations, filters) were chosen. */
  readonly rules: number;
  /** The stored rules in all, before any filter. */
  readonly stored: number;
  /** Where they came from, in words: "SigmaHQ r2025-06-02", "SigmaHQ from ../shared/data/sigma, 2026-12-03; 2 imported". */
  readonly origin: string;
}

interface StoredFile {
  readonly path: string;
  readonly file_text: string;
}

/**
 * The stored rules passing the filter, as one collection. Filtering here is only a shortcut (fewer
 * files to parse): the hunt applies its filters to the rules again.
 */
export function loadStoreRules(store: Store, filter: StoreRuleFilter = {}, onProgress?: (done: number, total: number) => void): StoreRules {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.minLevel !== undefined) {
    const levels = LEVELS.slice(LEVELS.indexOf(filter.minLevel));
    where.push(`r.level IN (${levels.map(() => '?').join(', ')})`);
    params.push(...levels);
  }
  if (filter.techniques !== undefined && filter.techniques.length > 0) {
    const terms = filter.techniques.map(() => '(t.attack_id = ? OR t.attack_id LIKE ?)');
    where.push(`r.pk IN (SELECT t.rule_pk FROM sigma_rule_technique t WHERE ${terms.join(' OR ')})`);
    for (const id of filter.techniques) params.push(id.toUpperCase(), `${id.toUpperCase()}.%`);
  }
  // Correlations are kept whatever the filter: they name the rules they need, which the hunt keeps.
  const condition = where.length === 0 ? '' : `WHERE r.kind = 'correlation' OR (${where.join(' AND ')})`;
  const chosen = store.all<StoredFile & { rules: number }>(
    `SELECT r.path, r.file_text, count(*) AS rules FROM sigma_rule r ${condition} GROUP BY r.path, r.file_text ORDER BY r.path`,
    ...params,
  );
  const collection = mergeCollections(
    chosen.map((f, i) => {
      if (onProgress !== undefined && i % 100 === 0) onProgress(i, chosen.length);
      return parseSigma(f.file_text, { file: f.path });
    }),
  );
  const stored = store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule')?.n ?? 0;
  return { collection, rules: chosen.reduce((n, f) => n + f.rules, 0), stored, origin: ruleOrigin(store) };
}

/** "SigmaHQ r2025-06-02" (a synced release), "SigmaHQ from DIR, synced 2026-12-03", plus rules added with `import sigma`. */
function ruleOrigin(store: Store): string {
  const parts: string[] = [];
  for (const s of store.all<{ name: string; location: string; release: string | null; imported_at: string; n: number }>(
    'SELECT s.name, s.location, s.release, s.imported_at, (SELECT count(*) FROM sigma_rule r WHERE r.source = s.name) AS n FROM sigma_source s ORDER BY s.name',
  )) {
    const name = s.name === 'sigmahq' ? 'SigmaHQ' : s.name;
    parts.push(s.release !== null ? `${name} ${s.release}` : `${name} from ${s.location}, synced ${s.imported_at.slice(0, 10)}`);
  }
  const own = store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule WHERE source IS NULL')?.n ?? 0;
  if (own > 0) parts.push(`${own.toLocaleString('en-US')} added with import sigma`);
  return parts.join('; ');
}
