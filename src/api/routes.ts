/**
 * The JSON REST API (/api/v1/...): every page model the web app renders, lists with paging and
 * filters, search, stats, the matrix, "what changed", and ATT&CK Navigator layers. Each handler
 * returns the query layer's model unchanged, so `/api/v1/techniques/T1114` is byte for byte what
 * `ttpgraph show T1114 --json` prints.
 */
import { PAGE_KINDS } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import { type TechniqueChanges, techniqueChanges } from '../query/changes.ts';
import { controlFrameworks, countsFromStats, isMatrixMetric, MATRIX_METRICS, type Matrix, type MatrixMetric } from '../query/matrix.ts';
import { layerOf } from '../query/navigator.ts';
import { isImportedReportId, REVIEW_STATUSES, type ReviewStatus } from '../query/imported-reports.ts';
import type { TechniquePage } from '../query/technique-page.ts';
import type { AppContext } from './context.ts';
import { type AppResponse, badRequest, HttpError, jsonResponse, type Params, type RouteCall, type Scope } from './http.ts';
import { openApiDocument } from './openapi.ts';
import { coverageLayer, type GapList, gapList, type GapTargetKind } from '../query/coverage/gaps.ts';
import { levelRank } from '../query/coverage/levels.ts';

function paged<T>(items: readonly T[], params: Params): { items: T[]; page: number; limit: number; total: number; pages: number } {
  const limit = params.int('limit', 50, 1, 500);
  const page = params.int('page', 1, 1, 100_000);
  return { items: items.slice((page - 1) * limit, page * limit), page, limit, total: items.length, pages: Math.max(1, Math.ceil(items.length / limit)) };
}

export function versionPage(ctx: AppContext, id: string, scope: Scope): TechniquePage | null {
  try {
    return ctx.graph.technique(id, scope);
  } catch (err) {
    if (err instanceof TtpgraphError && err.code === 'unknown-id') return null;
    throw err;
  }
}

/** The two versions to compare (default: the two newest of the domain) and the diff. */
export function changesFor(ctx: AppContext, id: string, params: Params): { changes: TechniqueChanges; versions: string[] } {
  const scope = params.scope();
  const from = params.version('from');
  const to = params.version('to');
  const domain = scope.domain ?? ctx.dataset({}).domain;
  const versions = ctx.datasets().filter((d) => d.domain === domain).map((d) => d.version);
  if (versions.length === 0) throw new HttpError(404, 'unknown-domain', `no ${domain} ATT&CK data in the store`);
  const toV = to ?? versions[0] ?? '';
  const fromV = from ?? versions.find((v) => v !== toV) ?? toV;
  for (const v of [fromV, toV]) if (!versions.includes(v)) throw new HttpError(404, 'unknown-version', `no ${domain} ATT&CK ${v} in the store; have: ${versions.join(', ')}`);
  const before = versionPage(ctx, id, { domain, version: fromV });
  const after = versionPage(ctx, id, { domain, version: toV });
  if (before === null && after === null) throw new TtpgraphError('unknown-id', `no technique "${id}" in ${domain} ${fromV} or ${toV}`, { id });
  return { changes: techniqueChanges(before, after, fromV, toV), versions };
}

export interface MatrixView {
  readonly matrix: Matrix;
  readonly metric: MatrixMetric | null;
  readonly counts: Map<string, number> | null;
  /** metric=controls: the framework version counted ("nist_800_53 rev5"), and those there are. */
  readonly framework: string | null;
  readonly frameworks: string[];
  /** metric=hits: how many hunts are saved (none: nothing to colour by). */
  readonly savedHunts: number;
}

export function matrixWithCounts(ctx: AppContext, params: Params): MatrixView {
  const scope = params.scope();
  const metricRaw = params.string('metric');
  if (metricRaw !== undefined && !isMatrixMetric(metricRaw)) throw badRequest(`"metric" must be one of ${MATRIX_METRICS.join(', ')}`);
  const dataset = ctx.dataset(scope);
  const matrix = ctx.graph.matrix(dataset);
  const metric = metricRaw ?? null;
  const frameworkRaw = params.string('framework');
  if (frameworkRaw !== undefined && metric !== 'controls') throw badRequest('"framework" applies to metric=controls only');
  if (metric === null) return { matrix, metric, counts: null, framework: null, frameworks: [], savedHunts: 0 };
  if (metric === 'coverage') {
    // The level per technique (0 none, 1 visible, 2 detectable, 3 detected), from the coverage, not the stats.
    const counts = new Map<string, number>();
    for (const [id, c] of ctx.graph.coverage(dataset).techniques) counts.set(id, levelRank(c.level));
    return { matrix, metric, counts, framework: null, frameworks: [], savedHunts: 0 };
  }
  const stats = ctx.stats(dataset);
  const frameworks = metric === 'controls' ? controlFrameworks(stats) : [];
  if (frameworkRaw !== undefined && !frameworks.includes(frameworkRaw)) {
    throw badRequest(`"framework" "${frameworkRaw}" has no mappings for this dataset; have: ${frameworks.join(', ') || 'none (ttpgraph import mappings FILE)'}`);
  }
  const framework = metric === 'controls' ? (frameworkRaw ?? frameworks[0] ?? null) : null;
  return {
    matrix,
    metric,
    counts: countsFromStats(stats, metric, framework ?? undefined),
    framework,
    frameworks,
    savedHunts: metric === 'hits' ? ctx.graph.huntRuns().length : 0,
  };
}

