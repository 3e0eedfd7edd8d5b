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
import type { Graph } from '../graph.ts';
import { type AppContext, createContext } from '../api/context.ts';
import { type AppRequest, type AppResponse, compileRoutes, errorStatus, HttpError, idParam, jsonError, Params, type RouteMatch } from '../api/http.ts';
import { createJobRunner, type JobView } from '../api/jobs.ts';
import { NO_SERVER_FILES, startSyncJob, type SyncJobParams, type WritePolicy } from '../api/writes.ts';
import type { SyncEvent } from '../sync/sync.ts';
import { renderJobBanner, withBanner } from './job-banner.ts';
import { SOURCES } from '../sync/sources.ts';
import type { SearchHit } from '../query/search.ts';
import { layout } from '../render/html/layout.ts';
import { renderEmptyStoreBody, renderErrorBody } from '../render/html/pages.ts';
import type { SafeHtml } from '../render/html/html.ts';
import { APP_CSS } from './assets.ts';
import { ROUTES, type WebContext } from './routes.ts';

export interface AppDeps {
  readonly graph: Graph;
  /** Required by the write routes (POST /api/v1/sync, /api/v1/import) and job reads. Without it, writes are refused (403). */
  readonly token?: string | undefined;
  /** Where the built browser bundle (app.js) lives; default dist/web/static beside the package. */
  readonly staticDir?: string;
  /** Cache rendered pages per store generation (default true). */
  readonly cache?: boolean;
  /** What web jobs may read: server folders and private URLs (default: neither). */
  readonly writePolicy?: WritePolicy;
  /**
   * Host names (the Host header without its port) this server answers; others get a 421, so a page
   * of another site whose name was made to resolve to this machine (DNS rebinding) reads nothing.
   * Default: localhost, 127.0.0.1 and [::1]; `serve` adds the bound address and --allowed-host.
   */
  readonly allowedHosts?: readonly string[];
}

export const DEFAULT_ALLOWED_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** "Example.org:8080" → "example.org", "[::1]:80" → "[::1]"; undefined when malformed. */
export function hostName(header: string): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/i.exec(header.trim());
  return m?.[1]?.toLowerCase().replace(/\.$/, '');
}

export interface App {
  handle(req: AppRequest): AppResponse;
  /** For tests: a GET (or other method) by URL path, like a client would send it. */
  request(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): AppResponse;
  /**
   * Renders the pages everyone opens first (home, the default matrix, T1114) and the default
   * dataset's stats into the caches, one piece per turn of the event loop; resolves when done.
   */
  warm(): Promise<void>;
  /** Resolves when no write job is running. */
  idle(): Promise<void>;
  /**
   * Starts a sync as the one write job, without a token: what `ttpgraph serve` does by itself on an
   * empty store. Undefined when a job is running. `observe` sees its events (for the terminal).
   */
  startSync(params: SyncJobParams, observe?: (event: SyncEvent) => void): JobView | undefined;
  /** A start-up sync that failed: said on the home page (what happened and what to do) until a job succeeds. */
  setStartupProblem(message: string | undefined): void;
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

function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
}

const TABLE = compileRoutes(ROUTES);

