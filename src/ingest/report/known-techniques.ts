/**
 * The technique IDs any stored ATT&CK version has, with their newest name. Its own module so that
 * a review (a few rows, done inside a web request) loads none of the document readers.
 */
import type { Store } from '../../store/sqlite/store.ts';

/** Technique ID → name over every ATT&CK dataset in the store (newest name wins). */
export function knownTechniques(store: Store): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of store.all<{ attack_id: string; name: string }>(
    `SELECT o.attack_id, o.name FROM object o JOIN dataset d ON d.id = o.dataset_id
     WHERE o.kind = 'technique' AND o.attack_id IS NOT NULL AND o.revoked = 0 ORDER BY d.version_key`,
  )) {
    out.set(r.attack_id, r.name);
  }
  return out;
}
