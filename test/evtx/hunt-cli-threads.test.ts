/**
 * `ttpgraph hunt --threads N` as a user runs it (the built CLI in a child process): a bad value is
 * refused before anything is hunted, naming the option; a good one gives the same output as one
 * thread on a synthetic multi-chunk .evtx file (test/evtx/synthetic.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { dataPath } from '../helpers/paths.ts';
import { syntheticFile } from './synthetic.ts';
import { defaultEvtxThreads, EVTX_THREADED_FROM } from '../../src/hunt/runner.ts';

let dir = '';
let evtxFile = '';
const rules = (): string => dataPath('sigma', 'rules', 'windows', 'process_creation');

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-hunt-cli-threads-'));
  evtxFile = path.join(dir, 'synthetic.evtx');
  writeFileSync(evtxFile, syntheticFile(120, { denseEvery: 2 }).file);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** The summary line without its time. */
const summaryOf = (stderr: string): string => (/^hunt: .*$/m.exec(stderr)?.[0] ?? '').replace(/; [\d.]+ s$/, '');

describe('hunt --threads', () => {
  it.each(['0', '-1', '1.5', '257', 'two'])('refuses --threads %s before hunting, naming --threads', (value) => {
    const r = runCli(['hunt', '--threads', value, '--format', 'jsonl', '--rules', rules(), evtxFile]);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBeNull();
    expect(r.stderr).toContain('--threads');
    expect(r.stderr).toContain(`'${value}'`);
    expect(r.stderr).not.toMatch(/^hunt: /m);
    expect(r.stdout).toBe('');
  });

  it('exits 2 on --threads 0, as `hunt --help` documents for bad arguments, with one error line', () => {
    const r = runCli(['hunt', '--threads', '0', '--rules', rules(), evtxFile]);
    expect(r.status).toBe(2);
    // One line like every other error, and a pointer to the usage rather than all of it.
    expect(r.stderr).toBe("ttpgraph: error: option '--threads <n>' argument '0' is invalid. --threads takes a whole number from 1 to 256.\n(add --help for usage)\n");
  });

  it('prints the same hits and summary with --threads 1, 2 and 3', () => {
    const one = runCli(['hunt', '--threads', '1', '--format', 'jsonl', '--rules', rules(), evtxFile]);
    expect(one.status).toBe(0);
    const lines = one.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    expect((JSON.parse(lines[0]!) as { source: string }).source).toBe(evtxFile);
    expect(summaryOf(one.stderr)).toMatch(/^hunt: \d+ event\(s\) in 1 file\(s\), \d+ hit\(s\).* 0 record\(s\) skipped/);
    for (const threads of ['2', '3']) {
      const r = runCli(['hunt', '--threads', threads, '--format', 'jsonl', '--rules', rules(), evtxFile]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(one.stdout);
      expect(summaryOf(r.stderr)).toBe(summaryOf(one.stderr));
    }
  });
});

describe('the default number of threads for .evtx input', () => {
  const MB = 1024 * 1024;
  it('is one below 64 MB (workers would cost more than they save), then one more per 64 MB, up to the cores and 8', () => {
    expect(EVTX_THREADED_FROM).toBe(64 * MB);
    expect(defaultEvtxThreads(0)).toBe(1);
    expect(defaultEvtxThreads(64 * MB - 1)).toBe(1);
    const cores = availableParallelism();
    expect(defaultEvtxThreads(64 * MB)).toBe(Math.min(cores, 2));
    expect(defaultEvtxThreads(130 * MB)).toBe(Math.min(cores, 3));
    expect(defaultEvtxThreads(100_000 * MB)).toBe(Math.min(cores, 8));
  });
});
