// A/B of the Sigma engine's hot path between two builds (issue 13): node bench/engine-ab.mjs /path/to/dist
// Run it alternately on the old and the new dist/ and compare the CPU-second rates (docs/benchmarks.md).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
const dist = process.argv[2] ?? new URL('../dist', import.meta.url).pathname;
const shared = new URL('../../shared/data', import.meta.url).pathname;
const { loadRuleFiles } = await import(dist + '/hunt/index.js');
const { compileCollection, eventContext, defaultPipeline } = await import(dist + '/sigma/index.js');
const walk = (d, out = []) => { for (const f of readdirSync(d).sort()) { const p = path.join(d, f); if (statSync(p).isDirectory()) walk(p, out); else if (f.endsWith('.json')) out.push(p); } return out; };
const events = [];
for (const f of walk(shared + '/sigma-regression')) {
  const text = readFileSync(f, 'utf8');
  for (const chunk of text.split(/\n(?=\{)/)) if (chunk.trim()) events.push(JSON.parse(chunk));
}
let seed = 1; const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
const scramble = (e) => { const c = structuredClone(e); const d = c.Event?.EventData; if (d) for (const k of Object.keys(d)) if (typeof d[k] === 'string') d[k] = d[k].replace(/[A-Za-z0-9]/g, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rnd() * 36)]); return c; };
const { collection } = loadRuleFiles([shared + '/sigma/rules']);
const { engine } = compileCollection(collection, { pipeline: defaultPipeline });
const N = 40000;
const sets = { regression: Array.from({ length: N }, (_, i) => JSON.stringify(events[i % events.length])), scrambled: Array.from({ length: N }, (_, i) => JSON.stringify(scramble(events[i % events.length]))) };
const out = [];
for (const [name, lines] of Object.entries(sets)) {
  let hits = 0;
  for (const l of lines.slice(0, 5000)) hits += engine.matchContext(eventContext(JSON.parse(l))).length; // warm-up
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const parsed = lines.map((l) => JSON.parse(l));
    const t0 = process.cpuUsage();
    hits = 0;
    for (const e of parsed) hits += engine.matchContext(eventContext(e)).length;
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / 1e6);
  }
  out.push(`${name}: ${Math.round(N / best)} events/CPU-s (${hits} hits)`);
}
console.log(out.join('; '));
