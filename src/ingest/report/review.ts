/**
 * A person's verdict on a report's techniques: accepted techniques show the report on their pages,
 * rejected ones are kept as rejected (so a later extraction does not propose them again). A
 * technique nobody proposed can be accepted too (method "reviewer"). One transaction per review.
 */
import { TtpgraphError } from '../../errors.ts';
import type { Store } from '../../store/sqlite/store.ts';
import { knownTechniques } from './known-techniques.ts';

export interface ReviewDecisions {
  readonly accept?: readonly string[];
  readonly reject?: readonly string[];
  /** Back to `proposed` (or gone, for a technique only a reviewer had added). */
  readonly reset?: readonly string[];
}

export interface ReviewResult {
  readonly id: string;
  readonly accepted: string[];
  readonly rejected: string[];
  readonly reset: string[];
}

export function importedReportPk(store: Store, id: string): number {
  const row = store.get<{ pk: number }>('SELECT pk FROM imported_report WHERE id = ? COLLATE NOCASE', id.trim());
  if (row === undefined) throw new TtpgraphError('unknown-id', `no imported report "${id}" (ttpgraph report list shows them)`, { id });
  return row.pk;
}

function normalizeIds(ids: readonly string[] | undefined, known: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const raw of ids ?? []) {
    const id = raw.trim().toUpperCase();
    if (id === '') continue;
    if (!/^T\d{4}(?:\.\d{3})?$/.test(id)) throw new TtpgraphError('invalid-argument', `"${raw}" is not a technique ID like T1114 or T1059.001`, { id: raw });
    if (!known.has(id)) throw new TtpgraphError('unknown-id', `no technique ${id} in the store's ATT&CK`, { id });
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

export function reviewReport(store: Store, id: string, decisions: ReviewDecisions): ReviewResult {
  const pk = importedReportPk(store, id);
  const known = knownTechniques(store);
  const accept = normalizeIds(decisions.accept, known);
  const reject = normalizeIds(decisions.reject, known);
  const reset = normalizeIds(decisions.reset, known);
  const both = [...accept.filter((t) => reject.includes(t) || reset.includes(t)), ...reject.filter((t) => reset.includes(t))];
  if (both.length > 0) throw new TtpgraphError('invalid-argument', `${both[0] ?? ''} is given two verdicts; give each technique one`, { id: both[0] ?? '' });
  const now = new Date().toISOString();
  store.transaction(() => {
    const set = store.statement(
      `INSERT INTO report_technique (report_pk, attack_id, name, score, method, status, evidence, reviewed_at) VALUES (?, ?, ?, 1, 'reviewer', ?, '[]', ?)
       ON CONFLICT (report_pk, attack_id) DO UPDATE SET status = excluded.status, reviewed_at = excluded.reviewed_at`,
    );
    for (const t of accept) set.run(pk, t, known.get(t) ?? t, 'accepted', now);
    for (const t of reject) set.run(pk, t, known.get(t) ?? t, 'rejected', now);
    for (const t of reset) {
      store.run("DELETE FROM report_technique WHERE report_pk = ? AND attack_id = ? AND method = 'reviewer'", pk, t);
      store.run("UPDATE report_technique SET status = 'proposed', reviewed_at = NULL WHERE report_pk = ? AND attack_id = ?", pk, t);
    }
  });
  return { id: id.trim(), accepted: accept, rejected: reject, reset };
}

/** Removes an imported report with its techniques and names. */
export function deleteImportedReport(store: Store, id: string): void {
  const pk = importedReportPk(store, id);
  store.transaction(() => store.run('DELETE FROM imported_report WHERE pk = ?', pk));
}
