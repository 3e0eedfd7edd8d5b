/**
 * `ttpgraph clickhouse load`: log files (read as `hunt` reads them: .evtx, NDJSON, JSON arrays, gzip)
 * -> rows of the event table (sigma/backend/clickhouse/row.ts), inserted in batches over HTTP. A bad
 * record is skipped and counted; a file no reader takes is reported and the others go on.
 */
import { fileReason } from '../errors.ts';
import { openLogFile } from '../hunt/inputs/open.ts';
import { pickReader, READERS } from '../hunt/inputs/index.ts';
import type { InputItem } from '../hunt/inputs/reader.ts';
import { eventRow } from '../sigma/backend/clickhouse/row.ts';
import type { ClickhouseClient } from './client.ts';

export interface LoadOptions {
  /** Quoted table name (tableName). */
  readonly table: string;
  readonly logs: readonly string[];
  /** Rows per INSERT (default 20,000), or fewer when they reach `batchBytes` (default 32 MB). */
  readonly batchRows?: number;
  readonly batchBytes?: number;
  onProblem?(p: { kind: 'input' | 'file'; message: string }): void;
  onProgress?(p: { file: string; fileIndex: number; files: number; bytes: number; size: number; events: number }): void;
}

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
  let parts: string[] = [];
  let bytes = 0;
  // One insert in flight while the next batch is built: reading and sending overlap.
  let inflight: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    if (parts.length === 0) return;
    const body = parts.join('');
    parts = [];
    bytes = 0;
    if (inflight !== undefined) await inflight;
    batches++;
    inflight = client.insertJsonRows(o.table, body);
  };
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
    let sinceProgress = 0;
    for await (const got of reader.read(file)) {
      for (const item of Array.isArray(got) ? (got as readonly InputItem[]) : [got as InputItem]) {
        if (item.kind === 'problem') {
          skipped++;
          o.onProblem?.({ kind: 'input', message: `${item.source}:${item.line ?? '?'}: ${item.message}` });
          continue;
        }
        const line = `${JSON.stringify(eventRow(item.event, item.source, item.line))}\n`;
        parts.push(line);
        bytes += line.length;
        events++;
        if (parts.length >= batchRows || bytes >= batchBytes) await flush();
        if (++sinceProgress >= 4096) {
          sinceProgress = 0;
          o.onProgress?.({ file: path, fileIndex: fi, files: o.logs.length, bytes: file.bytesRead(), size: file.size, events });
        }
      }
    }
    if (events === before && skipped > skippedBefore) {
      filesFailed++;
      o.onProblem?.({ kind: 'file', message: `${path}: no readable record (${skipped - skippedBefore} problem(s) above)` });
    }
    o.onProgress?.({ file: path, fileIndex: fi + 1, files: o.logs.length, bytes: file.size, size: file.size, events });
  }
  await flush();
  if (inflight !== undefined) await inflight;
  return { files: o.logs.length, filesFailed, events, skippedRecords: skipped, batches, elapsedMs: performance.now() - started };
}
