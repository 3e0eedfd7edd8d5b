/**
 * The page of an imported report (/reports/rpt-...): what it is, its summary, its techniques by
 * review status with their evidence, the names it mentions, the text with every evidence sentence
 * highlighted (<mark>, linked from the technique that it supports), exports, and the review form.
 * The form works through the browser bundle (the token goes in a header, as for "Sync now");
 * without JavaScript the page shows the equivalent curl command.
 */
import type { ImportedReportPage, ImportedReportSummary, ReportTechnique } from '../../query/imported-reports.ts';
import { html, type SafeHtml } from './html.ts';
import { section } from './layout.ts';
import { hrefFor, isSafeUrl } from './text.ts';

const STATUS_TITLE = { accepted: 'Accepted', proposed: 'Proposed (awaiting review)', rejected: 'Rejected' } as const;

function how(t: ReportTechnique): string {
  return t.method === 'explicit' ? 'ID written in the text' : t.method === 'reviewer' ? 'added by a reviewer' : `model score ${t.score.toFixed(2)}`;
}

/** Each distinct evidence span once, numbered in reading order, so techniques can point at them. */
function evidenceAnchors(page: ImportedReportPage): Map<number, { n: number; end: number; ids: string[] }> {
  const spans = new Map<number, { n: number; end: number; ids: string[] }>();
  for (const t of page.techniques) {
    if (t.status === 'rejected') continue;
    for (const e of t.evidence) {
      const s = spans.get(e.start) ?? { n: 0, end: e.end, ids: [] };
      if (!s.ids.includes(t.id)) s.ids.push(t.id);
      spans.set(e.start, s);
    }
  }
  let n = 0;
  let lastEnd = -1;
  for (const [start, s] of [...spans.entries()].sort((a, b) => a[0] - b[0])) {
    // Overlapping spans cannot both be marked; the later one is dropped.
    if (start < lastEnd) {
      spans.delete(start);
      continue;
    }
    s.n = ++n;
    lastEnd = s.end;
  }
  return spans;
}

function highlightedText(page: ImportedReportPage, anchors: Map<number, { n: number; end: number; ids: string[] }>): SafeHtml {
  const parts: SafeHtml[] = [];
  let at = 0;
  for (const [start, s] of [...anchors.entries()].sort((a, b) => a[0] - b[0])) {
    parts.push(html`${page.text.slice(at, start)}<mark id="ev-${s.n}" title="${s.ids.join(', ')}">${page.text.slice(start, s.end)}<sup>${s.ids.join(', ')}</sup></mark>`);
    at = s.end;
  }
  parts.push(html`${page.text.slice(at)}`);
  return html`<div class="report-text">${parts}</div>`;
}

function techniqueRows(page: ImportedReportPage, status: ReportTechnique['status'], anchors: Map<number, { n: number }>): SafeHtml {
  const list = page.techniques.filter((t) => t.status === status);
  return html`<table class="grid review"><thead><tr><th scope="col">Technique</th><th scope="col">Why</th><th scope="col">Evidence</th><th scope="col">Review</th></tr></thead><tbody>${list.map(
    (t) => html`<tr data-technique="${t.id}"><td><a href="${hrefFor('technique', t.id)}">${t.id}</a> ${t.name}</td><td>${how(t)}</td><td>${
      t.evidence.length === 0
        ? '—'
        : html`<ul class="plain">${t.evidence.slice(0, 3).map((e) => {
            const n = anchors.get(e.start)?.n;
            return html`<li>${n === undefined ? '' : html`<a href="#ev-${n}">[${n}]</a> `}“${e.text.length > 400 ? `${e.text.slice(0, 397)}...` : e.text}”</li>`;
          })}</ul>`
    }</td><td><fieldset class="verdict"><legend class="sr-only">${t.id}</legend>${(['accepted', 'proposed', 'rejected'] as const).map(
      (v) => html`<label><input type="radio" name="v-${t.id}" value="${v}"${v === t.status ? html` checked` : ''}> ${v === 'proposed' ? 'undecided' : v === 'accepted' ? 'accept' : 'reject'}</label> `,
    )}</fieldset></td></tr>`,
  )}</tbody></table>`;
}

