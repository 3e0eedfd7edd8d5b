/**
 * The hunt: rules (files) + pipeline + log files -> hits, streamed. Memory stays bounded: events are
 * read one at a time, tested, and dropped; only correlation windows keep state. Every bad rule,
 * line or file is counted and reported through onProblem, and the hunt goes on.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileReason } from '../errors.ts';
import { startEvtxWorkers, type BatchOwner, type EvtxWorkers } from '../evtx/index.ts';
import { attackTags, compileCollection, eventContext, eventHost, eventTimeMs, eventTimestamp, formatIssue, LEVELS, type CompiledRule, type EventContext, type RuleLevel, type SigmaCollection, type SigmaIssue, type SigmaRule, type Pipeline, type SigmaCorrelation } from '../sigma/index.ts';
import { evtxMatcher, evtxMatchModule, matchInit, type EvtxMatchInit } from './evtx-match.ts';
import type { HuntHit } from './hit.ts';
import type { InventoryCollector } from './inventory.ts';
import { matchEvtx } from './inputs/evtx.ts';
import { pickReader, READERS } from './inputs/index.ts';
import { DEFAULT_MAX_RECORD_BYTES, openLogFile } from './inputs/open.ts';
import { matchJob, ndjsonWorkerScript, NdjsonWorkers, type NdjsonJob } from './ndjson-threads.ts';
import type { RuleSource } from './rule-source.ts';
import type { InputItem, InputProblem, LogReader } from './inputs/reader.ts';

export interface HuntFilters {
  readonly minLevel?: RuleLevel;
  readonly status?: readonly string[];
  /** Tag prefixes (case-insensitive), e.g. `attack.t1059` or `attack.execution`. */
  readonly tags?: readonly string[];
  /** ATT&CK technique IDs (T1059 also takes its sub-techniques T1059.001...): rules tagged with one of them. */
  readonly techniques?: readonly string[];
}

export interface HuntProblem {
  /** `logsource`: events of a file whose log source was not recognised (a notice; nothing was skipped). */
  readonly kind: 'rule' | 'input' | 'file' | 'logsource';
  readonly message: string;
  readonly source?: string;
  readonly line?: number;
}

export interface HuntOptions {
  readonly collection: SigmaCollection;
  readonly pipeline: Pipeline;
  readonly logs: readonly string[];
  readonly filters?: HuntFilters;
  readonly readers?: readonly LogReader[];
  readonly routing?: boolean;
  /**
   * Threads for .evtx input and for plain (not gzip) NDJSON, this one included: each parses and
   * tests records or lines, only matches come back. Default ({@link defaultEvtxThreads}, for each
   * kind by its own bytes): 2 once the files add up to {@link EVTX_THREADED_FROM} bytes (below
   * that, starting workers and compiling the rules in each costs more than it saves), one more per
   * further 64 MB, at most the cores and 8.
   */
  readonly threads?: number;
  /** Test hook: who parses each batch of an .evtx file, instead of timing (ParseOptions.assign, src/evtx/options.ts). */
  readonly evtxAssign?: (batch: number) => BatchOwner;
  /**
   * Test hook: who tests each range of a plain NDJSON file on threads (`'caller'` or a worker by
   * index, modulo the workers), instead of whoever is free; a dead worker's ranges go to the caller.
   */
  readonly ndjsonAssign?: (range: number) => BatchOwner;
  /**
   * NDJSON workers started ahead by the caller ({@link startNdjsonWorkers}, for these logs and
   * threads), instead of starting them here; the hunt uses and ends them.
   */
  readonly ndjsonWorkers?: NdjsonWorkers;
  /**
   * The digest of `collection` as its loader gave it (LoadedRules.digest, StoreRules.digest;
   * rule-source.ts): NDJSON workers started with the same source use the rules they loaded
   * themselves when their digest is this one, instead of being sent them.
   */
  readonly rulesDigest?: string;
  /**
   * Counts what the logs hold (hunt/inventory.ts; make it over this pipeline's sources): every
   * event read, in whichever thread, is added. With no rules at all this is `logs inventory`.
   */
  readonly inventory?: InventoryCollector;
  /** The longest NDJSON line or JSON element kept, in bytes; longer ones are skipped and counted. Default 16 MiB. */
  readonly maxLineBytes?: number;
  onHit(hit: HuntHit): void;
  onProblem?(problem: HuntProblem): void;
  /** Called every few thousand events with (files done, file count, raw bytes of the current file done, its size). */
  onProgress?(p: { file: string; fileIndex: number; files: number; bytes: number; size: number }): void;
}

