/**
 * The route table: every HTTP route of the server (HTML pages, the JSON API, the writes and the
 * static assets) as one row `(method, pattern, handler, auth)`. The `:id` of a pattern is handed to
 * the handler decoded and checked; web/app.ts dispatches (404, 405 with Allow, the token for
 * `auth: 'token'`, the page cache) from this table alone.
 */
import { renderEmptyStoreBody } from '../render/html/pages.ts';
import { type AppResponse, type Route, type RouteCall } from '../api/http.ts';
import {
  getChanges,
  getControl,
  getCoverage,
  getInventory,
  getMatrix,
  getNavigatorLayer,
  getObject,
  getOpenApi,
  getReport,
  getReportLayer,
  getReportStix,
  getSigmaRule,
  getStats,
  getTechnique,
  listDatasetsApi,
  listImportedReports,
  listObjects,
  listTechniques,
  searchApi,
  suggestApi,
} from '../api/routes.ts';
import { cancelJob, jobStatus, reviewImportedReport, startImport, startSync, type WriteContext } from '../api/writes.ts';
import { HttpError, jsonResponse } from '../api/http.ts';
import {
  changesPage,
  controlPage,
  coveragePage,
  datasetsPage,
  homePage,
  importedReportsPage,
  matrixPage,
  objectPage,
  type PageContext,
  reportPage,
  searchPage,
  sigmaPage,
  techniqueMarkdownPage,
  techniquePage,
} from './pages.ts';

/** Everything a handler may reach: the graph and its caches, the page shell, the write jobs, the assets. */
export interface WebContext extends PageContext, WriteContext {
  /** A built asset by file name (app.css, app.js and its chunks), or undefined. */
  staticFile(name: string): AppResponse | undefined;
}

type Handler = (ctx: WebContext, call: RouteCall) => AppResponse;

/**
 * A page that shows store content: on an empty store it is the welcome page instead (how to fill
 * the store), with `emptyStatus` (200 for the pages one browses to first, 404 for a node's page).
 */
function withData(handler: Handler, emptyStatus: 200 | 404): Handler {
  return (ctx, call) => {
    if (ctx.datasets().length > 0) return handler(ctx, call);
    const res = ctx.page('Empty store', renderEmptyStoreBody(ctx.empty));
    res.status = emptyStatus;
    return res;
  };
}

function staticAsset(ctx: WebContext, { id }: RouteCall): AppResponse {
  const found = ctx.staticFile(id);
  if (found === undefined) throw new HttpError(404, 'not-found', `There is no page at /static/${id}.`);
  return found;
}

export const ROUTES: readonly Route<WebContext>[] = [
  // HTML pages
  { method: 'GET', pattern: '/', handler: homePage, auth: 'public' },
  { method: 'GET', pattern: '/datasets', handler: withData(datasetsPage, 200), auth: 'public' },
  { method: 'GET', pattern: '/search', handler: withData(searchPage, 200), auth: 'public' },
  { method: 'GET', pattern: '/matrix', handler: withData(matrixPage, 200), auth: 'public' },
  { method: 'GET', pattern: '/techniques/:id', handler: withData(techniquePage, 404), auth: 'public' },
  { method: 'GET', pattern: '/techniques/:id/markdown', handler: withData(techniqueMarkdownPage, 404), auth: 'public' },
  { method: 'GET', pattern: '/objects/:id', handler: withData(objectPage, 404), auth: 'public' },
  { method: 'GET', pattern: '/controls/:id', handler: withData(controlPage, 404), auth: 'public' },
  { method: 'GET', pattern: '/reports', handler: withData(importedReportsPage, 200), auth: 'public' },
  { method: 'GET', pattern: '/reports/:id', handler: withData(reportPage, 404), auth: 'public' },
  { method: 'GET', pattern: '/sigma/:id', handler: withData(sigmaPage, 404), auth: 'public' },
  { method: 'GET', pattern: '/changes/:id', handler: withData(changesPage, 404), auth: 'public' },
  { method: 'GET', pattern: '/coverage', handler: withData(coveragePage, 200), auth: 'public' },
  { method: 'GET', pattern: '/static/:id', handler: staticAsset, auth: 'public' },
  // The JSON API (read)
  { method: 'GET', pattern: '/api/v1/techniques', handler: listTechniques, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/techniques/:id', handler: getTechnique, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/objects', handler: listObjects, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/objects/:id', handler: getObject, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/controls/:id', handler: getControl, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/reports', handler: listImportedReports, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/reports/:id', handler: getReport, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/reports/:id/layer', handler: getReportLayer, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/reports/:id/stix', handler: getReportStix, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/search', handler: searchApi, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/suggest', handler: suggestApi, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/datasets', handler: listDatasetsApi, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/stats', handler: getStats, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/matrix', handler: getMatrix, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/changes/:id', handler: getChanges, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/navigator/layer', handler: getNavigatorLayer, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/sigma/:id', handler: getSigmaRule, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/coverage', handler: getCoverage, auth: 'public' },
  { method: 'GET', pattern: '/api/v1/inventory', handler: getInventory, auth: 'public' },
  { method: 'GET', pattern: '/api/openapi.json', handler: getOpenApi, auth: 'public' },
  // Writes and the jobs they start (which name server paths): the start-up token only
  { method: 'POST', pattern: '/api/v1/sync', handler: startSync, auth: 'token' },
  { method: 'POST', pattern: '/api/v1/import', handler: startImport, auth: 'token' },
  { method: 'GET', pattern: '/api/v1/jobs/:id', handler: jobStatus, auth: 'token' },
  { method: 'DELETE', pattern: '/api/v1/jobs/:id', handler: cancelJob, auth: 'token' },
  { method: 'POST', pattern: '/api/v1/reports/:id/review', handler: reviewImportedReport, auth: 'token' },
  { method: 'POST', pattern: '/api/v1/admin/whoami', handler: () => jsonResponse({ ok: true, writes: 'allowed' }), auth: 'token' },
];
