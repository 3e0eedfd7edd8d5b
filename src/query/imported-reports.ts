/**
 * Imported reports as page models: the list, one report with its text, its techniques (proposed,
 * accepted, rejected, with the evidence sentences as offsets into the text) and the groups,
 * software and campaigns it names; the reports a technique's page lists (accepted ones only);
 * and a report's techniques as an ATT&CK Navigator layer and as a STIX 2.1 bundle.
 */
import { createHash } from 'node:crypto';
import type { Kind } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';
import { GRADIENT, type NavigatorLayer } from './navigator.ts';
import type { ReportLink } from './reports.ts';

export type ReviewStatus = 'proposed' | 'accepted' | 'rejected';
export const REVIEW_STATUSES: readonly ReviewStatus[] = ['proposed', 'accepted', 'rejected'];

export interface ImportedReportSummary {
  readonly id: string;
  readonly title: string;
  readonly publisher: string | null;
  readonly published: string | null;
  readonly url: string | null;
  readonly format: string;
  readonly summary: string;
  readonly importedAt: string;
  readonly techniques: { readonly proposed: number; readonly accepted: number; readonly rejected: number };
}

export interface EvidenceSentence {
  readonly start: number;
  readonly end: number;
  readonly score: number;
  readonly text: string;
}

export interface ReportTechnique {
  readonly id: string;
  readonly name: string;
  readonly score: number;
  /** explicit: the ID is written in the text; model: the classifier; reviewer: added by a person. */
  readonly method: 'explicit' | 'model' | 'reviewer';
  readonly status: ReviewStatus;
  readonly reviewedAt: string | null;
  readonly evidence: EvidenceSentence[];
}

export interface ReportEntity {
  readonly id: string;
  readonly type: Kind;
  readonly name: string;
  readonly matched: string;
  readonly mentions: number;
}

export interface ImportedReportPage extends Omit<ImportedReportSummary, 'techniques'> {
  readonly kind: 'imported-report';
  readonly source: string;
  readonly sha256: string;
  readonly extractedAt: string | null;
  readonly model: { readonly sha256: string; readonly domain: string; readonly attackVersion: string } | null;
  readonly techniques: ReportTechnique[];
  readonly entities: ReportEntity[];
  readonly text: string;
}

interface ReportRow {
  pk: number;
  id: string;
  sha256: string;
  title: string;
  publisher: string | null;
  published: string | null;
  url: string | null;
  source: string;
  format: string;
  text: string;
  summary: string;
  imported_at: string;
  extracted_at: string | null;
  model_sha256: string | null;
}

/** Imported report IDs look like "rpt-" and 12 hex digits (the start of the content hash). */
export function isImportedReportId(id: string): boolean {
  return /^rpt-[0-9a-f]{12}$/i.test(id);
}

export function importedReports(store: Store): ImportedReportSummary[] {
  const rows = store.all<Omit<ReportRow, 'text'> & { proposed: number; accepted: number; rejected: number }>(
    `SELECT r.id, r.title, r.publisher, r.published, r.url, r.format, r.summary, r.imported_at,
       coalesce(sum(t.status = 'proposed'), 0) AS proposed, coalesce(sum(t.status = 'accepted'), 0) AS accepted, coalesce(sum(t.status = 'rejected'), 0) AS rejected
     FROM imported_report r LEFT JOIN report_technique t ON t.report_pk = r.pk
     GROUP BY r.pk ORDER BY coalesce(r.published, substr(r.imported_at, 1, 10)) DESC, r.pk DESC`,
  );
  return rows.map((r) => ({ ...reportFacts(r), techniques: { proposed: r.proposed, accepted: r.accepted, rejected: r.rejected } }));
}

type FactsRow = Pick<ReportRow, 'id' | 'title' | 'publisher' | 'published' | 'url' | 'format' | 'summary' | 'imported_at'>;

/** What the report list and the report page both say of a report. */
function reportFacts(r: FactsRow): { id: string; title: string; publisher: string | null; published: string | null; url: string | null; format: string; summary: string; importedAt: string } {
  return { id: r.id, title: r.title, publisher: r.publisher, published: r.published, url: r.url, format: r.format, summary: r.summary, importedAt: r.imported_at };
}

function rowOf(store: Store, id: string): ReportRow {
  const r = store.get<ReportRow>('SELECT * FROM imported_report WHERE id = ? COLLATE NOCASE', id.trim());
  if (r === undefined) throw new TtpgraphError('unknown-id', `no imported report "${id}" (ttpgraph report list shows them)`, { id });
  return r;
}

