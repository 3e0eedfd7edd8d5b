/**
 * ATT&CK text cites sources as "(Citation: Source Name)". A page numbers them in order of first
 * appearance across all its text ("[1]", "[2]"...) and lists them in that order, the way
 * attack.mitre.org does. Sources the object carries but never cites follow at the end.
 */
import type { Store } from '../store/sqlite/store.ts';

export interface Reference {
  readonly name: string;
  readonly description: string | null;
  readonly url: string | null;
}

interface CitationRow {
  source_name: string;
  description: string | null;
  url: string | null;
  external_id: string | null;
}

const CITATION = /\(Citation: ([^)]+)\)/g;

export class CitationNumbering {
  private readonly known = new Map<string, Reference>();
  private readonly numbered: Reference[] = [];
  private readonly numberOf = new Map<string, number>();
  private readonly store: Store;
  private readonly datasetId: number;

  constructor(store: Store, datasetId: number) {
    this.store = store;
    this.datasetId = datasetId;
  }

  /** Makes these citations known by name (the owner's own references come first, so they win). */
  addSources(rows: readonly CitationRow[]): void {
    for (const r of rows) {
      // Identifiers (mitre-attack T1114, CAPEC-123) are not sources a text cites.
      if (r.external_id !== null || this.known.has(r.source_name)) continue;
      this.known.set(r.source_name, { name: r.source_name, description: r.description, url: r.url });
    }
  }

  /** Replaces each "(Citation: X)" with its number; an unknown source keeps its name in brackets. */
  resolve(text: string | null): string {
    if (text === null) return '';
    return text.replace(CITATION, (_all, rawName: string) => {
      const name = rawName.trim();
      const n = this.number(name);
      return n === undefined ? `[${name}]` : `[${n}]`;
    });
  }

  /** The cited sources in number order, then `uncited` ones not cited anywhere on the page. */
  references(uncited: readonly CitationRow[] = []): Reference[] {
    const out = [...this.numbered];
    for (const r of uncited) {
      if (r.external_id !== null || this.numberOf.has(r.source_name)) continue;
      if (r.description === null && r.url === null) continue;
      out.push({ name: r.source_name, description: r.description, url: r.url });
    }
    return out;
  }

  private number(name: string): number | undefined {
    const existing = this.numberOf.get(name);
    if (existing !== undefined) return existing;
    const ref = this.known.get(name) ?? this.lookup(name);
    if (ref === undefined) return undefined;
    this.numbered.push(ref);
    this.numberOf.set(name, this.numbered.length);
    return this.numbered.length;
  }

  /** A source cited without being listed on the owner: the dataset usually has it elsewhere. */
  private lookup(name: string): Reference | undefined {
    const row = this.store.get<CitationRow>(
      'SELECT source_name, description, url, external_id FROM citation WHERE dataset_id = ? AND source_name = ? AND external_id IS NULL LIMIT 1',
      this.datasetId,
      name,
    );
    if (row === undefined) return undefined;
    const ref = { name: row.source_name, description: row.description, url: row.url };
    this.known.set(name, ref);
    return ref;
  }
}

export function objectCitations(store: Store, objectPk: number): CitationRow[] {
  return store.all<CitationRow>(
    `SELECT c.source_name, c.description, c.url, c.external_id FROM reference_link l JOIN citation c ON c.pk = l.citation_pk
     WHERE l.object_pk = ? ORDER BY l.position`,
    objectPk,
  );
}

/** The citations of every relationship that starts or ends at an object. */
export function relationshipCitations(store: Store, objectPk: number): CitationRow[] {
  return store.all<CitationRow>(
    `SELECT c.source_name, c.description, c.url, c.external_id FROM relationship r
     JOIN reference_link l ON l.relationship_pk = r.pk JOIN citation c ON c.pk = l.citation_pk
     WHERE r.target_pk = ? OR r.source_pk = ?`,
    objectPk,
    objectPk,
  );
}
