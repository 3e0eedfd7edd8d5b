// `npm test`, the full gate: build, type-check, lint and every test; fails if any of them fails.
//
// The order, and why (issue 15, docs/benchmarks.md):
// 1. Build dist/ (the CLI and worker threads the tests run, the web bundle) without type-checking:
//    `tsc --noCheck` emits exactly what `npm run build` emits; the type check is step 2's. (First,
//    alone: the type check reads dist/'s declarations, for the package's subpath exports.)
// 2. Then at once: the tests (vitest, its output live) and the checks (scripts/check.mjs): the
//    type check of everything (src, tests, scripts; what `npm run build` checks and more) and
//    ESLint (type-aware) on the same TypeScript program, whose output is printed when they end. vitest's run-wide fixtures keep
//    one core busy, its tests wait on child processes, browsers and servers: the checks use the
//    core that would idle.
// Arguments go to vitest: `npm test -- test/web` runs the checks and only those test files.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** The steps running now: stopped with this script (Ctrl-C in a terminal reaches them anyway; a `kill` does not). */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) child.kill(signal);
    process.exit(130);
  });
}

/** Runs a command; resolves with its exit code, its output (when buffered) and its time. */
function run(label, command, args, { buffered }) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    running.add(child);
    child.on('close', () => running.delete(child));
    let output = '';
    if (buffered) {
      child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
      child.stderr.setEncoding('utf8').on('data', (d) => (output += d));
    }
    child.on('error', (err) => resolve({ label, code: 1, output: `${label}: ${err.message}\n`, ms: performance.now() - started }));
    child.on('close', (code, signal) => resolve({ label, code: code ?? (signal !== null ? 1 : 0), output, ms: performance.now() - started }));
  });
}

const results = [];
const started = performance.now();

// 1. Build (emit only).
for (const [label, command, args] of [
  ['build: tsc emit', bin('tsc'), ['-p', 'tsconfig.build.json', '--noCheck']],
  ['build: post-build', process.execPath, ['scripts/post-build.mjs']],
  ['build: web bundle', process.execPath, ['scripts/build-web.mjs']],
]) {
  const r = await run(label, command, args, { buffered: false });
  results.push(r);
  if (r.code !== 0) {
    process.stderr.write(`npm test: ${label} failed (exit ${r.code})\n`);
    process.exit(1);
  }
}

// 2. The tests and, beside them, the checks.
// The type check and ESLint share one TypeScript program (scripts/check.mjs): run apart, each
// type-checks the whole project (~19 s of CPU saved on this 2-core machine, docs/benchmarks.md).
const checks = (async () => [await run('typecheck + lint', process.execPath, ['scripts/check.mjs'], { buffered: true })])();
const tests = run('vitest', bin('vitest'), ['run', ...process.argv.slice(2)], { buffered: false });
const [checked, tested] = await Promise.all([checks, tests]);
results.push(tested, ...checked);

for (const c of checked) {
  if (c.code === 0 && c.output.trim() === '') continue;
  process.stdout.write(`\n── ${c.label} (exit ${c.code}) ──\n${c.output}`);
}
const failed = results.filter((r) => r.code !== 0);
process.stdout.write(`\nnpm test: ${results.map((r) => `${r.label} ${seconds(r.ms)}${r.code === 0 ? '' : ' FAILED'}`).join(', ')}; ${seconds(performance.now() - started)} in all\n`);
if (failed.length > 0) {
  process.stderr.write(`npm test: failed: ${failed.map((r) => r.label).join(', ')}\n`);
  process.exit(1);
}
