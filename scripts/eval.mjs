// Runs an evaluation in eval/ (`npm run eval extract`): quality figures, not timed tests. Evaluations
// import the built dist/ (run `npm run build` first) and read ../shared/data.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../eval/', import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(dir).filter((f) => f.endsWith('.eval.mjs')).sort();
const chosen = wanted.length === 0 ? all : all.filter((f) => wanted.some((w) => f.startsWith(w)));
if (chosen.length === 0) {
  process.stderr.write(`no evaluation matches ${wanted.join(', ')}; have: ${all.join(', ')}\n`);
  process.exit(2);
}
let failed = false;
for (const file of chosen) {
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, [dir + file, ...process.argv.slice(3)], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
