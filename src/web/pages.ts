/**
 * The HTML pages' handlers: each reads its model through the graph (via the app context) and
 * renders it with render/html. The route table (web/routes.ts) says which path each one serves.
 */
import { PAGE_KINDS } from '../core/attack.ts';
import { type AppContext } from '../api/context.ts';
import { type AppResponse, badRequest, errorStatus, type RouteCall } from '../api/http.ts';
import { changesFor, coverageFor, matrixWithCounts } from '../api/routes.ts';
import { renderCoveragePage } from '../render/html/coverage.ts';
import { TtpgraphError } from '../errors.ts';
import type { SearchHit } from '../query/search.ts';
import { MATRIX_METRICS } from '../query/matrix.ts';
import { isImportedReportId } from '../query/imported-reports.ts';
import { renderImportedReportBody, renderImportedReportList } from '../render/html/imported-report.ts';
import type { SafeHtml } from '../render/html/html.ts';
import { renderTechniqueBody } from '../render/html/technique-page.ts';
import { techniqueMarkdown } from '../render/markdown/technique-page.ts';
import {
  renderChangesBody,
  renderControlBody,
  renderDatasetsBody,
  renderHomeBody,
  renderMatrixBody,
  renderObjectBody,
  renderReportBody,
  renderSearchBody,
  renderSigmaBody,
  type EmptyStoreOptions,
} from '../render/html/pages.ts';

/** What a page handler needs besides the graph: the page shell and what the empty-store page offers. */
export interface PageContext extends AppContext {
  /** Wraps a page body in the shell (title, top bar, assets). */
  page(title: string, body: SafeHtml, query?: string): AppResponse;
  readonly empty: EmptyStoreOptions;
}

export function redirect(location: string): AppResponse {
  return { status: 302, headers: { location }, body: '' };
}

