/**
 * EVTX reader for `hunt`: Windows event log files (magic `ElfFile\0`) read with src/evtx, each
 * record as the evtx crate's JSON object (the same shape as the SigmaHQ regression .json files),
 * `line` = the record id; every damaged place the parser reports is a problem (a skipped record or
 * chunk), never a stop. Large files are parsed in worker threads; small ones on this thread, where
 * starting workers would cost more than it saves.
 *
 * Plugging in (owner of src/hunt): add `evtxReader` to READERS in inputs/index.ts, and expand
 * folder arguments with {@link expandEvtxPaths} (or a general walk) before `runHunt`.
 */
import { readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileHandleReader, parseEvtx } from '../../evtx/index.ts';
import type { InputItem, LogFile, LogReader } from './reader.ts';

const MAGIC = 'ElfFile\0';
/** Below this size a file is parsed on the calling thread. */
const THREADED_FROM = 8 * 1024 * 1024;

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

export async function* readEvtx(file: LogFile): AsyncIterable<InputItem> {
  let fh;
  try {
    fh = await open(file.path, 'r');
  } catch (e) {
    yield { kind: 'problem', source: file.path, line: undefined, message: `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    return;
  }
  try {
    const reader = await fileHandleReader(fh);
    const threads = reader.size >= THREADED_FROM ? availableParallelism() : 1;
    for await (const r of parseEvtx(reader, { source: file.path, format: 'json', threads })) {
      if (r.ok) yield { kind: 'event', event: r.record.data, source: file.path, line: Number(r.record.recordId) };
      else yield { kind: 'problem', source: file.path, line: undefined, message: r.warning.message };
    }
  } catch (e) {
    yield { kind: 'problem', source: file.path, line: undefined, message: `read failed: ${(e as Error).message}` };
  } finally {
    await fh.close();
  }
}

/** Files as given; folders replaced by the .evtx files below them (recursively, sorted). */
export function expandEvtxPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.evtx$/i.test(name)) out.push(p);
    }
  };
  for (const p of paths) {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      dir = false;
    }
    if (dir) walk(p);
    else out.push(p);
  }
  return out;
}
