/**
 * The parsed form of `--rules` folders, cached between runs so that YAML is parsed only for files
 * that changed. One cache file per list of rule paths (named by a hash of their absolute paths) in
 * the cache folder ($TTPGRAPH_CACHE_DIR, else $XDG_CACHE_HOME/ttpgraph or ~/.cache/ttpgraph, then
 * `rules/`), holding:
 *
 *   files  absolute path -> { size, mtimeMs, ctimeMs, ino, hash }: the file as last seen, hash = SHA-256 of its text
 *   forms  hash -> what the text parsed to (documents in the stored form, issues)
 *
 * A file whose size, mtime, ctime and inode are as recorded (and not modified within two seconds
 * before the cache was written, where a later write could keep the same times) is taken by its
 * recorded hash without reading it; any other file is read and hashed, and parsed only when no form
 * has that hash. A cache that cannot be read, is not JSON or is of another format is ignored and
 * rebuilt; a cache that cannot be written is only a missed speed-up.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asciiJson, STORED_FORM_VERSION, type StoredFile } from '../sigma/index.ts';

const FORMAT = 'ttpgraph-rule-cache';
/** Bump with anything that changes what a text parses to (the parser's rules), not only the stored form (.2: detections keep their index witness, see parse/stored-form.ts). */
const CACHE_VERSION = `${STORED_FORM_VERSION}.2`;
/** Files modified this close before the cache was written are re-hashed: same size and times do not prove the same text. */
const RACY_MS = 2000;

interface FileEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly hash: string;
}

interface CacheData {
  readonly format: typeof FORMAT;
  readonly version: string;
  readonly writtenAt: number;
  readonly files: Record<string, FileEntry>;
  readonly forms: Record<string, StoredFile>;
}

/** The cache folder: $TTPGRAPH_CACHE_DIR, else the XDG cache dir (absolute $XDG_CACHE_HOME, else ~/.cache), + ttpgraph. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env['TTPGRAPH_CACHE_DIR'];
  if (own !== undefined && own !== '') return path.resolve(own);
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(env['HOME'] ?? os.homedir(), '.cache');
  return path.join(base, 'ttpgraph');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** One rule file as the cache sees it: its form when the cache has it, else its text to parse. */
export type CachedFile = { readonly path: string; readonly hash: string; readonly form: StoredFile } | { readonly path: string; readonly hash: string; readonly text: string };

export class RuleCache {
  private readonly file: string;
  private readonly old: CacheData | undefined;
  private readonly files: Record<string, FileEntry> = {};
  private readonly forms: Record<string, StoredFile> = {};
  private changed = false;

  /** Opens (reads) the cache of these rule paths in `dir`. */
  constructor(dir: string, rulePaths: readonly string[]) {
    const key = sha256(JSON.stringify(rulePaths.map((p) => path.resolve(p)))).slice(0, 32);
    this.file = path.join(dir, 'rules', `${key}.json`);
    this.old = readCache(this.file);
  }

  /** The file's cached form, or its text when it must be parsed (then call {@link put}). */
  lookup(file: string): CachedFile {
    const abs = path.resolve(file);
    let st: Stats | undefined;
    try {
      st = statSync(abs);
    } catch {
      st = undefined; // reading it below reports the error as usual
    }
    const seen = this.old?.files[abs];
    if (st !== undefined && seen !== undefined && this.old !== undefined && sameFile(seen, st) && this.old.writtenAt - st.mtimeMs > RACY_MS) {
      const form = this.old.forms[seen.hash];
      if (form !== undefined) {
        this.keep(abs, seen, form);
        return { path: file, hash: seen.hash, form };
      }
    }
    const text = readFileSync(file, 'utf8');
    const hash = sha256(text);
    const entry = st === undefined ? undefined : { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, hash };
    const form = this.old?.forms[hash];
    if (form !== undefined) {
      if (entry !== undefined) this.keep(abs, entry, form);
      this.changed ||= seen === undefined || seen.hash !== hash || !sameFile(seen, entry!);
      return { path: file, hash, form };
    }
    if (entry !== undefined) this.files[abs] = entry;
    this.changed = true;
    return { path: file, hash, text };
  }

  /** Records what a file's text (of this hash) parsed to. */
  put(hash: string, form: StoredFile): void {
    this.forms[hash] = form;
    this.changed = true;
  }

  private keep(abs: string, entry: FileEntry, form: StoredFile): void {
    this.files[abs] = entry;
    this.forms[entry.hash] = form;
  }

  /** Writes the cache when anything changed (or files went away); failures are ignored. */
  save(): void {
    const oldFiles = Object.keys(this.old?.files ?? {});
    if (!this.changed && oldFiles.length === Object.keys(this.files).length) return;
    const data: CacheData = { format: FORMAT, version: CACHE_VERSION, writtenAt: Date.now(), files: this.files, forms: this.forms };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      // ASCII only (asciiJson): read back as a one-byte string, much faster to decode and parse.
      writeFileSync(tmp, asciiJson(JSON.stringify(data)));
      renameSync(tmp, this.file); // atomic: a reader sees the old cache or the new one
    } catch {
      // no cache this time
    }
  }
}

function sameFile(a: FileEntry, st: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): boolean {
  return a.size === st.size && a.mtimeMs === st.mtimeMs && a.ctimeMs === st.ctimeMs && a.ino === st.ino;
}

function readCache(file: string): CacheData | undefined {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheData> | null;
    if (data === null || typeof data !== 'object' || data.format !== FORMAT || data.version !== CACHE_VERSION) return undefined;
    if (typeof data.writtenAt !== 'number' || typeof data.files !== 'object' || data.files === null || typeof data.forms !== 'object' || data.forms === null) return undefined;
    return data as CacheData;
  } catch {
    return undefined; // absent, unreadable or corrupt: rebuilt
  }
}
