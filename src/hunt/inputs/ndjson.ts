/** NDJSON: one JSON value per line; blank lines are skipped; a line that is not JSON is a problem. */
import type { InputItem, LogFile, LogReader } from './reader.ts';

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
 * The text of one line (bytes start..end, without the newline): a UTF-8 BOM dropped on the file's
 * first line, a trailing CR dropped; undefined for a blank line. Shared with the NDJSON worker
 * threads (ndjson-threads.ts), so that both read every line alike.
 */
export function ndjsonLineText(buf: Buffer, start: number, end: number, firstOfFile: boolean): string | undefined {
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
  return blank ? undefined : buf.toString('utf8', s, e);
}

/** A line's text as an event, or as the problem of a line that is not JSON. */
export function ndjsonItem(text: string, source: string, line: number): InputItem {
  try {
    return { kind: 'event', event: JSON.parse(text) as unknown, source, line };
  } catch (err) {
    return { kind: 'problem', source, line, message: `not JSON: ${(err as Error).message}` };
  }
}

export async function* readNdjson(file: LogFile): AsyncIterable<InputItem[]> {
  const stream = file.open();
  // Lines are split on bytes (0x0a never occurs inside a UTF-8 sequence) and decoded one by one:
  // cheaper than a string decoder plus concatenated chunk strings.
  let rest: Buffer | undefined;
  let line = 0;
  const parse = (buf: Buffer, start: number, end: number, n: number): InputItem | undefined => {
    const text = ndjsonLineText(buf, start, end, n === 1);
    return text === undefined ? undefined : ndjsonItem(text, file.path, n);
  };
  try {
    for await (const c of stream) {
      const buf = c as Buffer;
      let start = 0;
      let batch: InputItem[] = [];
      if (rest !== undefined) {
        // The line that spans two chunks: only it is copied, not the whole chunk.
        const nl = buf.indexOf(10);
        if (nl < 0) {
          rest = Buffer.concat([rest, buf]);
          continue;
        }
        line++;
        const joined = Buffer.concat([rest, buf.subarray(0, nl)]);
        rest = undefined;
        const item = parse(joined, 0, joined.length, line);
        if (item !== undefined) batch.push(item);
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
      rest = start < buf.length ? buf.subarray(start) : undefined;
      if (batch.length > 0) yield batch;
    }
  } catch (e) {
    yield [{ kind: 'problem', source: file.path, line: line + 1, message: `read failed after line ${line}: ${(e as Error).message}` }];
    return;
  }
  if (rest !== undefined) {
    line++;
    const item = parse(rest, 0, rest.length, line);
    if (item !== undefined) yield [item];
  }
}
