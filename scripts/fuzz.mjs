// `npm run fuzz -- --minutes N [--seed S]`: the fuzz suite of `npm test` (test/fuzz/), run for N
// minutes (default 5) with a new seed each time (printed; give it back with --seed to replay).
// Needs the build (npm run build). Failing inputs are written to test/fuzz/regressions/.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const minutes = Number(value('--minutes') ?? 5);
const seed = Number(value('--seed') ?? Math.floor(Math.random() * 2 ** 31));
if (!(minutes > 0) || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- [--minutes N] [--seed S]\n');
  process.exit(2);
}
process.stdout.write(`fuzzing for ${minutes} minute(s), seed ${seed}\n`);
const root = fileURLToPath(new URL('..', import.meta.url));
const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/fuzz/fuzz.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SEED: String(seed), FUZZ_MS: String(Math.round(minutes * 60_000)) },
});
process.exit(r.status ?? 1);
