/**
 * The write routes: POST /api/v1/sync and POST /api/v1/import start a job (202 + its id), GET
 * /api/v1/jobs/{id} tells how it goes. The caller (web/app.ts) has checked the start-up token;
 * here the JSON body is read strictly (an unknown or malformed field is a 400 naming it) and the
 * job does what `ttpgraph sync` / `ttpgraph import KIND` do, through the same library functions.
 *
 * Jobs run in this process on the server's connection: between files the server answers other
 * requests; while one file's import transaction runs (a second or two for an ATT&CK bundle), it
 * does not. After each file the page caches are dropped (SQLite does not count a connection's own
 * writes in `PRAGMA data_version`).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { checkAllowedPath, parseSize, type ReadSourceOptions } from '../sources/read-source.ts';
import { DOMAINS, type Domain, isDomain, normalizeVersion } from '../core/attack.ts';
import type { Graph } from '../graph.ts';
import { formatIssue } from '../sigma/index.ts';
import { SOURCES, sourceNames } from '../sync/sources.ts';
import type { SyncEvent } from '../sync/sync.ts';
import type { SourceKind } from '../sync/types.ts';
import { transportFor } from '../sync/transport.ts';
import type { AppContext } from './context.ts';
import { type AppRequest, type AppResponse, badRequest, HttpError, jsonResponse, type RouteCall } from './http.ts';
import { type JobControl, jobError, type JobRunner, type JobView } from './jobs.ts';

/** Seconds without a response or data before a sync request gives up (as `ttpgraph sync`'s default). */
const SYNC_TIMEOUT_MS = 30_000;
const IMPORT_KINDS = ['attack', 'mappings', 'stix', 'sigma', 'report'] as const;
type ImportKind = (typeof IMPORT_KINDS)[number];

type Body = Record<string, unknown>;

/**
 * What the operator lets web jobs read (docs/SECURITY.md): server paths only under `allowedDirs`
 * (`serve --allow-dir`, none by default: then only URLs and the official sources), and http(s)
 * URLs to loopback or private addresses only with `allowPrivateUrls` (`serve --allow-private-urls`).
 */
export interface WritePolicy {
  readonly allowedDirs: readonly string[];
  readonly allowPrivateUrls: boolean;
}

export const NO_SERVER_FILES: WritePolicy = { allowedDirs: [], allowPrivateUrls: false };

function readOptions(policy: WritePolicy, signal: AbortSignal, maxBytes: number | undefined): Omit<ReadSourceOptions, 'kind'> {
  return { allowedDirs: policy.allowedDirs, allowPrivateUrls: policy.allowPrivateUrls, signal, ...(maxBytes === undefined ? {} : { maxBytes }) };
}

/** "maxSize": bytes as a number, or a size such as "500M". */
function maxSize(body: Body): number | undefined {
  const v = body['maxSize'];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? (Number.isSafeInteger(v) && v > 0 ? v : undefined) : typeof v === 'string' ? parseSize(v) : undefined;
  if (n === undefined) throw badRequest('"maxSize" must be a number of bytes or a size such as "500M"');
  return n;
}

