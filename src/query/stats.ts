/**
 * Counts per technique of a dataset: groups, software, campaigns, reports, controls per framework
 * and detections. They come from the technique page model itself, so a heat map and a page can
 * never disagree (about 1 ms per technique).
 */
import type { Store } from '../store/sqlite/store.ts';
import type { Dataset } from './datasets.ts';
import { type ObjectRow, OBJECT_COLUMNS } from './lookup.ts';
import { type TechniqueCounts, techniquePage } from './technique-page.ts';

export interface TechniqueStatsRow {
  readonly id: string;
  readonly name: string;
  readonly isSubtechnique: boolean;
  readonly counts: TechniqueCounts;
}

export interface TechniqueStats {
  readonly domain: string;
  readonly attackVersion: string;
  readonly techniques: TechniqueStatsRow[];
}

export function techniqueStats(store: Store, dataset: Dataset): TechniqueStats {
  const techniques = store.all<ObjectRow>(
    `SELECT ${OBJECT_COLUMNS} FROM object o WHERE o.dataset_id = ? AND o.kind = 'technique' AND o.revoked = 0 AND o.deprecated = 0 ORDER BY o.attack_id`,
    dataset.id,
  );
  return {
    domain: dataset.domain,
    attackVersion: dataset.version,
    techniques: techniques.map((t) => {
      const page = techniquePage(store, t, dataset);
      return { id: page.id, name: page.name, isSubtechnique: t.is_subtechnique === 1, counts: page.counts };
    }),
  };
}
