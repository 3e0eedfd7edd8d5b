/**
 * Pages for every node that is not a technique (group, software, campaign, mitigation, tactic,
 * asset, data source, data component, detection strategy, analytic): the node's facts and its
 * relations in both directions, as data.
 */
import { attackUrl, type Domain, type Kind } from '../core/attack.ts';
import type { Store } from '../store/sqlite/store.ts';
import { CitationNumbering, objectCitations, relationshipCitations, type Reference } from './citations.ts';
import type { Dataset } from './datasets.ts';
import { type NodeRef, type ObjectRow, OBJECT_COLUMNS, refOf } from './lookup.ts';
import { type Direction, parsePlatforms, related } from './relations.ts';
import { type ReportLink, reportsOf } from './reports.ts';

export interface RelatedItem {
  readonly id: string;
  readonly name: string;
  readonly type: Kind;
  /** The relationship's own text (how a group uses a technique...), citations numbered. */
  readonly description: string;
}

export interface RelationSection {
  readonly key: string;
  readonly title: string;
  readonly items: RelatedItem[];
}

export interface ObjectLogSource {
  readonly dataComponent: NodeRef | null;
  readonly name: string;
  readonly channel: string | null;
}

export interface ObjectPage {
  readonly id: string;
  readonly name: string;
  readonly type: Kind;
  readonly url: string | null;
  readonly domain: Domain;
  readonly attackVersion: string;
  readonly description: string;
  readonly aliases: string[];
  readonly platforms: string[];
  readonly relations: RelationSection[];
  /** Analytics only: the log sources they read. */
  readonly logSources: ObjectLogSource[];
  readonly references: Reference[];
  readonly revokedBy: NodeRef | null;
  readonly deprecated: boolean;
  /** Reports citing this node or its relationships, newest first. */
  readonly reports: ReportLink[];
}

interface RelationSpec {
  readonly key: string;
  readonly title: string;
  readonly type: string;
  readonly direction: Direction;
  readonly kinds: readonly Kind[];
}

const rel = (key: string, title: string, type: string, direction: Direction, ...kinds: Kind[]): RelationSpec => ({ key, title, type, direction, kinds });

/** The STIX relationships each kind of page lists, both ways. */
const RELATIONS: Partial<Record<Kind, readonly RelationSpec[]>> = {
  group: [
    rel('techniques', 'Techniques used', 'uses', 'out', 'technique'),
    rel('software', 'Software used', 'uses', 'out', 'software'),
    rel('campaigns', 'Campaigns attributed', 'attributed-to', 'in', 'campaign'),
  ],
  software: [
    rel('techniques', 'Techniques used', 'uses', 'out', 'technique'),
    rel('groups', 'Groups that use this software', 'uses', 'in', 'group'),
    rel('campaigns', 'Campaigns that used this software', 'uses', 'in', 'campaign'),
  ],
  campaign: [
    rel('groups', 'Attributed to', 'attributed-to', 'out', 'group'),
    rel('techniques', 'Techniques used', 'uses', 'out', 'technique'),
    rel('software', 'Software used', 'uses', 'out', 'software'),
  ],
  mitigation: [rel('techniques', 'Techniques addressed', 'mitigates', 'out', 'technique')],
  asset: [rel('techniques', 'Techniques that target this asset', 'targets', 'in', 'technique')],
  'data-component': [rel('techniques', 'Techniques detected', 'detects', 'out', 'technique')],
  'detection-strategy': [rel('techniques', 'Techniques detected', 'detects', 'out', 'technique')],
};

export function objectPage(store: Store, o: ObjectRow, dataset: Dataset): ObjectPage {
  const citations = new CitationNumbering(store, dataset.id);
  const own = objectCitations(store, o.pk);
  citations.addSources(own);
  citations.addSources(relationshipCitations(store, o.pk));
  const description = citations.resolve(o.description);

  const relations: RelationSection[] = (RELATIONS[o.kind] ?? []).map((spec) => ({
    key: spec.key,
    title: spec.title,
    items: related(store, o.pk, spec.type, spec.direction, spec.kinds).map((r) => ({
      ...refOf(r),
      type: r.kind,
      description: citations.resolve(r.rel_description),
    })),
  }));
  relations.push(...structuralRelations(store, o));
  const revokedBy = o.revoked === 1 ? related(store, o.pk, 'revoked-by', 'out', undefined, { includeHidden: true })[0] : undefined;

  return {
    id: o.attack_id ?? o.stix_id,
    name: o.name ?? '',
    type: o.kind,
    url: o.url ?? (o.attack_id === null ? null : attackUrl(o.kind, o.attack_id)),
    domain: dataset.domain,
    attackVersion: dataset.version,
    description,
    aliases: store.all<{ alias: string }>('SELECT alias FROM alias WHERE object_pk = ?', o.pk).map((a) => a.alias).filter((a) => a !== o.name),
    platforms: parsePlatforms(o.platforms),
    relations: relations.filter((r) => r.items.length > 0 || (RELATIONS[o.kind] ?? []).some((s) => s.key === r.key)),
    logSources: o.kind === 'analytic' ? analyticLogSources(store, o.pk) : [],
    references: citations.references(own),
    revokedBy: revokedBy === undefined ? null : refOf(revokedBy),
    deprecated: o.deprecated === 1,
    reports: reportsOf(store, o),
  };
}