function flag(body: Body, name: string): boolean {
  const v = body[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw badRequest(`"${name}" must be true or false`);
  return v;
}

/** What the write routes need: the graph to write through and the one-job-at-a-time runner. */
export interface WriteContext {
  readonly graph: Graph;
  readonly jobs: JobRunner;
  /** What jobs may read (default: no server files, no private URLs). */
  readonly policy?: WritePolicy;
}

function readBody(req: AppRequest): Body {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'unsupported-media-type', 'send the options as JSON, with "Content-Type: application/json"');
  let value: unknown;
  try {
    value = JSON.parse(req.body === undefined || req.body.trim() === '' ? '{}' : req.body);
  } catch (err) {
    throw badRequest(`the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the body must be a JSON object');
  return value as Body;
}

function only(body: Body, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw badRequest(`unknown field "${key}"; this route takes: ${allowed.join(', ')}`);
  }
}

/** A string or a list of strings (like a repeatable CLI option). */
function list(body: Body, name: string): string[] {
  const v = body[name];
  if (v === undefined || v === null) return [];
  const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : null;
  if (items === null || !items.every((x): x is string => typeof x === 'string')) throw badRequest(`"${name}" must be a string or a list of strings`);
  if (items.length > 100) throw badRequest(`"${name}" has more than 100 items`);
  return items.map((x) => x.trim()).filter((x) => x !== '');
}

function text(body: Body, name: string, max = 2000): string | undefined {
  const v = body[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw badRequest(`"${name}" must be a string`);
  if (v.length > max) throw badRequest(`"${name}" is longer than ${max} characters`);
  return v;
}

function version(body: Body): string | undefined {
  const v = text(body, 'attackVersion', 20);
  if (v !== undefined && normalizeVersion(v) === undefined) throw badRequest(`"attackVersion" "${v}" is not a version like 18.1`);
  return v;
}

function domains(body: Body): Domain[] {
  const values = list(body, 'domain');
  const bad = values.filter((d) => !isDomain(d));
  if (bad.length > 0) throw badRequest(`"domain" "${bad.join(',')}" is not one of ${DOMAINS.join(', ')}`);
  return [...new Set(values.filter(isDomain))];
}

/** A path on the server must be absolute: the server's working directory is nobody's business. */
function serverPath(name: string, value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a path must not hold
  if (/[\u0000-\u001f]/.test(value)) throw badRequest(`"${name}" has control characters`);
  if (!path.isAbsolute(value)) throw badRequest(`"${name}" "${value}" must be an absolute path on the server${name === 'sources' ? ' or an http(s) URL' : ''}`);
  return value;
}

function accepted(job: ReturnType<JobRunner['start']>, jobs: JobRunner): AppResponse {
  if (job === undefined) {
    const running = jobs.running();
    const res = jsonResponse(
      { error: { status: 409, code: 'busy', message: `a ${running?.kind ?? 'write'} job is running (${running?.id ?? '?'}); one write job at a time: wait for it (GET /api/v1/jobs/${running?.id ?? 'ID'})` } },
      409,
    );
    if (running !== undefined) res.headers.location = `/api/v1/jobs/${running.id}`;
    return res;
  }
  const res = jsonResponse({ job }, 202);
  res.headers.location = `/api/v1/jobs/${job.id}`;
  return res;
}

/** POST /api/v1/sync: body { only?, attackVersion?, domain?, from? } as `ttpgraph sync`'s options. */
export function startSync({ graph, jobs, policy = NO_SERVER_FILES }: WriteContext, { req }: RouteCall): AppResponse {
  const body = readBody(req);
  only(body, ['only', 'attackVersion', 'domain', 'from']);
  const names = list(body, 'only');
  const unknown = names.filter((s) => !sourceNames().includes(s));
  if (unknown.length > 0) throw badRequest(`"only" ${unknown.join(',')}: the sources are ${sourceNames().join(', ')}`);
  const sources = names.length === 0 ? SOURCES : SOURCES.filter((s) => names.includes(s.name));
  const attackVersion = version(body);
  const wanted = domains(body);
  const fromRaw = text(body, 'from');
  const from = fromRaw === undefined ? undefined : serverPath('from', fromRaw);
  if (from !== undefined) {
    // Outside the allowed folders, missing or not: the same 400, so nothing is learnt of the disk.
    try {
      checkAllowedPath(from, policy.allowedDirs);
    } catch {
      throw badRequest(`"from" "${from}" is not under a folder this server allows (ttpgraph serve --allow-dir DIR)`);
    }
    let isDir = false;
    try {
      isDir = statSync(from).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw badRequest(`"from" "${from}" is not a folder on the server`);
  }
  return accepted(startSyncJob(graph, jobs, { sources, domains: wanted, ...(attackVersion === undefined ? {} : { attackVersion }), ...(from === undefined ? {} : { from }), allowedDirs: policy.allowedDirs }), jobs);
}

export interface SyncJobParams {
  readonly sources: readonly SourceKind[];
  readonly domains: readonly Domain[];
  readonly attackVersion?: string;
  /** A mirror folder on the server; default the official sources. */
  readonly from?: string;
  /** An HTTP mirror instead of the official URLs (the server's $TTPGRAPH_SYNC_BASE_URL at start-up). */
  readonly baseUrl?: string;
  /** Folders a mirror's files (and their links) must stay in (the server's --allow-dir); undefined: any (the operator's own --from at start-up). */
  readonly allowedDirs?: readonly string[];
}

/**
 * Starts a sync as the one write job (undefined when another runs): what POST /api/v1/sync does,
 * and what `ttpgraph serve` starts by itself on an empty store. `observe` sees every sync event too
 * (the server prints them in its terminal).
 */
export function startSyncJob(graph: Graph, jobs: JobRunner, p: SyncJobParams, observe?: (event: SyncEvent) => void): JobView | undefined {
  const params = { only: p.sources.map((s) => s.name), domain: p.domains, ...(p.attackVersion === undefined ? {} : { attackVersion: p.attackVersion }), ...(p.from === undefined ? {} : { from: p.from }) };
  return jobs.start('sync', params, async (control) => {
    const transport = transportFor({ ...(p.from === undefined ? {} : { from: p.from }), ...(p.baseUrl === undefined || p.from !== undefined ? {} : { baseUrl: p.baseUrl }), timeoutMs: SYNC_TIMEOUT_MS, storePath: graph.path, writeCache: true, ...(p.allowedDirs === undefined ? {} : { allowedDirs: p.allowedDirs }) });
    const report = await graph.sync({
      transport,
      signal: control.signal,
      sources: p.sources,
      domains: p.domains,
      ...(p.attackVersion === undefined ? {} : { attackVersion: p.attackVersion }),
      onEvent: (event) => {
        observe?.(event);
        if (event.type === 'progress') control.progress({ phase: event.phase, item: event.item, items: event.items, label: event.label, done: event.done, total: event.total });
        else if (event.type === 'warning') control.warning(event.message);
        else {
          const r = event.result;
          control.result({ label: r.label, where: r.where, action: r.action, counts: r.counts, warnings: r.warnings.slice(0, 50) });
          if (r.error !== null) control.error(jobError(r.error, r.where));
          if (r.action === 'imported' || r.action === 'replaced') control.changed();
        }
      },
    });
    const count = (action: string): number => report.results.filter((r) => r.action === action).length;
    return `sync: ${['imported', 'replaced', 'unchanged', 'failed'].map((a) => `${count(a)} ${a}`).join(', ')}; ${report.downloadedBytes} bytes downloaded, in ${report.seconds.toFixed(1)} s`;
  });
}

/** POST /api/v1/import: body { kind, sources[], attackVersion?, domain? } as `ttpgraph import KIND SOURCES...`. */
export function startImport({ graph, jobs, policy = NO_SERVER_FILES }: WriteContext, { req }: RouteCall): AppResponse {
  const body = readBody(req);
  only(body, ['kind', 'sources', 'attackVersion', 'domain', 'maxSize', 'force']);
  const kind = text(body, 'kind', 20);
  if (kind === undefined || !(IMPORT_KINDS as readonly string[]).includes(kind)) throw badRequest(`"kind" is required: one of ${IMPORT_KINDS.join(', ')}`);
  const k = kind as ImportKind;
  if (!Array.isArray(body.sources)) throw badRequest('"sources" is required: a list of absolute paths on the server or http(s) URLs');
  const sources = list(body, 'sources').map((s) => (/^https?:\/\//i.test(s) ? s : serverPath('sources', s)));
  if (sources.length === 0) throw badRequest('"sources" is empty: name at least one path or URL');
  if (k === 'sigma' && sources.some((s) => /^https?:/i.test(s))) throw badRequest('Sigma rules are imported from files and folders on the server, not URLs');
  const attackVersion = version(body);
  const domain = text(body, 'domain', 20);
  if (domain !== undefined && !isDomain(domain)) throw badRequest(`"domain" "${domain}" is not one of ${DOMAINS.join(', ')}`);
  const force = flag(body, 'force');
  if (k !== 'attack' && (attackVersion !== undefined || domain !== undefined || force)) throw badRequest('"attackVersion", "domain" and "force" apply to kind "attack" only');
  const max = maxSize(body);
  const params = {
    kind: k,
    sources,
    ...(attackVersion === undefined ? {} : { attackVersion }),
    ...(domain === undefined ? {} : { domain }),
    ...(max === undefined ? {} : { maxSize: max }),
    ...(force ? { force } : {}),
  };
  return accepted(
    jobs.start('import', params, (control) => runImport(graph, control, k, sources, { attackVersion, domain, force, read: readOptions(policy, control.signal, max) })),
    jobs,
  );
}

interface ImportJobOptions {
  readonly attackVersion: string | undefined;
  readonly domain: Domain | undefined;
  readonly force: boolean;
  readonly read: Omit<ReadSourceOptions, 'kind'>;
}

async function runImport(graph: Graph, control: JobControl, kind: ImportKind, sources: readonly string[], options: ImportJobOptions): Promise<string> {
  if (kind === 'sigma') {
    control.progress({ phase: 'import', item: 1, items: 1, label: `Sigma rules from ${sources.length} path(s)`, done: 0, total: 0 });
    const r = await graph.importSigma(sources, { read: options.read });
    for (const issue of r.issues) control.error({ code: 'invalid-input', message: `${formatIssue(issue)} (skipped)`, where: null });
    control.result({ label: 'Sigma rules', where: sources.join(', '), action: r.rules > 0 ? 'imported' : 'unchanged', counts: `${r.rules} rules from ${r.files} files (${r.unchanged} unchanged), ${r.techniqueLinks} technique links`, warnings: [] });
    control.changed();
    return `imported ${r.rules} Sigma rule(s) from ${r.files} file(s), ${r.issues.length} skipped for errors`;
  }
  let failed = 0;
  let stored = 0;
  for (const [i, source] of sources.entries()) {
    if (control.signal.aborted) break;
    const progress = (done: number, total: number): void => control.progress({ phase: 'import', item: i + 1, items: sources.length, label: source, done, total });
    progress(0, 0);
    try {
      const line = await importOne(graph, kind, source, { ...options, progress });
      control.result({ label: `${kind} ${source}`, where: source, ...line });
      stored++;
      control.changed();
    } catch (err) {
      failed++;
      control.error(jobError(err, source));
      control.result({ label: `${kind} ${source}`, where: source, action: 'failed', counts: null, warnings: [] });
    }
  }
  if (control.signal.aborted) return `import ${kind}: cancelled; ${stored} of ${sources.length} source(s) stored before`;
  return `import ${kind}: ${sources.length - failed} of ${sources.length} source(s) read, ${failed} failed`;
}

async function importOne(
  graph: Graph,
  kind: Exclude<ImportKind, 'sigma'>,
  source: string,
  o: ImportJobOptions & { progress: (done: number, total: number) => void },
): Promise<{ action: string; counts: string; warnings: string[] }> {
  switch (kind) {
    case 'attack': {
      const r = await graph.importAttack(source, {
        ...(o.attackVersion === undefined ? {} : { attackVersion: o.attackVersion }),
        ...(o.domain === undefined ? {} : { domain: o.domain }),
        ...(o.force ? { force: true } : {}),
        onProgress: o.progress,
        read: o.read,
      });
      return {
        action: r.status,
        counts: `${r.domain} ATT&CK ${r.version} (STIX ${r.specVersion}): ${r.objects} objects, ${r.relationships} relationships`,
        warnings: r.skipped.slice(0, 50).map((s) => `object #${s.index}${s.id === null ? '' : ` ${s.id}`} skipped: ${s.reason}`),
      };
    }
    case 'mappings': {
      const r = await graph.importMappings(source, { read: o.read });
      return {
        action: r.status,
        counts: `${r.framework} ${r.frameworkVersion} for ${r.domain} ATT&CK ${r.attackVersion}: ${r.mappings} mappings (${r.nonMappable} non_mappable), ${r.controls} controls`,
        warnings: r.skipped.slice(0, 50).map((s) => `mapping #${s.index} skipped: ${s.reason}`),
      };
    }
    case 'report': {
      const r = await graph.importReport(source, { read: o.read });
      return {
        action: r.status,
        counts: `report ${r.id} "${r.title}": ${r.techniques} technique(s) proposed (${r.explicit} named by ID), ${r.entities} name(s)`,
        warnings: r.trainedModel ? ['no extraction model yet: built one from the store first'] : [],
      };
    }
    case 'stix': {
      const r = await graph.importStix(source, { read: o.read });
      return {
        action: 'imported',
        counts: `${r.reports} STIX report(s): ${r.refs} object_refs, ${r.attackRefs} of them to ATT&CK objects`,
        warnings: [...r.skipped.map((s) => `object #${s.index} skipped: ${s.reason}`), ...r.warnings].slice(0, 50),
      };
    }
  }
}