/** GET /api/v1/techniques: the techniques of a dataset, filtered and paged. */
export function listTechniques(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only('tactic', 'platform', 'subtechniques', 'page', 'limit');
  const dataset = ctx.dataset(params.scope());
  const sub = params.oneOf('subtechniques', ['true', 'false'] as const);
  const items = ctx.graph.techniqueList(dataset, {
    tactic: params.string('tactic'),
    platform: params.string('platform'),
    subtechniques: sub === undefined ? undefined : sub === 'true',
  });
  return jsonResponse({ domain: dataset.domain, attackVersion: dataset.version, ...paged(items, params) });
}

export function getTechnique(ctx: AppContext, { params, id }: RouteCall): AppResponse {
  return jsonResponse(ctx.graph.technique(id, params.only().scope()));
}

/** GET /api/v1/objects?type=: the objects of one kind, paged. */
export function listObjects(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only('type', 'platform', 'page', 'limit');
  const type = params.type();
  if (type === undefined) throw badRequest(`"type" is required: one of ${PAGE_KINDS.join(', ')}`);
  const dataset = ctx.dataset(params.scope());
  const items = ctx.graph.objectList(dataset, type, { platform: params.string('platform') });
  return jsonResponse({ domain: dataset.domain, attackVersion: dataset.version, ...paged(items, params) });
}

export function getObject(ctx: AppContext, { params, id }: RouteCall): AppResponse {
  const scope = params.only('type').scope();
  const type = params.type();
  const result = ctx.graph.page(id, { ...scope, ...(type === undefined ? {} : { kind: type as (typeof PAGE_KINDS)[number] }) });
  return jsonResponse(result.page);
}

export function getControl(ctx: AppContext, { params, id }: RouteCall): AppResponse {
  params.only('framework', 'frameworkVersion');
  return jsonResponse(ctx.graph.control(id, { framework: params.string('framework'), frameworkVersion: params.string('frameworkVersion') }));
}

/** GET /api/v1/reports: the imported threat reports (`ttpgraph import report`), newest first. */
export function listImportedReports(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only();
  return jsonResponse(ctx.graph.importedReports());
}

/** An imported report (rpt-...) or a STIX report object of ATT&CK or `import stix`. */
export function getReport(ctx: AppContext, { params, id }: RouteCall): AppResponse {
  if (isImportedReportId(id)) return (params.only(), jsonResponse(ctx.graph.importedReport(id)));
  return jsonResponse(ctx.graph.report(id, params.only().scope()));
}

/** ?status=accepted,proposed (default) | all: which of an imported report's techniques an export takes. */
function exportStatuses(params: Params): ReviewStatus[] | undefined {
  params.only('status');
  const raw = params.string('status');
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((x) => x.trim());
  if (list.includes('all')) return [...REVIEW_STATUSES];
  const bad = list.filter((x) => !(REVIEW_STATUSES as readonly string[]).includes(x));
  if (bad.length > 0) throw badRequest(`"status" must be a list of ${REVIEW_STATUSES.join(', ')} (or all)`);
  return list as ReviewStatus[];
}

/** GET /api/v1/reports/{id}/layer: the imported report's techniques as an ATT&CK Navigator layer. */
export function getReportLayer(ctx: AppContext, { params, id }: RouteCall): AppResponse {
  const res = jsonResponse(ctx.graph.reportLayer(id, exportStatuses(params)));
  res.headers['content-disposition'] = `attachment; filename="${id}-layer.json"`;
  return res;
}

/** GET /api/v1/reports/{id}/stix: the imported report as a STIX 2.1 bundle. */
export function getReportStix(ctx: AppContext, { params, id }: RouteCall): AppResponse {
  const res = jsonResponse(ctx.graph.reportStix(id, exportStatuses(params)));
  res.headers['content-disposition'] = `attachment; filename="${id}-stix.json"`;
  return res;
}

