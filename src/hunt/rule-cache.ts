/**
 * The parsed form of `--rules` folders, cached between runs so that YAML is parsed only for files
 * that changed. One cache file per list of rule paths (named by a hash of their absolute paths) in
 * the cache folder ($TTPGRAPH_CACHE_DIR, else $XDG_CACHE_HOME/ttpgraph or ~/.cache/ttpgraph, then
 * `rules/`), holding:
 *
 *   files  absolute path -> { size, mtimeMs, ctimeMs, ino, hash }: the file as last seen, hash = SHA-256 of its text
 *   forms  hash -> what the text parsed to (documents in the stored form, issues)
 *
 * The file is one line of JSON (format, version, files, and per form its issues and where its
 * documents' texts are) followed by the documents' texts (parse/stored-form.ts) one after another,
 * all ASCII: it is read as bytes, only the first line is parsed, and each document is a slice of the
 * rest, decoded when loaded (its detection and raw only when first read: parse/stored-form.ts).
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
/** Bump with anything that changes what a text parses to (the parser's rules), not only the stored form (.2: detections keep their index witness, see parse/stored-form.ts; .3: the file is a head line and the documents' texts). */
export const RULE_CACHE_VERSION = `${STORED_FORM_VERSION}.3`;
/** Files modified this close before the cache was written are re-hashed: same size and times do not prove the same text. */
const RACY_MS = 2000;

interface FileEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly hash: string;
}

/** A form as the cache file's first line holds it: its documents' texts are `lens` characters each, one after another from `at` in the body. */
interface FormEntry {
  readonly v: number;
  readonly issues: StoredFile['issues'];
  readonly at: number;
  readonly lens: readonly number[];
}

interface CacheHead {
  readonly format: typeof FORMAT;
  readonly version: string;
  readonly writtenAt: number;
  readonly files: Record<string, FileEntry>;
  readonly forms: Record<string, FormEntry>;
}

interface CacheData extends CacheHead {
  /** The documents' texts, one after another (bytes: read only when a document is decoded). */
  readonly body: Buffer;
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
export type CachedFile = { readonly path: string; readonly abs: string; readonly hash: string; readonly form: StoredFile } | { readonly path: string; readonly abs: string; readonly hash: string; readonly text: string };

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
    // Folder walks give absolute paths already; resolving 2,407 of them was ~20 ms of a warm load.
    const abs = path.isAbsolute(file) ? file : path.resolve(file);
    let st: Stats | undefined;
    try {
      st = statSync(abs);
    } catch {
      st = undefined; // reading it below reports the error as usual
    }
    const seen = this.old?.files[abs];
    if (st !== undefined && seen !== undefined && this.old !== undefined && sameFile(seen, st) && this.old.writtenAt - st.mtimeMs > RACY_MS) {
      const form = this.oldForm(seen.hash);
      if (form !== undefined) {
        this.keep(abs, seen, form);
        return { path: file, abs, hash: seen.hash, form };
      }
    }
    const text = readFileSync(file, 'utf8');
    const hash = sha256(text);
    const entry = st === undefined ? undefined : { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, hash };
    const form = this.oldForm(hash);
    if (form !== undefined) {
      if (entry !== undefined) this.keep(abs, entry, form);
      this.changed ||= seen === undefined || seen.hash !== hash || !sameFile(seen, entry!);
      return { path: file, abs, hash, form };
    }
    if (entry !== undefined) this.files[abs] = entry;
    this.changed = true;
    return { path: file, abs, hash, text };
  }

  /**
   * Every file the cache recorded, in the order it recorded them (the order of the load that wrote
   * it), with its recorded hash and form, taken on trust: no file is listed, statted or read.
   * Undefined when there is no cache or a form is missing. Only for a load whose result is checked
   * against a load that did look at the files (a worker's rules against the hunt thread's, by digest).
   */
  recorded(): { abs: string; hash: string; form: StoredFile }[] | undefined {
    if (this.old === undefined) return undefined;
    const out: { abs: string; hash: string; form: StoredFile }[] = [];
    for (const [abs, entry] of Object.entries(this.old.files)) {
      const form = this.oldForm(entry.hash);
      if (form === undefined) return undefined;
      out.push({ abs, hash: entry.hash, form });
    }
    return out;
  }

  /** Records what a file's text (of this hash) parsed to. */
  put(hash: string, form: StoredFile): void {
    this.forms[hash] = form;
    this.changed = true;
  }

  /** A form of the cache as read, its documents sliced out of the body. */
  private oldForm(hash: string): StoredFile | undefined {
    const old = this.old;
    const f = old?.forms[hash];
    if (old === undefined || f === undefined) return undefined;
    let at = f.at;
    const docs = f.lens.map((n) => old.body.subarray(at, (at += n)));
    return { v: f.v, issues: f.issues, docs };
  }

  private keep(abs: string, entry: FileEntry, form: StoredFile): void {
    this.files[abs] = entry;
    this.forms[entry.hash] = form;
  }

  /** Writes the cache when anything changed (or files went away); failures are ignored. */
  save(): void {
    const oldFiles = Object.keys(this.old?.files ?? {});
    if (!this.changed && oldFiles.length === Object.keys(this.files).length) return;
    const forms: Record<string, FormEntry> = {};
    const texts: Buffer[] = [];
    let at = 0;
    for (const [hash, f] of Object.entries(this.forms)) {
      // ASCII texts (parse/stored-form.ts): a character is a byte.
      const bufs = f.docs.map((d) => (typeof d === 'string' ? Buffer.from(d, 'latin1') : d));
      forms[hash] = { v: f.v, issues: f.issues, at, lens: bufs.map((d) => d.length) };
      for (const d of bufs) {
        texts.push(d);
        at += d.length;
      }
    }
    const head: CacheHead = { format: FORMAT, version: RULE_CACHE_VERSION, writtenAt: Date.now(), files: this.files, forms };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      // ASCII only (asciiJson; the documents' texts are): read back as a one-byte string, its
      // lengths in characters are its lengths in bytes. JSON.stringify writes no newline.
      writeFileSync(tmp, Buffer.concat([Buffer.from(`${asciiJson(JSON.stringify(head))}\n`, 'latin1'), ...texts]));
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
    // Bytes: only the first line becomes a string (ASCII, see save); documents are decoded from their bytes when used.
    const bytes = readFileSync(file);
    const nl = bytes.indexOf(10);
    if (nl < 0) return undefined;
    const head = JSON.parse(bytes.toString('latin1', 0, nl)) as Partial<CacheHead> | null;
    if (head === null || typeof head !== 'object' || head.format !== FORMAT || head.version !== RULE_CACHE_VERSION) return undefined;
    if (typeof head.writtenAt !== 'number' || typeof head.files !== 'object' || head.files === null || typeof head.forms !== 'object' || head.forms === null) return undefined;
    const body = bytes.subarray(nl + 1);
    for (const f of Object.values(head.forms)) {
      const end = f.at + f.lens.reduce((a, n) => a + n, 0);
      if (!Number.isInteger(f.at) || f.at < 0 || !(end <= body.length)) return undefined;
    }
    return { ...(head as CacheHead), body };
  } catch {
    return undefined; // absent, unreadable or corrupt: rebuilt
  }
}
