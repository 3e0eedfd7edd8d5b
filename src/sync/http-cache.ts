/**
 * The local HTTP cache of `sync`, a folder beside the store (sync-cache/). Per URL it keeps the
 * last good body and its validators, so the next request can be conditional (If-None-Match,
 * If-Modified-Since) and a 304 answer still yields the bytes:
 *
 *   sync-cache/<sha256(url)[0..32]>.json   { url, etag, lastModified, sha256, size, savedAt }
 *   sync-cache/<sha256(url)[0..32]>.body   the body, exactly as received (after content decoding)
 *
 * Only bodies that arrived whole and passed their format check are written. Each file is written
 * to a temporary name and renamed, body first: a crash leaves either the old entry or a body whose
 * hash does not match its metadata, which reads as a miss. The folder can be deleted at any time.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface CacheEntry {
  readonly url: string;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly sha256: string;
  readonly size: number;
  readonly savedAt: string;
}

export interface HttpCache {
  readonly dir: string;
  /** The entry for a URL, only when its body is present and matches. */
  lookup(url: string): Promise<{ entry: CacheEntry; body: Buffer } | undefined>;
  save(entry: CacheEntry, body: Buffer): Promise<void>;
}

/** The cache folder for a store file: sync-cache/ in the same directory. */
export function cacheDirFor(storePath: string): string {
  return path.join(path.dirname(storePath), 'sync-cache');
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function openHttpCache(dir: string, options: { readonly writable: boolean }): HttpCache {
  const key = (url: string): string => path.join(dir, sha256Hex(Buffer.from(url, 'utf8')).slice(0, 32));
  return {
    dir,
    async lookup(url) {
      let entry: CacheEntry;
      let body: Buffer;
      try {
        entry = JSON.parse(await readFile(`${key(url)}.json`, 'utf8')) as CacheEntry;
        body = await readFile(`${key(url)}.body`);
      } catch {
        return undefined;
      }
      if (entry.url !== url || body.length !== entry.size || sha256Hex(body) !== entry.sha256) return undefined;
      return { entry, body };
    },
    async save(entry, body) {
      if (!options.writable) return;
      await mkdir(dir, { recursive: true });
      const base = key(entry.url);
      const tmp = `${base}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await writeFile(`${tmp}.body`, body);
        await rename(`${tmp}.body`, `${base}.body`);
        await writeFile(`${tmp}.json`, `${JSON.stringify(entry, null, 2)}\n`);
        await rename(`${tmp}.json`, `${base}.json`);
      } finally {
        await rm(`${tmp}.body`, { force: true });
        await rm(`${tmp}.json`, { force: true });
      }
    },
  };
}
