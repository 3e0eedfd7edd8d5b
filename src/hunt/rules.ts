/** Reads rule files and directories (recursively, *.yml / *.yaml) into one Sigma collection. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  decodeFile,
  encodeFile,
  fromPlainYaml,
  mergeCollections,
  parsePipeline,
  defaultPipeline,
  mergePipelines,
  parseSigma,
  sigmaFromYaml,
  type Pipeline,
  type SigmaCollection,
  type SigmaDocument,
  type SigmaIssue,
  type StoredFile,
} from '../sigma/index.ts';
import type { ParseResult } from './parse-worker.ts';
import { RULE_CACHE_VERSION, RuleCache, sha256 } from './rule-cache.ts';
import { fileReason, TtpgraphError } from '../errors.ts';
import { walkFiles } from '../sources/walk.ts';

const RULE_EXTENSIONS = ['.yml', '.yaml'];

/** The rule files the named paths stand for (*.yml / *.yaml below folders; see sources/walk.ts). */
export function listRuleFiles(paths: readonly string[]): string[] {
  return walkFiles(paths, { extensions: RULE_EXTENSIONS });
}

/** A worker that posts nothing for this long is given up on; its files are parsed here. */
const STALL_MS = 10_000;

export interface LoadOptions {
  /**
   * Worker threads for the YAML step. Default 0 (this thread only). They paid on 4 or more cores
   * while the `yaml` package was most of loading; since the YAML fast path (sigma/parse/yaml-fast.ts)
   * the step they take over is ~0.2 s for 2,407 files, less than what this thread spends taking
   * their results back (the structured clone), and building rules stays here anyway (measured with
   * one worker on a core of its own: 2,407 files in 1.46-1.54 s against 1.27-1.31 s, +15% CPU;
   * docs/benchmarks.md, round 5).
   */
  readonly threads?: number;
  /**
   * Keep the parsed form of the files in this folder (see rule-cache.ts) and parse only the files
   * that changed since. Default: no cache (the CLI passes defaultCacheDir()).
   */
  readonly cacheDir?: string;
  /** With a cache: also give the load's digest (LoadedRules.digest; a few milliseconds). */
  readonly digest?: boolean;
}

export interface LoadedRules {
  readonly collection: SigmaCollection;
  readonly files: number;
  /** Files taken from the cache without YAML parsing. */
  readonly cached: number;
  /**
   * With a cache, when asked for: what was loaded, as the files' paths and the hashes of their texts (see
   * {@link filesDigest}). Two loads with the same digest give the same collection, whether each
   * file was parsed or decoded from the cache; a worker thread that loaded the rules itself checks
   * its digest against the hunt thread's (hunt/ndjson-threads.ts).
   */
  readonly digest?: string;
}

/** The digest of a load through the cache: every file's absolute path and text hash, in order, and the cache's version. */
function filesDigest(files: readonly string[], hashes: readonly string[]): string {
  return sha256(JSON.stringify([RULE_CACHE_VERSION, files, hashes]));
}

/**
 * Reads rule files and folders into one collection, in file order. The YAML step may run in worker
 * threads when asked (see LoadOptions); building and compiling stay on this thread. It stays
 * synchronous: the workers' results are taken with Atomics.wait + receiveMessageOnPort.
 */
export function loadRuleFiles(paths: readonly string[], options: LoadOptions = {}): LoadedRules {
  const files = listRuleFiles(paths);
  if (options.cacheDir !== undefined) return loadCached(paths, files, options.cacheDir, options);
  return { collection: mergeCollections(parseFiles(files, options, (f) => readFileSync(f, 'utf8'))), files: files.length, cached: 0 };
}

/** Parses files (in worker threads when LoadOptions.threads asks), one collection per file. */
function parseFiles(files: readonly string[], options: LoadOptions, textOf: (f: string) => string): SigmaCollection[] {
  const parseHere = (f: string): SigmaCollection => parseSigma(textOf(f), { file: f });
  const worker = workerScript();
  const threads = Math.min(options.threads ?? 0, files.length);
  if (threads < 1 || worker === undefined) return files.map(parseHere);
  return loadThreaded(files, threads, worker, parseHere);
}

function collectionOf(docs: readonly SigmaDocument[], issues: SigmaIssue[]): SigmaCollection {
  const out: SigmaCollection = { rules: [], correlations: [], filters: [], issues };
  for (const d of docs) {
    if (d.kind === 'rule') out.rules.push(d);
    else if (d.kind === 'correlation') out.correlations.push(d);
    else out.filters.push(d);
  }
  return out;
}

/** A cached form back to a collection; undefined when it does not decode (another version, or damaged). */
function decodeCached(form: StoredFile, file: string): SigmaCollection | undefined {
  try {
    const d = decodeFile(form, file);
    return d === undefined ? undefined : collectionOf(d.docs, d.issues);
  } catch {
    return undefined;
  }
}