export function searchApi(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only('q', 'type', 'limit');
  const q = params.string('q', 500);
  if (q === undefined) throw badRequest('"q" is required: the words or ID to search for');
  const scope = params.scope();
  const type = params.type();
  const limit = params.int('limit', 20, 1, 200);
  return jsonResponse({ query: q, hits: ctx.graph.search(q, { ...scope, type, limit }) });
}

/** GET /api/v1/suggest: what the search box suggests, over every kind of node. */
export function suggestApi(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only('q', 'limit');
  const q = params.string('q', 500);
  if (q === undefined) throw badRequest('"q" is required: the words or ID to search for');
  return jsonResponse({ query: q, hits: ctx.graph.searchAll(q, params.int('limit', 10, 1, 50)) });
}

export function listDatasetsApi(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only();
  return jsonResponse(ctx.datasets());
}

export function getStats(ctx: AppContext, { params }: RouteCall): AppResponse {
  return jsonResponse(ctx.stats(ctx.dataset(params.only().scope())));
}

export function getMatrix(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only('metric', 'framework');
  const { matrix, metric, counts, framework } = matrixWithCounts(ctx, params);
  return jsonResponse({ ...matrix, metric, ...(framework === null ? {} : { framework }), counts: counts === null ? null : Object.fromEntries(counts) });
}

export function getChanges(ctx: AppContext, { params, id }: RouteCall): AppResponse {
  return jsonResponse(changesFor(ctx, id, params.only('from', 'to')).changes);
}

export function getNavigatorLayer(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only('metric', 'framework');
  const { matrix, metric, counts, framework } = matrixWithCounts(ctx, params);
  const m = metric ?? 'groups';
  const layer = layerOf({ domain: matrix.domain, attackVersion: matrix.attackVersion, metric: framework === null ? m : `${m} (${framework})`, counts: counts ?? countsFromStats(ctx.stats(ctx.dataset(params.scope())), m) });
  const res = jsonResponse(layer);
  res.headers['content-disposition'] = `attachment; filename="ttpgraph-${matrix.domain}-${matrix.attackVersion}-${m}${framework === null ? '' : `-${framework.replace(/[^\w.-]+/g, '_')}`}.json"`;
  return res;
}

export function getSigmaRule(ctx: AppContext, { params, id }: RouteCall): AppResponse {
  params.only();
  return jsonResponse(ctx.graph.sigmaRule(id));
}

export function getOpenApi(_ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only();
  return jsonResponse(openApiDocument());
}

const TARGETS: readonly GapTargetKind[] = ['group', 'campaign', 'software', 'report'];

/**
 * Coverage against a target (`group`, `campaign`, `software` or `report`), or of every technique of
 * the dataset without one: the gap list the CLI's `coverage` prints. Shared by the API and the page.
 */
export function coverageFor(ctx: AppContext, params: Params): GapList | null {
  const given = TARGETS.filter((k) => params.string(k) !== undefined);
  if (given.length > 1) throw badRequest(`give one of ${TARGETS.join(', ')} (got ${given.join(', ')})`);
  const scope = params.scope();
  let kind = given[0];
  const id = kind === undefined ? undefined : params.string(kind)!;
  // The page's one field: group= takes a campaign (C0027) or software (S0367) ID as well.
  if (kind === 'group' && id !== undefined) kind = /^C\d{4}$/i.test(id) ? 'campaign' : /^S\d{4}$/i.test(id) ? 'software' : 'group';
  if (kind !== undefined && id !== undefined) return ctx.graph.gaps(kind, id, scope);
  const dataset = ctx.dataset(scope);
  const coverage = ctx.graph.coverage(dataset);
  return gapList({ id: `${dataset.domain}-${dataset.version}`, name: 'every technique', type: 'dataset', techniques: [...coverage.techniques.keys()] }, dataset, coverage);
}

/** GET /api/v1/coverage: your level per technique of a target, worst first (format=navigator: a layer). */
export function getCoverage(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only(...TARGETS, 'format');
  const format = params.oneOf('format', ['json', 'navigator'] as const) ?? 'json';
  const list = coverageFor(ctx, params)!;
  if (format === 'json') return jsonResponse(list);
  const title = `${list.target.id} ${list.target.name}`;
  const res = jsonResponse(coverageLayer(list.techniques, title, list.domain, list.attackVersion));
  res.headers['content-disposition'] = `attachment; filename="ttpgraph-coverage-${list.target.id.replace(/[^\w.-]+/g, '_')}.json"`;
  return res;
}

/** GET /api/v1/inventory: the newest saved log inventory. */
export function getInventory(ctx: AppContext, { params }: RouteCall): AppResponse {
  params.only();
  const inv = ctx.graph.inventory();
  if (inv === undefined) throw new HttpError(404, 'not-found', 'no saved log inventory: run `ttpgraph hunt --save LOGS...` or `ttpgraph logs inventory --save LOGS...`');
  return jsonResponse(inv);
}
