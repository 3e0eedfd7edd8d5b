/**
 * The ATT&CK matrix of one dataset: tactics in the matrix's own order (its `tactic_refs`), each with
 * its techniques by name and their sub-techniques. Colouring is separate: any per-technique count
 * (`MatrixCounts`, from stats or elsewhere, e.g. hunt hits) can be laid over it.
 */
import { compareFrameworks, compareVersionsNewestFirst } from '../core/frameworks.ts';
import type { Store } from '../store/sqlite/store.ts';
import type { Dataset } from './datasets.ts';
import type { NodeRef } from './lookup.ts';
import { parsePlatforms } from './relations.ts';
import type { TechniqueStats } from './stats.ts';

export interface MatrixTechnique {
  readonly id: string;
  readonly name: string;
  readonly subtechniques: NodeRef[];
}

export interface MatrixTactic {
  readonly id: string;
  readonly name: string;
  readonly shortname: string;
  readonly techniques: MatrixTechnique[];
}

export interface Matrix {
  readonly domain: string;
  readonly attackVersion: string;
  readonly name: string;
  readonly tactics: MatrixTactic[];
}

/** Technique ID → a number to colour by. */
export type MatrixCounts = ReadonlyMap<string, number>;

interface TacticRow {
  stix_id: string;
  attack_id: string | null;
  name: string | null;
  shortname: string | null;
}

interface CellRow {
  attack_id: string;
  name: string | null;
  shortname: string;
  is_subtechnique: number;
}

