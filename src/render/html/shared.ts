/** Pieces several pages share: the reports list and the numbered references. */
import type { Reference } from '../../query/citations.ts';
import type { ReportLink } from '../../query/reports.ts';
import { html, type SafeHtml } from './html.ts';
import { hrefFor, isSafeUrl, plainSummary } from './text.ts';

export function renderReports(reports: readonly ReportLink[], scope: string): SafeHtml {
  return html`<ul class="cards reports">${reports.map(
    (r) => html`<li><h3 class="h4"><a href="${hrefFor('report', r.id, scope)}">${r.title}</a></h3><p class="meta">${r.date ?? 'undated'}${r.source === null ? '' : html` · ${r.source}`} · ${r.via}</p>${
      r.summary === null ? '' : html`<p>${plainSummary(r.summary, 300)}</p>`
    }</li>`,
  )}</ul>`;
}

export function renderReferences(references: readonly Reference[]): SafeHtml {
  return html`<ol class="refs">${references.map(
    (r, i) => html`<li id="ref-${i + 1}">${r.url !== null && isSafeUrl(r.url) ? html`<a href="${r.url}" rel="noopener noreferrer external">${r.name}</a>` : r.name}${
      r.description === null ? '' : html`. ${r.description}`
    }</li>`,
  )}</ol>`;
}
