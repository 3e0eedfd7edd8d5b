/**
 * Imports the STIX 2.1 `report` objects of a bundle (a CISA advisory bundle, an OpenCTI export):
 * each report with its object_refs. A ref to an object the bundle itself describes as an ATT&CK
 * object (external reference `mitre-attack`, or OpenCTI's x_mitre_id) also records its ATT&CK ID,
 * so the report links to that technique, group or software in every ATT&CK version.
 */
import { TtpgraphError } from '../../errors.ts';
import type { Store } from '../../store/sqlite/store.ts';
import { type Json, isObject, parseStixBundle, str } from '../json.ts';

export interface ImportStixResult {
  readonly source: string;
  readonly reports: number;
  readonly refs: number;
  /** Refs that name an ATT&CK object (by STIX id known to the store, or by ATT&CK ID in the bundle). */
  readonly attackRefs: number;
  readonly skipped: readonly { readonly index: number; readonly reason: string }[];
}


export function importStixReports(store: Store, bytes: Buffer, source: string): ImportStixResult {
  const { objects: items } = parseStixBundle(bytes.toString('utf8'), source);
  const objects = items.filter(isObject);
  const byId = new Map<string, Json>();
  for (const o of objects) if (typeof o['id'] === 'string') byId.set(o['id'], o);
  const skipped: { index: number; reason: string }[] = [];
  const reports: { o: Json; refs: string[] }[] = [];
  items.forEach((o, index) => {
    if (!isObject(o) || o['type'] !== 'report') return;
    if (typeof o['id'] !== 'string' || typeof o['name'] !== 'string') {
      skipped.push({ index, reason: 'report without "id" or "name"' });
      return;
    }
    const refs = Array.isArray(o['object_refs']) ? o['object_refs'].filter((r): r is string => typeof r === 'string') : [];
    reports.push({ o, refs });
  });
  if (reports.length === 0 && skipped.length === 0) {
    throw new TtpgraphError('invalid-stix', 'the bundle has no STIX report objects', { source });
  }
  const knownInStore = store.statement('SELECT attack_id FROM object WHERE stix_id = ? AND attack_id IS NOT NULL LIMIT 1');
  let refCount = 0;
  let attackRefs = 0;
  store.transaction(() => {
    const upsert = store.statement(
      `INSERT INTO stix_report (stix_id, name, description, published, url, author, source, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (stix_id) DO UPDATE SET name = excluded.name, description = excluded.description, published = excluded.published,
         url = excluded.url, author = excluded.author, source = excluded.source, modified = excluded.modified
       RETURNING pk`,
    );
    const clearRefs = store.statement('DELETE FROM stix_report_ref WHERE report_pk = ?');
    const insertRef = store.statement('INSERT INTO stix_report_ref (report_pk, ref, attack_id) VALUES (?, ?, ?)');
    for (const { o, refs } of reports) {
      const author = typeof o['created_by_ref'] === 'string' ? str(byId.get(o['created_by_ref'])?.['name']) : null;
      const pk = (
        upsert.get(
          o['id'],
          o['name'],
          str(o['description']),
          str(o['published']),
          firstUrl(o['external_references']),
          author,
          source,
          str(o['modified']),
        ) as { pk: number }
      ).pk;
      clearRefs.run(pk);
      for (const ref of refs) {
        const attackId = attackIdIn(byId.get(ref)) ?? (knownInStore.get(ref) as { attack_id: string } | undefined)?.attack_id ?? null;
        insertRef.run(pk, ref, attackId);
        refCount++;
        if (attackId !== null) attackRefs++;
      }
    }
  });
  return { source, reports: reports.length, refs: refCount, attackRefs, skipped };
}

function attackIdIn(o: Json | undefined): string | null {
  if (o === undefined) return null;
  if (typeof o['x_mitre_id'] === 'string') return o['x_mitre_id'];
  const refs = Array.isArray(o['external_references']) ? o['external_references'].filter(isObject) : [];
  const mitre = refs.find((r) => r['source_name'] === 'mitre-attack' && typeof r['external_id'] === 'string');
  return mitre === undefined ? null : (mitre['external_id'] as string);
}

function firstUrl(v: unknown): string | null {
  if (!Array.isArray(v)) return null;
  for (const r of v) if (isObject(r) && typeof r['url'] === 'string') return r['url'];
  return null;
}


