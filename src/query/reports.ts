/**
 * Reporting: every source ATT&CK cites is a report node, linked to what it supports: the object
 * that cites it, and the group, software or campaign whose procedure (or the mitigation, or the
 * detection) cites it. STIX 2.1 report objects link through their object_refs. A report's ID is
 * a slug of its citation name, stable across ATT&CK versions, or the STIX report's id.
 */
import type { Kind } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';
import type { Dataset } from './datasets.ts';
import { importedReportLinks } from './imported-reports.ts';
import { type ObjectRow, OBJECT_COLUMNS } from './lookup.ts';

export interface ReportLink {
  readonly id: string;
  readonly title: string;
  /** ISO date (YYYY, YYYY-MM or YYYY-MM-DD) when the citation or report gives one. */
  readonly date: string | null;
  readonly url: string | null;
  /** Who published it ("CISA.", "Microsoft Threat Intelligence."). */
  readonly source: string | null;
  readonly summary: string | null;
  /** Why the report is on this page. */
  readonly via: string;
}

interface CitedRow {
  source_name: string;
  description: string | null;
  url: string | null;
  via_kind: Kind | null;
  via_id: string | null;
  via_name: string | null;
  rel_type: string | null;
}

const KIND_WORD: Partial<Record<Kind, string>> = {
  group: 'group',
  software: 'software',
  campaign: 'campaign',
  mitigation: 'mitigation',
  'data-component': 'data component',
  'detection-strategy': 'detection strategy',
};

/** Reports linked to an object, newest first. */
export function reportsOf(store: Store, object: ObjectRow): ReportLink[] {
  const own = store.all<CitedRow>(
    `SELECT c.source_name, c.description, c.url, NULL AS via_kind, NULL AS via_id, NULL AS via_name, NULL AS rel_type
     FROM reference_link l JOIN citation c ON c.pk = l.citation_pk
     WHERE l.object_pk = ? AND c.external_id IS NULL`,
    object.pk,
  );
  // Relationships at this object: the object at the other end says why the report is here.
  const viaRelationships = store.all<CitedRow>(
    `SELECT c.source_name, c.description, c.url, o.kind AS via_kind, o.attack_id AS via_id, o.name AS via_name, r.type AS rel_type
     FROM relationship r
     JOIN object o ON o.pk = CASE WHEN r.target_pk = ? THEN r.source_pk ELSE r.target_pk END
     JOIN reference_link l ON l.relationship_pk = r.pk JOIN citation c ON c.pk = l.citation_pk
     WHERE (r.target_pk = ? OR r.source_pk = ?) AND c.external_id IS NULL
       AND r.revoked = 0 AND r.deprecated = 0 AND o.revoked = 0 AND o.deprecated = 0`,
    object.pk,
    object.pk,
    object.pk,
  );
  const byKey = new Map<string, { report: Omit<ReportLink, 'via'>; via: string[] }>();
  const add = (report: Omit<ReportLink, 'via'>, via: string): void => {
    const entry = byKey.get(report.id);
    if (entry === undefined) byKey.set(report.id, { report, via: [via] });
    else if (!entry.via.includes(via)) entry.via.push(via);
  };
  const self = object.attack_id ?? object.name ?? object.stix_id;
  for (const c of own) {
    if (c.description === null && c.url === null) continue;
    add(citationReport(c), `cited by ${self}`);
  }
  for (const c of viaRelationships) {
    if (c.description === null && c.url === null) continue;
    add(citationReport(c), describeVia(c));
  }
  for (const r of stixReportsOf(store, object)) add(r, 'object_refs of a STIX report');
  // Reports a person imported: on a technique once a reviewer accepted it, on a group/software/campaign when named.
  for (const { via, ...r } of importedReportLinks(store, object.attack_id, object.kind)) add(r, via);
  return [...byKey.values()].map(({ report, via }) => ({ ...report, via: via.join('; ') })).sort(newestFirst);
}

function describeVia(c: CitedRow): string {
  const who = `${KIND_WORD[c.via_kind ?? 'technique'] ?? c.via_kind ?? ''} ${c.via_id ?? ''} ${c.via_name ?? ''}`.replace(/\s+/g, ' ').trim();
  switch (c.rel_type) {
    case 'uses':
      return `procedure of ${who}`;
    case 'mitigates':
      return `mitigation ${c.via_id ?? ''} ${c.via_name ?? ''}`.trim();
    case 'detects':
      return `detection by ${who}`;
    default:
      return `${c.rel_type ?? 'related'} ${who}`;
  }
}

