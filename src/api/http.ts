/**
 * The app's own small HTTP model. `AppRequest` (method, path, query, headers, body) in,
 * `AppResponse` (status, headers, body) out: the app is a plain function, tested without a
 * socket; `src/web/server.ts` adapts it to node:http. `HttpError` carries a status and a message
 * safe to show; anything else becomes a 500 with no detail.
 */
import { DOMAINS, isKind, PAGE_KINDS } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';

export interface AppRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, 'invalid-argument', message);
}

/** A TtpgraphError or HttpError as status + code + message; anything else is an internal error with no detail. */
export function errorStatus(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof TtpgraphError) {
    switch (err.code) {
      case 'unknown-id':
        return { status: 404, code: err.code, message: err.message.replace(/; try: ttpgraph search .*$/, '') };
      case 'unknown-version':
      case 'unknown-domain':
        return { status: 404, code: err.code, message: err.message };
      case 'invalid-argument':
      case 'ambiguous-id':
        return { status: 400, code: err.code, message: err.message };
      default:
        break;
    }
  }
  return { status: 500, code: 'internal', message: 'internal error: the server could not answer this request' };
}

export function jsonResponse(value: unknown, status = 200): AppResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: `${JSON.stringify(value, null, 2)}\n` };
}

export function jsonError(status: number, code: string, message: string): AppResponse {
  return jsonResponse({ error: { status, code, message } }, status);
}

const VERSION = /^\d{1,3}(?:\.\d{1,3})?$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what an ID must not hold
const ID = /^[^\u0000-\u001f<>"\\]{1,200}$/;

export interface Scope {
  readonly domain?: string;
  readonly version?: string;
}

/** Query parameters read strictly: a malformed value is a 400, never a guess. */
export class Params {
  private readonly q: URLSearchParams;
  private static readonly KNOWN_COMMON = new Set(['domain', 'version']);
  constructor(q: URLSearchParams) {
    this.q = q;
  }

  /** Rejects parameters the route does not know, so a typo is not silently ignored. */
  only(...names: string[]): this {
    for (const key of this.q.keys()) {
      if (!names.includes(key) && !Params.KNOWN_COMMON.has(key)) throw badRequest(`unknown query parameter "${key}"; this route takes: ${['domain', 'version', ...names].join(', ')}`);
    }
    return this;
  }

  string(name: string, max = 200): string | undefined {
    const all = this.q.getAll(name);
    if (all.length > 1) throw badRequest(`"${name}" given ${all.length} times`);
    const v = all[0];
    if (v === undefined || v === '') return undefined;
    if (v.length > max) throw badRequest(`"${name}" is longer than ${max} characters`);
    return v;
  }

  scope(): Scope {
    const domain = this.string('domain');
    const version = this.string('version');
    if (domain !== undefined && !(DOMAINS as readonly string[]).includes(domain.replace(/-attack$/, '').toLowerCase())) {
      throw badRequest(`"domain" must be one of ${DOMAINS.join(', ')}`);
    }
    if (version !== undefined && !VERSION.test(version.replace(/^v/i, ''))) throw badRequest(`"version" must be an ATT&CK version like 18.1`);
    return { ...(domain === undefined ? {} : { domain }), ...(version === undefined ? {} : { version: version.replace(/^v/i, '') }) };
  }

  version(name: string): string | undefined {
    const v = this.string(name);
    if (v !== undefined && !VERSION.test(v)) throw badRequest(`"${name}" must be an ATT&CK version like 18.1`);
    return v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.string(name, 12);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v)) throw badRequest(`"${name}" must be a whole number`);
    const n = Number(v);
    if (n < min || n > max) throw badRequest(`"${name}" must be between ${min} and ${max}`);
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw badRequest(`"${name}" must be one of ${allowed.join(', ')}`);
    return v as T;
  }

  type(): string | undefined {
    const t = this.string('type');
    if (t !== undefined && (!isKind(t) || !PAGE_KINDS.includes(t))) throw badRequest(`"type" must be one of ${PAGE_KINDS.join(', ')}`);
    return t;
  }
}

/** A path segment that names a node: an ATT&CK ID, STIX id, slug or name; anything else is a 400. */
export function idParam(raw: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw badRequest('the ID in the path is not valid percent-encoding');
  }
  if (!ID.test(id)) throw badRequest('the ID in the path has characters no ID has');
  return id;
}

export type Method = 'GET' | 'POST' | 'DELETE';
/** `public`: anyone who reaches the server; `token`: the start-up token in "Authorization: Bearer". */
export type Auth = 'public' | 'token';

/** What a route's handler gets: the request, its query read strictly, the `:id` the pattern matched (decoded, checked). */
export interface RouteCall {
  readonly req: AppRequest;
  readonly params: Params;
  readonly id: string;
}

/** One row of the route table: GET routes answer HEAD too. */
export interface Route<C> {
  readonly method: Method;
  /** Literal segments and at most one `:id` (one path segment): `/api/v1/techniques/:id`. */
  readonly pattern: string;
  readonly handler: (ctx: C, call: RouteCall) => AppResponse;
  readonly auth: Auth;
}

export interface RouteMatch<C> {
  readonly route: Route<C>;
  /** The raw (still percent-encoded) `:id` segment; '' when the pattern has none. */
  readonly rawId: string;
}

/** The table compiled once: `match(path)` lists every route whose pattern fits, whatever its method. */
export function compileRoutes<C>(routes: readonly Route<C>[]): { match(path: string): RouteMatch<C>[] } {
  const compiled = routes.map((route) => {
    const segments = route.pattern.split('/');
    if (segments.filter((s) => s.startsWith(':')).length > 1) throw new Error(`route ${route.pattern}: at most one :id`);
    return { route, segments };
  });
  return {
    match(path) {
      const parts = path.split('/');
      const out: RouteMatch<C>[] = [];
      for (const { route, segments } of compiled) {
        if (segments.length !== parts.length) continue;
        let rawId = '';
        let ok = true;
        for (let i = 0; i < segments.length && ok; i++) {
          const seg = segments[i] ?? '';
          const part = parts[i] ?? '';
          if (seg.startsWith(':')) {
            rawId = part;
            ok = part !== '';
          } else ok = seg === part;
        }
        if (ok) out.push({ route, rawId });
      }
      return out;
    },
  };
}