const STATUS_ORDER: Record<ReviewStatus, number> = { accepted: 0, proposed: 1, rejected: 2 };

export function importedReportPage(store: Store, id: string): ImportedReportPage {
  const r = rowOf(store, id);
  const techniques = store
    .all<{ attack_id: string; name: string; score: number; method: ReportTechnique['method']; status: ReviewStatus; evidence: string; reviewed_at: string | null }>(
      'SELECT attack_id, name, score, method, status, evidence, reviewed_at FROM report_technique WHERE report_pk = ?',
      r.pk,
    )
    .map((t) => ({
      id: t.attack_id,
      name: t.name,
      score: t.score,
      method: t.method,
      status: t.status,
      reviewedAt: t.reviewed_at,
      evidence: (JSON.parse(t.evidence) as { start: number; end: number; score: number }[]).map((e) => ({ ...e, text: r.text.slice(e.start, e.end) })),
    }))
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.score - a.score || a.id.localeCompare(b.id));
  const entities = store
    .all<{ attack_id: string; kind: Kind; name: string; matched: string; mentions: number }>(
      'SELECT attack_id, kind, name, matched, mentions FROM report_entity WHERE report_pk = ? ORDER BY mentions DESC, attack_id',
      r.pk,
    )
    .map((e) => ({ id: e.attack_id, type: e.kind, name: e.name, matched: e.matched, mentions: e.mentions }));
  const model = store.get<{ sha256: string; domain: string; attack_version: string }>('SELECT sha256, domain, attack_version FROM extract_model WHERE sha256 = ?', r.model_sha256 ?? '');
  return {
    kind: 'imported-report',
    ...reportFacts(r),
    source: r.source,
    sha256: r.sha256,
    extractedAt: r.extracted_at,
    model: model === undefined ? null : { sha256: model.sha256, domain: model.domain, attackVersion: model.attack_version },
    techniques,
    entities,
    text: r.text,
  };
}

export const VIA_ACCEPTED = 'accepted from report extraction';
export const VIA_NAMED = 'named in an imported report';

/**
 * The imported reports a node's Reporting section lists: for a technique, those where a person
 * accepted it; for a group, software or campaign, those that name it. Proposed and rejected
 * techniques never reach a technique page.
 */
export function importedReportLinks(store: Store, attackId: string | null, kind: Kind): ReportLink[] {
  if (attackId === null) return [];
  const rows =
    kind === 'technique'
      ? store.all<Omit<ReportRow, 'text'>>(
          `SELECT r.id, r.title, r.publisher, r.published, r.url, r.summary FROM report_technique t JOIN imported_report r ON r.pk = t.report_pk
           WHERE t.attack_id = ? AND t.status = 'accepted'`,
          attackId,
        )
      : store.all<Omit<ReportRow, 'text'>>(
          'SELECT r.id, r.title, r.publisher, r.published, r.url, r.summary FROM report_entity e JOIN imported_report r ON r.pk = e.report_pk WHERE e.attack_id = ?',
          attackId,
        );
  const via = kind === 'technique' ? VIA_ACCEPTED : VIA_NAMED;
  return rows.map((r) => ({ id: r.id, title: r.title, date: r.published, url: r.url, source: r.publisher, summary: r.summary, via }));
}

function selectTechniques(page: ImportedReportPage, statuses: readonly ReviewStatus[]): ReportTechnique[] {
  return page.techniques.filter((t) => statuses.includes(t.status)).sort((a, b) => a.id.localeCompare(b.id));
}

/** Which statuses an export takes by default: everything but what a person rejected. */
export const DEFAULT_EXPORT: readonly ReviewStatus[] = ['accepted', 'proposed'];

function newestVersion(store: Store, domain: string): string {
  return store.get<{ version: string }>('SELECT version FROM dataset WHERE domain = ? ORDER BY version_key DESC LIMIT 1', domain)?.version ?? '18.1';
}

