/**
 * How `sync` gets a file: over HTTP(S) from the official URL or from a mirror with the same layout
 * (`--base-url`), with conditional requests against the local cache; or from a local mirror
 * directory (`--from`). Every failure is a TtpgraphError('fetch-failed' | 'file-unreadable' |
 * 'invalid-json') whose location is the URL or path and whose message says what happened:
 * the HTTP status, a timeout, a refused connection, a body shorter than its Content-Length.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { TtpgraphError } from '../errors.ts';
import { checkAllowedPath, DEFAULT_MAX_BYTES, formatBytes, readSource } from '../sources/read-source.ts';
import { VERSION } from '../version.ts';
import { FORMAT_CHECKS } from './formats.ts';
import { type HttpCache, cacheDirFor, openHttpCache, sha256Hex } from './http-cache.ts';
import type { FileLocation, MirrorTree } from './types.ts';

export interface FetchedFile {
  /** The URL or path actually read. */
  readonly where: string;
  readonly bytes: Buffer;
  readonly sha256: string;
  /** downloaded: a body came over the network; not-modified: a 304, the bytes come from the cache; local: read from a directory. */
  readonly transfer: 'downloaded' | 'not-modified' | 'local';
  /** Body bytes received over the network for this file (0 on a 304). */
  readonly downloadedBytes: number;
  /** Has the body passed its format check (formats.ts)? Local files are checked only when they are to be imported. */
  readonly checked: boolean;
  /** Something that went wrong without failing the file (the cache could not be written). */
  readonly warning?: string;
}

export interface Transport {
  /** Human words for where files come from ("https://raw.githubusercontent.com/...", "mirror http://...", "directory /x"). */
  readonly origin: string;
  where(location: FileLocation): string;
  get(location: FileLocation, onBytes?: (done: number, total: number) => void): Promise<FetchedFile>;
  /** Names of the files in a mirror folder; undefined when the files come over HTTP (no listing). */
  listFolder(folder: string): Promise<string[] | undefined>;
  /** Files under subfolders of a mirror folder (see ListContext.readMirrorTree); undefined over HTTP. */
  readTree(folder: string, subfolders: readonly string[], extensions: readonly string[]): Promise<MirrorTree | undefined>;
}

/** --from DIR, else --base-url (or the official URLs) through the cache beside the store. */
export function transportFor(options: {
  readonly from?: string;
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  readonly storePath: string;
  /** False for a dry run: the cache is read for conditional requests, never written. */
  readonly writeCache: boolean;
  /** A web sync: files of the `from` mirror (links resolved) must lie under these folders. */
  readonly allowedDirs?: readonly string[];
}): Transport {
  if (options.from !== undefined) return dirTransport(options.from, options.allowedDirs);
  const cache = openHttpCache(cacheDirFor(options.storePath), { writable: options.writeCache });
  return httpTransport({ ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }), timeoutMs: options.timeoutMs, cache });
}

export interface HttpTransportOptions {
  /** A mirror laid out like ../shared/data; files map to <baseUrl>/<mirrorPath>. Undefined: the official URLs. */
  readonly baseUrl?: string;
  readonly cache: HttpCache;
  /** Give up when no response, or no body data, arrives for this long. */
  readonly timeoutMs: number;
}

export function httpTransport(options: HttpTransportOptions): Transport {
  const base = options.baseUrl === undefined ? undefined : options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const where = (location: FileLocation): string => (base === undefined ? location.url : new URL(location.mirrorPath, base).href);
  return {
    origin: base === undefined ? 'the official sources' : `mirror ${base}`,
    where,
    async get(location, onBytes) {
      const url = where(location);
      const cached = await options.cache.lookup(url);
      const headers: Record<string, string> = { 'user-agent': `ttpgraph/${VERSION} (sync)` };
      if (cached?.entry.etag != null) headers['if-none-match'] = cached.entry.etag;
      if (cached?.entry.lastModified != null) headers['if-modified-since'] = cached.entry.lastModified;
      const answer = await download(url, headers, options.timeoutMs, onBytes);
      if (answer.body === null) {
        if (cached === undefined) throw fetchFailed(url, 'HTTP 304 Not Modified to an unconditional request');
        // Cached bodies were checked before they were saved, and their hash is checked on reading.
        return { where: url, bytes: cached.body, sha256: cached.entry.sha256, transfer: 'not-modified', downloadedBytes: 0, checked: true };
      }
      FORMAT_CHECKS[location.format](answer.body, url);
      const sha256 = sha256Hex(answer.body);
      // A cache that cannot be written costs the next sync a download; it does not fail this one.
      let warning: string | undefined;
      try {
        await options.cache.save(
          { url, etag: answer.etag, lastModified: answer.lastModified, sha256, size: answer.body.length, savedAt: new Date().toISOString() },
          answer.body,
        );
      } catch (err) {
        warning = `cannot write the sync cache in ${options.cache.dir}: ${(err as Error).message}`;
      }
      return { where: url, bytes: answer.body, sha256, transfer: 'downloaded', downloadedBytes: answer.body.length, checked: true, ...(warning === undefined ? {} : { warning }) };
    },
    listFolder: () => Promise.resolve(undefined),
    readTree: () => Promise.resolve(undefined),
  };
}