/** loadRuleFiles through the cache: files unchanged since the last run are decoded, the rest parsed and cached. */
function loadCached(paths: readonly string[], files: readonly string[], cacheDir: string, options: LoadOptions): LoadedRules {
  const cache = new RuleCache(cacheDir, paths);
  const parts = new Array<SigmaCollection>(files.length);
  const hashes = new Array<string>(files.length);
  const absolute = new Array<string>(files.length);
  const todo: { index: number; hash: string; text: string }[] = [];
  let cached = 0;
  files.forEach((f, index) => {
    const got = cache.lookup(f);
    hashes[index] = got.hash;
    absolute[index] = got.abs;
    if ('form' in got) {
      const c = decodeCached(got.form, f);
      if (c !== undefined) {
        parts[index] = c;
        cached++;
        return;
      }
    }
    todo.push({ index, hash: got.hash, text: 'text' in got ? got.text : readFileSync(f, 'utf8') });
  });
  const texts = new Map(todo.map((t) => [files[t.index] as string, t.text]));
  const parsed = parseFiles(todo.map((t) => files[t.index] as string), options, (f) => texts.get(f) ?? readFileSync(f, 'utf8'));
  todo.forEach((t, k) => {
    const c = parsed[k] as SigmaCollection;
    parts[t.index] = c;
    cache.put(t.hash, encodeFile([...c.rules, ...c.correlations, ...c.filters], c.issues));
  });
  cache.save();
  return { collection: mergeCollections(parts), files: files.length, cached, ...(options.digest === true ? { digest: filesDigest(absolute, hashes) } : {}) };
}

/**
 * The rules of these paths as their cache last recorded them, taken on trust (RuleCache.recorded:
 * no folder walked, no file statted or read, nothing written); undefined when there is no cache or
 * a form does not decode. Its digest is what loadRuleFiles would give if no file changed since;
 * this is how a worker thread loads the hunt's rules itself while the hunt thread loads them
 * properly, and it uses them only when the digests are the same (hunt/ndjson-threads.ts).
 */
export function loadRuleFilesFromCache(paths: readonly string[], cacheDir: string): LoadedRules | undefined {
  const recorded = new RuleCache(cacheDir, paths).recorded();
  if (recorded === undefined) return undefined;
  const parts: SigmaCollection[] = [];
  for (const r of recorded) {
    const c = decodeCached(r.form, r.abs);
    if (c === undefined) return undefined;
    parts.push(c);
  }
  return {
    collection: mergeCollections(parts),
    files: recorded.length,
    cached: recorded.length,
    digest: filesDigest(
      recorded.map((r) => r.abs),
      recorded.map((r) => r.hash),
    ),
  };
}

/** The compiled worker next to this module, or undefined when running from the TypeScript sources. */
function workerScript(): string | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const p = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  return existsSync(p) ? p : undefined;
}

function loadThreaded(files: readonly string[], threads: number, script: string, parseHere: (f: string) => SigmaCollection): SigmaCollection[] {
  const parts = new Array<SigmaCollection | undefined>(files.length);
  const signal = new SharedArrayBuffer(4);
  const counter = new Int32Array(signal);
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  for (let t = 0; t < threads; t++) {
    // Interleaved shares: neighbouring files (often alike in size) go to different threads.
    const share = files.flatMap((p, index) => (index % threads === t ? [{ index, path: p }] : []));
    const { port1, port2 } = new MessageChannel();
    try {
      // No inherited execArgv: flags given to the parent (--input-type, loaders...) can stop a worker from starting.
      const w = new Worker(script, { workerData: { files: share, port: port2, signal }, transferList: [port2], execArgv: [] });
      w.unref();
      // A worker that fails is noticed by its silence (STALL_MS) and its files are parsed here.
      w.on('error', () => undefined);
      workers.push(w);
      ports.push(port1);
    } catch {
      port1.close(); // this share is parsed here below
    }
  }
  let done = 0;
  let lastProgress = performance.now();
  while (done < files.length && ports.length > 0) {
    const seen = Atomics.load(counter, 0);
    let got = false;
    for (const port of ports) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const r = m.message as ParseResult;
        const file = files[r.index] as string;
        // A file the worker could not read or parse is redone here, so its error is the usual one.
        parts[r.index] = r.ok ? sigmaFromYaml(fromPlainYaml(r.yaml), { file }) : parseHere(file);
        done++;
        got = true;
      }
    }
    if (done >= files.length) break;
    const now = performance.now();
    if (got) lastProgress = now;
    else if (now - lastProgress > STALL_MS) break;
    else Atomics.wait(counter, 0, seen, 1000);
  }
  for (const w of workers) void w.terminate();
  for (const p of ports) p.close();
  const out: SigmaCollection[] = [];
  for (let i = 0; i < files.length; i++) out.push(parts[i] ?? parseHere(files[i] as string));
  return out;
}

/** The default pipeline with the user's pipeline files layered on top, in order. */
export function loadPipeline(files: readonly string[]): { pipeline: Pipeline; issues: SigmaIssue[] } {
  let pipeline = defaultPipeline;
  const issues: SigmaIssue[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new TtpgraphError('file-unreadable', `pipeline: ${fileReason(e)}`, { source: f });
    }
    const r = parsePipeline(text, f);
    issues.push(...r.issues);
    if (r.pipeline !== undefined) pipeline = mergePipelines(pipeline, r.pipeline);
  }
  return { pipeline, issues };
}

const LOG_EXTENSIONS = ['.evtx', '.json', '.jsonl', '.ndjson'].flatMap((e) => [e, `${e}.gz`]);

/**
 * Log arguments as given; folders replaced by the log files below them (.evtx, .json, .jsonl,
 * .ndjson, optionally .gz; see sources/walk.ts). A path that is not there is kept, for the reader
 * to report as a problem of that input.
 */
export function expandLogPaths(paths: readonly string[]): string[] {
  const isFolder = (p: string): boolean => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  return paths.flatMap((p) => (isFolder(p) ? walkFiles([p], { extensions: LOG_EXTENSIONS }) : [p]));
}
