/**
 * A JSON array of events (`[{...}, {...}]`), or JSON values written one after another without
 * separators (`{...}\n{...}`, as evtx_dump and the SigmaHQ regression .json files do). Streamed: the
 * splitter tracks depth and strings and parses one element at a time, so memory is bounded by the
 * largest element. A bad element is a problem naming the line it starts on; the reader goes on.
 */
import { MAX_EVENT_DEPTH, nestedDeeperThan, type InputItem, type LogFile, type LogReader } from './reader.ts';
import { BATCH } from './ndjson.ts';
import { DEFAULT_MAX_RECORD_BYTES } from './open.ts';

export const jsonArrayReader: LogReader = {
  name: 'json-array',
  sniff(file) {
    const t = file.head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
    return t.startsWith('[') || t.startsWith('{');
  },
  read: readJsonValues,
};

export async function* readJsonValues(file: LogFile): AsyncIterable<InputItem[]> {
  const stream = file.open();
  stream.setEncoding('utf8');
  let line = 1;
  let depth = 0;
  let inString = false;
  let escape = false;
  let topArray: boolean | undefined;
  let buf = '';
  let elemLine = 0;
  let collecting = false;
  // An element past the cap is dropped as it comes (the scan goes on to find its end) and reported.
  const cap = file.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let overlong = false;
  const emit = (text: string, at: number): InputItem => {
    if (overlong || text.length > cap) {
      overlong = false;
      return { kind: 'problem', source: file.path, line: at, message: `JSON value longer than ${cap} bytes, skipped (raise the limit with --max-line-bytes)` };
    }
    try {
      const event = JSON.parse(text) as unknown;
      if (nestedDeeperThan(event, MAX_EVENT_DEPTH)) return { kind: 'problem', source: file.path, line: at, message: `JSON nested more than ${MAX_EVENT_DEPTH} deep, skipped` };
      return { kind: 'event', event, source: file.path, line: at };
    } catch (e) {
      return { kind: 'problem', source: file.path, line: at, message: `not JSON: ${(e as Error).message}` };
    }
  };
  try {
    for await (const chunk of stream) {
      const s = chunk as string;
      let batch: InputItem[] = [];
      let segStart = collecting ? 0 : -1;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 10) line++;
        if (inString) {
          if (escape) escape = false;
          else if (c === 92) escape = true;
          else if (c === 34) inString = false;
          continue;
        }
        if (c === 34) {
          inString = true;
          if (!collecting) {
            collecting = true;
            segStart = i;
            elemLine = line;
          }
          continue;
        }
        if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff) continue;
        if (topArray === undefined) {
          topArray = c === 91; // '['
          if (topArray) continue;
        }
        if (topArray && depth === 0 && !collecting) {
          if (c === 44 || c === 93) continue; // ',' ']'
        }
        if (!collecting) {
          collecting = true;
          segStart = i;
          elemLine = line;
        }
        if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) depth--;
        if (depth === 0 && (c === 125 || c === 93)) {
          const text = buf + s.slice(segStart, i + 1);
          buf = '';
          collecting = false;
          segStart = -1;
          batch.push(emit(text, elemLine));
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        } else if (depth === 0 && (c === 44 || c === 32)) {
          // a scalar element ended
          const text = buf + s.slice(segStart, i);
          buf = '';
          collecting = false;
          segStart = -1;
          batch.push(emit(text, elemLine));
        }
      }
      if (collecting && segStart >= 0 && !overlong) {
        buf += s.slice(segStart);
        if (buf.length > cap) {
          overlong = true;
          buf = '';
        }
      }
      if (batch.length > 0) yield batch;
    }
  } catch (e) {
    yield [{ kind: 'problem', source: file.path, line, message: `read failed at line ${line}: ${(e as Error).message}` }];
    return;
  }
  if (collecting && (overlong || buf.trim() !== '')) yield [{ kind: 'problem', source: file.path, line: elemLine, message: 'truncated JSON value at end of file' }];
}
