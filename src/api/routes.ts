/**
 * The JSON REST API (/api/v1/...): every page model the web app renders, lists with paging and
 * filters, search, stats, the matrix, "what changed", and ATT&CK Navigator layers. Each handler
 * returns the query layer's model unchanged, so `/api/v1/techniques/T1114` is byte for byte what
 * `ttpgraph show T1114 --json` prints.
 */
import { PAGE_KINDS } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import { type TechniqueChanges, techniqueChanges } from '../query/changes.ts';
import { countsFromStats, isMatrixMetric, MATRIX_METRICS, type Matrix, type MatrixMetric, matrixOf, objectList, techniqueList } from '../query/matrix.ts';
import { layerOf } from '../query/navigator.ts';
import { isImportedReportId, REVIEW_STATUSES, type ReviewStatus } from '../query/imported-reports.ts';
import type { TechniquePage } from '../query/technique-page.ts';
import type { AppContext } from './context.ts';
import { type AppRequest, type AppResponse, badRequest, HttpError, idParam, jsonResponse, Params, type Scope } from './http.ts';
import { openApiDocument } from './openapi.ts';

type Handler = (ctx: AppContext, req: AppRequest, params: Params, id: string) => AppResponse;

interface Route {
  readonly pattern: RegExp;
  readonly handler: Handler;
}

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

