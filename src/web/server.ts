/**
 * The app on a real socket (node:http): request size and time limits, and the adapter between
 * node's request/response and the app's function. Binds to 127.0.0.1 unless told otherwise.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from './app.ts';

export interface ServeOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Largest request body accepted (bytes). */
  readonly maxBodyBytes?: number;
  /** Whole-request time limit (ms). */
  readonly timeoutMs?: number;
}

export interface RunningServer {
  readonly server: http.Server;
  readonly url: string;
  close(): Promise<void>;
}

const MAX_URL = 4096;

export function listen(app: App, options: ServeOptions = {}): Promise<RunningServer> {
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const timeout = options.timeoutMs ?? 15_000;
  // Slow clients are checked often enough for the limits to mean something.
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1000, timeout), requestTimeout: timeout, headersTimeout: Math.min(timeout, 10_000) }, (req, res) => {
    const send = (status: number, headers: Record<string, string>, body: string | Buffer): void => {
      if (res.headersSent) return;
      res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    };
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL) {
      send(414, { 'content-type': 'application/json; charset=utf-8' }, '{"error":{"status":414,"code":"uri-too-long","message":"the URL is too long"}}\n');
      return;
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > maxBody) {
      send(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }, '{"error":{"status":413,"code":"too-large","message":"the request body is too large"}}\n');
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody && !aborted) {
        aborted = true;
        send(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }, '{"error":{"status":413,"code":"too-large","message":"the request body is too large"}}\n');
        req.destroy();
        return;
      }
      if (!aborted) chunks.push(c);
    });
    req.on('end', () => {
      if (aborted) return;
      let url: URL;
      try {
        url = new URL(rawUrl, 'http://localhost');
      } catch {
        send(400, { 'content-type': 'application/json; charset=utf-8' }, '{"error":{"status":400,"code":"invalid-url","message":"the URL is malformed"}}\n');
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      let out: ReturnType<App['handle']>;
      try {
        out = app.handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks).toString('utf8') }),
        });
      } catch {
        send(500, { 'content-type': 'application/json; charset=utf-8' }, '{"error":{"status":500,"code":"internal","message":"internal error"}}\n');
        return;
      }
      if (req.method === 'HEAD') {
        if (!res.headersSent) res.writeHead(out.status, out.headers);
        res.end();
        return;
      }
      send(out.status, out.headers, out.body);
    });
    req.on('error', () => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.setTimeout(timeout, (socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({
        server,
        url: `http://${host}:${addr.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
