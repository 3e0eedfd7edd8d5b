/**
 * The one place that reads user-named inputs: a local path or an http(s) URL, to bytes.
 * Errors name the path or URL and say what went wrong, never quoting what was read.
 *
 * This is the boundary for hostile sources (docs/SECURITY.md): only regular files (no devices,
 * FIFOs, sockets, /proc or /sys), at most `maxBytes` (a default per kind of source), paths only
 * under the folders a server allows, http(s) streamed with the same byte cap, redirects followed
 * on the same host only, loopback and private addresses refused unless allowed, and everything
 * cancellable through an AbortSignal.
 */
import { constants, realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileReason, TtpgraphError } from '../errors.ts';

export interface SourceBytes {
  /** The path or URL as the user gave it, for messages and provenance. */
  readonly name: string;
  readonly bytes: Buffer;
}

/** What a source is read for: each kind has its own size limit. */
export type SourceKind = 'attack' | 'mappings' | 'stix' | 'sigma' | 'sync' | 'report';

const MB = 1024 * 1024;

/**
 * Default size limits. ATT&CK bundles are ~35-45 MB today (enterprise 18.1: 33 MB), so 200 MB
 * leaves room for years of growth; Mappings Explorer files are ~1.5 MB; a Sigma rule is a few kB;
 * sync's SigmaHQ archive is ~5 MB; a threat report (PDF, HTML page) is a few MB, 100 MB covers the
 * largest image-heavy PDFs. `--max-size` (CLI) and `maxSize` (API) raise them.
 */
export const DEFAULT_MAX_BYTES: Readonly<Record<SourceKind, number>> = {
  attack: 200 * MB,
  mappings: 50 * MB,
  stix: 50 * MB,
  sigma: 1 * MB,
  sync: 200 * MB,
  report: 100 * MB,
};

const KIND_WORDS: Readonly<Record<SourceKind, string>> = {
  attack: 'ATT&CK bundles',
  mappings: 'mapping files',
  stix: 'STIX bundles',
  sigma: 'Sigma rule files',
  sync: 'sync files',
  report: 'threat reports',
};

export interface ReadSourceOptions {
  /** Picks the default size limit and names it in messages (default 'attack'). */
  readonly kind?: SourceKind;
  /** Largest source accepted, in bytes (default DEFAULT_MAX_BYTES[kind]). */
  readonly maxBytes?: number;
  /** http(s): give up when no response, or no body data, arrives for this long (default 120 s). */
  readonly timeoutMs?: number;
  /** Aborts the read (a cancelled job, Ctrl-C): the promise rejects with a 'cancelled' error. */
  readonly signal?: AbortSignal;
  /**
   * Local paths must lie under one of these folders (symbolic links resolved). Undefined: any
   * path (the CLI: the user reads their own files). An empty list refuses every path.
   */
  readonly allowedDirs?: readonly string[];
  /** http(s) to loopback, private, link-local or unspecified addresses (default true: the CLI). */
  readonly allowPrivateUrls?: boolean;
  /** Called with (bytes read, bytes expected or 0) while reading. */
  readonly onBytes?: (done: number, total: number) => void;
}

export function isUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

export function maxBytesFor(options: ReadSourceOptions): number {
  return options.maxBytes ?? DEFAULT_MAX_BYTES[options.kind ?? 'attack'];
}

/** "200 MB", "512 kB", "17 bytes". */
export function formatBytes(n: number): string {
  if (n >= MB) return `${+(n / MB).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} kB`;
  return `${n} bytes`;
}

