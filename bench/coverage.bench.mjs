// Coverage (issue 18). Run: npm run build && npm run bench coverage
// On the built dist/, in this one process; the load average is printed with each figure (the
// development machine is shared: compare figures only with their load).
//  1. A store with ATT&CK enterprise 18.1 and all of ../shared/data/sigma/rules, and a saved
//     inventory and hunt (the regression .evtx files): coverage of every enterprise technique plus
//     the gap list of G0059, computed from the store each time (context loaded, every technique
//     assessed, no result cache), warm (after 2 runs): median and max of 10. Goal: <= 200 ms.
//     Also the cached answer (what a second page view or matrix request costs).
//  2. The inventory's cost in a hunt: the realistic workload (bench/realistic-events.mjs, BENCH_EVENTS
//     NDJSON lines, default 50,000) with all of rules/windows on one thread, runHunt with and
//     without an inventory, alternated 3 times each; the regression .evtx files (x10) the same way.
//     Goal: <= 5% more time.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { walk, writeRealisticNdjson } from './realistic-events.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = path.resolve(root, '..', 'shared', 'data');
const regDir = path.join(shared, 'sigma-regression');
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const dist = async (p) => import(pathToFileURL(path.join(root, 'dist', p)).href);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const { openGraph } = await dist('graph.js');
const hunt = await dist('hunt/index.js');
const sigma = await dist('sigma/index.js');
const { HuntRecorder } = await dist('ingest/hunt/record-hunt.js');
const { loadCoverageContext, datasetCoverage } = await dist('query/coverage/coverage.js');
const { gapList, targetTechniques } = await dist('query/coverage/gaps.js');

const work = path.join(root, '.bench', 'coverage');
mkdirSync(work, { recursive: true });
const db = path.join(work, 'store.db');
const evtxFiles = walk(regDir, (f) => f.endsWith('.evtx'));

// 1. The store (built once, kept in .bench/).
if (!existsSync(db)) {
  const g = openGraph({ path: db });
  const t0 = performance.now();
  await g.importAttack(path.join(shared, 'attack', 'enterprise-attack-18.1.json'));
  await g.importSigma([path.join(shared, 'sigma', 'rules')]);
  const { collection } = await hunt.loadStoreRules(g, {});
  const recorder = new HuntRecorder();
  const inventory = new hunt.InventoryCollector(sigma.defaultPipeline.sources);
  const s = await hunt.runHunt({ collection, pipeline: sigma.defaultPipeline, logs: evtxFiles, inventory, onHit: (h) => recorder.add(h) });
  g.saveHunt(recorder, { label: 'regression', startedAt: new Date().toISOString(), logs: [regDir], rules: s.rules, files: s.files, events: s.events, hits: s.hits }, { files: s.files, events: s.events, entries: inventory.entries() });
  g.close();
  process.stdout.write(`store built in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${db}\n`);
}

{
  const graph = openGraph({ path: db, readonly: true });
  const dataset = graph.dataset({ domain: 'enterprise' });
  // The store is private to the graph; the query functions take a store: open one read-only beside it.
  const { openStore } = await dist('store/sqlite/store.js');
  const store = openStore(db, { readonly: true });
  const once = () => {
    const t0 = performance.now();
    const ctx = loadCoverageContext(store);
    const all = datasetCoverage(store, dataset, ctx);
    const gaps = gapList(targetTechniques(store, 'group', 'G0059', dataset, {}), dataset, all);
    return { ms: performance.now() - t0, techniques: all.techniques.size, gaps: gaps.techniques.length, summary: gaps.summary };
  };
  once();
  once();
  const runs = Array.from({ length: 10 }, once);
  const ms = runs.map((r) => r.ms);
  const last = runs[runs.length - 1];
  process.stdout.write(
    `coverage of ${last.techniques} techniques + G0059 gap list (${last.gaps} techniques: ${JSON.stringify(last.summary)}), computed each time, warm: median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms (goal <= 200 ms); load ${load()}\n`,
  );
  graph.coverage(dataset);
  const cached = Array.from({ length: 10 }, () => {
    const t0 = performance.now();
    graph.coverage(dataset);
    graph.gaps('group', 'G0059');
    return performance.now() - t0;
  });
  process.stdout.write(`the same through Graph (its cache, checked against the store each call): median ${median(cached).toFixed(2)} ms; load ${load()}\n`);
  store.close();
  graph.close();
}