function newestFirst(a: ReportLink, b: ReportLink): number {
  if (a.date !== b.date) {
    if (a.date === null) return 1;
    if (b.date === null) return -1;
    return a.date < b.date ? 1 : -1;
  }
  return a.title.localeCompare(b.title);
}

const KIND_ORDER: readonly Kind[] = ['group', 'campaign', 'software', 'technique', 'mitigation', 'data-component', 'detection-strategy'];

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/**
 * ATT&CK citations read "Author. (2023, November 16). Title. Retrieved ...". The date and the
 * author come from that shape; anything else keeps the whole description as the summary.
 */
export function citationReport(c: { source_name: string; description: string | null; url: string | null }): Omit<ReportLink, 'via'> {
  const d = c.description ?? '';
  const m = /^(.*?)\s*\((\d{4})(?:,\s*([A-Za-z]+)(?:\s+(\d{1,2}))?)?[^)]*\)\.?\s*(.*)$/s.exec(d);
  let date: string | null = null;
  let source: string | null = null;
  let summary: string | null = d === '' ? null : d;
  if (m !== null) {
    const [, author, year, month, day, rest] = m;
    const mi = month === undefined ? -1 : MONTHS.indexOf(month.toLowerCase());
    date = year ?? null;
    if (date !== null && mi >= 0) date += `-${String(mi + 1).padStart(2, '0')}${day === undefined ? '' : `-${day.padStart(2, '0')}`}`;
    source = author?.trim() === '' ? null : (author?.trim() ?? null);
    const title = (rest ?? '').replace(/\s*Retrieved .*$/s, '').trim();
    summary = title === '' ? summary : title;
  }
  return { id: reportId(c.source_name), title: c.source_name, date, url: c.url, source, summary };
}

/** "CISA Scattered Spider Advisory November 2023" → "cisa-scattered-spider-advisory-november-2023". */
export function reportId(sourceName: string): string {
  const slug = sourceName
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'report' : slug;
}

interface StixReportRow {
  stix_id: string;
  name: string;
  description: string | null;
  published: string | null;
  url: string | null;
  author: string | null;
}

function stixReportsOf(store: Store, object: ObjectRow): Omit<ReportLink, 'via'>[] {
  const rows = store.all<StixReportRow>(
    `SELECT DISTINCT r.stix_id, r.name, r.description, r.published, r.url, r.author
     FROM stix_report_ref x JOIN stix_report r ON r.pk = x.report_pk
     WHERE x.ref = ? OR (x.attack_id IS NOT NULL AND x.attack_id = ?)`,
    object.stix_id,
    object.attack_id ?? '',
  );
  return rows.map((r) => ({
    id: r.stix_id,
    title: r.name,
    date: r.published === null ? null : r.published.slice(0, 10),
    url: r.url,
    source: r.author,
    summary: r.description,
  }));
}

export interface ReportSupport {
  readonly id: string;
  readonly name: string;
  readonly type: Kind;
  readonly via: string;
}

export interface ReportPage {
  readonly id: string;
  readonly title: string;
  readonly date: string | null;
  readonly url: string | null;
  readonly source: string | null;
  readonly summary: string | null;
  readonly domain: string;
  readonly attackVersion: string;
  /** Everything in the dataset this report supports: the objects citing it, and both ends of the relationships citing it. */
  readonly supports: ReportSupport[];
}

