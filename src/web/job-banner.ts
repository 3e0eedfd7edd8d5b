/**
 * The write job's progress on every HTML page: while a sync or import runs (the one `ttpgraph serve`
 * starts by itself on an empty store, or one started through the API), each page carries a status
 * line saying which file of how many is being read, and the home page and the empty-store pages
 * reload themselves every few seconds (a <meta> refresh: no script, nothing the CSP must allow)
 * until the job is done. A start-up sync that failed stays on the home page, with what to do.
 */
import type { JobView } from '../api/jobs.ts';
import { html, type SafeHtml } from '../render/html/html.ts';

/** Seconds between reloads of the pages that follow a running job. */
export const REFRESH_SECONDS = 3;

export function renderJobBanner(running: JobView | undefined, failedStart: { readonly message: string } | undefined): SafeHtml | undefined {
  if (running !== undefined) {
    const p = running.progress;
    const done = running.results.filter((r) => r.action === 'imported' || r.action === 'replaced').length;
    const pct = p !== null && p.total > 0 ? ` ${Math.min(100, Math.floor((p.done / p.total) * 100))}%` : '';
    const step = p === null ? 'starting' : `file ${p.item} of ${p.items}: ${p.phase === 'download' ? 'downloading' : 'importing'} ${p.label}${pct}`;
    return html`<div class="job-banner" role="status"><strong>${running.kind === 'sync' ? 'Sync' : 'Import'} running</strong>: ${step}; ${done} file(s) imported so far${running.errors.length > 0 ? html`, ${running.errors.length} failed` : ''}. Pages show what has landed; <a href="">reload</a> for more.</div>`;
  }
  if (failedStart !== undefined) return html`<div class="job-banner failed" role="status"><strong>The sync at start-up did not finish</strong>: ${failedStart.message}</div>`;
  return undefined;
}

/** The page with the banner at the top of <main> and, when `refresh`, a reload after a few seconds. */
export function withBanner(page: string, banner: SafeHtml, refresh: boolean): string {
  let out = page.replace('<main id="main">', `<main id="main">\n${String(banner)}`);
  if (refresh) out = out.replace('</head>', `<meta http-equiv="refresh" content="${REFRESH_SECONDS}">\n</head>`);
  return out;
}
