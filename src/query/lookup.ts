/**
 * Finding a node: by ATT&CK ID (T1114, G0007...), STIX id, or exact name, in the datasets of a
 * scope. A revoked ID resolves to the object that replaced it, and says so.
 */
import { type Domain, type Kind, kindOfAttackId } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';
import { type Dataset, type DatasetScope, datasetsInScope } from './datasets.ts';

export interface ObjectRow {
  pk: number;
  dataset_id: number;
  stix_id: string;
  stix_type: string;
  kind: Kind;
  attack_id: string | null;
  name: string | null;
  description: string | null;
  url: string | null;
  shortname: string | null;
  platforms: string | null;
  is_subtechnique: number;
  revoked: number;
  deprecated: number;
  created: string | null;
  modified: string | null;
}

export const OBJECT_COLUMNS =
  'o.pk, o.dataset_id, o.stix_id, o.stix_type, o.kind, o.attack_id, o.name, o.description, o.url, o.shortname, o.platforms, o.is_subtechnique, o.revoked, o.deprecated, o.created, o.modified';

export interface Resolved {
  readonly object: ObjectRow;
  readonly dataset: Dataset;
  /** When the ID asked for was revoked: the ID and name it had. */
  readonly formerly: { readonly id: string; readonly name: string } | null;
}

export interface LookupOptions {
  /** Only objects of this kind. */
  readonly kind?: Kind;
  /** Return a revoked object itself instead of its replacement. */
  readonly noFollow?: boolean;
}

export function resolveObject(store: Store, key: string, scope: DatasetScope = {}, options: LookupOptions = {}): Resolved {
  const datasets = datasetsInScope(store, scope);
  const wanted = key.trim();
  for (const dataset of datasets) {
    // Two single-index lookups: an OR of both columns would scan the whole dataset.
    const column = wanted.includes('--') ? 'o.stix_id = ?' : 'o.attack_id = ? COLLATE NOCASE';
    const candidates = store
      .all<ObjectRow>(
        `SELECT ${OBJECT_COLUMNS} FROM object o WHERE ${column} AND o.dataset_id = ? ORDER BY o.revoked, o.deprecated`,
        wanted,
        dataset.id,
      )
      .filter((o) => options.kind === undefined || o.kind === options.kind);
    // An object whose kind matches the ID's prefix wins over a retired namesake of another kind.
    const expected = kindOfAttackId(wanted);
    candidates.sort((a, b) => Number(b.kind === expected) - Number(a.kind === expected));
    const found = candidates[0] ?? findByName(store, dataset.id, wanted, options.kind);
    if (found === undefined) continue;
    if (found.revoked === 1 && options.noFollow !== true) {
      const replacement = followRevocation(store, found);
      if (replacement !== undefined) {
        return { object: replacement, dataset, formerly: { id: found.attack_id ?? found.stix_id, name: found.name ?? '' } };
      }
    }
    return { object: found, dataset, formerly: null };
  }
  throw new TtpgraphError(
    'unknown-id',
    `no ${options.kind ?? 'object'} "${wanted}" in ${datasets.map((d) => `${d.domain} ${d.version}`).join(', ')}; try: ttpgraph search ${JSON.stringify(wanted)}`,
    { id: wanted },
  );
}

function findByName(store: Store, datasetId: number, name: string, kind: Kind | undefined): ObjectRow | undefined {
  const rows = store.all<ObjectRow>(
    `SELECT ${OBJECT_COLUMNS} FROM object o WHERE o.name = ? COLLATE NOCASE AND o.dataset_id = ?
     AND o.kind NOT IN ('identity', 'marking-definition', 'collection') ORDER BY o.revoked, o.deprecated`,
    name,
    datasetId,
  );
  return rows.find((o) => kind === undefined || o.kind === kind);
}

/** Follows revoked-by links to the current object (bounded, in case of a cycle in bad data). */
function followRevocation(store: Store, from: ObjectRow): ObjectRow | undefined {
  let current = from;
  for (let hop = 0; hop < 10 && current.revoked === 1; hop++) {
    const next = store.get<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM relationship r JOIN object o ON o.pk = r.target_pk WHERE r.source_pk = ? AND r.type = 'revoked-by'`,
      current.pk,
    );
    if (next === undefined) return current === from ? undefined : current;
    current = next;
  }
  return current;
}

/** What a link to another node shows: its ID (or STIX id when it has none) and name. */
export interface NodeRef {
  readonly id: string;
  readonly name: string;
}

export function refOf(o: Pick<ObjectRow, 'attack_id' | 'stix_id' | 'name'>): NodeRef {
  return { id: o.attack_id ?? o.stix_id, name: o.name ?? '' };
}

export function datasetLabel(d: { domain: Domain; version: string }): string {
  return `${d.domain} ${d.version}`;
}
