/** NDJSON: one JSON value per line; blank lines are skipped; a line that is not JSON is a problem. */
import { DEFAULT_MAX_RECORD_BYTES } from './open.ts';
import { MAX_EVENT_DEPTH, nestedDeeperThan, type InputItem, type LogFile, type LogReader } from './reader.ts';

function firstLine(head: Buffer): string {
  const text = head.toString('utf8');
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).trim();
}

export const ndjsonReader: LogReader = {
  name: 'ndjson',
  sniff(file) {
    const l = firstLine(file.head).replace(/^\uFEFF/, '');
    if (!l.startsWith('{')) return false;
    try {
      JSON.parse(l);
      return true;
    } catch {
      return /\.(ndjson|jsonl)(\.gz)?$/i.test(file.path);
    }
  },
  read: readNdjson,
};

/**
 * Events per yielded batch. Small on purpose: a whole 256 kB chunk parsed at once (~170 events) is
 * still alive when the matcher's garbage triggers a scavenge, so V8 promoted it to the old
 * generation every time, and the heap grew by ~1.6 MB per scavenge until a major GC (peak RSS
 * 450 MB on 200,000 events). Batches of 16 die young; one await per 16 events costs nothing.
 */
export const BATCH = 16;

/**
 * One line (bytes start..end, without the newline) as an item: a UTF-8 BOM dropped on the file's
 * first line, a trailing CR dropped; undefined for a blank line; a problem for a line longer than
 * `cap` bytes, one that is not JSON, or JSON nested too deep; else the event, with the line's text.
 * Shared with the NDJSON worker threads (ndjson-threads.ts), so that both read every line alike.
 */
export function ndjsonLine(buf: Buffer, start: number, end: number, firstOfFile: boolean, source: string, n: number, cap: number): { item: InputItem; text?: string } | undefined {
  let s = start;
  if (firstOfFile && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
  let e = end;
  if (e > s && buf[e - 1] === 0x0d) e--;
  let blank = true;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09) {
      blank = false;
      break;
    }
  }
  if (blank) return undefined;
  if (e - s > cap) return { item: tooLongProblem(source, n, cap) };
  const text = buf.toString('utf8', s, e);
  try {
    const event = JSON.parse(text) as unknown;
    if (nestedDeeperThan(event, MAX_EVENT_DEPTH)) return { item: { kind: 'problem', source, line: n, message: `JSON nested more than ${MAX_EVENT_DEPTH} deep, skipped` } };
    return { item: { kind: 'event', event, source, line: n, json: buf, jsonStart: s, jsonEnd: e }, text };
  } catch (err) {
    return { item: { kind: 'problem', source, line: n, message: `not JSON: ${(err as Error).message}` } };
  }
}

function tooLongProblem(source: string, n: number, cap: number): InputItem {
  return { kind: 'problem', source, line: n, message: `line longer than ${cap} bytes, skipped (raise the limit with --max-line-bytes)` };
}

export async function* readNdjson(file: LogFile): AsyncIterable<InputItem[]> {
  const stream = file.open();
  // Lines are split on bytes (0x0a never occurs inside a UTF-8 sequence) and decoded one by one:
  // cheaper than a string decoder plus concatenated chunk strings.
  // The unfinished line that spans chunks, as its pieces (joined once: joining per chunk was
  // quadratic), and whether it has grown past the cap (then its bytes are dropped as they come).
  let rest: Buffer[] = [];
  let restBytes = 0;
  let overlong = false;
  const cap = file.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let line = 0;
  const tooLong = (n: number): InputItem => tooLongProblem(file.path, n, cap);
  const parse = (buf: Buffer, start: number, end: number, n: number): InputItem | undefined => ndjsonLine(buf, start, end, n === 1, file.path, n, cap)?.item;
  const keep = (piece: Buffer): void => {
    if (overlong) return;
    restBytes += piece.length;
    if (restBytes > cap) {
      overlong = true;
      rest = [];
      restBytes = 0;
    } else rest.push(piece);
  };
  try {
    for await (const c of stream) {
      const buf = c as Buffer;
      let start = 0;
      let batch: InputItem[] = [];
      if (restBytes > 0 || overlong) {
        // The line that spans chunks: only it is copied, not the whole chunk.
        const nl = buf.indexOf(10);
        if (nl < 0) {
          keep(buf);
          continue;
        }
        line++;
        keep(buf.subarray(0, nl));
        if (overlong) batch.push(tooLong(line));
        else {
          const joined = Buffer.concat(rest, restBytes);
          const item = parse(joined, 0, joined.length, line);
          if (item !== undefined) batch.push(item);
        }
        rest = [];
        restBytes = 0;
        overlong = false;
        start = nl + 1;
      }
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        line++;
        const item = parse(buf, start, nl, line);
        start = nl + 1;
        if (item === undefined) continue;
        batch.push(item);
        if (batch.length >= BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (start < buf.length) keep(buf.subarray(start));
      if (batch.length > 0) yield batch;
    }
  } catch (e) {
    yield [{ kind: 'problem', source: file.path, line: line + 1, message: `read failed after line ${line}: ${(e as Error).message}` }];
    return;
  }
  if (overlong) yield [tooLong(line + 1)];
  else if (restBytes > 0) {
    line++;
    const joined = Buffer.concat(rest, restBytes);
    const item = parse(joined, 0, joined.length, line);
    if (item !== undefined) yield [item];
  }
}
