/**
 * `import report`: a document becomes a stored report (one per content: the hash is of the
 * extracted text, so the same article fetched twice, or as HTML and again as a saved copy with the
 * same text, is one report), with its summary, the techniques the extractor proposes and the
 * groups, software and campaigns it names. All of it lands in one transaction, or nothing does.
 *
 * Proposals stay `proposed` until a person reviews them (review.ts). Re-extraction after a new
 * model replaces only what nobody reviewed.
 */
import { createHash } from 'node:crypto';
import { extractTechniques, findNames, type NamedObject, type TechniqueProposal } from '../../extract/extract.ts';
import type { Store } from '../../store/sqlite/store.ts';
import { type ReportFormat, readDocument } from './read-document.ts';
import { storedClassifier, trainStoredModel } from './model-store.ts';
import { summarize } from './summary.ts';
import { knownTechniques } from './known-techniques.ts';

export interface ImportReportResult {
  readonly status: 'imported' | 'unchanged';
  readonly id: string;
  readonly title: string;
  readonly publisher: string | null;
  readonly published: string | null;
  readonly format: ReportFormat;
  readonly techniques: number;
  readonly explicit: number;
  readonly entities: number;
  /** True when this import built the model first (no `extract train` had run). */
  readonly trainedModel: boolean;
}

export function reportIdOf(sha256: string): string {
  return `rpt-${sha256.slice(0, 12)}`;
}

export function textHash(text: string): string {
  return createHash('sha256').update(text.replace(/\s+/g, ' ').trim()).digest('hex');
}

function namedObjects(store: Store): NamedObject[] {
  const rows = store.all<{ attack_id: string; kind: string; name: string; alias: string | null }>(
    `SELECT o.attack_id, o.kind, o.name, a.alias FROM object o JOIN dataset d ON d.id = o.dataset_id LEFT JOIN alias a ON a.object_pk = o.pk
     WHERE o.kind IN ('group', 'software', 'campaign') AND o.attack_id IS NOT NULL AND o.revoked = 0 AND o.deprecated = 0
     ORDER BY d.version_key DESC, o.attack_id`,
  );
  const out: NamedObject[] = [];
  for (const r of rows) {
    out.push({ attackId: r.attack_id, kind: r.kind, name: r.name, alias: r.name });
    if (r.alias !== null) out.push({ attackId: r.attack_id, kind: r.kind, name: r.name, alias: r.alias });
  }
  return out;
}

export interface ImportReportOptions {
  /** Read the bytes as this format instead of guessing. */
  readonly format?: ReportFormat;
  /** Build the model first when the store has none (default true; false: explicit IDs and names only). */
  readonly train?: boolean;
}

export async function importReport(store: Store, bytes: Buffer, source: string, options: ImportReportOptions = {}): Promise<ImportReportResult> {
  const doc = await readDocument(bytes, source, options.format);
  const sha256 = textHash(doc.text);
  const existing = store.get<{ id: string; title: string; publisher: string | null; published: string | null; format: ReportFormat; pk: number }>(
    'SELECT pk, id, title, publisher, published, format FROM imported_report WHERE sha256 = ?',
    sha256,
  );
  if (existing !== undefined) {
    const counts = countsOf(store, existing.pk);
    return { status: 'unchanged', id: existing.id, title: existing.title, publisher: existing.publisher, published: existing.published, format: existing.format, ...counts, trainedModel: false };
  }
  let trainedModel = false;
  if (options.train !== false && storedClassifier(store) === null && store.get('SELECT 1 FROM dataset LIMIT 1') !== undefined) {
    trainStoredModel(store);
    trainedModel = true;
  }
  const model = storedClassifier(store);
  const techniques = knownTechniques(store);
  const proposals = extractTechniques(doc.text, model?.classifier ?? null, { techniques });
  const names = findNames(doc.text, namedObjects(store));
  const id = reportIdOf(sha256);
  const now = new Date().toISOString();
  store.transaction(() => {
    const pk = (
      store.get<{ pk: number }>(
        `INSERT INTO imported_report (id, sha256, title, publisher, published, url, source, format, text, summary, imported_at, extracted_at, model_sha256)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING pk`,
        id,
        sha256,
        doc.title,
        doc.publisher,
        doc.published,
        doc.url,
        source,
        doc.format,
        doc.text,
        summarize(doc.text, doc.publisher),
        now,
        now,
        model?.sha256 ?? null,
      ) as { pk: number }
    ).pk;
    writeProposals(store, pk, proposals);
    const insertEntity = store.statement('INSERT INTO report_entity (report_pk, attack_id, kind, name, matched, mentions) VALUES (?, ?, ?, ?, ?, ?)');
    for (const n of names) insertEntity.run(pk, n.attackId, n.kind, n.name, n.matched, n.count);
  });
  return {
    status: 'imported',
    id,
    title: doc.title,
    publisher: doc.publisher,
    published: doc.published,
    format: doc.format,
    techniques: proposals.length,
    explicit: proposals.filter((p) => p.method === 'explicit').length,
    entities: names.length,
    trainedModel,
  };
}

/** Replaces the unreviewed proposals of a report; accepted and rejected techniques stay as the reviewer left them. */
export function writeProposals(store: Store, reportPk: number, proposals: readonly TechniqueProposal[]): void {
  store.run("DELETE FROM report_technique WHERE report_pk = ? AND status = 'proposed'", reportPk);
  const insert = store.statement(
    `INSERT INTO report_technique (report_pk, attack_id, name, score, method, status, evidence) VALUES (?, ?, ?, ?, ?, 'proposed', ?)
     ON CONFLICT (report_pk, attack_id) DO UPDATE SET score = excluded.score, evidence = excluded.evidence
       WHERE report_technique.method <> 'reviewer'`,
  );
  for (const p of proposals) insert.run(reportPk, p.attackId, p.name, p.score, p.method, JSON.stringify(p.evidence));
}

function countsOf(store: Store, pk: number): { techniques: number; explicit: number; entities: number } {
  const t = store.get<{ n: number; e: number }>("SELECT count(*) AS n, coalesce(sum(method = 'explicit'), 0) AS e FROM report_technique WHERE report_pk = ?", pk);
  const e = store.get<{ n: number }>('SELECT count(*) AS n FROM report_entity WHERE report_pk = ?', pk);
  return { techniques: t?.n ?? 0, explicit: t?.e ?? 0, entities: e?.n ?? 0 };
}

/** After a new model: every report's unreviewed proposals again. Returns how many reports were read. */
export function reextractAll(store: Store): number {
  const model = storedClassifier(store);
  const techniques = knownTechniques(store);
  const reports = store.all<{ pk: number; text: string }>('SELECT pk, text FROM imported_report ORDER BY pk');
  store.transaction(() => {
    for (const r of reports) {
      writeProposals(store, r.pk, extractTechniques(r.text, model?.classifier ?? null, { techniques }));
      store.run('UPDATE imported_report SET extracted_at = ?, model_sha256 = ? WHERE pk = ?', new Date().toISOString(), model?.sha256 ?? null, r.pk);
    }
  });
  return reports.length;
}
