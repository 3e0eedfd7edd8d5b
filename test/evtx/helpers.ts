/** Shared helpers for the EVTX corpus tests: the regression files and their expected JSON. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dataPath } from '../helpers/paths.ts';

export function regressionDir(): string {
  return dataPath('sigma-regression');
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.evtx')) yield p;
  }
}

/** Every .evtx below sigma-regression, sorted. */
export function regressionFiles(): string[] {
  return [...walk(regressionDir())].sort();
}

/** The records of the crate-written .json beside `evtxPath`, or in `dir` (pretty objects one after another). */
export function expectedRecords(evtxPath: string, dir?: string): unknown[] {
  const json = evtxPath.replace(/\.evtx$/, '.json');
  const text = readFileSync(dir === undefined ? json : path.join(dir, path.basename(json)), 'utf8');
  return text
    .split(/\n(?=\{)/)
    .filter((s) => s.trim() !== '')
    .map((s) => JSON.parse(s) as unknown);
}

/** Bigints to numbers, as JSON.parse would read the crate's digits. */
export function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

/** Seeded PRNG so fuzz and corruption runs are reproducible. */
export { mulberry32 as prng } from '../helpers/prng.ts';
