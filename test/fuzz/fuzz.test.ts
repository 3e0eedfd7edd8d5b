/**
 * The fuzz suite in `npm test`: a fixed, seeded number of cases per parser (Sigma YAML and
 * conditions, NDJSON/JSON logs, EVTX, STIX bundles, mapping files, HTTP requests), plus every file
 * in test/fuzz/regressions/. `npm run fuzz -- --minutes N` runs the same for longer with a new seed
 * (scripts/fuzz.mjs). The invariants are in driver.ts and http.ts; a failing input is written to
 * test/fuzz/regressions/ so that it is run on every later run once committed.
 *
 * FUZZ_SEED picks the seed; FUZZ_MS (set by scripts/fuzz.mjs) runs by time instead of by count.
 */
import { describe, expect, it } from 'vitest';
import { MEMORY_LIMIT, REGRESSIONS, runFuzz } from './driver.ts';
import { fuzzHttp } from './http.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 12);
const UNTIL_MS = process.env['FUZZ_MS'] !== undefined ? Number(process.env['FUZZ_MS']) : undefined;
const KEEP = process.env['FUZZ_KEEP_DIR'] ?? REGRESSIONS;

/** Cases per target in `npm test` (with 300 HTTP requests): about 30 s on 2 busy cores. */
const CASES = { sigma: 250, condition: 500, logs: 200, evtx: 60, stix: 30, mappings: 40 } as const;

describe(`fuzz (seed ${SEED}${UNTIL_MS !== undefined ? `, ${UNTIL_MS} ms` : ''})`, () => {
  it('parsers: no crash, no hang, memory bounded, refused inputs leave the store as it was', async () => {
    const report = await runFuzz({ seed: SEED, cases: CASES, ...(UNTIL_MS !== undefined ? { untilMs: UNTIL_MS * 0.8 } : {}), keepDir: KEEP });
    console.log(`fuzz: ${report.regressions} regression file(s); cases ${JSON.stringify(report.cases)}; peak RSS ${Math.round(report.peakRss / 1048576)} MB`);
    expect(report.failures, report.failures.map((f) => `${f.target} ${f.kind}: ${f.detail.split('\n')[0] ?? ''} (kept as ${f.file})`).join('\n')).toEqual([]);
    if (UNTIL_MS === undefined) for (const [t, n] of Object.entries(CASES)) expect(report.cases[t], t).toBe(n);
    expect(report.peakRss).toBeLessThan(MEMORY_LIMIT);
  }, UNTIL_MS !== undefined ? UNTIL_MS + 120_000 : 120_000);

  it('HTTP requests: always an answer, no 5xx, refused writes change nothing', async () => {
    const r = await fuzzHttp(SEED, 300, KEEP, UNTIL_MS !== undefined ? UNTIL_MS * 0.2 : undefined);
    console.log(`fuzz http: ${r.cases} request(s)`);
    expect(r.failures, r.failures.map((f) => `${f.kind}: ${f.detail.split('\n')[0] ?? ''} (kept as ${f.file})`).join('\n')).toEqual([]);
    if (UNTIL_MS === undefined) expect(r.cases).toBe(300);
  }, UNTIL_MS !== undefined ? UNTIL_MS + 120_000 : 120_000);
});