// 2. The inventory's cost in a hunt.
{
  const ndjson = path.join(work, `realistic-${EVENTS}.ndjson`);
  if (!existsSync(ndjson)) await writeRealisticNdjson(regDir, ndjson, EVENTS);
  const { collection } = hunt.loadRuleFiles(hunt.listRuleFiles([path.join(shared, 'sigma', 'rules', 'windows')]), { cacheDir: path.join(work, 'rule-cache') });
  const pipeline = sigma.defaultPipeline;
  const evtxLogs = Array.from({ length: 10 }, () => evtxFiles).flat();
  for (const [what, logs] of [
    [`${EVENTS.toLocaleString('en-US')} realistic NDJSON events`, [ndjson]],
    [`the regression .evtx files x10 (${evtxLogs.length} files)`, evtxLogs],
  ]) {
    const run = async (withInventory) => {
      const inventory = withInventory ? new hunt.InventoryCollector(pipeline.sources) : undefined;
      const s = await hunt.runHunt({ collection, pipeline, logs, threads: 1, ...(inventory ? { inventory } : {}), onHit: () => undefined });
      return { ms: s.elapsedMs - s.compileMs, events: s.events, keys: inventory?.entries().length ?? 0 };
    };
    await run(false);
    const without = [];
    const withInv = [];
    let keys = 0;
    let events = 0;
    for (let i = 0; i < RUNS; i++) {
      without.push((await run(false)).ms);
      const r = await run(true);
      withInv.push(r.ms);
      keys = r.keys;
      events = r.events;
    }
    const a = median(without);
    const b = median(withInv);
    // On a shared machine the fastest run is the one least disturbed: compared too.
    const amin = Math.min(...without);
    const bmin = Math.min(...withInv);
    process.stdout.write(
      `hunt over ${what} (${events} events, ${keys} inventory keys), rules/windows, 1 thread, matching time, ${RUNS} runs each alternated: without inventory [${without.map((x) => x.toFixed(0)).join(', ')}] ms, with [${withInv.map((x) => x.toFixed(0)).join(', ')}] ms; medians ${a.toFixed(0)} / ${b.toFixed(0)} ms (${(((b - a) / a) * 100).toFixed(1)}%), fastest ${amin.toFixed(0)} / ${bmin.toFixed(0)} ms (${(((bmin - amin) / amin) * 100).toFixed(1)}%) (goal <= 5%); load ${load()}\n`,
    );
  }
  // The inventory's own work per event, apart from the hunt: the same events, recognised by an engine
  // without rules, counted; against the full matching per event above.
  {
    const { realisticEvents } = await import('./realistic-events.mjs');
    const gen = realisticEvents(regDir);
    const events = Array.from({ length: 20_000 }, (_, i) => gen.event(i));
    const engine = sigma.createEngine([], pipeline);
    const ctxs = events.map((e) => {
      const c = sigma.eventContext(e);
      engine.matchContext(c);
      return c;
    });
    const per = [];
    for (let r = 0; r < 7; r++) {
      const inv = new hunt.InventoryCollector(pipeline.sources);
      const t0 = performance.now();
      for (const c of ctxs) inv.add(c);
      per.push(((performance.now() - t0) * 1000) / ctxs.length);
    }
    process.stdout.write(`inventory add() alone: ${Math.min(...per).toFixed(2)} µs per event (fastest of 7; median ${median(per).toFixed(2)} µs); load ${load()}\n`);
  }
}

if (process.env.BENCH_KEEP !== '1' && process.env.BENCH_CLEAN === '1') rmSync(work, { recursive: true, force: true });
