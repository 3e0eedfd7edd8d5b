/**
 * Hostile log files for `hunt` (issue 12, defects 10 and 12): an over-long NDJSON line is reported
 * as FILE:LINE, skipped and counted while the hunt goes on (the cap is a flag); a file that yields no
 * readable record is an error (exit 2), garbage .evtx the same as garbage NDJSON.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNdjson } from '../../src/hunt/inputs/ndjson.ts';
import { openLogFile } from '../../src/hunt/inputs/open.ts';
import type { InputItem } from '../../src/hunt/inputs/reader.ts';
import { readJsonValues } from '../../src/hunt/inputs/json-array.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { GOOD_RULE, sysmonEvent } from '../sigma/fixtures.ts';

let dir: string;
let rule: string;
let longLines: string;
const whoami = JSON.stringify(sysmonEvent('C:\\Windows\\System32\\whoami.exe'));
/** A valid event, 3 MB long (a CommandLine of 3 million characters). */
const huge = JSON.stringify({ ...sysmonEvent('C:\\x\\whoami.exe'), Padding: 'x'.repeat(3_000_000) });

beforeAll(() => {
  dir = tempDir('ttpgraph-hostile-logs-');
  rule = path.join(dir, 'rule.yml');
  writeFileSync(rule, GOOD_RULE);
  longLines = path.join(dir, 'long.ndjson');
  writeFileSync(longLines, `${whoami}\n${huge}\n${whoami}\n${huge}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function items(file: string, max: number, read = readNdjson): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const b of read(openLogFile(file, { maxRecordBytes: max }))) out.push(...b);
  return out;
}

describe('NDJSON line length cap (defect 10)', () => {
  it('the reader: lines over the cap are problems at their line, in the middle and at the end of the file', async () => {
    const got = await items(longLines, 1_000_000);
    expect(got.map((i) => [i.kind, i.line])).toEqual([
      ['event', 1],
      ['problem', 2],
      ['event', 3],
      ['problem', 4],
    ]);
    expect(got[1]).toMatchObject({ message: 'line longer than 1000000 bytes, skipped (raise the limit with --max-line-bytes)' });
  });
  it('the reader: the same lines are read under a higher cap', async () => {
    expect((await items(longLines, 4_000_000)).map((i) => i.kind)).toEqual(['event', 'event', 'event', 'event']);
  });
  it('JSON arrays: an element over the cap is a problem; the next elements are read', async () => {
    const arr = path.join(dir, 'arr.json');
    writeFileSync(arr, `[\n${whoami},\n${huge},\n${whoami}\n]`);
    const got = await items(arr, 1_000_000, readJsonValues);
    expect(got.map((i) => [i.kind, i.line])).toEqual([
      ['event', 2],
      ['problem', 3],
      ['event', 4],
    ]);
  });
  it('hunt --max-line-bytes: FILE:LINE on stderr, counted, the hunt goes on', async () => {
    const r = await cliInProcess(['hunt', '--rules', rule, '--format', 'jsonl', '--max-line-bytes', '1m', longLines]);
    expect(r.stderr).toContain(`skipped record: ${longLines}:2: line longer than 1048576 bytes, skipped`);
    expect(r.stderr).toContain(`skipped record: ${longLines}:4: line longer than 1048576 bytes, skipped`);
    expect(r.stderr).toContain('2 record(s) skipped');
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { line: number }).line)).toEqual([1, 3]);
    expect(r.status).toBe(0);
  });
  it('hunt: the default (16 MiB) reads a 3 MB line; a bad --max-line-bytes is a usage error', async () => {
    expect((await cliInProcess(['hunt', '--rules', rule, '--format', 'jsonl', longLines])).stdout.trim().split('\n')).toHaveLength(4);
    const bad = await cliInProcess(['hunt', '--rules', rule, '--max-line-bytes', 'lots', longLines]);
    expect(bad.stderr).toContain('--max-line-bytes');
    expect(bad.status).toBe(2);
  });
});

describe('events nested thousands deep (found by the fuzz suite)', () => {
  it('are skipped as problems at their line; the hunt goes on (it stopped with "Maximum call stack size exceeded")', async () => {
    const deep = path.join(dir, 'deep.ndjson');
    writeFileSync(deep, `${'['.repeat(20000)}${']'.repeat(20000)}\n${whoami}\n{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}\n`);
    const r = await cliInProcess(['hunt', '--rules', rule, '--format', 'jsonl', deep]);
    expect(r.stderr).toContain(`skipped record: ${deep}:1: JSON nested more than 100 deep, skipped`);
    expect(r.stderr).toContain(`skipped record: ${deep}:3: JSON nested more than 100 deep, skipped`);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { line: number }).line)).toEqual([2]);
    expect(r.status).toBe(0);
  });
});

describe('a file with no readable record is an error (defect 12)', () => {
  it('garbage .evtx exits 2 like garbage NDJSON, naming the file', async () => {
    const evtx = path.join(dir, 'garbage.evtx');
    writeFileSync(evtx, randomBytes(70_000));
    const e = await cliInProcess(['hunt', '--rules', rule, evtx]);
    expect(e.stderr).toContain(`error: ${evtx}: no readable record`);
    expect(e.status).toBe(2);
    const nd = path.join(dir, 'garbage.ndjson');
    writeFileSync(nd, '{"not": json at all\n{also not\n');
    const n = await cliInProcess(['hunt', '--rules', rule, nd]);
    expect(n.stderr).toContain(`error: ${nd}: no readable record`);
    expect(n.status).toBe(2);
  });
  it('a file with some good records and some bad ones is not an error', async () => {
    const mixed = path.join(dir, 'mixed.ndjson');
    writeFileSync(mixed, `${whoami}\nnot json\n`);
    const r = await cliInProcess(['hunt', '--rules', rule, mixed]);
    expect(r.stderr).toContain('1 record(s) skipped');
    expect(r.status).toBe(0);
  });
});
