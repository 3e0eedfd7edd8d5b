/**
 * Neighbours of a node across STIX relationships, the building block of every page. Revoked or
 * deprecated neighbours and relationships are hidden unless asked for.
 */
import type { Kind } from '../core/attack.ts';
import type { Store } from '../store/sqlite/store.ts';
import { OBJECT_COLUMNS, type ObjectRow } from './lookup.ts';

export interface RelatedRow extends ObjectRow {
  rel_pk: number;
  rel_type: string;
  rel_description: string | null;
}

export type Direction = 'out' | 'in';

export interface RelatedOptions {
  readonly includeHidden?: boolean;
}

/**
 * `out`: pk is the relationship's source (a group *uses* ...); `in`: pk is its target
 * (... *mitigates* this technique). Sorted by ATT&CK ID, then name.
 */
export function related(store: Store, pk: number, type: string, direction: Direction, kinds?: readonly Kind[], options: RelatedOptions = {}): RelatedRow[] {
  const [near, far] = direction === 'out' ? ['source_pk', 'target_pk'] : ['target_pk', 'source_pk'];
  const hidden = options.includeHidden === true ? '' : 'AND r.revoked = 0 AND r.deprecated = 0 AND o.revoked = 0 AND o.deprecated = 0';
  const rows = store.all<RelatedRow>(
    `SELECT ${OBJECT_COLUMNS}, r.pk AS rel_pk, r.type AS rel_type, r.description AS rel_description
     FROM relationship r JOIN object o ON o.pk = r.${far}
     WHERE r.${near} = ? AND r.type = ? ${hidden}
     ORDER BY o.attack_id, o.name`,
    pk,
    type,
  );
  return kinds === undefined ? rows : rows.filter((r) => kinds.includes(r.kind));
}

export function parsePlatforms(json: string | null): string[] {
  if (json === null) return [];
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
