/**
 * Where the store's Sigma rules came from, in words: what `hunt` says when it runs them. Kept apart
 * from stored-rules.ts, which loads the Sigma engine, so that the Graph can offer it cheaply.
 */
import type { Store } from '../store/sqlite/store.ts';

/** How many rules the store holds and where they came from, in words (the line `hunt` prints). */
export function sigmaRuleOrigin(store: Store): { readonly stored: number; readonly origin: string } {
  const parts: string[] = [];
  for (const s of store.all<{ name: string; location: string; release: string | null; imported_at: string }>('SELECT name, location, release, imported_at FROM sigma_source ORDER BY name')) {
    const name = s.name === 'sigmahq' ? 'SigmaHQ' : s.name;
    parts.push(s.release !== null ? `${name} ${s.release}` : `${name} from ${s.location}, synced ${s.imported_at.slice(0, 10)}`);
  }
  const own = store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule WHERE source IS NULL')?.n ?? 0;
  if (own > 0) parts.push(`${own.toLocaleString('en-US')} added with import sigma`);
  const stored = store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule')?.n ?? 0;
  return { stored, origin: parts.join('; ') };
}
