/** Which thread pools a hunt starts: by what its files are (first bytes), so that no pool copies and compiles the rules for files it never gets. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { logKinds } from './runner.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-log-kinds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Buffer | string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

describe('logKinds', () => {
  const ndjson = file('a.ndjson', '{"EventID":1}\n');
  const evtxNamedLog = file('b.log', Buffer.concat([Buffer.from('ElfFile\0', 'latin1'), Buffer.alloc(120)]));
  const gz = file('c.ndjson.gz', gzipSync('{"EventID":1}\n'));
  it('NDJSON only: no EVTX pool (it used to start with --threads 2 and compile every rule for nothing)', () => {
    expect(logKinds([ndjson])).toEqual({ evtx: false, plain: true });
  });
  it('EVTX by its magic, whatever the name; gzip is neither', () => {
    expect(logKinds([evtxNamedLog])).toEqual({ evtx: true, plain: false });
    expect(logKinds([gz])).toEqual({ evtx: false, plain: false });
    expect(logKinds([gz, evtxNamedLog, ndjson])).toEqual({ evtx: true, plain: true });
  });
  it('a file that cannot be read counts as possibly plain (opening it reports the error)', () => {
    expect(logKinds([path.join(dir, 'missing.ndjson')])).toEqual({ evtx: false, plain: true });
    expect(logKinds([])).toEqual({ evtx: false, plain: false });
  });
});