/** The report's techniques as a Navigator 4.5 layer: score = confidence in percent, comment = status and first evidence. */
export function reportLayer(store: Store, id: string, statuses: readonly ReviewStatus[] = DEFAULT_EXPORT): NavigatorLayer {
  const page = importedReportPage(store, id);
  const domain = page.model?.domain ?? 'enterprise';
  const version = newestVersion(store, domain);
  const techniques = selectTechniques(page, statuses).map((t) => ({
    techniqueID: t.id,
    score: Math.round(t.score * 100),
    color: t.status === 'accepted' ? '#d7191c' : '',
    comment: `${t.status} (${t.method})${t.evidence[0] === undefined ? '' : `: ${t.evidence[0].text.slice(0, 300)}`}`,
    enabled: true,
    showSubtechniques: false,
  }));
  return {
    name: `ttpgraph: ${page.title}`.slice(0, 200),
    versions: { attack: version.split('.')[0] ?? version, navigator: '5.1.0', layer: '4.5' },
    domain: `${domain}-attack`,
    description: `Techniques ${statuses.join(' or ')} for "${page.title}"${page.publisher === null ? '' : ` (${page.publisher}${page.published === null ? '' : `, ${page.published}`})`}, exported by ttpgraph.`,
    sorting: 3,
    hideDisabled: false,
    techniques,
    gradient: { colors: GRADIENT, minValue: 0, maxValue: 100 },
    legendItems: [{ label: 'accepted by a reviewer', color: '#d7191c' }],
    metadata: [
      { name: 'report', value: page.id },
      ...(page.url === null ? [] : [{ name: 'url', value: page.url }]),
    ],
    showTacticRowBackground: false,
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
  };
}

/** A UUID (version 5 layout) from a name: the same report always gets the same STIX ids. */
function stableUuid(name: string): string {
  const h = createHash('sha1').update(`ttpgraph:${name}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export interface StixBundle {
  readonly type: 'bundle';
  readonly id: string;
  readonly objects: Record<string, unknown>[];
}

/**
 * The report as STIX 2.1: a `report` whose object_refs are its techniques (and the groups,
 * software and campaigns it names), each of those included with its ATT&CK ID as an external
 * reference so that any STIX consumer, `ttpgraph import stix` included, links them back.
 */
export function reportStixBundle(store: Store, id: string, statuses: readonly ReviewStatus[] = DEFAULT_EXPORT): StixBundle {
  const page = importedReportPage(store, id);
  const stamp = page.importedAt;
  const objects: Record<string, unknown>[] = [];
  const refs: string[] = [];
  const latest = store.statement(
    `SELECT o.stix_id, o.stix_type, o.name, o.url FROM object o JOIN dataset d ON d.id = o.dataset_id
     WHERE o.attack_id = ? AND o.revoked = 0 ORDER BY d.version_key DESC LIMIT 1`,
  );
  const refer = (attackId: string): void => {
    const o = latest.get(attackId) as { stix_id: string; stix_type: string; name: string; url: string | null } | undefined;
    if (o === undefined || refs.includes(o.stix_id)) return;
    refs.push(o.stix_id);
    objects.push({
      type: o.stix_type,
      spec_version: '2.1',
      id: o.stix_id,
      name: o.name,
      external_references: [{ source_name: 'mitre-attack', external_id: attackId, ...(o.url === null ? {} : { url: o.url }) }],
    });
  };
  for (const t of selectTechniques(page, statuses)) refer(t.id);
  for (const e of page.entities) refer(e.id);
  const identity =
    page.publisher === null
      ? null
      : { type: 'identity', spec_version: '2.1', id: `identity--${stableUuid(`publisher:${page.publisher}`)}`, created: stamp, modified: stamp, name: page.publisher, identity_class: 'organization' };
  const report = {
    type: 'report',
    spec_version: '2.1',
    id: `report--${stableUuid(`report:${page.sha256}`)}`,
    created: stamp,
    modified: stamp,
    name: page.title,
    description: page.summary,
    report_types: ['threat-report'],
    published: page.published === null ? stamp : `${page.published.length === 4 ? `${page.published}-01-01` : page.published.length === 7 ? `${page.published}-01` : page.published}T00:00:00.000Z`,
    ...(identity === null ? {} : { created_by_ref: identity.id }),
    object_refs: refs,
    external_references: [{ source_name: page.publisher ?? 'ttpgraph', ...(page.url === null ? { description: page.source } : { url: page.url }) }],
    x_ttpgraph_report_id: page.id,
  };
  return { type: 'bundle', id: `bundle--${stableUuid(`bundle:${page.sha256}:${statuses.join(',')}`)}`, objects: [...(identity === null ? [] : [identity]), report, ...objects] };
}