/** "200M", "1.5G", "300000" → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(text);
  if (m === null) return undefined;
  const unit = { '': 1, k: 1024, m: MB, g: 1024 * MB }[(m[2] ?? '').toLowerCase()] ?? 1;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function tooLarge(spec: string, size: string, options: ReadSourceOptions): TtpgraphError {
  const kind = options.kind ?? 'attack';
  return new TtpgraphError(
    'source-too-large',
    `${size}, over the ${formatBytes(maxBytesFor(options))} limit for ${KIND_WORDS[kind]}; raise it with --max-size (API: "maxSize") if you trust this source`,
    { source: spec },
  );
}

export function cancelledError(spec: string): TtpgraphError {
  return new TtpgraphError('cancelled', 'cancelled: nothing from it was stored', { source: spec });
}

export async function readSource(spec: string, options: ReadSourceOptions = {}): Promise<SourceBytes> {
  if (options.signal?.aborted === true) throw cancelledError(spec);
  if (isUrl(spec)) return { name: spec, bytes: await fetchBytes(spec, options) };
  return { name: spec, bytes: await readLocalFile(spec, options) };
}

/**
 * Checks that a local path may be read under `allowedDirs`, without telling whether it exists:
 * a path outside them (by name, or once its links are resolved) is refused before anything is
 * looked up outside, with the same answer whether it exists or not. Returns the resolved path.
 */
export function checkAllowedPath(spec: string, allowedDirs: readonly string[] | undefined): string {
  if (allowedDirs === undefined) return spec;
  const refused = (): TtpgraphError =>
    new TtpgraphError('path-not-allowed', 'not under a folder this server allows (ttpgraph serve --allow-dir DIR); nothing was read', { source: spec });
  const absolute = path.resolve(spec);
  if (!allowedDirs.some((d) => isInside(path.resolve(d), absolute))) throw refused();
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    // Inside an allowed folder (by name) and not there: saying so tells nothing about other folders.
    return absolute;
  }
  const realDirs = allowedDirs.map((d) => {
    try {
      return realpathSync(d);
    } catch {
      return path.resolve(d);
    }
  });
  if (!realDirs.some((d) => isInside(d, real))) throw refused();
  return real;
}

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function readLocalFile(spec: string, options: ReadSourceOptions): Promise<Buffer> {
  const resolved = checkAllowedPath(spec, options.allowedDirs);
  const real = await realpath(resolved).catch(() => resolved);
  if (/^\/(proc|sys|dev)(\/|$)/.test(real)) {
    throw new TtpgraphError('file-unreadable', 'not a regular file (a /proc, /sys or /dev entry)', { source: spec });
  }
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat below refuses it anyway.
    handle = await open(resolved, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TtpgraphError('file-unreadable', code === 'ENXIO' ? 'not a regular file' : fileReason(err), { source: spec }, { cause: err });
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new TtpgraphError('file-unreadable', 'cannot read: is a directory', { source: spec });
    if (!info.isFile()) throw new TtpgraphError('file-unreadable', 'not a regular file (a device, FIFO or socket); nothing was read', { source: spec });
    const max = maxBytesFor(options);
    if (info.size > max) throw tooLarge(spec, formatBytes(info.size), options);
    // Read to the end, but never past the limit: a file may grow while it is read.
    const chunks: Buffer[] = [];
    let got = 0;
    for (;;) {
      if (options.signal?.aborted === true) throw cancelledError(spec);
      // The size fstat gave (+1 to see the end), else small steps: never a buffer of the whole limit.
      const want = got < info.size ? info.size - got + 1 : 64 * 1024;
      const buf = Buffer.allocUnsafe(Math.min(4 * MB, max + 1 - got, want));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      got += bytesRead;
      options.onBytes?.(got, info.size);
      if (got > max) throw tooLarge(spec, `more than ${formatBytes(max)}`, options);
    }
    return Buffer.concat(chunks, got);
  } catch (err) {
    if (err instanceof TtpgraphError) throw err;
    throw new TtpgraphError('file-unreadable', `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'read error'}`, { source: spec }, { cause: err });
  } finally {
    await handle.close();
  }
}

/** Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const v4 = net.isIPv4(address) ? address : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4 !== undefined) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || a >= 224;
  }
  const v6 = address.toLowerCase();
  return v6 === '::' || v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith('ff') || v6.startsWith('::ffff:') || v6.startsWith('64:ff9b:');
}

function privateRefused(url: string, host: string): TtpgraphError {
  return new TtpgraphError(
    'url-not-allowed',
    `refused: ${host} is a loopback or private address (start the server with --allow-private-urls to allow it)`,
    { source: url },
  );
}

/** A DNS lookup that refuses private addresses, so a name cannot point the server at itself. */
function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) return callback(err, '', 0);
      const list = addresses;
      if (!allowPrivate && list.some((a) => isPrivateAddress(a.address))) {
        const e = Object.assign(new Error('private address'), { code: 'EPRIVATEADDRESS' });
        return callback(e, '', 0);
      }
      if ((options as { all?: boolean }).all === true) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (first === undefined) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