export function renderImportedReportBody(page: ImportedReportPage, options: { writable: boolean }): SafeHtml {
  const anchors = evidenceAnchors(page);
  const exportBase = `/api/v1/reports/${encodeURIComponent(page.id)}`;
  return html`<article class="page report imported-report" data-page-id="${page.id}">
<header class="page-head"><p class="kind">Imported report · ${page.format}</p>
<h1>${page.title}</h1>
<table class="facts"><tr><th scope="row">Publisher</th><td>${page.publisher ?? 'not found'}</td></tr>
<tr><th scope="row">Date</th><td>${page.published ?? 'undated'}</td></tr>
${page.url !== null && isSafeUrl(page.url) ? html`<tr><th scope="row">Link</th><td><a href="${page.url}" rel="noopener noreferrer external">${page.url}</a></td></tr>` : ''}
<tr><th scope="row">Imported</th><td>${page.importedAt.slice(0, 10)} from ${page.source}</td></tr>
<tr><th scope="row">Exports</th><td><a href="${exportBase}/layer" download>Navigator layer</a> · <a href="${exportBase}/stix" download>STIX 2.1 bundle</a> · <a href="${exportBase}">JSON</a></td></tr>
</table></header>
${section('summary', 'Summary', html`<p>${page.summary}</p>`)}
<form id="review-form" class="review-form" data-report="${page.id}">
${(['accepted', 'proposed', 'rejected'] as const).map((status) =>
  page.techniques.some((t) => t.status === status) ? section(`techniques-${status}`, `${STATUS_TITLE[status]} techniques`, techniqueRows(page, status, anchors)) : '',
)}
${page.techniques.length === 0 ? section('techniques', 'Techniques', html`<p>No techniques were found in this report.</p>`) : ''}
${renderReviewControls(page, options.writable)}
</form>
${page.entities.length === 0
  ? ''
  : section(
      'names',
      'Groups, software and campaigns named',
      html`<ul class="plain">${page.entities.map((e) => html`<li><a href="${hrefFor(e.type, e.id)}">${e.id} ${e.name}</a> (${e.type}; ${e.mentions}× as “${e.matched}”)</li>`)}</ul>`,
    )}
${section('text', 'Text, with the evidence highlighted', highlightedText(page, anchors))}
</article>`;
}

function renderReviewControls(page: ImportedReportPage, writable: boolean): SafeHtml {
  const curl = `curl -X POST -H "Authorization: Bearer TOKEN" -H "Content-Type: application/json" -d '{"accept":["T1114"],"reject":["T1005"]}' http://HOST:PORT/api/v1/reports/${page.id}/review`;
  if (!writable) {
    return html`<p class="hint">This server is read-only. Review with <code>ttpgraph report review ${page.id}</code>, or start the server with a token (<code>ttpgraph serve --token TOKEN</code>) to review here.</p>`;
  }
  return html`<div class="review-save" id="review-controls" hidden><label for="review-token">Token</label> <input id="review-token" type="password" autocomplete="off" spellcheck="false" required> <button type="submit">Save review</button><p id="review-status" role="status"></p></div>
<div id="review-nojs"><p class="hint">Saving a review here needs JavaScript; or run:</p><pre><code>${curl}</code></pre></div>`;
}

export function renderImportedReportList(reports: readonly ImportedReportSummary[]): SafeHtml {
  return html`<article class="page"><h1>Imported reports</h1>
${reports.length === 0
  ? html`<p>No reports imported yet. Import one with <code>ttpgraph import report FILE|URL</code> (PDF, HTML, Markdown, text).</p>`
  : html`<ul class="cards reports">${reports.map(
      (r) => html`<li><h2 class="h4"><a href="/reports/${encodeURIComponent(r.id)}">${r.title}</a></h2><p class="meta">${r.published ?? 'undated'}${r.publisher === null ? '' : html` · ${r.publisher}`} · ${r.techniques.accepted} accepted, ${r.techniques.proposed} proposed, ${r.techniques.rejected} rejected</p><p>${r.summary.length > 300 ? `${r.summary.slice(0, 297)}...` : r.summary}</p></li>`,
    )}</ul>`}
</article>`;
}
