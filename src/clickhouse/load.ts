/**
 * `ttpgraph clickhouse load`: log files (read as `hunt` reads them: .evtx, NDJSON, JSON arrays, gzip)
 * -> rows of the event table (sigma/backend/clickhouse/row.ts), inserted in batches over HTTP. A bad
 * record is skipped and counted; a file no reader takes is reported and the others go on.
 */
import { fileReason } from '../errors.ts';
import { openLogFile } from '../hunt/inputs/open.ts';
import { pickReader, READERS } from '../hunt/inputs/index.ts';
import type { InputItem, LogFile, LogReader } from '../hunt/inputs/reader.ts';
import { RowBinaryWriter, writeEventRow } from '../sigma/backend/clickhouse/row.ts';
import type { ClickhouseClient } from './client.ts';
import { availableParallelism } from 'node:os';
import { DEFAULT_MAX_RECORD_BYTES } from '../hunt/inputs/open.ts';
import { LoadWorkers, loadWorkerScript, RANGE_BYTES } from './load-threads.ts';

export interface LoadOptions {
  /** Quoted table name (tableName). */
  readonly table: string;
  readonly logs: readonly string[];
  /** Rows per INSERT (default 20,000), or fewer when they reach `batchBytes` (default 32 MB). */
  readonly batchRows?: number;
  readonly batchBytes?: number;
  /**
   * Worker threads building the rows of plain NDJSON files of two ranges or more (load-threads.ts);
   * default: one per core, at most 4; 0: this thread only.
   */
  readonly threads?: number;
  /** Inserts in flight at once (default DEFAULT_STREAMS, 1), each a batch of its own. */
  readonly streams?: number;
  /** Bytes per range a worker thread takes (default RANGE_BYTES, 8 MB; files under two ranges stay on this thread). */
  readonly rangeBytes?: number;
  onProblem?(p: { kind: 'input' | 'file'; message: string }): void;
  onProgress?(p: { file: string; fileIndex: number; files: number; bytes: number; size: number; events: number }): void;
}

/**
 * Inserts in flight at once. One: on a 2-core machine where the rows are built beside the server, two
 * measured slower end to end (docs/benchmarks.md, issue 17 sixth round: load); more pay when the
 * server has cores the loader does not use.
 */
export const DEFAULT_STREAMS = 1;

export interface LoadSummary {
  readonly files: number;
  readonly filesFailed: number;
  readonly events: number;
  readonly skippedRecords: number;
  readonly batches: number;
  readonly elapsedMs: number;
}

export async function loadLogs(client: ClickhouseClient, o: LoadOptions): Promise<LoadSummary> {
  const started = performance.now();
  const batchRows = o.batchRows ?? 20_000;
  const batchBytes = o.batchBytes ?? 32 * 1024 * 1024;
  let events = 0;
  let skipped = 0;
  let filesFailed = 0;
  let batches = 0;
  const rows = new RowBinaryWriter();
  // Rows built and not yet sent: pieces from worker threads, then what `rows` holds.
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingRows = 0;
  let pendingBytes = 0;
  // Up to `streams` inserts in flight while the next batch is built: reading and sending overlap,
  // and the server, whose insert is mostly one thread per statement, can use more than one core.
  // Each batch is a whole statement, so the table holds the same rows whichever finishes first.
  const streams = Math.max(1, o.streams ?? DEFAULT_STREAMS);
  const inflight = new Set<Promise<void>>();
  const flush = async (): Promise<void> => {
    if (rows.rows > 0) {
      pendingRows += rows.rows;
      pendingBytes += rows.bytes;
      pending.push(rows.take());
    }
    if (pendingRows === 0) return;
    const body = pending;
    pending = [];
    pendingRows = 0;
    pendingBytes = 0;
    while (inflight.size >= streams) await Promise.race(inflight);
    batches++;
    const sent: Promise<void> = client.insertRowBinary(o.table, body).then(() => {
      inflight.delete(sent);
    });
    // Awaited later (race above, or the end); marked handled now so that a failure while the next
    // batch is built is not an unhandled rejection.
    sent.catch(() => undefined);
    inflight.add(sent);
  };
  const full = (): boolean => pendingRows + rows.rows >= batchRows || pendingBytes + rows.bytes >= batchBytes;
  const script = loadWorkerScript();
  const rangeBytes = o.rangeBytes ?? RANGE_BYTES;
  const threads = o.threads ?? Math.min(4, availableParallelism());
  let pool: LoadWorkers | undefined;

  const readHere = async (file: LogFile, reader: LogReader, fi: number): Promise<void> => {
    let sinceProgress = 0;
    for await (const got of reader.read(file)) {
      for (const item of Array.isArray(got) ? (got as readonly InputItem[]) : [got as InputItem]) {
        if (item.kind === 'problem') {
          skipped++;
          o.onProblem?.({ kind: 'input', message: `${item.source}:${item.line ?? '?'}: ${item.message}` });
          continue;
        }
        writeEventRow(rows, item.event, item.source, item.line, item.json, item.jsonStart, item.jsonEnd);
        events++;
        if (full()) await flush();
        if (++sinceProgress >= 4096) {
          sinceProgress = 0;
          o.onProgress?.({ file: file.path, fileIndex: fi, files: o.logs.length, bytes: file.bytesRead(), size: file.size, events });
        }
      }
    }
  };
  const readOnThreads = async (file: LogFile, fi: number, workers: LoadWorkers): Promise<void> => {
    for await (const r of workers.rows(file.path, file.path, file.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, rangeBytes)) {
      for (const p of r.problems) {
        skipped++;
        o.onProblem?.({ kind: 'input', message: `${file.path}:${p.line}: ${p.message}` });
      }
      if (r.events > 0) {
        pending.push(r.rows);
        pendingRows += r.events;
        pendingBytes += r.rows.byteLength;
        events += r.events;
        if (full()) await flush();
      }
      o.onProgress?.({ file: file.path, fileIndex: fi, files: o.logs.length, bytes: r.end, size: file.size, events });
    }
  };

  try {
    for (let fi = 0; fi < o.logs.length; fi++) {
      const path = o.logs[fi] as string;
      let file;
      try {
        file = openLogFile(path);
      } catch (e) {
        filesFailed++;
        o.onProblem?.({ kind: 'file', message: `${path}: ${fileReason(e)}` });
        continue;
      }
      const reader = pickReader(file, READERS);
      if (reader === undefined) {
        filesFailed++;
        o.onProblem?.({ kind: 'file', message: `${path}: not a supported log format (expected .evtx, NDJSON, a JSON array or concatenated JSON, optionally gzip)` });
        continue;
      }
      const before = events;
      const skippedBefore = skipped;
      if (script !== undefined && threads > 0 && reader.name === 'ndjson' && !file.gzip && file.size >= 2 * rangeBytes) {
        pool ??= new LoadWorkers(script, threads);
        await readOnThreads(file, fi, pool);
      } else await readHere(file, reader, fi);
      if (events === before && skipped > skippedBefore) {
        filesFailed++;
        o.onProblem?.({ kind: 'file', message: `${path}: no readable record (${skipped - skippedBefore} problem(s) above)` });
      }
      o.onProgress?.({ file: path, fileIndex: fi + 1, files: o.logs.length, bytes: file.size, size: file.size, events });
    }
    await flush();
    await Promise.all(inflight);
  } finally {
    await pool?.close();
  }
  return { files: o.logs.length, filesFailed, events, skippedRecords: skipped, batches, elapsedMs: performance.now() - started };
}