export function matrixWithCounts(ctx: AppContext, params: Params): { matrix: Matrix; metric: MatrixMetric | null; counts: Map<string, number> | null } {
  const scope = params.scope();
  const metricRaw = params.string('metric');
  if (metricRaw !== undefined && !isMatrixMetric(metricRaw)) throw badRequest(`"metric" must be one of ${MATRIX_METRICS.join(', ')}`);
  const dataset = ctx.dataset(scope);
  const matrix = matrixOf(ctx.graph.store, dataset);
  const metric = metricRaw ?? null;
  return { matrix, metric, counts: metric === null ? null : countsFromStats(ctx.stats(dataset), metric) };
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

const ROUTES: Route[] = [
  {
    pattern: /^\/api\/v1\/techniques$/,
    handler: (ctx, _req, params) => {
      params.only('tactic', 'platform', 'subtechniques', 'page', 'limit');
      const dataset = ctx.dataset(params.scope());
      const sub = params.oneOf('subtechniques', ['true', 'false'] as const);
      const items = techniqueList(ctx.graph.store, dataset, {
        tactic: params.string('tactic'),
        platform: params.string('platform'),
        subtechniques: sub === undefined ? undefined : sub === 'true',
      });
      return jsonResponse({ domain: dataset.domain, attackVersion: dataset.version, ...paged(items, params) });
    },
  },
  {
    pattern: /^\/api\/v1\/techniques\/([^/]+)$/,
    handler: (ctx, _req, params, id) => jsonResponse(ctx.graph.technique(id, params.only().scope())),
  },
  {
    pattern: /^\/api\/v1\/objects$/,
    handler: (ctx, _req, params) => {
      params.only('type', 'platform', 'page', 'limit');
      const type = params.type();
      if (type === undefined) throw badRequest(`"type" is required: one of ${PAGE_KINDS.join(', ')}`);
      const dataset = ctx.dataset(params.scope());
      const items = objectList(ctx.graph.store, dataset, type, { platform: params.string('platform') });
      return jsonResponse({ domain: dataset.domain, attackVersion: dataset.version, ...paged(items, params) });
    },
  },
  {
    pattern: /^\/api\/v1\/objects\/([^/]+)$/,
    handler: (ctx, _req, params, id) => {
      const scope = params.only('type').scope();
      const type = params.type();
      const result = ctx.graph.page(id, { ...scope, ...(type === undefined ? {} : { kind: type as (typeof PAGE_KINDS)[number] }) });
      return jsonResponse(result.page);
    },
  },
  {
    pattern: /^\/api\/v1\/controls\/([^/]+)$/,
    handler: (ctx, _req, params, id) => {
      params.only('framework', 'frameworkVersion');
      return jsonResponse(ctx.graph.control(id, { framework: params.string('framework'), frameworkVersion: params.string('frameworkVersion') }));
    },
  },
  {
    pattern: /^\/api\/v1\/reports$/,
    handler: (ctx, _req, params) => (params.only(), jsonResponse(ctx.graph.importedReports())),
  },
  {
    pattern: /^\/api\/v1\/reports\/([^/]+)$/,
    handler: (ctx, _req, params, id) => {
      if (isImportedReportId(id)) return (params.only(), jsonResponse(ctx.graph.importedReport(id)));
      return jsonResponse(ctx.graph.report(id, params.only().scope()));
    },
  },
  {
    pattern: /^\/api\/v1\/reports\/([^/]+)\/layer$/,
    handler: (ctx, _req, params, id) => {
      const res = jsonResponse(ctx.graph.reportLayer(id, exportStatuses(params)));
      res.headers['content-disposition'] = `attachment; filename="${id}-layer.json"`;
      return res;
    },
  },
  {
    pattern: /^\/api\/v1\/reports\/([^/]+)\/stix$/,
    handler: (ctx, _req, params, id) => {
      const res = jsonResponse(ctx.graph.reportStix(id, exportStatuses(params)));
      res.headers['content-disposition'] = `attachment; filename="${id}-stix.json"`;
      return res;
    },
  },
  {
    pattern: /^\/api\/v1\/search$/,
    handler: (ctx, _req, params) => {
      params.only('q', 'type', 'limit');
      const q = params.string('q', 500);
      if (q === undefined) throw badRequest('"q" is required: the words or ID to search for');
      const scope = params.scope();
      const type = params.type();
      const limit = params.int('limit', 20, 1, 200);
      return jsonResponse({ query: q, hits: ctx.graph.search(q, { ...scope, type, limit }) });
    },
  },
  { pattern: /^\/api\/v1\/datasets$/, handler: (ctx, _req, params) => (params.only(), jsonResponse(ctx.datasets())) },
  {
    pattern: /^\/api\/v1\/stats$/,
    handler: (ctx, _req, params) => jsonResponse(ctx.stats(ctx.dataset(params.only().scope()))),
  },
  {
    pattern: /^\/api\/v1\/matrix$/,
    handler: (ctx, _req, params) => {
      params.only('metric');
      const { matrix, metric, counts } = matrixWithCounts(ctx, params);
      return jsonResponse({ ...matrix, metric, counts: counts === null ? null : Object.fromEntries(counts) });
    },
  },
  {
    pattern: /^\/api\/v1\/changes\/([^/]+)$/,
    handler: (ctx, _req, params, id) => jsonResponse(changesFor(ctx, id, params.only('from', 'to')).changes),
  },
  {
    pattern: /^\/api\/v1\/navigator\/layer$/,
    handler: (ctx, _req, params) => {
      params.only('metric');
      const { matrix, metric, counts } = matrixWithCounts(ctx, params);
      const m = metric ?? 'groups';
      const layer = layerOf({ domain: matrix.domain, attackVersion: matrix.attackVersion, metric: m, counts: counts ?? countsFromStats(ctx.stats(ctx.dataset(params.scope())), m) });
      const res = jsonResponse(layer);
      res.headers['content-disposition'] = `attachment; filename="ttpgraph-${matrix.domain}-${matrix.attackVersion}-${m}.json"`;
      return res;
    },
  },
  {
    pattern: /^\/api\/v1\/sigma\/([^/]+)$/,
    handler: (ctx, _req, params, id) => {
      params.only();
      const lookup = (ctx.graph as { sigmaRule?: (id: string) => unknown }).sigmaRule;
      if (lookup === undefined) throw new HttpError(404, 'not-found', 'this store has no Sigma rules: import them with ttpgraph import sigma PATH');
      return jsonResponse(lookup(id));
    },
  },
  { pattern: /^\/api\/openapi\.json$/, handler: (_ctx, _req, params) => (params.only(), jsonResponse(openApiDocument())) },
];

/** The API's answer, or undefined when the path is not an API route. */
export function apiRoute(ctx: AppContext, req: AppRequest): AppResponse | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(req.path);
    if (m === null) continue;
    return route.handler(ctx, req, new Params(req.query), m[1] === undefined ? '' : idParam(m[1]));
  }
  return undefined;
}
