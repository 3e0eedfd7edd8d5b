/**
 * Pluggable log readers. A reader turns one log file into a stream of events, each with its source
 * file and 1-based line (or record number), and reports bad records as problems instead of throwing,
 * so one broken line never stops a hunt.
 *
 *   interface LogReader {
 *     name                       'ndjson' | 'json-array' | 'evtx' | ...
 *     sniff(file)                true when this reader handles the file, judged from its name and
 *                                its first bytes (already decompressed when the file is gzip)
 *     read(file)                 AsyncIterable<InputItem | InputItem[]>: items, or batches of them
 *                                (e.g. one per chunk read; cheaper than one await per event), each
 *                                { kind: 'event', event, source, line } or
 *                                { kind: 'problem', source, line?, message } per bad record;
 *                                batches keep the per-event cost of async iteration low
 *   }
 *   LogFile = { path, head, gzip, open() }   open() returns the decompressed bytes as a stream; a
 *                                            truncated gzip surfaces as a stream error, which the
 *                                            reader reports as a problem with the last line reached.
 *
 * To add a format (the EVTX reader will live in src/hunt/inputs/evtx.ts): implement LogReader and add
 * it to READERS in inputs/index.ts before the JSON readers. A binary reader may ignore open() and read
 * `path` itself; `head` holds the first raw bytes for magic checks (e.g. "ElfFile\0").
 */
import type { Readable } from 'node:stream';

export interface InputEvent {
  readonly kind: 'event';
  readonly event: unknown;
  readonly source: string;
  readonly line: number;
  /** The JSON text the event was parsed from, as bytes json[jsonStart..jsonEnd), when the reader has it (NDJSON): see EventContext.json. */
  readonly json?: Uint8Array;
  readonly jsonStart?: number;
  readonly jsonEnd?: number;
}

export interface InputProblem {
  readonly kind: 'problem';
  readonly source: string;
  readonly line: number | undefined;
  readonly message: string;
}

export type InputItem = InputEvent | InputProblem;

export interface LogFile {
  readonly path: string;
  /** First bytes of the (decompressed) content. */
  readonly head: Buffer;
  /** First raw bytes on disk. */
  readonly rawHead: Buffer;
  readonly gzip: boolean;
  readonly size: number;
  /** A fresh stream of the decompressed content. */
  open(): Readable;
  /** Raw bytes read so far by the last open() stream (for progress). */
  bytesRead(): number;
  /**
   * The longest record a text reader keeps (an NDJSON line, a JSON array element), in bytes; a
   * longer one is skipped as a problem without being held in memory whole. Default: 16 MiB.
   */
  readonly maxRecordBytes?: number;
}

export interface LogReader {
  readonly name: string;
  sniff(file: LogFile): boolean;
  read(file: LogFile): AsyncIterable<InputItem | readonly InputItem[]>;
}

/**
 * Events nested deeper than this are skipped as problems by the JSON readers: printing a hit
 * (JSON.stringify) and handing events to threads (structured clone) recurse, and a line of 20,000
 * `[` overflowed the stack and stopped the hunt. Real events nest under 10 deep.
 */
export const MAX_EVENT_DEPTH = 100;

/** Whether `value` nests objects/arrays more than `max` deep (recursion at most `max` + 1 calls deep, so safe on any depth; nothing allocated: it runs on every event). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return deeper(value, max);
}

/** Does `v` (itself one level) hold objects/arrays nested more than `left` levels? */
function deeper(v: object, left: number): boolean {
  if (left === 0) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null && deeper(x, left - 1)) return true;
    }
  } else {
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null && deeper(x, left - 1)) return true;
    }
  }
  return false;
}
