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

export async function* readNdjson(file: LogFile): AsyncIterable<InputItem[]> {
  const stream = file.open();
  stream.setEncoding('utf8');
  let rest = '';
  let line = 0;
  const parse = (text: string, n: number): InputItem | undefined => {
    const t = n === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (t.trim() === '') return undefined;
    try {
      return { kind: 'event', event: JSON.parse(t) as unknown, source: file.path, line: n };
    } catch (e) {
      return { kind: 'problem', source: file.path, line: n, message: `not JSON: ${(e as Error).message}` };
    }
  };
  try {
    for await (const chunk of stream) {
      const text = rest + (chunk as string);
      let start = 0;
      const batch: InputItem[] = [];
      for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
        line++;
        const item = parse(text.slice(start, nl), line);
        if (item !== undefined) batch.push(item);
        start = nl + 1;
      }
      rest = text.slice(start);
      if (batch.length > 0) yield batch;
    }
  } catch (e) {
    yield [{ kind: 'problem', source: file.path, line: line + 1, message: `read failed after line ${line}: ${(e as Error).message}` }];
    return;
  }
  if (rest !== '') {
    line++;
    const item = parse(rest, line);
    if (item !== undefined) yield [item];
  }
}