const MAX_REDIRECTS = 5;

async function fetchBytes(url: string, options: ReadSourceOptions): Promise<Buffer> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const answer = await getOnce(url, current, options);
    if (answer.redirect === undefined) return answer.body;
    let next: URL;
    try {
      next = new URL(answer.redirect, current);
    } catch {
      throw new TtpgraphError('fetch-failed', `cannot fetch: HTTP ${answer.status} with a malformed Location`, { source: url });
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new TtpgraphError('fetch-failed', `cannot fetch: redirected to a ${next.protocol} URL; not followed`, { source: url });
    if (next.hostname !== current.hostname) {
      throw new TtpgraphError('fetch-failed', `cannot fetch: HTTP ${answer.status} redirects to another host (${next.hostname}); not followed, name the final URL yourself`, { source: url });
    }
    if (hop + 1 >= MAX_REDIRECTS) throw new TtpgraphError('fetch-failed', `cannot fetch: more than ${MAX_REDIRECTS} redirects`, { source: url });
    current = next;
  }
}

interface OneAnswer {
  readonly status: number;
  readonly body: Buffer;
  readonly redirect?: string;
}

/** One GET over node:http(s), streamed: the byte cap and the signal end it at once. */
function getOnce(name: string, url: URL, options: ReadSourceOptions): Promise<OneAnswer> {
  const allowPrivate = options.allowPrivateUrls !== false;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const max = maxBytesFor(options);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (net.isIP(host) !== 0 ? isPrivateAddress(host) : host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost'))) {
    return Promise.reject(privateRefused(name, url.hostname));
  }
  return new Promise<OneAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (err: TtpgraphError): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(cancelledError(name));
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { lookup: guardedLookup(allowPrivate), headers: { 'user-agent': 'ttpgraph', 'accept-encoding': 'identity' }, timeout: timeoutMs }, (res) => {
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location !== undefined) {
        res.resume();
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ status, body: Buffer.alloc(0), redirect: res.headers.location });
        return;
      }
      if (status < 200 || status > 299) {
        res.resume();
        fail(new TtpgraphError('fetch-failed', `cannot fetch: HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd(), { source: name }));
        return;
      }
      const declared = /^\d+$/.test(res.headers['content-length'] ?? '') ? Number(res.headers['content-length']) : undefined;
      if (declared !== undefined && declared > max) {
        fail(tooLarge(name, `${formatBytes(declared)} (Content-Length)`, options));
        return;
      }
      const chunks: Buffer[] = [];
      let got = 0;
      res.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got > max) {
          fail(tooLarge(name, `more than ${formatBytes(max)}`, options));
          return;
        }
        chunks.push(chunk);
        options.onBytes?.(got, declared ?? 0);
      });
      res.on('end', () => {
        if (settled) return;
        if (declared !== undefined && got < declared) {
          fail(new TtpgraphError('fetch-failed', `download interrupted: got ${got} of ${declared} bytes`, { source: name }));
          return;
        }
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ status, body: Buffer.concat(chunks, got) });
      });
      res.on('error', () => fail(new TtpgraphError('fetch-failed', `download interrupted after ${got} bytes`, { source: name })));
      res.on('aborted', () => fail(new TtpgraphError('fetch-failed', `download interrupted after ${got} bytes`, { source: name })));
    });
    req.on('timeout', () => fail(new TtpgraphError('fetch-failed', `cannot fetch: timed out after ${timeoutMs} ms without data`, { source: name })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPRIVATEADDRESS') fail(privateRefused(name, url.hostname));
      else fail(new TtpgraphError('fetch-failed', `cannot fetch: ${NETWORK_WORDS[err.code ?? ''] ?? 'network error'}`, { source: name }));
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Network error codes (node:net, TLS, undici's fetch) in words; sync's transport says them the same way. */
export const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};