/** The page of a report by its ID (citation slug or STIX report id) in one dataset. */
export function reportPage(store: Store, id: string, dataset: Dataset): ReportPage | undefined {
  if (id.startsWith('report--')) return stixReportPage(store, id, dataset);
  const names = store
    .all<{ source_name: string }>('SELECT DISTINCT source_name FROM citation WHERE dataset_id = ? AND external_id IS NULL', dataset.id)
    .filter((c) => reportId(c.source_name) === id || c.source_name.toLowerCase() === id.toLowerCase());
  const name = names[0]?.source_name;
  if (name === undefined) return undefined;
  const citation = store.get<{ source_name: string; description: string | null; url: string | null }>(
    'SELECT source_name, description, url FROM citation WHERE dataset_id = ? AND source_name = ? AND external_id IS NULL ORDER BY length(description) DESC LIMIT 1',
    dataset.id,
    name,
  );
  // One entry per object, with every reason it is here.
  const vias = new Map<number, { o: ObjectRow; via: Set<string> }>();
  const push = (o: ObjectRow, via: string): void => {
    if (o.revoked === 1 || o.deprecated === 1) return;
    const entry = vias.get(o.pk) ?? { o, via: new Set<string>() };
    entry.via.add(via);
    vias.set(o.pk, entry);
  };
  for (const o of store.all<ObjectRow>(
    `SELECT ${OBJECT_COLUMNS} FROM citation c JOIN reference_link l ON l.citation_pk = c.pk JOIN object o ON o.pk = l.object_pk
     WHERE c.dataset_id = ? AND c.source_name = ?`,
    dataset.id,
    name,
  )) {
    push(o, 'cites it');
  }
  const rels = store.all<{ source_pk: number; target_pk: number; type: string }>(
    `SELECT r.source_pk, r.target_pk, r.type FROM citation c JOIN reference_link l ON l.citation_pk = c.pk JOIN relationship r ON r.pk = l.relationship_pk
     WHERE c.dataset_id = ? AND c.source_name = ? AND r.revoked = 0 AND r.deprecated = 0`,
    dataset.id,
    name,
  );
  const objectByPk = store.statement(`SELECT ${OBJECT_COLUMNS} FROM object o WHERE o.pk = ?`);
  for (const r of rels) {
    const source = objectByPk.get(r.source_pk) as ObjectRow | undefined;
    const target = objectByPk.get(r.target_pk) as ObjectRow | undefined;
    if (source === undefined || target === undefined) continue;
    push(source, `cited for what it ${r.type === 'uses' ? 'uses' : r.type}`);
    push(target, `${r.type === 'uses' ? 'procedure of' : `${r.type} by`} ${source.attack_id ?? source.name ?? ''}`.trim());
  }
  const supports: ReportSupport[] = [...vias.values()]
    .map(({ o, via }) => ({ id: o.attack_id ?? o.stix_id, name: o.name ?? '', type: o.kind, via: [...via].join('; ') }))
    .sort((a, b) => KIND_ORDER.indexOf(a.type) - KIND_ORDER.indexOf(b.type) || a.id.localeCompare(b.id));
  const report = citationReport(citation ?? { source_name: name, description: null, url: null });
  return { ...report, domain: dataset.domain, attackVersion: dataset.version, supports };
}

function stixReportPage(store: Store, id: string, dataset: Dataset): ReportPage | undefined {
  const r = store.get<StixReportRow & { pk: number }>('SELECT pk, stix_id, name, description, published, url, author FROM stix_report WHERE stix_id = ?', id);
  if (r === undefined) return undefined;
  const refs = store.all<{ ref: string; attack_id: string | null }>('SELECT ref, attack_id FROM stix_report_ref WHERE report_pk = ?', r.pk);
  const supports: ReportSupport[] = [];
  for (const ref of refs) {
    const o =
      store.get<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM object o WHERE o.dataset_id = ? AND o.stix_id = ?`, dataset.id, ref.ref) ??
      (ref.attack_id === null
        ? undefined
        : store.get<ObjectRow>(
            `SELECT ${OBJECT_COLUMNS} FROM object o WHERE o.dataset_id = ? AND o.attack_id = ? COLLATE NOCASE ORDER BY o.revoked, o.deprecated LIMIT 1`,
            dataset.id,
            ref.attack_id,
          ));
    if (o !== undefined) supports.push({ id: o.attack_id ?? o.stix_id, name: o.name ?? '', type: o.kind, via: 'object_refs' });
  }
  return {
    id: r.stix_id,
    title: r.name,
    date: r.published === null ? null : r.published.slice(0, 10),
    url: r.url,
    source: r.author,
    summary: r.description,
    domain: dataset.domain,
    attackVersion: dataset.version,
    supports,
  };
}

export function unknownReport(id: string): TtpgraphError {
  return new TtpgraphError('unknown-id', `no report "${id}"; report IDs are on technique pages (show T1114 --json: reports[].id)`, { id });
}
