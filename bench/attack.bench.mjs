// ATT&CK import and technique page benchmark (issues 2 and 3). Run: npm run bench attack
// Measures, on the built dist/: importing enterprise-attack-18.1.json into an empty store (wall
// time and peak RSS, each run in a fresh process), the T1114 page model warm, and
// `ttpgraph show T1114` as a whole process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const data = path.resolve(root, '..', 'shared', 'data', 'attack');
const bundle = path.join(data, 'enterprise-attack-18.1.json');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. Import into an empty store, in a child process so that its peak RSS is its own.
const importScript = `
  const { openGraph } = await import(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
  const t0 = performance.now();
  const g = openGraph({ path: process.argv[1] });
  const r = await g.importAttack(process.argv[2]);
  g.close();
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, rssMB: process.resourceUsage().maxRSS / 1024, objects: r.objects, relationships: r.relationships }));
`;
const imports = [];
for (let i = 0; i < 3; i++) {
  const db = path.join(dir, `import-${i}.db`);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', importScript, db, bundle], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  imports.push(JSON.parse(r.stdout));
}
const importMs = median(imports.map((x) => x.ms));
const importRss = Math.max(...imports.map((x) => x.rssMB));
console.log(`import enterprise-attack-18.1.json (${imports[0].objects} objects + ${imports[0].relationships} relationships): median ${(importMs / 1000).toFixed(2)} s of ${imports.map((x) => (x.ms / 1000).toFixed(2)).join(', ')}; peak RSS ${importRss.toFixed(0)} MB`);

// 2. The T1114 page model, warm.
const db = path.join(dir, 'import-0.db');
const { openGraph } = await import(path.join(root, 'dist', 'index.js'));
const g = openGraph({ path: db, mustExist: true });
for (let i = 0; i < 50; i++) g.technique('T1114');
const times = [];
for (let i = 0; i < 2000; i++) {
  const t = performance.now();
  g.technique('T1114');
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const mean = times.reduce((a, b) => a + b, 0) / times.length;
console.log(`T1114 page model warm (2000 runs): mean ${mean.toFixed(3)} ms, p50 ${times[1000].toFixed(3)} ms, p99 ${times[1980].toFixed(3)} ms`);
g.close();

// 2b. Issue 3: importing every Mappings Explorer file, then the enriched page (controls, reports, counts).
const mappingsDir = path.resolve(root, '..', 'shared', 'data', 'mappings');
const mappingFiles = readdirSync(mappingsDir).filter((f) => f.endsWith('.json') && !f.startsWith('mapex'));
const gm = openGraph({ path: db });
const tm = performance.now();
let rows = 0;
for (const f of mappingFiles) rows += (await gm.importMappings(path.join(mappingsDir, f))).mappings;
console.log(`import all ${mappingFiles.length} mapping files (${rows} mappings): ${((performance.now() - tm) / 1000).toFixed(2)} s`);
for (let i = 0; i < 50; i++) gm.technique('T1114');
const enriched = [];
for (let i = 0; i < 2000; i++) {
  const t = performance.now();
  gm.technique('T1114');
  enriched.push(performance.now() - t);
}
enriched.sort((a, b) => a - b);
const page = gm.technique('T1114');
console.log(`enriched T1114 page model warm (${page.controls.length} controls, ${page.reports.length} reports; 2000 runs): mean ${(enriched.reduce((a, b) => a + b, 0) / enriched.length).toFixed(3)} ms, p99 ${enriched[1980].toFixed(3)} ms`);
const ts = performance.now();
const stats = gm.stats();
console.log(`stats for ${stats.techniques.length} techniques: ${((performance.now() - ts) / 1000).toFixed(2)} s`);
gm.close();

// 3. `ttpgraph show T1114` as a whole process (start, open, query, print).
const runs = [];
for (let i = 0; i < 15; i++) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, '--db', db, 'show', 'T1114'], { encoding: 'utf8' });
  runs.push(performance.now() - t);
  if (r.status !== 0) throw new Error(r.stderr);
}
const empty = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  empty.push(performance.now() - t);
}
console.log(`ttpgraph show T1114, whole process (15 runs): median ${median(runs).toFixed(0)} ms (an empty node -e 0 takes ${median(empty).toFixed(0)} ms here)`);
rmSync(dir, { recursive: true, force: true });
