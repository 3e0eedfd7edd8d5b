/**
 * Opt-in (TTPGRAPH_TEST_CPU_LOG=FILE, vitest.config.ts setupFiles): appends one line per test file
 * with the CPU it used — this process and its reaped children (CLI runs, Chromium, servers), from
 * /proc/self/stat — to find where a run's CPU goes (issue 15, docs/benchmarks.md). Linux only.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

const ticks = (): { own: number; children: number } => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based).
  const n = (field: number): number => Number(fields[field - 3]);
  return { own: n(14) + n(15), children: n(16) + n(17) };
};

const log = process.env['TTPGRAPH_TEST_CPU_LOG'];
if (log !== undefined && log !== '') {
  let start = ticks();
  let wall = 0;
  beforeAll(() => {
    start = ticks();
    wall = performance.now();
  });
  // Per test too (its own hooks' time goes to the file's line only), when asked: TTPGRAPH_TEST_CPU_LOG_TESTS=1.
  if (process.env['TTPGRAPH_TEST_CPU_LOG_TESTS'] === '1') {
    let testStart = ticks();
    beforeEach(() => {
      testStart = ticks();
    });
    afterEach(() => {
      const end = ticks();
      const name = expect.getState().currentTestName ?? '?';
      appendFileSync(log, `  ${name}\t${((end.own - testStart.own) / 100).toFixed(2)}\t${((end.children - testStart.children) / 100).toFixed(2)}\n`);
    });
  }
  afterAll(() => {
    const end = ticks();
    const file = path.relative(process.cwd(), expect.getState().testPath ?? '?');
    appendFileSync(log, `${file}\t${((end.own - start.own) / 100).toFixed(2)}\t${((end.children - start.children) / 100).toFixed(2)}\t${((performance.now() - wall) / 1000).toFixed(2)}\t${process.pid}\n`);
  });
}