/** `?domain=..&version=..` of the request, carried on to the links of the page. */
function scopeQuery(params: URLSearchParams): string {
  const parts: string[] = [];
  for (const k of ['domain', 'version']) {
    const v = params.get(k);
    if (v !== null && v !== '') parts.push(`${k}=${encodeURIComponent(v)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

export function homePage(ctx: PageContext): AppResponse {
  const datasets = ctx.datasets();
  return ctx.page('Home', renderHomeBody(datasets, ctx.empty, datasets.length === 0 ? undefined : ctx.graph.sources()));
}

export function datasetsPage(ctx: PageContext): AppResponse {
  return ctx.page('Datasets', renderDatasetsBody(ctx.datasets(), ctx.graph.sources()));
}

export function searchPage(ctx: PageContext, { params }: RouteCall): AppResponse {
  params.only('q', 'type');
  const q = params.string('q', 500) ?? '';
  const type = params.type() ?? '';
  let hits: SearchHit[] | null = null;
  if (q.trim() !== '') {
    try {
      hits = ctx.graph.search(q, { ...params.scope(), ...(type === '' ? {} : { type }), limit: 50 });
    } catch (err) {
      // A query FTS5 cannot read (a lone quote) finds nothing; anything else is a real failure.
      if (errorStatus(err).status !== 400) throw err;
      hits = [];
    }
  }
  // Sigma rules, controls, reports and saved hunts after the ATT&CK nodes, unless an ATT&CK type is asked for.
  const others = q.trim() !== '' && type === '' ? ctx.graph.searchAll(q, 40).filter((h) => OTHER_KINDS.has(h.type)) : [];
  return ctx.page(q === '' ? 'Search' : `Search: ${q}`, renderSearchBody(q, hits, type, PAGE_KINDS, others), q);
}

const OTHER_KINDS = new Set(['sigma-rule', 'control', 'report', 'hunt']);

export function matrixPage(ctx: PageContext, { params }: RouteCall): AppResponse {
  params.only('metric', 'dataset', 'framework');
  const picked = params.string('dataset');
  if (picked !== undefined) {
    const m = /^(enterprise|mobile|ics):(\d{1,3}(?:\.\d{1,3})?)$/.exec(picked);
    if (m === null) throw badRequest('"dataset" must look like enterprise:18.1');
    const next = new URLSearchParams({ domain: m[1] ?? '', version: m[2] ?? '' });
    const metric = params.string('metric');
    if (metric !== undefined) next.set('metric', metric);
    const framework = params.string('framework');
    if (framework !== undefined && metric === 'controls') next.set('framework', framework);
    return redirect(`/matrix?${next.toString()}`);
  }
  const view = matrixWithCounts(ctx, params);
  const { matrix } = view;
  return ctx.page(`Matrix ${matrix.domain} ${matrix.attackVersion}`, renderMatrixBody(matrix, { ...view, datasets: ctx.datasets(), metrics: MATRIX_METRICS }));
}

export function techniquePage(ctx: PageContext, { req, params, id }: RouteCall): AppResponse {
  const scope = scopeQuery(req.query);
  const result = ctx.graph.page(id, params.only().scope());
  if (result.kind !== 'technique') return redirect(`/objects/${encodeURIComponent(result.page.id)}${scope}`);
  const p = result.page;
  const versions = ctx.datasets().filter((d) => d.domain === p.domain).map((d) => d.version);
  return ctx.page(`${p.id} ${p.name}`, renderTechniqueBody(p, { scope, versions, formerly: result.formerly }));
}

/** GET /techniques/ID/markdown: the page as a Markdown file. */
export function techniqueMarkdownPage(ctx: PageContext, { params, id }: RouteCall): AppResponse {
  const p = ctx.graph.technique(id, params.only().scope());
  return {
    status: 200,
    headers: { 'content-type': 'text/markdown; charset=utf-8', 'content-disposition': `attachment; filename="${p.id.replace(/[^\w.-]/g, '_')}-attack-${p.attackVersion}.md"` },
    body: techniqueMarkdown(p),
  };
}

export function objectPage(ctx: PageContext, { req, params, id }: RouteCall): AppResponse {
  const scope = scopeQuery(req.query);
  const result = ctx.graph.page(id, params.only().scope());
  switch (result.kind) {
    case 'technique':
      return redirect(`/techniques/${encodeURIComponent(result.page.id)}${scope}`);
    case 'object':
      return ctx.page(`${result.page.id} ${result.page.name}`, renderObjectBody(result.page, scope, result.formerly));
    case 'control':
      return ctx.page(`${result.page.id} ${result.page.name ?? ''}`, renderControlBody(result.page));
    case 'report':
      return ctx.page(result.page.title, renderReportBody(result.page, scope));
  }
}

export function controlPage(ctx: PageContext, { params, id }: RouteCall): AppResponse {
  params.only('framework', 'frameworkVersion');
  const c = ctx.graph.control(id, { framework: params.string('framework'), frameworkVersion: params.string('frameworkVersion') });
  return ctx.page(`${c.id} ${c.name ?? ''}`, renderControlBody(c));
}

/** GET /reports: the imported threat reports (`ttpgraph import report`). */
export function importedReportsPage(ctx: PageContext, { params }: RouteCall): AppResponse {
  params.only();
  return ctx.page('Imported reports', renderImportedReportList(ctx.graph.importedReports()));
}

/** An imported report (rpt-...: evidence, review form when the server takes writes) or a STIX report object. */
export function reportPage(ctx: PageContext, { req, params, id }: RouteCall): AppResponse {
  if (isImportedReportId(id)) {
    params.only();
    const page = ctx.graph.importedReport(id);
    return ctx.page(page.title, renderImportedReportBody(page, { writable: ctx.empty.writable === true }));
  }
  const r = ctx.graph.report(id, params.only().scope());
  return ctx.page(r.title, renderReportBody(r, scopeQuery(req.query)));
}

export function sigmaPage(ctx: PageContext, { params, id }: RouteCall): AppResponse {
  params.only();
  const rule = ctx.graph.sigmaRule(id);
  return ctx.page(rule.title, renderSigmaBody(rule));
}

export function changesPage(ctx: PageContext, { params, id }: RouteCall): AppResponse {
  const { changes, versions } = changesFor(ctx, id, params.only('from', 'to'));
  return ctx.page(`${changes.id}: what changed`, renderChangesBody(changes, versions));
}

/** /coverage?group=G0059 (or campaign, software, report): an adversary's techniques with your level, worst first. */
export function coveragePage(ctx: PageContext, { params }: RouteCall): AppResponse {
  params.only('group', 'campaign', 'software', 'report');
  const target = params.string('group') ?? params.string('campaign') ?? params.string('software') ?? params.string('report');
  if (target === undefined) return ctx.page('Coverage', renderCoveragePage(null, { group: '' }, null));
  try {
    const list = coverageFor(ctx, params);
    return ctx.page(`Coverage: ${list?.target.id ?? ''}`, renderCoveragePage(list, { group: target }, null));
  } catch (e) {
    // A name that is not a group, campaign or software: say so on the page, with the form to try again.
    if (!(e instanceof TtpgraphError) || e.code !== 'unknown-id') throw e;
    const res = ctx.page('Coverage', renderCoveragePage(null, { group: target }, e.message));
    res.status = 404;
    return res;
  }
}
