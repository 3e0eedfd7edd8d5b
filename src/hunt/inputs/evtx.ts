/**
 * EVTX reader for `hunt`: Windows event log files (magic `ElfFile\0`) read with src/evtx, each
 * record as the evtx crate's JSON object (the same shape as the SigmaHQ regression .json files),
 * `line` = the record id; every damaged place the parser reports is a problem (a skipped record or
 * chunk), never a stop. `readEvtx` parses on the hunt's thread; `matchEvtx` is the threaded path,
 * where each thread tests the records it parsed against the rules and only matches come back.
 * Folders are expanded by `expandLogPaths` (hunt/rules.ts) before `runHunt`.
 */
import { open } from 'node:fs/promises';
import { CHUNK_SIZE, FILE_HEADER_SIZE, fileHandleReader, mapEvtx, parseEvtx, type BatchOwner, type EvtxMapper, type EvtxWorkers, type RandomAccessReader } from '../../evtx/index.ts';
import { evtxMatches, evtxMatchModule, type EvtxChunkMatches, type EvtxMatch } from '../evtx-match.ts';
import type { InventoryEntry } from '../inventory.ts';
import type { InputItem, InputProblem, LogFile, LogReader } from './reader.ts';

const MAGIC = 'ElfFile\0';

function isEvtx(head: Buffer): boolean {
  return head.length >= 8 && head.toString('latin1', 0, 8) === MAGIC;
}

export const evtxReader: LogReader = {
  name: 'evtx',
  sniff(file) {
    return !file.gzip && (isEvtx(file.rawHead) || /\.evtx$/i.test(file.path));
  },
  read: readEvtx,
};

const problem = (file: LogFile, message: string): InputProblem => ({ kind: 'problem', source: file.path, line: undefined, message });

/**
 * Opens the file and runs `body` over a reader of it; a file that cannot be opened, or a read that
 * fails midway, is one problem, never a throw. The file is closed however the iteration ends.
 */
async function* overFile<T>(file: LogFile, body: (reader: RandomAccessReader) => AsyncIterable<T | InputProblem>): AsyncIterable<T | InputProblem> {
  let fh;
  try {
    fh = await open(file.path, 'r');
  } catch (e) {
    yield problem(file, `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return;
  }
  try {
    yield* body(await fileHandleReader(fh));
  } catch (e) {
    yield problem(file, `read failed: ${(e as Error).message}`);
  } finally {
    await fh.close();
  }
}

export function readEvtx(file: LogFile): AsyncIterable<InputItem> {
  return overFile(file, async function* (reader) {
    // One thread: records handed over as objects cost the taking thread half a parse each, so
    // sharing the parse alone does not pay; the hunt's threaded path is matchEvtx.
    for await (const r of parseEvtx(reader, { source: file.path, format: 'json', threads: 1 })) {
      if (r.ok) yield { kind: 'event', event: r.record.data, source: file.path, line: Number(r.record.recordId) } as const;
      else yield problem(file, r.warning.message);
    }
  });
}

/** One chunk's matches from {@link matchEvtx}, with its record count and how far into the file it ends. */
export interface EvtxMatchedChunk {
  readonly kind: 'chunk';
  readonly records: number;
  readonly matches: readonly EvtxMatch[];
  readonly bytes: number;
  /** The chunk's log inventory, when the matcher counts one. */
  readonly inventory?: readonly InventoryEntry[] | undefined;
}

/**
 * The hunt's threaded path: the file parsed and its records tested by `workers` and this thread
 * (`local`, over the hunt's own engine), chunk by chunk in file order; each damaged place a problem.
 */
export function matchEvtx(file: LogFile, workers: EvtxWorkers, local: EvtxMapper<EvtxChunkMatches>, assign?: (batch: number) => BatchOwner): AsyncIterable<EvtxMatchedChunk | InputProblem> {
  return overFile(file, async function* (reader) {
    const mapper = evtxMatchModule();
    if (mapper === null) throw new Error('EVTX workers run from the built dist/ only');
    for await (const c of mapEvtx(reader, { source: file.path, format: 'json', mapper, workers, local, ...(assign !== undefined ? { assign } : {}) })) {
      for (const w of c.warnings) yield problem(file, w.message);
      if (c.chunk >= 0) yield { kind: 'chunk', records: c.records, matches: c.value === undefined ? [] : evtxMatches(c.value), bytes: Math.min(file.size, FILE_HEADER_SIZE + (c.chunk + 1) * CHUNK_SIZE), inventory: c.value?.inventory } as const;
    }
  });
}
