/**
 * The technique page model: everything the reference page shows for one technique, as data.
 * The CLI prints it, the API returns it, the web app renders it; all three read this one model.
 */
import { attackUrl, type Domain } from '../core/attack.ts';
import type { Store } from '../store/sqlite/store.ts';
import { CitationNumbering, objectCitations, relationshipCitations, type Reference } from './citations.ts';
import type { Dataset } from './datasets.ts';
import { type NodeRef, type ObjectRow, OBJECT_COLUMNS, refOf } from './lookup.ts';
import { parsePlatforms, related } from './relations.ts';
import { type TechniqueControl, techniqueControls } from './controls.ts';
import { type ReportLink, reportsOf } from './reports.ts';
import { type TechniqueSigmaRule, techniqueSigma } from './sigma.ts';
import { techniqueHuntHits } from './hunts.ts';
import { type CoverageContext, loadCoverageContext, type TechniqueCoverage, techniqueCoverage } from './coverage/coverage.ts';

export interface Mitigation {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** How this mitigation applies to this technique (the `mitigates` relationship's own text). */
  readonly usage: string;
}

export interface DataComponent {
  readonly id: string;
  readonly name: string;
  readonly dataSource: string | null;
  readonly description: string;
}

export interface LogSource {
  readonly dataComponent: NodeRef | null;
  readonly name: string;
  readonly channel: string | null;
}

export interface Analytic {
  readonly id: string;
  readonly name: string;
  readonly platforms: string[];
  readonly logSources: LogSource[];
}

export interface DetectionStrategy {
  readonly id: string;
  readonly name: string;
  readonly analytics: Analytic[];
}

export interface Procedure {
  readonly id: string;
  readonly name: string;
  readonly type: 'group' | 'software' | 'campaign';
  readonly description: string;
}

export interface TechniquePage {
  readonly id: string;
  readonly name: string;
  readonly url: string | null;
  readonly domain: Domain;
  readonly attackVersion: string;
  readonly tactics: NodeRef[];
  readonly description: string;
  readonly platforms: string[];
  readonly parent: NodeRef | null;
  readonly subtechniques: NodeRef[];
  readonly mitigations: Mitigation[];
  readonly detection: { readonly dataComponents: DataComponent[]; readonly strategies: DetectionStrategy[] };
  readonly procedures: Procedure[];
  readonly references: Reference[];
  readonly revokedBy: NodeRef | null;
  readonly deprecated: boolean;
  /** Reports citing the technique or what supports it (procedures, mitigations, detections), newest first. */
  readonly reports: ReportLink[];
  /** Sigma rules tagged with the technique, then those of its sub-techniques (marked by `subtechnique`). */
  readonly sigma: TechniqueSigmaRule[];
  /** Control-framework requirements mapped to the technique, by framework. */
  readonly controls: TechniqueControl[];
  /** How much of the graph meets here: what a heat map colours by. */
  readonly counts: TechniqueCounts;
  /**
   * Your coverage (query/coverage): which analytics your logs feed, which rules can run, what fired,
   * and what would close the gap; null when not computed (the stats leave it out).
   */
  readonly coverage: TechniqueCoverage | null;
}

export interface TechniqueCounts {
  readonly groups: number;
  readonly software: number;
  readonly campaigns: number;
  readonly reports: number;
  /** Distinct controls per framework version ("nist_800_53 rev5": 14). */
  readonly controls: Record<string, number>;
  /** Data components plus detection strategies. */
  readonly detections: number;
  /** Sigma rules on the page (the technique's and its sub-techniques'). */
  readonly sigma: number;
  /** Hits in the newest saved hunt (`hunt --save`), sub-techniques included. */
  readonly hits: number;
}

/** `coverage`: the context to compute the page's coverage with (default: loaded now), or false for none. */
export function techniquePage(store: Store, technique: ObjectRow, dataset: Dataset, coverage?: CoverageContext | false): TechniquePage {
  const pk = technique.pk;
  const citations = new CitationNumbering(store, dataset.id);
  const ownCitations = objectCitations(store, pk);
  citations.addSources(ownCitations);
  citations.addSources(relationshipCitations(store, pk));

  // Numbering follows the page's reading order: description, mitigations, procedures.
  const description = citations.resolve(technique.description);
  const mitigations = related(store, pk, 'mitigates', 'in', ['mitigation']).map((m) => ({
    id: m.attack_id ?? m.stix_id,
    name: m.name ?? '',
    description: citations.resolve(m.description),
    usage: citations.resolve(m.rel_description),
  }));
  const procedures = related(store, pk, 'uses', 'in', ['group', 'software', 'campaign']).map((p) => ({
    id: p.attack_id ?? p.stix_id,
    name: p.name ?? '',
    type: p.kind as Procedure['type'],
    description: citations.resolve(p.rel_description),
  }));

  const parent = technique.is_subtechnique === 1 ? related(store, pk, 'subtechnique-of', 'out', ['technique'])[0] : undefined;
  const revokedBy = technique.revoked === 1 ? related(store, pk, 'revoked-by', 'out', undefined, { includeHidden: true })[0] : undefined;

  const detection = detectionOf(store, pk);
  const reports = reportsOf(store, technique);
  const controls = technique.attack_id === null ? [] : techniqueControls(store, technique.attack_id, dataset.domain, dataset.version);
  const subtechniques = related(store, pk, 'subtechnique-of', 'in', ['technique']).map(refOf);
  const sigma = technique.attack_id === null ? [] : techniqueSigma(store, technique.attack_id, subtechniques.map((s) => s.id));
  return {
    id: technique.attack_id ?? technique.stix_id,
    name: technique.name ?? '',
    url: technique.url ?? (technique.attack_id === null ? null : attackUrl('technique', technique.attack_id)),
    domain: dataset.domain,
    attackVersion: dataset.version,
    tactics: tacticsOf(store, dataset.id, pk),
    description,
    platforms: parsePlatforms(technique.platforms),
    parent: parent === undefined ? null : refOf(parent),
    subtechniques,
    mitigations,
    detection,
    procedures,
    references: citations.references(ownCitations),
    revokedBy: revokedBy === undefined ? null : refOf(revokedBy),
    deprecated: technique.deprecated === 1,
    reports,
    sigma,
    controls,
    counts: {
      ...countsOf(procedures, reports, controls, detection),
      sigma: sigma.length,
      hits: technique.attack_id === null ? 0 : techniqueHuntHits(store, technique.attack_id).reduce((n, h) => n + h.hits, 0),
    },
    coverage: coverage === false || technique.attack_id === null ? null : (techniqueCoverage(store, dataset, technique.attack_id, coverage ?? loadCoverageContext(store)) ?? null),
  };
}

function countsOf(
  procedures: readonly Procedure[],
  reports: readonly ReportLink[],
  controls: readonly TechniqueControl[],
  detection: TechniquePage['detection'],
): Omit<TechniqueCounts, 'sigma' | 'hits'> {
  const perFramework: Record<string, number> = {};
  for (const c of new Set(controls.map((c) => `${c.framework} ${c.frameworkVersion}\u0000${c.id}`))) {
    const framework = c.split('\u0000')[0] ?? '';
    perFramework[framework] = (perFramework[framework] ?? 0) + 1;
  }
  const count = (type: Procedure['type']): number => procedures.filter((p) => p.type === type).length;
  return {
    groups: count('group'),
    software: count('software'),
    campaigns: count('campaign'),
    reports: reports.length,
    controls: perFramework,
    detections: detection.dataComponents.length + detection.strategies.length,
  };
}

export function tacticsOf(store: Store, datasetId: number, techniquePk: number): NodeRef[] {
  return store
    .all<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM technique_tactic tt
       JOIN object o ON o.dataset_id = ? AND o.shortname = tt.shortname AND o.kind = 'tactic' AND o.revoked = 0 AND o.deprecated = 0
       WHERE tt.technique_pk = ? ORDER BY tt.position`,
      datasetId,
      techniquePk,
    )
    .map(refOf);
}

interface DataComponentRow extends ObjectRow {
  data_source: string | null;
}

const DATA_SOURCE_JOIN = `LEFT JOIN object ds ON ds.dataset_id = o.dataset_id AND ds.stix_id = json_extract(o.data, '$.x_mitre_data_source_ref')`;

/**
 * ATT&CK up to v17 links data components to techniques directly (`detects`). From v18 a detection
 * strategy detects the technique and its analytics name the data components in their log sources;
 * those components are listed too, so both eras fill the same section.
 */
function detectionOf(store: Store, techniquePk: number): TechniquePage['detection'] {
  const components = new Map<number, DataComponent>();
  const direct = store.all<DataComponentRow>(
    `SELECT ${OBJECT_COLUMNS}, ds.name AS data_source FROM relationship r JOIN object o ON o.pk = r.source_pk ${DATA_SOURCE_JOIN}
     WHERE r.target_pk = ? AND r.type = 'detects' AND o.kind = 'data-component'
       AND r.revoked = 0 AND r.deprecated = 0 AND o.revoked = 0 AND o.deprecated = 0`,
    techniquePk,
  );
  for (const dc of direct) components.set(dc.pk, toDataComponent(dc));

  const strategies = related(store, techniquePk, 'detects', 'in', ['detection-strategy']).map((s) => ({
    id: s.attack_id ?? s.stix_id,
    name: s.name ?? '',
    analytics: analyticsOf(store, s.pk, components),
  }));
  return { dataComponents: [...components.values()], strategies };
}

function analyticsOf(store: Store, strategyPk: number, components: Map<number, DataComponent>): Analytic[] {
  const analytics = store.all<ObjectRow>(
    `SELECT ${OBJECT_COLUMNS} FROM strategy_analytic sa JOIN object o ON o.pk = sa.analytic_pk
     WHERE sa.strategy_pk = ? AND o.revoked = 0 AND o.deprecated = 0 ORDER BY sa.position`,
    strategyPk,
  );
  return analytics.map((a) => {
    const sources = store.all<DataComponentRow & { ls_name: string; ls_channel: string | null; dc_pk: number | null }>(
      `SELECT ${OBJECT_COLUMNS}, ls.name AS ls_name, ls.channel AS ls_channel, ls.data_component_pk AS dc_pk, ds.name AS data_source
       FROM analytic_log_source ls LEFT JOIN object o ON o.pk = ls.data_component_pk ${DATA_SOURCE_JOIN}
       WHERE ls.analytic_pk = ? ORDER BY ls.position`,
      a.pk,
    );
    const logSources = sources.map((s) => {
      if (s.dc_pk !== null && !components.has(s.dc_pk)) components.set(s.dc_pk, toDataComponent(s));
      return { dataComponent: s.dc_pk === null ? null : refOf(s), name: s.ls_name, channel: s.ls_channel };
    });
    return { id: a.attack_id ?? a.stix_id, name: a.name ?? '', platforms: parsePlatforms(a.platforms), logSources };
  });
}

function toDataComponent(dc: DataComponentRow): DataComponent {
  return { id: dc.attack_id ?? dc.stix_id, name: dc.name ?? '', dataSource: dc.data_source, description: dc.description ?? '' };
}