export function createApp(deps: AppDeps): App {
  const ctx: AppContext = createContext(deps.graph);
  const writable = deps.token !== undefined && deps.token !== '';
  const empty = { writable, sources: SOURCES.map((k) => ({ name: k.name, description: k.description })) };
  const jobs = createJobRunner(() => ctx.invalidate());
  const policy = deps.writePolicy ?? NO_SERVER_FILES;
  const hosts = new Set((deps.allowedHosts ?? DEFAULT_ALLOWED_HOSTS).map((h) => hostName(h) ?? h.toLowerCase()));
  let startupProblem: { message: string } | undefined;
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

  const page = (title: string, body: SafeHtml, query = ''): AppResponse => htmlResponse(layout({ title, body, query, assetVersion, inlineCss: APP_CSS }));
  const web: WebContext = {
    ...ctx,
    jobs,
    policy,
    empty,
    page,
    staticFile(name) {
      const st = statics.get(`/static/${name}`);
      return st === undefined ? undefined : { status: 200, headers: { 'content-type': st.type, 'cache-control': 'public, max-age=31536000, immutable' }, body: st.body };
    },
  };
  const cache = new Map<string, { res: AppResponse; etag: string }>();
  let cacheGeneration = -1;
  let cachedBytes = 0;

  /** The closest IDs and names to what a 404 named, then what a search finds for it (a text no search can read has no search hits). */
  const suggestionsFor = (text: string): { id: string; name: string; type: string }[] => {
    if (ctx.datasets().length === 0) return [];
    const close = ctx.graph.closest(text, 6);
    let found: SearchHit[] = [];
    try {
      found = ctx.graph.search(text, { limit: 6 });
    } catch (err) {
      if (errorStatus(err).status !== 400) throw err;
    }
    const ids = new Set(close.map((c) => c.id));
    return [...close, ...found.filter((f) => !ids.has(f.id))].slice(0, 8);
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

  const tokenOk = (req: AppRequest): boolean => {
    if (deps.token === undefined || deps.token === '') return false;
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(deps.token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const notFound = (req: AppRequest): AppResponse => {
    if (req.path.startsWith('/api/')) return jsonError(404, 'not-found', `no API route ${req.path}; see /api/openapi.json`);
    if (ctx.datasets().length === 0) {
      const res = page('Empty store', renderEmptyStoreBody(empty));
      res.status = 404;
      return res;
    }
    const guess = decodeURIComponentSafe(req.path.split('/').filter((s) => s !== '').pop() ?? '');
    return errorPage(req, new HttpError(404, 'not-found', `There is no page at ${req.path}.`), guess);
  };

  /** The token check for `auth: 'token'` routes (before the method: a write route reveals nothing to a stranger). */
  const refused = (matches: readonly RouteMatch<WebContext>[], req: AppRequest): AppResponse | undefined => {
    if (!matches.some((m) => m.route.auth === 'token')) return undefined;
    if (!writable) return jsonError(403, 'read-only', 'this server is read-only: start it with a token ($TTPGRAPH_TOKEN or --token-file FILE) to allow writes');
    if (!tokenOk(req)) return { ...jsonError(401, 'unauthorized', 'a valid "Authorization: Bearer TOKEN" header is required'), headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' } };
    return undefined;
  };

  const methodNotAllowed = (matches: readonly RouteMatch<WebContext>[], req: AppRequest): AppResponse => {
    const methods = [...new Set(matches.flatMap((m) => (m.route.method === 'GET' ? ['GET', 'HEAD'] : [m.route.method])))];
    const writes = matches.some((m) => m.route.auth === 'token');
    const res = !req.path.startsWith('/api/')
      ? htmlResponse('Method not allowed', 405)
      : writes
        ? jsonError(405, 'method-not-allowed', `use ${methods.filter((m) => m !== 'HEAD').join(' or ')} on ${req.path}`)
        : jsonError(405, 'method-not-allowed', 'this API is read-only: use GET');
    res.headers.allow = methods.join(', ');
    return res;
  };

  /** The one dispatcher: the route table says what a path is, who may call it, and with which method. */
  const route = (req: AppRequest, matches: readonly RouteMatch<WebContext>[]): AppResponse => {
    if (matches.length === 0) return notFound(req);
    const denied = refused(matches, req);
    if (denied !== undefined) return denied;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const match = matches.find((m) => m.route.method === method);
    if (match === undefined) return methodNotAllowed(matches, req);
    let id = '';
    try {
      if (match.rawId !== '') id = idParam(match.rawId);
      return match.route.handler(web, { req, params: new Params(req.query), id });
    } catch (err) {
      return errorPage(req, err, id === '' ? decodeURIComponentSafe(match.rawId) : id);
    }
  };

  const handle = (req: AppRequest): AppResponse => {
    const host = req.headers.host;
    // HTTP/1.1 clients always send Host (node refuses requests without it); app.request() in tests may not.
    if (host !== undefined && !hosts.has(hostName(host) ?? '')) {
      const refused = jsonError(421, 'unknown-host', 'this server does not answer to that host name (ttpgraph serve --allowed-host NAME adds one)');
      Object.assign(refused.headers, SECURITY_HEADERS);
      return refused;
    }
    let res: AppResponse;
    const matches = TABLE.match(req.path);
    // Pages are cached per store generation; assets carry their own caching, token routes none.
    const cacheable =
      deps.cache !== false && (req.method === 'GET' || req.method === 'HEAD') && matches.every((m) => m.route.auth === 'public' && !m.route.pattern.startsWith('/static/'));
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
          res = route(req, matches);
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
        res = route(req, matches);
      }
    } catch (err) {
      res = errorPage(req, err);
    }
    // While a write job runs, every page says how far it is (so such pages are neither cached by the browser nor 304'd).
    if (typeof res.body === 'string' && (res.headers['content-type'] ?? '').startsWith('text/html')) {
      const running = jobs.running();
      const banner = renderJobBanner(running, req.path === '/' ? startupProblem : undefined);
      if (banner !== undefined) {
        const follow = running !== undefined && (req.path === '/' || ctx.datasets().length === 0);
        res = { ...res, headers: { ...res.headers, 'cache-control': 'no-store' }, body: withBanner(res.body, banner, follow) };
        etag = undefined;
      }
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
      // One piece per turn of the event loop, so that a request arriving meanwhile is answered
      // between pieces instead of waiting for all of them (the stats alone take seconds).
      const steps = (function* (): Generator<unknown, void> {
        if (ctx.datasets().length === 0) return;
        for (const url of ['/', '/matrix', '/search', '/techniques/T1114']) yield request(url);
        yield* ctx.warmStats(ctx.dataset({}));
      })();
      return new Promise<void>((resolve) => {
        const next = (): void => {
          try {
            if (steps.next().done !== true) {
              setImmediate(next);
              return;
            }
          } catch {
            // Warming is an optimisation: a page that fails now fails again when asked, with its error.
          }
          resolve();
        };
        next();
      });
    },
    idle: () => jobs.idle(),
    startSync: (params, observe) => startSyncJob(deps.graph, jobs, params, observe),
    setStartupProblem(message) {
      startupProblem = message === undefined ? undefined : { message };
    },
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