export interface HuntSummary {
  readonly rules: number;
  readonly correlations: number;
  readonly ruleProblems: number;
  readonly files: number;
  readonly filesFailed: number;
  readonly events: number;
  readonly skippedRecords: number;
  /** Events whose log source was not recognised: they reached only rules without a product. */
  readonly unknownLogsource: number;
  readonly hits: number;
  readonly rulesHit: number;
  readonly elapsedMs: number;
  /** Part of elapsedMs spent compiling the rules (before the first event). */
  readonly compileMs: number;
}

/** Does a rule pass the hunt's filters (level, status, tags, techniques)? */
export function passes(doc: SigmaRule | SigmaCorrelation, f: HuntFilters | undefined): boolean {
  if (f === undefined) return true;
  if (f.minLevel !== undefined) {
    const lv = doc.level === undefined ? -1 : LEVELS.indexOf(doc.level);
    if (lv < LEVELS.indexOf(f.minLevel)) return false;
  }
  if (f.status !== undefined && f.status.length > 0 && !f.status.includes(doc.status ?? '')) return false;
  if (f.tags !== undefined && f.tags.length > 0) {
    const tags = doc.tags.map((t) => t.toLowerCase());
    if (!f.tags.some((want) => tags.some((t) => t === want.toLowerCase() || t.startsWith(`${want.toLowerCase()}.`)))) return false;
  }
  if (f.techniques !== undefined && f.techniques.length > 0) {
    const tags = doc.tags.map((t) => t.toLowerCase());
    const wanted = f.techniques.map((t) => `attack.${t.toLowerCase()}`);
    if (!wanted.some((want) => tags.some((t) => t === want || t.startsWith(`${want}.`)))) return false;
  }
  return true;
}

/**
 * Default: .evtx input from this many bytes in all is parsed and matched in worker threads too.
 * Measured with the whole CLI over sigma/rules (docs/benchmarks.md): 32 MB took 4.1–4.3 s on two
 * threads against 3.5–3.7 on one; 64 MB 5.2–5.6 s against 6.5–6.7.
 */
export const EVTX_THREADED_FROM = 64 * 1024 * 1024;

function evtxBytes(paths: readonly string[]): number {
  let total = 0;
  for (const p of paths) {
    if (!/\.evtx$/i.test(p)) continue;
    try {
      total += statSync(p).size;
    } catch {
      // reported when the file is opened
    }
  }
  return total;
}

/**
 * Default threads for `bytes` of .evtx: none extra below {@link EVTX_THREADED_FROM}; above, one
 * per core, but no more workers than 64 MB units (each worker holds its own compiled rules, ~90 MB,
 * and needs about a second to set up) and no more than 8 threads.
 */
export function defaultEvtxThreads(bytes: number): number {
  if (bytes < EVTX_THREADED_FROM) return 1;
  return Math.max(1, Math.min(availableParallelism(), 8, 1 + Math.floor(bytes / EVTX_THREADED_FROM)));
}

