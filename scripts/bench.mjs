// Runs every benchmark in bench/ (or those named on the command line) one after the other, each in
// its own Node process so that peak-memory figures do not mix. Benchmarks import the built dist/.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('../bench/', import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(benchDir).filter((f) => f.endsWith('.bench.mjs')).sort();
const chosen = wanted.length === 0 ? all : all.filter((f) => wanted.some((w) => f.startsWith(w)));
if (chosen.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(', ')}; have: ${all.join(', ')}\n`);
  process.exit(2);
}
let failed = false;
for (const file of chosen) {
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', benchDir + file], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