const plain = (rows: readonly ObjectRow[]): RelatedItem[] => rows.map((r) => ({ ...refOf(r), type: r.kind, description: '' }));
const VISIBLE = 'o.revoked = 0 AND o.deprecated = 0';

/** Links that are not STIX relationships: kill chains, data-source refs, strategy→analytic, log sources. */
function structuralRelations(store: Store, o: ObjectRow): RelationSection[] {
  switch (o.kind) {
    case 'tactic':
      return [
        {
          key: 'techniques',
          title: 'Techniques',
          items: plain(
            store.all<ObjectRow>(
              `SELECT ${OBJECT_COLUMNS} FROM technique_tactic tt JOIN object o ON o.pk = tt.technique_pk
               WHERE o.dataset_id = ? AND tt.shortname = ? AND ${VISIBLE} ORDER BY o.attack_id`,
              o.dataset_id,
              o.shortname ?? '',
            ),
          ),
        },
      ];
    case 'data-source':
      return [
        {
          key: 'dataComponents',
          title: 'Data components',
          items: plain(
            store.all<ObjectRow>(
              `SELECT ${OBJECT_COLUMNS} FROM object o WHERE o.dataset_id = ? AND o.kind = 'data-component'
               AND json_extract(o.data, '$.x_mitre_data_source_ref') = ? AND ${VISIBLE} ORDER BY o.name`,
              o.dataset_id,
              o.stix_id,
            ),
          ),
        },
      ];
    case 'data-component':
      return [
        {
          key: 'analytics',
          title: 'Analytics that read this data component',
          items: plain(
            store.all<ObjectRow>(
              `SELECT DISTINCT ${OBJECT_COLUMNS} FROM analytic_log_source ls JOIN object o ON o.pk = ls.analytic_pk
               WHERE ls.data_component_pk = ? AND ${VISIBLE} ORDER BY o.attack_id`,
              o.pk,
            ),
          ),
        },
      ];
    case 'detection-strategy':
      return [
        {
          key: 'analytics',
          title: 'Analytics',
          items: plain(
            store.all<ObjectRow>(
              `SELECT ${OBJECT_COLUMNS} FROM strategy_analytic sa JOIN object o ON o.pk = sa.analytic_pk
               WHERE sa.strategy_pk = ? AND ${VISIBLE} ORDER BY sa.position`,
              o.pk,
            ),
          ),
        },
      ];
    case 'analytic': {
      const strategies = store.all<ObjectRow>(
        `SELECT ${OBJECT_COLUMNS} FROM strategy_analytic sa JOIN object o ON o.pk = sa.strategy_pk
         WHERE sa.analytic_pk = ? AND ${VISIBLE} ORDER BY o.attack_id`,
        o.pk,
      );
      const techniques = strategies.flatMap((s) => related(store, s.pk, 'detects', 'out', ['technique']));
      return [
        { key: 'strategies', title: 'Detection strategies', items: plain(strategies) },
        { key: 'techniques', title: 'Techniques detected (through its strategies)', items: plain(techniques) },
      ];
    }
    default:
      return [];
  }
}

function analyticLogSources(store: Store, analyticPk: number): ObjectLogSource[] {
  return store
    .all<ObjectRow & { ls_name: string; ls_channel: string | null; dc_pk: number | null }>(
      `SELECT ${OBJECT_COLUMNS}, ls.name AS ls_name, ls.channel AS ls_channel, ls.data_component_pk AS dc_pk
       FROM analytic_log_source ls LEFT JOIN object o ON o.pk = ls.data_component_pk WHERE ls.analytic_pk = ? ORDER BY ls.position`,
      analyticPk,
    )
    .map((s) => ({ dataComponent: s.dc_pk === null ? null : refOf(s), name: s.ls_name, channel: s.ls_channel }));
}
