/**
 * Imported reports in the terminal: the list, the report page (metadata, summary, techniques by
 * status with their evidence sentences), and one technique's evidence in its context, with the
 * evidence sentences highlighted, for interactive review.
 */
import type { ImportedReportPage, ImportedReportSummary, ReportTechnique } from '../../query/imported-reports.ts';
import { type TextStyle, wrap } from './text.ts';

export interface ReportRenderOptions {
  readonly width: number;
  readonly style: TextStyle;
  /** Marks evidence inside running text (reverse video on a colour terminal, »…« otherwise). */
  readonly highlight: (text: string) => string;
}

export function renderReportList(reports: readonly ImportedReportSummary[], style: TextStyle): string {
  if (reports.length === 0) return 'no imported reports yet: ttpgraph import report FILE|URL\n';
  return `${reports
    .map(
      (r) =>
        `${style.bold(r.id)}  ${r.published ?? '(no date)'}  ${r.title}${r.publisher === null ? '' : style.dim(` (${r.publisher})`)}\n` +
        `    ${r.techniques.accepted} accepted, ${r.techniques.proposed} proposed, ${r.techniques.rejected} rejected`,
    )
    .join('\n')}\n`;
}

function techniqueLine(t: ReportTechnique, style: TextStyle): string {
  const how = t.method === 'explicit' ? 'ID in the text' : t.method === 'reviewer' ? 'added by a reviewer' : `score ${t.score.toFixed(2)}`;
  return `${style.bold(t.id)} ${t.name} ${style.dim(`(${how})`)}`;
}

export function renderImportedReport(page: ImportedReportPage, o: ReportRenderOptions): string {
  const s = o.style;
  const out: string[] = [];
  out.push(s.heading(page.title));
  out.push(`${page.id} · ${page.format} · ${[page.publisher, page.published].filter((x) => x !== null).join(', ') || 'no publisher or date found'}`);
  if (page.url !== null) out.push(page.url);
  out.push('', s.heading('Summary'), wrap(page.summary, o.width, '  '));
  for (const status of ['accepted', 'proposed', 'rejected'] as const) {
    const list = page.techniques.filter((t) => t.status === status);
    if (list.length === 0) continue;
    out.push('', s.heading(`${status[0]?.toUpperCase() ?? ''}${status.slice(1)} techniques (${list.length})`));
    for (const t of list) {
      out.push(`  ${techniqueLine(t, s)}`);
      if (status !== 'rejected') for (const e of t.evidence.slice(0, 2)) out.push(wrap(`“${e.text}”`, o.width, '      '));
    }
  }
  if (page.entities.length > 0) {
    out.push('', s.heading('Named in the report'));
    for (const e of page.entities) out.push(`  ${s.bold(e.id)} ${e.name} ${s.dim(`(${e.type}, ${e.mentions}× as "${e.matched}")`)}`);
  }
  out.push('', s.dim(`review: ttpgraph report review ${page.id} [--accept T1114,... --reject T1005,...]`));
  return `${out.join('\n')}\n`;
}

/** A technique's evidence, each sentence highlighted in the paragraph around it. */
export function renderEvidence(page: ImportedReportPage, t: ReportTechnique, o: ReportRenderOptions): string {
  const out = [techniqueLine(t, o.style)];
  if (t.evidence.length === 0) out.push(o.style.dim('  (no evidence sentences: added by a reviewer)'));
  for (const e of t.evidence.slice(0, 3)) {
    const from = Math.max(0, page.text.lastIndexOf('\n', e.start - 1) + 1, e.start - 300);
    const nl = page.text.indexOf('\n', e.end);
    const to = Math.min(nl < 0 ? page.text.length : nl, e.end + 300);
    const before = page.text.slice(from, e.start).replace(/\s+/g, ' ');
    const after = page.text.slice(e.end, to).replace(/\s+/g, ' ');
    const mark = o.highlight(page.text.slice(e.start, e.end).replace(/\s+/g, ' '));
    out.push(`  ${o.style.dim(e.score.toFixed(2))} ${from > 0 ? '…' : ''}${before}${mark}${after}${to < page.text.length ? '…' : ''}`);
  }
  return `${out.join('\n')}\n`;
}
