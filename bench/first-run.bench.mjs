// The first hour as a newcomer meets it (issue 11), from a fresh clone of this repository in a
// temporary folder with ../shared beside it:
//   1. `npm ci` wall time (only with FIRST_RUN_NPM_CI=1: it needs the registry and compiles
//      better-sqlite3; otherwise node_modules is copied as hard links and the build is run);
//   2. `npm start -- --from ../shared/data` on an empty store: seconds until /techniques/T1114
//      answers 200, for the default (18.1) and for ?version=15.1, and until the start-up sync is done;
//   3. the first request after a warm start (the store filled, the server restarted): latency of
//      /techniques/T1114 sent as soon as the server listens, and of the same request again;
//   4. whole-process time of `npx ttpgraph show T1114`, `./ttpgraph show T1114` and
//      `node dist/cli/main.js show T1114` in the clone (median of 7 each, after one untimed call).
// Usage: npm run build && npm run bench first-run
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-first-run-'));
const clone = path.join(dir, 'ttpgraph');
const env = { ...process.env, XDG_DATA_HOME: path.join(dir, 'xdg'), TTPGRAPH_PORT: '0', npm_config_update_notifier: 'false' };
for (const k of ['TTPGRAPH_DB', 'TTPGRAPH_SYNC_FROM', 'TTPGRAPH_SYNC_BASE_URL', 'TTPGRAPH_TOKEN']) delete env[k];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Starts `npm start -- --from ../shared/data` in the clone; resolves the server URL; `lines` collects stderr. */
function start() {
  const child = spawn('npm', ['start', '--', '--from', '../shared/data'], { cwd: clone, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const waiters = [];
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
    for (const w of [...waiters]) if (w.re.test(stderr)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  });
  const seen = (re) => new Promise((resolve) => (re.test(stderr) ? resolve() : waiters.push({ re, resolve })));
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  return { child, seen, stop, stderr: () => stderr };
}

async function untilOk(url) {
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

try {
  execFileSync('git', ['clone', '--quiet', root, clone]);
  symlinkSync(path.resolve(root, '..', 'shared'), path.join(dir, 'shared'));
  process.stdout.write(`load before: ${load()}\n`);

  // 1. npm ci
  const t0 = performance.now();
  if (process.env.FIRST_RUN_NPM_CI === '1') {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: clone, env, stdio: 'ignore' });
    process.stdout.write(`npm ci (registry, build included): ${seconds(performance.now() - t0)}\n`);
  } else {
    execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(clone, 'node_modules')]);
    execFileSync('npm', ['run', 'prepare'], { cwd: clone, env, stdio: 'ignore' });
    process.stdout.write(`node_modules copied (hard links) + npm run prepare: ${seconds(performance.now() - t0)} (set FIRST_RUN_NPM_CI=1 for a real npm ci)\n`);
  }

  // 2. npm start -- --from ../shared/data on an empty store
  const started = performance.now();
  const first = start();
  await first.seen(/serving .* at (http:\/\/\S+) /);
  const url = /serving .* at (http:\/\/\S+) /.exec(first.stderr())[1];
  await untilOk(`${url}/techniques/T1114`);
  const t18 = performance.now() - started;
  await untilOk(`${url}/techniques/T1114?version=15.1`);
  const t15 = performance.now() - started;
  await first.seen(/ttpgraph: sync: done: /);
  const tDone = performance.now() - started;
  first.stop();
  process.stdout.write(`npm start -- --from ../shared/data, empty store: T1114 (18.1) served after ${seconds(t18)}, ?version=15.1 after ${seconds(t15)}, sync done after ${seconds(tDone)}\n`);

  // 3. first request after a warm start: the store is full; restart and ask at once
  const second = start();
  await second.seen(/serving .* at (http:\/\/\S+) /);
  const url2 = /serving .* at (http:\/\/\S+) /.exec(second.stderr())[1];
  const timed = async (u) => {
    const s = performance.now();
    const r = await fetch(u);
    await r.arrayBuffer();
    return performance.now() - s;
  };
  const firstMs = await timed(`${url2}/techniques/T1114`);
  const againMs = await timed(`${url2}/techniques/T1114`);
  const otherMs = await timed(`${url2}/techniques/T1059`);
  second.stop();
  process.stdout.write(`warm start: first request /techniques/T1114 ${firstMs.toFixed(0)} ms, again ${againMs.toFixed(0)} ms, /techniques/T1059 (not warmed) ${otherMs.toFixed(0)} ms\n`);

  // 4. the CLI, whole process
  for (const [name, cmd, args] of [
    ['npx ttpgraph show T1114', 'npx', ['ttpgraph', 'show', 'T1114']],
    ['./ttpgraph show T1114', './ttpgraph', ['show', 'T1114']],
    ['node dist/cli/main.js show T1114', process.execPath, ['dist/cli/main.js', 'show', 'T1114']],
  ]) {
    const once = () => {
      const s = performance.now();
      const r = spawnSync(cmd, args, { cwd: clone, env, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${name} failed (${r.status})`);
      return performance.now() - s;
    };
    const firstCall = once();
    const runs = Array.from({ length: 7 }, once);
    process.stdout.write(`${name}: first call ${firstCall.toFixed(0)} ms, then median ${median(runs).toFixed(0)} ms (${Math.min(...runs).toFixed(0)}-${Math.max(...runs).toFixed(0)})\n`);
  }
  process.stdout.write(`load after: ${load()}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
