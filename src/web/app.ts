/**
 * The web app as a function: `createApp({ graph })` returns `handle(request) → response` (and
 * `request(url)` for tests), no socket needed. It serves the HTML pages, the JSON API and the
 * static assets, with security headers on every answer, one place mapping errors to statuses
 * (never a stack trace), read-only methods, a start-up token for any future write route, and a
 * page cache keyed by store generation + URL (pages are immutable while the store is unchanged).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_KINDS } from '../core/attack.ts';
import type { Graph } from '../graph.ts';
import { type AppContext, createContext } from '../api/context.ts';
import { type AppRequest, type AppResponse, badRequest, errorStatus, HttpError, idParam, jsonError, jsonResponse, Params } from '../api/http.ts';
import { createJobRunner } from '../api/jobs.ts';
import { apiRoute, changesFor, matrixWithCounts } from '../api/routes.ts';
import { jobStatus, reviewImportedReport, startImport, startSync } from '../api/writes.ts';
import { isImportedReportId } from '../query/imported-reports.ts';
import { renderImportedReportBody, renderImportedReportList } from '../render/html/imported-report.ts';
import { SOURCES } from '../sync/sources.ts';
import { type RuleOrControlHit, type SearchHit, searchRulesAndControls } from '../query/search.ts';
import { MATRIX_METRICS } from '../query/matrix.ts';
import { layout } from '../render/html/layout.ts';
import { renderTechniqueBody } from '../render/html/technique-page.ts';
import {
  renderChangesBody,
  renderControlBody,
  renderDatasetsBody,
  renderEmptyStoreBody,
  renderErrorBody,
  renderHomeBody,
  renderMatrixBody,
  renderObjectBody,
  renderReportBody,
  renderSearchBody,
  renderSigmaBody,
  type SigmaRuleView,
} from '../render/html/pages.ts';
import type { SafeHtml } from '../render/html/html.ts';
import { APP_CSS } from './assets.ts';

export interface AppDeps {
  readonly graph: Graph;
  /** Required by the write routes (POST /api/v1/sync, /api/v1/import) and job reads. Without it, writes are refused (403). */
  readonly token?: string | undefined;
  /** Where the built browser bundle (app.js) lives; default dist/web/static beside the package. */
  readonly staticDir?: string;
  /** Cache rendered pages per store generation (default true). */
  readonly cache?: boolean;
}

export interface App {
  handle(req: AppRequest): AppResponse;
  /** For tests: a GET (or other method) by URL path, like a client would send it. */
  request(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): AppResponse;
  /** Renders the pages everyone opens first (home, the default matrix) and the default dataset's stats into the caches. */
  warm(): void;
  /** Resolves when no write job is running. */
  idle(): Promise<void>;
}

/** POST /api/v1/reports/{id}/review: a person's verdicts on an imported report's techniques. */
const REVIEW_PATH = /^\/api\/v1\/reports\/([^/]+)\/review$/;

/** Routes that need the start-up token: writes, and the jobs they start (which name server paths). */
function isWritePath(p: string): boolean {
  return p === '/api/v1/sync' || p === '/api/v1/import' || p.startsWith('/api/v1/jobs/') || p.startsWith('/api/v1/admin/') || REVIEW_PATH.test(p);
}

/** The stylesheet's hash: the one inline style the CSP allows (pages carry it so the first paint needs no request). */
export const CSS_HASH = `'sha256-${createHash('sha256').update(APP_CSS).digest('base64')}'`;

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' ${CSS_HASH}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // No Cross-Origin-Opener-Policy: "same-origin" makes Chromium swap browsing-context group (a new
  // renderer process) on the first navigation into the app, about 100 ms of first paint in the web
  // benchmark, and these pages hold nothing an opener could reach: no frames, no postMessage,
  // framing forbidden above, the token never stored.
  'cross-origin-resource-policy': 'same-origin',
};

const DEFAULT_STATIC = fileURLToPath(new URL('../../dist/web/static/', import.meta.url));
/** The page cache holds at most this many bytes of bodies; the oldest entries go first. */
const CACHE_BYTES = 64 * 1024 * 1024;

function htmlResponse(body: SafeHtml | string, status = 200): AppResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: String(body) };
}

function redirect(location: string): AppResponse {
  return { status: 302, headers: { location }, body: '' };
}

function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
}

