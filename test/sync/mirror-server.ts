/**
 * A real HTTP server on 127.0.0.1 (random port) serving a directory laid out like ../shared/data,
 * the way a static mirror or raw.githubusercontent.com does: strong ETags, Last-Modified,
 * If-None-Match / If-Modified-Since answered with 304. Every request is logged with its status and
 * the body bytes sent, and faults can be injected per path: 404, 500, a server that never answers,
 * a body cut short of its Content-Length, or one that stops half-way with the connection left open. `overrides` serves another file at a path (an upstream update).
 */
import { createReadStream, statSync, type Stats } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type Fault = 'not-found' | 'server-error' | 'hang' | 'truncate' | 'stall';

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly conditional: boolean;
  status: number;
  bodyBytes: number;
}

export interface MirrorServer {
  /** Base URL with a trailing slash. */
  readonly url: string;
  readonly log: LoggedRequest[];
  readonly faults: Map<string, Fault>;
  readonly overrides: Map<string, string>;
  /** Send ETags (default) or, like some static servers, only Last-Modified. */
  etags: boolean;
  close(): Promise<void>;
}

export async function startMirrorServer(root: string): Promise<MirrorServer> {
  const log: LoggedRequest[] = [];
  const faults = new Map<string, Fault>();
  const overrides = new Map<string, string>();
  const state = { etags: true };

  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const entry: LoggedRequest = {
      method: req.method ?? '',
      path: urlPath,
      conditional: req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined,
      status: 0,
      bodyBytes: 0,
    };
    log.push(entry);
    const fault = faults.get(urlPath);
    if (fault === 'hang') return; // accept, never answer
    if (fault === 'not-found' || fault === 'server-error') {
      entry.status = fault === 'not-found' ? 404 : 500;
      res.writeHead(entry.status, { 'content-type': 'text/plain' }).end(fault);
      return;
    }
    const file = overrides.get(urlPath) ?? path.join(root, ...urlPath.split('/').filter((p) => p !== '' && p !== '..'));
    let stat: Stats;
    try {
      stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
    } catch {
      entry.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const etag = `"${stat.ino.toString(16)}-${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const lastModified = stat.mtime.toUTCString();
    const validators: Record<string, string> = state.etags ? { etag, 'last-modified': lastModified } : { 'last-modified': lastModified };
    if (notModified(req, state.etags ? etag : null, stat.mtime)) {
      entry.status = 304;
      res.writeHead(304, validators).end();
      return;
    }
    entry.status = 200;
    res.writeHead(200, { ...validators, 'content-type': 'application/json', 'content-length': String(stat.size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const end = fault === 'truncate' || fault === 'stall' ? Math.floor(stat.size / 2) : stat.size;
    const stream = createReadStream(file, { start: 0, end: Math.max(0, end - 1) });
    stream.on('data', (chunk) => {
      entry.bodyBytes += chunk.length;
    });
    if (fault === 'truncate') {
      stream.pipe(res, { end: false });
      stream.on('end', () => res.socket?.destroy());
    } else if (fault === 'stall') {
      stream.pipe(res, { end: false });
    } else {
      stream.pipe(res);
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    log,
    faults,
    overrides,
    get etags() {
      return state.etags;
    },
    set etags(value: boolean) {
      state.etags = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** RFC 9110 §13.1: If-None-Match wins; If-Modified-Since only counts without it (dates have 1 s resolution). */
function notModified(req: http.IncomingMessage, etag: string | null, mtime: Date): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && etag !== null) {
    return inm === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
  }
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
}
