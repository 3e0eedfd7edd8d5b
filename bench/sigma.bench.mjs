// Sigma engine and hunt benchmark (issue 4). Run: npm run build && npm run bench sigma
// On the built dist/, each measurement in a fresh child process (so peak RSS is its own):
//  1. load + compile all of ../shared/data/sigma/rules (read files, parse YAML, build, compile, index);
//  2. hunt: those rules over a generated NDJSON (the sigma-regression events repeated with fresh
//     record ids and timestamps, written to a temp dir and deleted after) on one core, including
//     reading and JSON parsing; events/s and peak RSS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = path.resolve(root, '..', 'shared', 'data');
const rulesDir = path.join(shared, 'sigma', 'rules');
const regDir = path.join(shared, 'sigma-regression');
const dist = (p) => JSON.stringify(path.join(root, 'dist', p));
const EVENTS = Number(process.env.SIGMA_BENCH_EVENTS ?? 200_000);
const RUNS = Number(process.env.SIGMA_BENCH_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function walk(d, pred, out = []) {
  for (const f of readdirSync(d).sort()) {
    const p = path.join(d, f);
    if (statSync(p).isDirectory()) walk(p, pred, out);
    else if (pred(f)) out.push(p);
  }
  return out;
}

// The regression events: concatenated pretty JSON objects per file.
const events = [];
for (const f of walk(regDir, (f) => f.endsWith('.json'))) {
  const text = readFileSync(f, 'utf8');
  let depth = 0, start = -1, inStr = false, esc = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) { if (esc) esc = false; else if (c === '\\') esc = true; else if (c === '"') inStr = false; continue; }
    if (c === '"') inStr = true;
    else if (c === '{') { if (depth++ === 0) start = i; }
    else if (c === '}') { if (--depth === 0) events.push(JSON.parse(text.slice(start, i + 1))); }
  }
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-sigma-bench-'));
const ndjson = path.join(dir, 'events.ndjson');
{
  const out = createWriteStream(ndjson);
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < EVENTS; i++) {
    const e = structuredClone(events[i % events.length]);
    const sys = e.Event?.System;
    if (sys) {
      sys.EventRecordID = 1_000_000 + i;
      sys.TimeCreated = { '#attributes': { SystemTime: new Date(t0 + i * 50).toISOString() } };
    }
    if (!out.write(`${JSON.stringify(e)}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}
const sizeMB = statSync(ndjson).size / 1e6;
console.log(`generated ${EVENTS} events (${events.length} distinct regression events), ${sizeMB.toFixed(0)} MB NDJSON`);

const loadScript = `
  const { loadRuleFiles } = await import(${dist('hunt/index.js')});
  const { compileCollection } = await import(${dist('sigma/index.js')});
  const t0 = performance.now();
  const { collection, files } = loadRuleFiles([process.argv[1]]);
  const t1 = performance.now();
  const c = compileCollection(collection);
  const t2 = performance.now();
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuS: (cpu.user + cpu.system) / 1e6, files, rules: c.compiled.length, issues: collection.issues.length + c.issues.length, parseMs: t1 - t0, compileMs: t2 - t1, indexed: c.engine.stats.indexed, rssMB: process.resourceUsage().maxRSS / 1024 }));
`;
const huntScript = `
  const { loadRuleFiles, runHunt } = await import(${dist('hunt/index.js')});
  const { defaultPipeline } = await import(${dist('sigma/index.js')});
  const { collection } = loadRuleFiles([process.argv[1]]);
  let hits = 0;
  const s = await runHunt({ collection, pipeline: defaultPipeline, logs: [process.argv[2]], onHit: () => { hits++; } });
  const huntMs = s.elapsedMs - s.compileMs;
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ events: s.events, hits, huntMs, compileMs: s.compileMs, cpuS: (cpu.user + cpu.system) / 1e6, rssMB: process.resourceUsage().maxRSS / 1024 }));
`;
const run = (script, ...args) => runWith([], script, ...args);
const runWith = (flags, script, ...args) => {
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

const loads = [];
for (let i = 0; i < RUNS; i++) loads.push(run(loadScript, rulesDir));
const l0 = loads[0];
const loadMs = loads.map((x) => x.parseMs + x.compileMs);
console.log(`load+compile sigma/rules: ${l0.files} files, ${l0.rules} rules, ${l0.issues} issues, ${l0.indexed} indexed; median ${(median(loadMs) / 1000).toFixed(2)} s (${loadMs.map((x) => (x / 1000).toFixed(2)).join(', ')}; read+parse ${(median(loads.map((x) => x.parseMs)) / 1000).toFixed(2)} s, compile ${(median(loads.map((x) => x.compileMs)) / 1000).toFixed(2)} s; process CPU ${median(loads.map((x) => x.cpuS)).toFixed(2)} s); peak RSS ${Math.max(...loads.map((x) => x.rssMB)).toFixed(0)} MB`);

const hunts = [];
for (let i = 0; i < RUNS; i++) hunts.push(run(huntScript, rulesDir, ndjson));
const rates = hunts.map((h) => h.events / (h.huntMs / 1000));
console.log(`hunt ${hunts[0].events} events with ${l0.rules} rules (one core, incl. reading + JSON.parse; rules compile included in the run, not in the rate): median ${Math.round(median(rates))} events/s (${rates.map((r) => Math.round(r)).join(', ')}), ${hunts[0].hits} hits; peak RSS ${Math.max(...hunts.map((h) => h.rssMB)).toFixed(0)} MB (whole process, rules loaded)`);
// V8 lets the old generation grow well past the live data when there is room; with a 256 MB cap
// the same hunt keeps RSS near the live set.
const capped = runWith(['--max-old-space-size=256'], huntScript, rulesDir, ndjson);
console.log(`same hunt with node --max-old-space-size=256: ${Math.round(capped.events / (capped.huntMs / 1000))} events/s, peak RSS ${capped.rssMB.toFixed(0)} MB`);
rmSync(dir, { recursive: true, force: true });