function scopeQuery(params: URLSearchParams): string {
  const parts: string[] = [];
  for (const k of ['domain', 'version']) {
    const v = params.get(k);
    if (v !== null && v !== '') parts.push(`${k}=${encodeURIComponent(v)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

export function createApp(deps: AppDeps): App {
  const ctx: AppContext = createContext(deps.graph);
  const writable = deps.token !== undefined && deps.token !== '';
  const empty = { writable, sources: SOURCES.map((k) => ({ name: k.name, description: k.description })) };
  const jobs = createJobRunner(() => ctx.invalidate());
  const staticDir = deps.staticDir ?? DEFAULT_STATIC;
  // The browser bundle: app.js and its chunks. Without them pages still work (lists, no suggestions).
  let scripts: string[] = [];
  try {
    scripts = readdirSync(staticDir).filter((f) => /^[\w.-]+\.js$/.test(f));
  } catch {
    scripts = [];
  }
  const hash = createHash('sha1').update(APP_CSS);
  const statics = new Map<string, { type: string; body: string | Buffer }>([['/static/app.css', { type: 'text/css; charset=utf-8', body: APP_CSS }]]);
  for (const f of scripts.sort()) {
    const body = readFileSync(path.join(staticDir, f));
    hash.update(body);
    statics.set(`/static/${f}`, { type: 'text/javascript; charset=utf-8', body });
  }
  const assetVersion = hash.digest('hex').slice(0, 10);

  /** Sigma rule pages, when the store has Sigma support (`ttpgraph import sigma PATH`). */
  const sigmaRule = (id: string): SigmaRuleView => {
    const lookup = (deps.graph as { sigmaRule?: (id: string) => SigmaRuleView }).sigmaRule;
    if (lookup === undefined) throw new HttpError(404, 'not-found', 'this store has no Sigma rules: import them with ttpgraph import sigma PATH');
    return lookup(id);
  };
  const page = (title: string, body: SafeHtml, query = ''): AppResponse => htmlResponse(layout({ title, body, query, assetVersion, inlineCss: APP_CSS }));
  const cache = new Map<string, { res: AppResponse; etag: string }>();
  let cacheGeneration = -1;
  let cachedBytes = 0;

  const suggestionsFor = (text: string): SearchHit[] => {
    try {
      return ctx.graph.search(text, { limit: 6 });
    } catch {
      return [];
    }
  };

  const errorPage = (req: AppRequest, err: unknown, id = ''): AppResponse => {
    const { status, code, message } = errorStatus(err);
    if (req.path.startsWith('/api/')) return jsonError(status, code, message);
    if (code === 'unknown-version' && ctx.datasets().length === 0) return page('Empty store', renderEmptyStoreBody(empty));
    const suggestions = status === 404 && id !== '' ? suggestionsFor(id) : [];
    const res = page(status === 404 ? 'Not found' : 'Error', renderErrorBody(status, message, suggestions, id));
    res.status = status;
    return res;
  };

  const htmlRoute = (req: AppRequest): AppResponse | undefined => {
    const params = new Params(req.query);
    const scope = scopeQuery(req.query);
    const path = req.path;
    if (path === '/') return page('Home', renderHomeBody(ctx.datasets(), empty));
    if (ctx.datasets().length === 0 && !path.startsWith('/static/')) {
      const res = page('Empty store', renderEmptyStoreBody(empty));
      if (path !== '/matrix' && path !== '/search' && path !== '/datasets') res.status = 404;
      return res;
    }
    if (path === '/datasets') return page('Datasets', renderDatasetsBody(ctx.datasets()));
    if (path === '/search') {
      params.only('q', 'type');
      const q = params.string('q', 500) ?? '';
      const type = params.type() ?? '';
      let hits: SearchHit[] | null = null;
      if (q.trim() !== '') {
        try {
          hits = ctx.graph.search(q, { ...params.scope(), ...(type === '' ? {} : { type }), limit: 50 });
        } catch (err) {
          if (errorStatus(err).status !== 400) throw err;
          hits = [];
        }
      }
      // Sigma rules and controls (when the store has them) after the ATT&CK nodes, unless a type is asked for.
      let others: RuleOrControlHit[] = [];
      if (q.trim() !== '' && type === '') {
        try {
          others = searchRulesAndControls(ctx.graph.store, q, { limit: 20 });
        } catch {
          others = [];
        }
      }
      return page(q === '' ? 'Search' : `Search: ${q}`, renderSearchBody(q, hits, type, PAGE_KINDS, others), q);
    }
    if (path === '/matrix') {
      params.only('metric', 'dataset');
      const picked = params.string('dataset');
      if (picked !== undefined) {
        const m = /^(enterprise|mobile|ics):(\d{1,3}(?:\.\d{1,3})?)$/.exec(picked);
        if (m === null) throw badRequest('"dataset" must look like enterprise:18.1');
        const next = new URLSearchParams({ domain: m[1] ?? '', version: m[2] ?? '' });
        const metric = params.string('metric');
        if (metric !== undefined) next.set('metric', metric);
        return redirect(`/matrix?${next.toString()}`);
      }
      const { matrix, metric, counts } = matrixWithCounts(ctx, params);
      return page(`Matrix ${matrix.domain} ${matrix.attackVersion}`, renderMatrixBody(matrix, { datasets: ctx.datasets(), metric, metrics: MATRIX_METRICS, counts }));
    }
    let m = /^\/techniques\/([^/]+)$/.exec(path);
    if (m?.[1] !== undefined) {
      const id = idParam(m[1]);
      const result = ctx.graph.page(id, params.only().scope());
      if (result.kind !== 'technique') return redirect(`/objects/${encodeURIComponent(result.page.id)}${scope}`);
      const p = result.page;
      const versions = ctx.datasets().filter((d) => d.domain === p.domain).map((d) => d.version);
      return page(`${p.id} ${p.name}`, renderTechniqueBody(p, { scope, versions, formerly: result.formerly }));
    }
    m = /^\/objects\/([^/]+)$/.exec(path);
    if (m?.[1] !== undefined) {
      const id = idParam(m[1]);
      const result = ctx.graph.page(id, params.only().scope());
      switch (result.kind) {
        case 'technique':
          return redirect(`/techniques/${encodeURIComponent(result.page.id)}${scope}`);
        case 'object':
          return page(`${result.page.id} ${result.page.name}`, renderObjectBody(result.page, scope, result.formerly));
        case 'control':
          return page(`${result.page.id} ${result.page.name ?? ''}`, renderControlBody(result.page));
        case 'report':
          return page(result.page.title, renderReportBody(result.page, scope));
      }
    }
    m = /^\/controls\/([^/]+)$/.exec(path);
    if (m?.[1] !== undefined) {
      const id = idParam(m[1]);
      params.only('framework', 'frameworkVersion');
      const c = ctx.graph.control(id, { framework: params.string('framework'), frameworkVersion: params.string('frameworkVersion') });
      return page(`${c.id} ${c.name ?? ''}`, renderControlBody(c));
    }
    if (path === '/reports') return (params.only(), page('Imported reports', renderImportedReportList(ctx.graph.importedReports())));
    m = /^\/reports\/([^/]+)$/.exec(path);
    if (m?.[1] !== undefined && isImportedReportId(idParam(m[1]))) {
      const r = ctx.graph.importedReport(idParam(m[1]));
      params.only();
      return page(r.title, renderImportedReportBody(r, { writable }));
    }
    if (m?.[1] !== undefined) {
      const r = ctx.graph.report(idParam(m[1]), params.only().scope());
      return page(r.title, renderReportBody(r, scope));
    }
    m = /^\/sigma\/([^/]+)$/.exec(path);
    if (m?.[1] !== undefined) {
      params.only();
      const rule = sigmaRule(idParam(m[1]));
      return page(rule.title, renderSigmaBody(rule));
    }
    m = /^\/changes\/([^/]+)$/.exec(path);
    if (m?.[1] !== undefined) {
      const { changes, versions } = changesFor(ctx, idParam(m[1]), params.only('from', 'to'));
      return page(`${changes.id}: what changed`, renderChangesBody(changes, versions));
    }
    return undefined;
  };

  const tokenOk = (req: AppRequest): boolean => {
    if (deps.token === undefined || deps.token === '') return false;
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(deps.token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const route = (req: AppRequest): AppResponse => {
    const st = statics.get(req.path);
    if (st !== undefined) {
      return { status: 200, headers: { 'content-type': st.type, 'cache-control': 'public, max-age=31536000, immutable' }, body: st.body };
    }
    if (isWritePath(req.path)) {
      if (!writable) return jsonError(403, 'read-only', 'this server is read-only: start it with --token TOKEN (or $TTPGRAPH_TOKEN) to allow writes');
      if (!tokenOk(req)) return { ...jsonError(401, 'unauthorized', 'a valid "Authorization: Bearer TOKEN" header is required'), headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' } };
      const allowed = req.path.startsWith('/api/v1/jobs/') ? 'GET' : 'POST';
      if (req.method !== allowed && !(allowed === 'GET' && req.method === 'HEAD')) {
        const res = jsonError(405, 'method-not-allowed', `use ${allowed} on ${req.path}`);
        res.headers.allow = allowed;
        return res;
      }
      if (req.path === '/api/v1/sync') return startSync(deps.graph, jobs, req);
      if (req.path === '/api/v1/import') return startImport(deps.graph, jobs, req);
      const reviewed = REVIEW_PATH.exec(req.path)?.[1];
      if (reviewed !== undefined) {
        const res = reviewImportedReport(deps.graph, req, idParam(reviewed));
        ctx.invalidate();
        return res;
      }
      const job = /^\/api\/v1\/jobs\/([\w-]{1,64})$/.exec(req.path)?.[1];
      if (job !== undefined) return jobStatus(jobs, job);
      if (req.path === '/api/v1/admin/whoami') return jsonResponse({ ok: true, writes: 'allowed' });
      return jsonError(404, 'not-found', 'no such route');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const res = req.path.startsWith('/api/') ? jsonError(405, 'method-not-allowed', 'this API is read-only: use GET') : htmlResponse('Method not allowed', 405);
      res.headers.allow = 'GET, HEAD';
      return res;
    }
    const api = req.path.startsWith('/api/') ? apiRoute(ctx, req) : htmlRoute(req);
    if (api !== undefined) return api;
    if (req.path.startsWith('/api/')) return jsonError(404, 'not-found', `no API route ${req.path}; see /api/openapi.json`);
    const guess = decodeURIComponentSafe(req.path.split('/').filter((s) => s !== '').pop() ?? '');
    return errorPage(req, new HttpError(404, 'not-found', `There is no page at ${req.path}.`), guess);
  };

  const handle = (req: AppRequest): AppResponse => {
    let res: AppResponse;
    const cacheable = deps.cache !== false && (req.method === 'GET' || req.method === 'HEAD') && !req.path.startsWith('/static/') && !isWritePath(req.path);
    const key = `${req.path}?${req.query.toString()}`;
    let etag: string | undefined;
    try {
      if (cacheable) {
        const gen = ctx.generation();
        if (gen !== cacheGeneration) {
          cache.clear();
          cachedBytes = 0;
          cacheGeneration = gen;
        }
        const hit = cache.get(key);
        if (hit !== undefined) {
          res = { status: hit.res.status, headers: { ...hit.res.headers }, body: hit.res.body };
          etag = hit.etag;
        } else {
          res = route(req);
          if (res.status === 200 || res.status === 404) {
            etag = etagOf(res.body);
            const size = Buffer.byteLength(res.body);
            for (const [oldKey, old] of cache) {
              if (cachedBytes + size <= CACHE_BYTES) break;
              cache.delete(oldKey);
              cachedBytes -= Buffer.byteLength(old.res.body);
            }
            cachedBytes += size;
            cache.set(key, { res: { status: res.status, headers: { ...res.headers }, body: res.body }, etag });
          }
        }
      } else {
        res = route(req);
      }
    } catch (err) {
      const id = /^\/(?:api\/v1\/)?(?:techniques|objects|controls|reports|changes|sigma)\/([^/]+)$/.exec(req.path)?.[1];
      res = errorPage(req, err, id === undefined ? '' : decodeURIComponentSafe(id));
    }
    if (etag !== undefined && res.status === 200) {
      res.headers.etag = etag;
      res.headers['cache-control'] ??= 'no-cache';
      if (req.headers['if-none-match'] === etag) res = { status: 304, headers: { ...res.headers }, body: '' };
    }
    Object.assign(res.headers, SECURITY_HEADERS);
    if (req.method === 'HEAD') res = { ...res, body: '' };
    return res;
  };

  const request: App['request'] = (url, init = {}) => {
    const u = new URL(url, 'http://localhost');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    return handle({ method: init.method ?? 'GET', path: u.pathname, query: u.searchParams, headers, ...(init.body === undefined ? {} : { body: init.body }) });
  };

  return {
    handle,
    request,
    warm() {
      if (ctx.datasets().length === 0) return;
      for (const url of ['/', '/matrix', '/search']) request(url);
      ctx.stats(ctx.dataset({}));
    },
    idle: () => jobs.idle(),
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