/** A local mirror directory laid out like ../shared/data. */
export function dirTransport(root: string, allowedDirs?: readonly string[]): Transport {
  const where = (location: FileLocation): string => path.join(root, ...location.mirrorPath.split('/'));
  return {
    origin: `directory ${root}`,
    where,
    async get(location) {
      const file = where(location);
      const { bytes } = await readSource(file, { kind: 'sync', ...(allowedDirs === undefined ? {} : { allowedDirs }) });
      return { where: file, bytes, sha256: sha256Hex(bytes), transfer: 'local', downloadedBytes: 0, checked: false };
    },
    async listFolder(folder) {
      const dir = path.join(root, folder);
      try {
        return (await readdir(dir)).sort();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (err as Error).message;
        throw new TtpgraphError('file-unreadable', `cannot list: ${why}`, { source: dir }, { cause: err });
      }
    },
    async readTree(folder, subfolders, extensions) {
      const base = path.join(root, ...folder.split('/'));
      const files: { name: string; data: Buffer }[] = [];
      const wanted = (name: string): boolean => extensions.some((e) => name.toLowerCase().endsWith(e));
      // Symbolic links are followed (a mirror may link to a clone kept elsewhere); dot-folders are skipped.
      const walk = async (dir: string, rel: string): Promise<void> => {
        let names: string[];
        try {
          names = (await readdir(dir)).sort();
        } catch (err) {
          throw new TtpgraphError('file-unreadable', `cannot list: ${(err as Error).message}`, { source: dir }, { cause: err });
        }
        for (const name of names) {
          if (name.startsWith('.')) continue;
          const full = path.join(dir, name);
          const info = await stat(full).catch(() => undefined);
          if (info?.isDirectory() === true) await walk(full, `${rel}/${name}`);
          else if (info?.isFile() === true && wanted(name)) {
            // A link in an allowed mirror that leads out of the allowed folders is refused like any such path.
            checkAllowedPath(full, allowedDirs);
            try {
              files.push({ name: `${rel}/${name}`, data: await readFile(full) });
            } catch (err) {
              throw new TtpgraphError('file-unreadable', `cannot read: ${(err as Error).message}`, { source: full }, { cause: err });
            }
          }
        }
      };
      for (const sub of subfolders) {
        const dir = path.join(base, sub);
        if ((await stat(dir).catch(() => undefined))?.isDirectory() === true) await walk(dir, sub);
      }
      return { where: base, files };
    },
  };
}

interface Answer {
  /** null on 304 Not Modified. */
  readonly body: Buffer | null;
  readonly etag: string | null;
  readonly lastModified: string | null;
}

/**
 * One GET. The timeout is an inactivity timeout: it runs until the response starts, then restarts
 * with every chunk of the body, so a large file on a slow link is not cut off while data flows.
 */
async function download(url: string, headers: Record<string, string>, timeoutMs: number, onBytes?: (done: number, total: number) => void): Promise<Answer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      const why = controller.signal.aborted ? `timed out after ${timeoutMs} ms waiting for a response` : networkReason(err);
      throw fetchFailed(url, why, err);
    }
    if (response.status === 304) {
      await response.body?.cancel();
      return { body: null, etag: null, lastModified: null };
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw fetchFailed(url, `HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`);
    }
    // With a Content-Encoding, Content-Length counts the encoded bytes, not the decoded body we see.
    const encoding = response.headers.get('content-encoding');
    const lengthHeader = response.headers.get('content-length');
    const expected =
      (encoding === null || encoding === 'identity') && lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const chunks: Uint8Array[] = [];
    let got = 0;
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    if (reader !== undefined) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          got += value.byteLength;
          if (got > DEFAULT_MAX_BYTES.sync) {
            await reader.cancel().catch(() => undefined);
            throw fetchFailed(url, `more than ${formatBytes(DEFAULT_MAX_BYTES.sync)}, the limit for a synced file; not imported`);
          }
          timer.refresh();
          onBytes?.(got, expected ?? 0);
        }
      } catch (err) {
        if (err instanceof TtpgraphError) throw err;
        const of = expected === undefined ? '' : ` of ${expected}`;
        if (controller.signal.aborted) throw fetchFailed(url, `timed out after ${timeoutMs} ms without data (got ${got}${of} bytes)`, err);
        if (expected !== undefined && got < expected) {
          throw fetchFailed(url, `truncated body: the connection closed after ${got} of ${expected} bytes`, err);
        }
        throw fetchFailed(url, `download interrupted after ${got}${of} bytes: ${networkReason(err)}`, err);
      }
    }
    if (expected !== undefined && got !== expected) {
      throw fetchFailed(url, `truncated body: got ${got} of ${expected} bytes (Content-Length)`);
    }
    return { body: Buffer.concat(chunks, got), etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') };
  } finally {
    clearTimeout(timer);
  }
}

function fetchFailed(url: string, why: string, cause?: unknown): TtpgraphError {
  return new TtpgraphError('fetch-failed', why, { source: url }, cause === undefined ? undefined : { cause });
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** fetch() reports "fetch failed" and hides the reason in a chain of causes: say the reason. */
function networkReason(err: unknown): string {
  let e: unknown = err;
  let deepest = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && NETWORK_CODES[code] !== undefined) return NETWORK_CODES[code];
    deepest = e.message;
    e = (e as Error & { cause?: unknown }).cause;
  }
  return deepest;
}

/** The reasons that mean "the host could not be reached at all" (offline, DNS, firewall), not "this file failed". */
const UNREACHABLE = new Set(['connection refused', 'host not found', 'host name lookup failed (temporary)', 'connection timed out', 'host unreachable', 'network unreachable']);

/** Did this fetch fail because its host could not be reached (so every other file there will fail alike)? */
export function isUnreachable(err: TtpgraphError | null): boolean {
  if (err === null || err.code !== 'fetch-failed') return false;
  // A server that accepted the connection and then hung is reachable: that is about the file, not about being offline.
  return UNREACHABLE.has(err.message);
}