/**
 * POST /api/v1/reports/{id}/review: body { accept?, reject?, reset? } (technique IDs) as
 * `ttpgraph report review ID --accept ... --reject ...`. Quick (a few rows), so no job: the answer
 * is the report's page model after the review.
 */
export function reviewImportedReport(ctx: WriteContext & Pick<AppContext, 'invalidate'>, { req, id }: RouteCall): AppResponse {
  const body = readBody(req);
  only(body, ['accept', 'reject', 'reset']);
  const decisions = { accept: list(body, 'accept'), reject: list(body, 'reject'), reset: list(body, 'reset') };
  if (decisions.accept.length + decisions.reject.length + decisions.reset.length === 0) throw badRequest('name at least one technique in "accept", "reject" or "reset"');
  ctx.graph.reviewReport(id, decisions);
  // Written through this connection: SQLite's data_version does not change, so the page cache is told.
  ctx.invalidate();
  return jsonResponse(ctx.graph.importedReport(id));
}

/** DELETE /api/v1/jobs/{id}: cancels a running job (202); a finished one is a 409. */
export function cancelJob({ jobs }: WriteContext, { id }: RouteCall): AppResponse {
  const job = jobs.cancel(id);
  if (job === undefined) throw new HttpError(404, 'not-found', `no job ${id} (jobs are kept in memory, the last 20, until the server stops)`);
  if (job.state !== 'running') return jsonResponse({ error: { status: 409, code: 'not-running', message: `job ${id} has already ${job.state}; there is nothing to cancel` } }, 409);
  const res = jsonResponse({ job }, 202);
  res.headers.location = `/api/v1/jobs/${id}`;
  return res;
}

/** GET /api/v1/jobs/{id}. */
export function jobStatus({ jobs }: WriteContext, { id }: RouteCall): AppResponse {
  const job = jobs.get(id);
  if (job === undefined) throw new HttpError(404, 'not-found', `no job ${id} (jobs are kept in memory, the last 20, until the server stops)`);
  return jsonResponse({ job });
}