/** The first bytes of a file ('' when it cannot be read: opening it later reports why). */
function magicOf(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(8);
    const n = readSync(fd, buf, 0, 8, 0);
    return buf.toString('latin1', 0, n);
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * What the hunt's files are, by their first bytes (as the readers sniff them): is any an EVTX log,
 * and is any neither EVTX nor gzip (so possibly plain NDJSON)? Each thread pool starts only for
 * files it can take: a pool started for nothing copies and compiles every rule in a thread of its
 * own, competing with the hunt for the cores (`--threads 2` over one NDJSON file started an idle
 * EVTX worker too).
 */
export function logKinds(paths: readonly string[]): { evtx: boolean; plain: boolean } {
  let evtx = false;
  let plain = false;
  for (const p of paths) {
    const m = magicOf(p);
    if (m === 'ElfFile\0') evtx = true;
    else if (!m.startsWith('\x1f\x8b')) plain = true;
    if (evtx && plain) break;
  }
  return { evtx, plain };
}

/** Workers for the hunt's .evtx files, or undefined when they would not pay (see HuntOptions.threads). */
function evtxWorkers(o: HuntOptions, init: () => EvtxMatchInit, kinds: () => { evtx: boolean }): EvtxWorkers | undefined {
  const mapper = evtxMatchModule();
  if (mapper === null) return undefined;
  const threads = o.threads ?? defaultEvtxThreads(evtxBytes(o.logs));
  if (threads < 2 || !kinds().evtx) return undefined;
  return startEvtxWorkers({ mapper, init: init(), threads });
}

/** Bytes of the log files that may be plain NDJSON (.ndjson, .jsonl, .json; not .gz). */
function ndjsonBytes(paths: readonly string[]): number {
  let total = 0;
  for (const p of paths) {
    if (!/\.(ndjson|jsonl|json)$/i.test(p)) continue;
    try {
      total += statSync(p).size;
    } catch {
      // reported when the file is opened
    }
  }
  return total;
}

/** What {@link startNdjsonWorkers} needs to know: the hunt's logs and threads (HuntOptions), and where its rules come from. */
export interface NdjsonWorkersPlan {
  readonly logs: readonly string[];
  readonly threads?: number;
  /** The rules' source, when workers can load them themselves (rule-source.ts). */
  readonly source?: RuleSource;
}

/**
 * Workers for the hunt's plain NDJSON files, or undefined when they would not pay (see
 * HuntOptions.threads). They get the rules after (NdjsonWorkers.init): the thread starts, loads
 * its modules and, with a source, loads the rules itself while this one loads and prepares them.
 * The CLI calls this before loading the rules, and hands the pool to runHunt.
 */
export function startNdjsonWorkers(p: NdjsonWorkersPlan, kinds: () => { plain: boolean } = () => logKinds(p.logs)): NdjsonWorkers | undefined {
  const script = ndjsonWorkerScript();
  if (script === undefined) return undefined;
  const threads = p.threads ?? defaultEvtxThreads(ndjsonBytes(p.logs));
  if (threads < 2 || !kinds().plain) return undefined;
  return new NdjsonWorkers(script, threads - 1, p.source);
}

/** The notice for events of unknown log source in a file. */
export function unknownLogsourceMessage(count: number, file: string): string {
  return `${count} event(s) of unknown log source in ${file}: use --logsource product=...,service=... or a pipeline (only rules without a product saw them)`;
}

export function issueProblem(i: SigmaIssue): HuntProblem {
  return { kind: 'rule', message: formatIssue(i), ...(i.file !== undefined ? { source: i.file } : {}), ...(i.line !== undefined ? { line: i.line } : {}) };
}

export async function runHunt(o: HuntOptions): Promise<HuntSummary> {
  const started = performance.now();
  const problem = (p: HuntProblem): void => o.onProblem?.(p);
  // Progress is for people watching; a failing progress callback must never fail the hunt it reports on.
  const progress = (p: Parameters<NonNullable<HuntOptions['onProgress']>>[0]): void => {
    try {
      o.onProgress?.(p);
    } catch {
      // ignored on purpose
    }
  };
  for (const i of o.collection.issues) problem(issueProblem(i));
  // Rules no filter lets through and no correlation needs are not compiled at all.
  const needed = new Set(o.collection.correlations.flatMap((c) => c.rules));
  // `kept`: which of the loaded rules, by index (workers that loaded the rules themselves take the same).
  const kept: number[] = [];
  const rules = o.collection.rules.filter((r, i) => {
    const k = passes(r, o.filters) || (r.id !== undefined && needed.has(r.id)) || (r.name !== undefined && needed.has(r.name));
    if (k) kept.push(i);
    return k;
  });
  const col: SigmaCollection = { ...o.collection, rules };
  // Workers for .evtx start first, so that their copy and compile of the rules overlaps this
  // thread's; they compile exactly these rules, in this order, and name matches by engine index.
  const compileOptions = { pipeline: o.pipeline, ...(o.routing !== undefined ? { routing: o.routing } : {}) };
  const counting = o.inventory !== undefined ? { inventory: true } : {};
  let kindsSeen: { evtx: boolean; plain: boolean } | undefined;
  const kinds = (): { evtx: boolean; plain: boolean } => (kindsSeen ??= logKinds(o.logs));
  let init: EvtxMatchInit | undefined;
  const initOnce = (): EvtxMatchInit => (init ??= { ...matchInit(col, compileOptions), ...counting });
  const workers = evtxWorkers(o, initOnce, kinds);
  const ndjsonPool = o.ndjsonWorkers ?? startNdjsonWorkers(o, kinds);
  const keep = rules.length === o.collection.rules.length ? undefined : kept;
  ndjsonPool?.init({ rest: { ...compileOptions, ...counting }, ...(o.rulesDigest !== undefined ? { digest: o.rulesDigest } : {}), ...(keep !== undefined ? { keep } : {}), full: initOnce });
  const inventory = o.inventory;
  let compiled;
  try {
    compiled = compileCollection(col, compileOptions);
  } catch (e) {
    await workers?.close();
    await ndjsonPool?.close();
    throw e;
  }
  const { engine, correlator, issues } = compiled;
  for (const i of issues) problem(issueProblem(i));
  const compileMs = performance.now() - started;
  let events = 0;
  let skipped = 0;
  let hits = 0;
  let filesFailed = 0;
  let unknownLogsource = 0;
  const rulesHit = new Set<string>();
  const readers = o.readers ?? READERS;
  const tagCache = new Map<SigmaRule | SigmaCorrelation, ReturnType<typeof attackTags>>();
  const metaHit = (doc: SigmaRule | SigmaCorrelation, kind: 'rule' | 'correlation', source: string, line: number, timestamp: string | undefined, host: string | undefined, event: unknown): HuntHit => {
    let at = tagCache.get(doc);
    if (at === undefined) tagCache.set(doc, (at = attackTags(doc.tags)));
    return {
      kind,
      ruleId: doc.id,
      title: doc.title,
      level: doc.level,
      status: doc.status,
      techniques: at.techniques,
      tactics: at.tactics,
      tags: doc.tags,
      timestamp,
      host,
      source,
      line,
      ruleFile: doc.file,
      event,
    };
  };
  /** Hits and correlations for one event that matched, in file order. */
  const onMatch = (source: string, line: number, event: unknown, ctx: EventContext, matched: readonly CompiledRule[]): void => {
    const ts = eventTimestamp(ctx);
    const host = eventHost(ctx);
    for (const m of matched) {
      if (correlator.suppressed(m.rule) || !passes(m.rule, o.filters)) continue;
      hits++;
      rulesHit.add(m.rule.id ?? m.rule.title);
      o.onHit(metaHit(m.rule, 'rule', source, line, ts, host, event));
    }
    if (correlator.correlations.length > 0) {
      for (const ch of correlator.feed(matched.map((m) => m.rule), ctx, eventTimeMs(ctx))) {
        if (correlator.suppressed(ch.correlation) || !passes(ch.correlation, o.filters)) continue;
        hits++;
        rulesHit.add(ch.correlation.id ?? ch.correlation.title);
        o.onHit(metaHit(ch.correlation, 'correlation', source, line, ts, host, { group: ch.group, value: ch.value, type: ch.correlation.type }));
      }
    }
  };
  /** A record or line the reader skipped. */
  const inputProblem = (item: InputProblem): void => {
    skipped++;
    problem({ kind: 'input', message: `${item.source}:${item.line ?? '?'}: ${item.message}`, source: item.source, ...(item.line !== undefined ? { line: item.line } : {}) });
  };
  // With workers, this thread tests the records it parses itself with the same engine.
  const threaded = workers === undefined ? undefined : { workers, local: evtxMatcher(engine, false, inventory === undefined ? undefined : o.pipeline) };
  const ruleIndex = new Map<unknown, number>(engine.rules.map((r, i) => [r, i]));
  try {
    for (let fi = 0; fi < o.logs.length; fi++) {
      const path = o.logs[fi] as string;
      let file;
      try {
        file = openLogFile(path, o.maxLineBytes !== undefined ? { maxRecordBytes: o.maxLineBytes } : {});
      } catch (e) {
        filesFailed++;
        problem({ kind: 'file', message: `${path}: ${fileReason(e)}`, source: path });
        continue;
      }
      const reader = pickReader(file, readers);
      if (reader === undefined) {
        filesFailed++;
        problem({ kind: 'file', message: `${path}: not a supported log format (expected NDJSON, a JSON array or concatenated JSON, optionally gzip)`, source: path });
        continue;
      }
      // A file that gave problems and not one readable record is not a log at all: a file error
      // (exit 2 in the CLI), the same for garbage .evtx as for garbage NDJSON.
      const eventsBefore = events;
      const skippedBefore = skipped;
      if (threaded !== undefined && reader.name === 'evtx') {
        // Parsed and tested in every thread; only matching records come back, in file order.
        for await (const got of matchEvtx(file, threaded.workers, threaded.local, o.evtxAssign)) {
          if (got.kind === 'problem') {
            inputProblem(got);
            continue;
          }
          events += got.records;
          if (got.inventory !== undefined) inventory?.merge(got.inventory);
          for (const m of got.matches) onMatch(path, m.line, m.event, eventContext(m.event), m.rules.map((i) => engine.rules[i]!));
          progress({ file: path, fileIndex: fi, files: o.logs.length, bytes: got.bytes, size: file.size });
        }
      } else if (ndjsonPool !== undefined && reader.name === 'ndjson' && !file.gzip) {
        // Ranges of lines tested in every thread; matching lines and bad lines come back in file order.
        const local = (job: NdjsonJob) => matchJob(job, engine, ruleIndex, inventory === undefined ? undefined : o.pipeline);
        let unknown = 0;
        for await (const { result, linesBefore, end } of ndjsonPool.match(path, file.size, file.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, local, o.ndjsonAssign)) {
          events += result.events;
          unknown += result.unknown;
          if (result.inventory !== undefined) inventory?.merge(result.inventory);
          const { matches, problems } = result;
          let p = 0;
          const problemsBefore = (rel: number): void => {
            for (; p < problems.length && problems[p]!.rel < rel; p++) inputProblem({ kind: 'problem', source: path, line: linesBefore + problems[p]!.rel, message: problems[p]!.message });
          };
          for (const m of matches) {
            problemsBefore(m.rel);
            const event = JSON.parse(m.text) as unknown;
            onMatch(path, linesBefore + m.rel, event, eventContext(event), m.rules.map((i) => engine.rules[i]!));
          }
          problemsBefore(Infinity);
          o.onProgress?.({ file: path, fileIndex: fi, files: o.logs.length, bytes: end, size: file.size });
        }
        if (unknown > 0 && o.routing !== false) {
          unknownLogsource += unknown;
          problem({ kind: 'logsource', message: unknownLogsourceMessage(unknown, path), source: path });
        }
      } else {
        let sinceProgress = 0;
        let unknown = 0;
        for await (const got of reader.read(file)) for (const item of Array.isArray(got) ? (got as readonly InputItem[]) : [got as InputItem]) {
          if (item.kind === 'problem') {
            inputProblem(item);
            continue;
          }
          events++;
          if (++sinceProgress >= 4096) {
            sinceProgress = 0;
            progress({ file: path, fileIndex: fi, files: o.logs.length, bytes: file.bytesRead(), size: file.size });
          }
          const ctx = eventContext(item.event, item.json, item.jsonStart, item.jsonEnd);
          const matched = engine.matchContext(ctx);
          inventory?.add(ctx);
          if (ctx.source < 0) unknown++;
          if (matched.length > 0) onMatch(item.source, item.line, item.event, ctx, matched);
        }
        // With routing off every rule saw every event: nothing to report.
        if (unknown > 0 && o.routing !== false) {
          unknownLogsource += unknown;
          problem({ kind: 'logsource', message: unknownLogsourceMessage(unknown, path), source: path });
        }
      }
      if (events === eventsBefore && skipped > skippedBefore) {
        filesFailed++;
        problem({ kind: 'file', message: `${path}: no readable record (${skipped - skippedBefore} problem(s) above)`, source: path });
      }
      progress({ file: path, fileIndex: fi + 1, files: o.logs.length, bytes: 0, size: file.size });
    }
  } finally {
    await workers?.close();
    await ndjsonPool?.close();
  }
  return {
    rules: engine.rules.length,
    correlations: correlator.correlations.length,
    ruleProblems: o.collection.issues.length + issues.length,
    files: o.logs.length,
    filesFailed,
    events,
    skippedRecords: skipped,
    unknownLogsource,
    hits,
    rulesHit: rulesHit.size,
    elapsedMs: performance.now() - started,
    compileMs,
  };
}