export function matrixOf(store: Store, dataset: Dataset): Matrix {
  const matrix = store.get<{ name: string | null; data: string }>(
    `SELECT name, data FROM object WHERE dataset_id = ? AND kind = 'matrix' AND revoked = 0 AND deprecated = 0 ORDER BY pk LIMIT 1`,
    dataset.id,
  );
  const tactics = store.all<TacticRow>(
    `SELECT stix_id, attack_id, name, shortname FROM object WHERE dataset_id = ? AND kind = 'tactic' AND revoked = 0 AND deprecated = 0`,
    dataset.id,
  );
  let order: string[] = [];
  if (matrix !== undefined) {
    const data = JSON.parse(matrix.data) as { tactic_refs?: unknown };
    if (Array.isArray(data.tactic_refs)) order = data.tactic_refs.filter((r): r is string => typeof r === 'string');
  }
  const rank = (t: TacticRow): number => {
    const i = order.indexOf(t.stix_id);
    return i < 0 ? order.length : i;
  };
  tactics.sort((a, b) => rank(a) - rank(b) || (a.attack_id ?? '').localeCompare(b.attack_id ?? ''));

  const cells = store.all<CellRow>(
    `SELECT o.attack_id, o.name, tt.shortname, o.is_subtechnique FROM technique_tactic tt JOIN object o ON o.pk = tt.technique_pk
     WHERE o.dataset_id = ? AND o.kind = 'technique' AND o.revoked = 0 AND o.deprecated = 0 AND o.attack_id IS NOT NULL`,
    dataset.id,
  );
  const byTactic = new Map<string, Map<string, { id: string; name: string; subtechniques: NodeRef[] }>>();
  const sorted = [...cells].sort((a, b) => a.is_subtechnique - b.is_subtechnique || a.attack_id.localeCompare(b.attack_id));
  for (const c of sorted) {
    let column = byTactic.get(c.shortname);
    if (column === undefined) {
      column = new Map<string, { id: string; name: string; subtechniques: NodeRef[] }>();
      byTactic.set(c.shortname, column);
    }
    if (c.is_subtechnique === 0) {
      column.set(c.attack_id, { id: c.attack_id, name: c.name ?? '', subtechniques: [] });
    } else {
      column.get(c.attack_id.split('.')[0] ?? '')?.subtechniques.push({ id: c.attack_id, name: c.name ?? '' });
    }
  }
  return {
    domain: dataset.domain,
    attackVersion: dataset.version,
    name: matrix?.name ?? `${dataset.domain} ATT&CK`,
    tactics: tactics.map((t) => ({
      id: t.attack_id ?? t.stix_id,
      name: t.name ?? '',
      shortname: t.shortname ?? '',
      techniques: [...(byTactic.get(t.shortname ?? '')?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
    })),
  };
}

/**
 * What a matrix can be coloured by: the numeric counts of the page model (`hits`: the newest saved
 * hunt's hits), controls of one framework version, and `coverage` (your level: 0 none, 1 visible,
 * 2 detectable, 3 detected; query/coverage).
 */
export const MATRIX_METRICS = ['groups', 'software', 'campaigns', 'reports', 'controls', 'detections', 'sigma', 'hits', 'coverage'] as const;
export type MatrixMetric = (typeof MATRIX_METRICS)[number];

export function isMatrixMetric(value: string): value is MatrixMetric {
  return (MATRIX_METRICS as readonly string[]).includes(value);
}

/**
 * The control frameworks the stats count ("nist_800_53 rev5", "m365 07/18/2025": one per framework
 * version, since versions of one framework are not to be added up), NIST SP 800-53 first, newest
 * version first.
 */
export function controlFrameworks(stats: TechniqueStats): string[] {
  const keys = new Set<string>();
  for (const t of stats.techniques) for (const k of Object.keys(t.counts.controls)) keys.add(k);
  const split = (k: string): [string, string] => {
    const at = k.indexOf(' ');
    return at < 0 ? [k, ''] : [k.slice(0, at), k.slice(at + 1)];
  };
  return [...keys].sort((a, b) => {
    const [fa, va] = split(a);
    const [fb, vb] = split(b);
    return compareFrameworks(fa, fb) || compareVersionsNewestFirst(va, vb);
  });
}

/**
 * Per technique, one count out of the stats (absent counts, e.g. Sigma before any import, are 0).
 * `controls` counts one framework version (`framework`, default the first of controlFrameworks).
 */
export function countsFromStats(stats: TechniqueStats, metric: MatrixMetric, framework?: string): Map<string, number> {
  const out = new Map<string, number>();
  const key = metric === 'controls' ? (framework ?? controlFrameworks(stats)[0] ?? '') : '';
  for (const t of stats.techniques) {
    const value = metric === 'controls' ? (t.counts.controls[key] ?? 0) : (t.counts as unknown as Record<string, unknown>)[metric];
    out.set(t.id, typeof value === 'number' ? value : 0);
  }
  return out;
}

export interface TechniqueListItem {
  readonly id: string;
  readonly name: string;
  readonly isSubtechnique: boolean;
  /** Tactic shortnames (collection, initial-access...). */
  readonly tactics: string[];
  readonly platforms: string[];
}

export interface TechniqueFilter {
  /** Tactic shortname, ID (TA0009) or name, any case. */
  readonly tactic?: string | undefined;
  /** Platform name, any case. */
  readonly platform?: string | undefined;
  readonly subtechniques?: boolean | undefined;
}

/** Every current technique of a dataset, by ID, with tactics and platforms, filtered. */
export function techniqueList(store: Store, dataset: Dataset, filter: TechniqueFilter = {}): TechniqueListItem[] {
  const rows = store.all<{ attack_id: string; name: string | null; is_subtechnique: number; platforms: string | null; shortnames: string | null }>(
    `SELECT o.attack_id, o.name, o.is_subtechnique, o.platforms,
       (SELECT group_concat(tt.shortname, ',') FROM technique_tactic tt WHERE tt.technique_pk = o.pk) AS shortnames
     FROM object o WHERE o.dataset_id = ? AND o.kind = 'technique' AND o.revoked = 0 AND o.deprecated = 0 AND o.attack_id IS NOT NULL
     ORDER BY o.attack_id`,
    dataset.id,
  );
  let tacticShort: string | undefined;
  if (filter.tactic !== undefined) {
    const t = store.get<{ shortname: string | null }>(
      `SELECT shortname FROM object WHERE dataset_id = ? AND kind = 'tactic' AND revoked = 0
       AND (attack_id = ? COLLATE NOCASE OR name = ? COLLATE NOCASE OR shortname = ? COLLATE NOCASE)`,
      dataset.id,
      filter.tactic,
      filter.tactic,
      filter.tactic,
    );
    tacticShort = t?.shortname ?? `\u0000${filter.tactic}`;
  }
  const platform = filter.platform?.toLowerCase();
  return rows
    .map((r) => ({
      id: r.attack_id,
      name: r.name ?? '',
      isSubtechnique: r.is_subtechnique === 1,
      tactics: r.shortnames === null ? [] : r.shortnames.split(','),
      platforms: parsePlatforms(r.platforms),
    }))
    .filter(
      (t) =>
        (tacticShort === undefined || t.tactics.includes(tacticShort)) &&
        (platform === undefined || t.platforms.some((p) => p.toLowerCase() === platform)) &&
        (filter.subtechniques === undefined || t.isSubtechnique === filter.subtechniques),
    );
}


export interface ObjectListItem {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly platforms: string[];
}

/** Every current node of one kind in a dataset (groups, software, mitigations...), by ID, filtered by platform. */
export function objectList(store: Store, dataset: Dataset, kind: string, filter: { readonly platform?: string | undefined } = {}): ObjectListItem[] {
  const platform = filter.platform?.toLowerCase();
  return store
    .all<{ attack_id: string | null; stix_id: string; name: string | null; kind: string; platforms: string | null }>(
      `SELECT o.attack_id, o.stix_id, o.name, o.kind, o.platforms FROM object o
       WHERE o.dataset_id = ? AND o.kind = ? AND o.revoked = 0 AND o.deprecated = 0 ORDER BY o.attack_id, o.name`,
      dataset.id,
      kind,
    )
    .map((r) => ({ id: r.attack_id ?? r.stix_id, name: r.name ?? '', type: r.kind, platforms: parsePlatforms(r.platforms) }))
    .filter((o) => platform === undefined || o.platforms.some((p) => p.toLowerCase() === platform));
}
