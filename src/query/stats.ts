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
  const steps = techniqueStatsInSteps(store, dataset);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * The same, a few techniques per step: a server warming its caches runs one step per turn of the
 * event loop, so a request arriving meanwhile waits for one step (milliseconds), not for them all
 * (seconds for an enterprise release).
 */
export function* techniqueStatsInSteps(store: Store, dataset: Dataset, perStep = 4): Generator<undefined, TechniqueStats> {
  const techniques = store.all<ObjectRow>(
    `SELECT ${OBJECT_COLUMNS} FROM object o WHERE o.dataset_id = ? AND o.kind = 'technique' AND o.revoked = 0 AND o.deprecated = 0 ORDER BY o.attack_id`,
    dataset.id,
  );
  const rows: TechniqueStatsRow[] = [];
  for (const [i, t] of techniques.entries()) {
    if (i > 0 && i % perStep === 0) yield undefined;
    const page = techniquePage(store, t, dataset, false);
    rows.push({ id: page.id, name: page.name, isSubtechnique: t.is_subtechnique === 1, counts: page.counts });
  }
  return { domain: dataset.domain, attackVersion: dataset.version, techniques: rows };
}
