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
  /** What was stored differently from what the bundle says (duplicate reports, dropped object_refs). */
  readonly warnings: readonly string[];
}

/** object_refs kept per report: an advisory names tens to hundreds; more is noise or an attack on the store. */
export const MAX_REFS_PER_REPORT = 10_000;
/** A STIX identifier: type--UUID. */
const STIX_ID = /^[a-z][a-z0-9-]{0,249}--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;


export function importStixReports(store: Store, bytes: Buffer, source: string): ImportStixResult {
  const { objects: items } = parseStixBundle(bytes.toString('utf8'), source);
  const objects = items.filter(isObject);
  const byId = new Map<string, Json>();
  for (const o of objects) if (typeof o['id'] === 'string') byId.set(o['id'], o);
  const skipped: { index: number; reason: string }[] = [];
  const warnings: string[] = [];
  // Keyed by id: a report listed twice is stored once (the later one wins, as a re-import would).
  const byReportId = new Map<string, { o: Json; refs: string[] }>();
  const seenTimes = new Map<string, number>();
  items.forEach((o, index) => {
    if (!isObject(o) || o['type'] !== 'report') return;
    if (typeof o['id'] !== 'string' || typeof o['name'] !== 'string') {
      skipped.push({ index, reason: 'report without "id" or "name"' });
      return;
    }
    const id = o['id'];
    const raw = Array.isArray(o['object_refs']) ? (o['object_refs'] as unknown[]) : [];
    const refs = [...new Set(raw.filter((r): r is string => typeof r === 'string' && STIX_ID.test(r)))];
    const bogus = raw.length - raw.filter((r) => typeof r === 'string' && STIX_ID.test(r)).length;
    if (bogus > 0) warnings.push(`report ${id}: ${bogus} object_refs are not STIX identifiers (type--UUID) and were dropped`);
    if (refs.length > MAX_REFS_PER_REPORT) {
      warnings.push(`report ${id}: ${refs.length} object_refs, only the first ${MAX_REFS_PER_REPORT} are kept`);
      refs.length = MAX_REFS_PER_REPORT;
    }
    seenTimes.set(id, (seenTimes.get(id) ?? 0) + 1);
    byReportId.delete(id);
    byReportId.set(id, { o, refs });
  });
  for (const [id, n] of seenTimes) if (n > 1) warnings.push(`report ${id} appears ${n} times in the bundle; stored once (the last one)`);
  const reports = [...byReportId.values()];
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
  return { source, reports: reports.length, refs: refCount, attackRefs, skipped, warnings };
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


