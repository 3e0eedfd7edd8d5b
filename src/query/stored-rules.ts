/**
 * The stored Sigma rules as `hunt` needs them when no --rules is given: the files' texts (a file
 * may hold several rules), chosen by level and technique, and where the rules came from in words.
 */
import type { Store } from '../store/sqlite/store.ts';

/** Levels in Sigma's order (as the engine's LEVELS; query does not import the engine). */
const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;

export interface StoredRuleFilter {
  /** Only rules at or above this level. */
  readonly minLevel?: (typeof LEVELS)[number];
  /** Only rules linked to these techniques (T1059 takes its sub-techniques too). */
  readonly techniques?: readonly string[];
}

export interface StoredRuleFiles {
  /** The files holding a chosen rule (path as imported, text), in path order. */
  readonly files: readonly { readonly path: string; readonly text: string }[];
  /** How many stored rules were chosen. */
  readonly chosen: number;
  /** The stored rules in all, before any filter. */
  readonly stored: number;
  /** "SigmaHQ r2025-06-02", "SigmaHQ from DIR, synced 2026-12-03", "; 2 added with import sigma". */
  readonly origin: string;
}

export function storedRuleFiles(store: Store, filter: StoredRuleFilter = {}): StoredRuleFiles {
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
  const rows = store.all<{ path: string; file_text: string; rules: number }>(
    `SELECT r.path, r.file_text, count(*) AS rules FROM sigma_rule r ${condition} GROUP BY r.path, r.file_text ORDER BY r.path`,
    ...params,
  );
  const stored = store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule')?.n ?? 0;
  return { files: rows.map((r) => ({ path: r.path, text: r.file_text })), chosen: rows.reduce((n, r) => n + r.rules, 0), stored, origin: ruleOrigin(store) };
}

function ruleOrigin(store: Store): string {
  const parts: string[] = [];
  for (const s of store.all<{ name: string; location: string; release: string | null; imported_at: string }>('SELECT name, location, release, imported_at FROM sigma_source ORDER BY name')) {
    const name = s.name === 'sigmahq' ? 'SigmaHQ' : s.name;
    parts.push(s.release !== null ? `${name} ${s.release}` : `${name} from ${s.location}, synced ${s.imported_at.slice(0, 10)}`);
  }
  const own = store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule WHERE source IS NULL')?.n ?? 0;
  if (own > 0) parts.push(`${own.toLocaleString('en-US')} added with import sigma`);
  return parts.join('; ');
}
