/**
 * Bounded-time fuzzing: random mutations of real EVTX files (seeded, so a failure is reproducible
 * from the printed seed and iteration) must never throw or hang, and every result must be
 * well-formed. Runs for FUZZ_MS milliseconds (default 4000).
 */
import { describe, expect, it } from 'vitest';
import { parseEvtxSync } from '../../src/evtx/index.ts';
import { stringifyJson } from '../../src/evtx/index.ts';
import { multiChunkFile } from './fixtures.ts';
import { prng } from './helpers.ts';

const BUDGET_MS = Number(process.env['FUZZ_MS'] ?? 4000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  let b = Uint8Array.from(src);
  const n = 1 + Math.floor(rnd() * 12);
  for (let i = 0; i < n; i++) {
    const kind = rnd();
    // Bias towards the interesting bytes: chunk headers and the first records of each chunk.
    const chunk = Math.floor(rnd() * Math.max(1, Math.floor((b.length - 4096) / 65536)));
    const base = 4096 + chunk * 65536;
    const at = rnd() < 0.7 ? base + Math.floor(rnd() * 4096) : Math.floor(rnd() * b.length);
    if (at >= b.length) continue;
    if (kind < 0.5) b[at] = b[at]! ^ (1 << Math.floor(rnd() * 8));
    else if (kind < 0.75) b[at] = Math.floor(rnd() * 256);
    else if (kind < 0.85) b.fill(rnd() < 0.5 ? 0 : 0xff, at, Math.min(b.length, at + 1 + Math.floor(rnd() * 64)));
    else if (kind < 0.95) {
      // copy a random run of bytes over another place (duplicated tokens, shifted structures)
      const from = Math.floor(rnd() * b.length);
      const len = Math.min(1 + Math.floor(rnd() * 256), b.length - from, b.length - at);
      b.copyWithin(at, from, from + len);
    } else b = b.subarray(0, Math.floor(rnd() * b.length));
  }
  return b;
}

describe('EVTX fuzzing', () => {
  it(`survives random mutations for ${BUDGET_MS} ms (seed ${SEED})`, () => {
    const src = multiChunkFile();
    const rnd = prng(SEED);
    const end = Date.now() + BUDGET_MS;
    let iterations = 0;
    let records = 0;
    let warnings = 0;
    while (Date.now() < end) {
      const input = mutate(src, rnd);
      const t0 = Date.now();
      try {
        for (const r of parseEvtxSync(input, { source: 'fuzz.evtx', format: iterations % 4 === 3 ? 'xml' : 'json' })) {
          if (r.ok) {
            records++;
            if (r.record.data !== undefined) stringifyJson(r.record.data);
            else expect(typeof r.record.xml).toBe('string');
          } else {
            warnings++;
            expect(r.warning.message).toContain('fuzz.evtx');
          }
        }
      } catch (err) {
        throw new Error(`seed ${SEED}, iteration ${iterations}: parser threw: ${String(err)}`, { cause: err });
      }
      expect(Date.now() - t0, `seed ${SEED}, iteration ${iterations} took too long`).toBeLessThan(2000);
      iterations++;
    }
    expect(iterations).toBeGreaterThan(10);
    expect(warnings).toBeGreaterThan(0);
    expect(records).toBeGreaterThan(0);
  });
});
