// EVTX throughput on one core and on two, and peak memory, on the built dist/.
//
// Builds a large synthetic EVTX file in a temp dir (dense chunks made from the sigma-regression
// chunks that hold several records, repeated behind a valid file header; see denseChunk()). Then,
// per round and per work (see measure(); each run in its own Node process so peak RSS does not mix):
//   one core     threads=1 under `taskset -c 0` (the process, GC and compiler threads on one core)
//   one thread   threads=1 unpinned (V8's background threads use the other core)
//   two threads  threads=2: this thread and one worker
//   ceiling      the one-thread run in two processes at once: 2 x t(one core) / t(slower): what
//                the machine gives this work on two cores right now (on this shared 2-vCPU VM it
//                varies from 1.1x to 1.9x from minute to minute; a busy loop always gets ~2x)
// and reports the speed-up over one core against the ceiling of the same round.
// Run: `npm run build && npm run bench evtx`; EVTX_BENCH_MB=1024 for a 1 GB file;
// EVTX_BENCH_ROUNDS=N; EVTX_BENCH_WORKS=json-mapped,hunt-nohits,hunt,json,json-text (a subset).
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';

const root = fileURLToPath(new URL('../', import.meta.url));
const { parseEvtx, parseEvtxSync, mapEvtx, fileHandleReader, startEvtxWorkers } = await import(path.join(root, 'dist/evtx/index.js'));
const touchMapper = new URL('./evtx-touch-mapper.mjs', import.meta.url);

const CHUNK = 65536;
const HEADER = 4096;

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.evtx')) yield p;
  }
}

/**
 * A dense chunk from a regression chunk holding ≥ 2 records: record 1 (which defines the template
 * inline) stays, then copies of the later records (which only refer to that template by offset, so
 * they may sit anywhere in the chunk) fill the chunk; record ids, the chunk header fields and both
 * CRC32s are rewritten. This gives chunks as full as real logs (the regression files hold 1–3 records).
 */
function denseChunk(src) {
  const c = Buffer.from(src);
  const free = c.readUInt32LE(48);
  const recs = [];
  for (let off = 512; off + 24 <= free; ) {
    const size = c.readUInt32LE(off + 4);
    if (c.readUInt32LE(off) !== 0x2a2a || size < 28) break;
    recs.push([off, size]);
    off += size;
  }
  if (recs.length < 2) return null;
  const tail = recs.slice(1).map(([off, size]) => Buffer.from(c.subarray(off, off + size)));
  let pos = recs[0][0] + recs[0][1];
  let id = 2;
  let last = recs[0][0];
  c.fill(0, pos);
  for (let i = 0; ; i++) {
    const r = tail[i % tail.length];
    if (pos + r.length > CHUNK) break;
    r.copy(c, pos);
    c.writeBigUInt64LE(BigInt(id), pos + 8);
    last = pos;
    pos += r.length;
    id++;
  }
  c.writeBigUInt64LE(1n, 8);
  c.writeBigUInt64LE(BigInt(id - 1), 16);
  c.writeBigUInt64LE(1n, 24);
  c.writeBigUInt64LE(BigInt(id - 1), 32);
  c.writeUInt32LE(last, 44);
  c.writeUInt32LE(pos, 48);
  c.writeUInt32LE(crc32(c.subarray(512, pos)), 52);
  c.writeUInt32LE(crc32(c.subarray(128, 512), crc32(c.subarray(0, 120))), 124);
  return c;
}

function buildFile(file, targetMb) {
  const data = path.resolve(root, '..', 'shared', 'data', 'sigma-regression');
  const chunks = [];
  for (const f of [...walk(data)].sort()) {
    const b = readFileSync(f);
    for (let off = HEADER; off + CHUNK <= b.length; off += CHUNK) {
      const d = denseChunk(b.subarray(off, off + CHUNK));
      if (d !== null) chunks.push(d);
    }
  }
  const count = Math.ceil((targetMb * 1024 * 1024) / CHUNK);
  const header = Buffer.alloc(HEADER);
  header.write('ElfFile\0', 0, 'latin1');
  header.writeBigUInt64LE(0n, 8);
  header.writeBigUInt64LE(BigInt(count - 1), 16);
  header.writeBigUInt64LE(1n, 24);
  header.writeUInt32LE(128, 32);
  header.writeUInt16LE(2, 36);
  header.writeUInt16LE(3, 38);
  header.writeUInt16LE(HEADER, 40);
  header.writeUInt16LE(Math.min(count, 0xffff), 42);
  header.writeUInt32LE(0, 120);
  header.writeUInt32LE(crc32(header.subarray(0, 120)), 124);
  const fd = openSync(file, 'w');
  writeSync(fd, header);
  for (let i = 0; i < count; i++) writeSync(fd, chunks[i % chunks.length]);
  closeSync(fd);
  return chunks.length;
}

const rulesDir = path.resolve(root, '..', 'shared', 'data', 'sigma', 'rules');

/**
 * One timed run in this process. Works:
 *  json        parseEvtx: JSON objects handed to this thread (workers' records cross as JSON text)
 *  json-mapped mapEvtx: JSON objects taken (their Event's keys counted) in the thread that parsed them
 *  json-text   parseEvtx: JSON text per record (what `evtx dump` prints)
 *  hunt        mapEvtx with hunt's Sigma mapper: every record tested against all of sigma/rules
 *              where it was parsed, matches back (what `ttpgraph hunt` does with .evtx); rule
 *              loading is not timed, the workers' start (rules cloned and compiled) is.
 */
async function measure(file, threads, work) {
  const fh = await open(file, 'r');
  const size = statSync(file).size;
  let records = 0;
  let warnings = 0;
  let keys = 0;
  let stats = null;
  const onStats = (s) => (stats = s);
  let hunt = null;
  if (work === 'hunt' || work === 'hunt-nohits') {
    const { loadRuleFiles, listRuleFiles } = await import(path.join(root, 'dist/hunt/index.js'));
    const { compileCollection, defaultPipeline, eventContext } = await import(path.join(root, 'dist/sigma/index.js'));
    const { evtxMatcher, evtxMatchModule } = await import(path.join(root, 'dist/hunt/evtx-match.js'));
    let { collection } = loadRuleFiles(listRuleFiles([rulesDir]));
    let { engine } = compileCollection(collection, { pipeline: defaultPipeline });
    if (work === 'hunt-nohits') {
      // A quiet log: leave out the few rules the file's events match (its first chunks hold every
      // distinct chunk), so that nothing crosses threads but the counts.
      const head = new Uint8Array(4096 + 8 * 65536);
      await fh.read(head, 0, head.length, 0);
      const hit = new Set();
      for (const r of parseEvtxSync(head)) if (r.ok) for (const m of engine.matchContext(eventContext(r.record.data))) hit.add(m.rule);
      collection = { ...collection, rules: collection.rules.filter((r) => !hit.has(r)) };
      ({ engine } = compileCollection(collection, { pipeline: defaultPipeline }));
    }
    hunt = { init: { collection, pipeline: defaultPipeline }, local: evtxMatcher(engine, false), mapper: evtxMatchModule() };
  }
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const reader = await fileHandleReader(fh);
  if (work === 'json-mapped' || hunt !== null) {
    const workers = hunt !== null && threads > 1 ? startEvtxWorkers({ mapper: hunt.mapper, init: hunt.init, threads }) : undefined;
    const options = hunt !== null
      ? { threads, source: file, mapper: hunt.mapper, local: hunt.local, ...(workers ? { workers } : {}), onStats }
      : { threads, source: file, mapper: touchMapper, onStats };
    for await (const m of mapEvtx(reader, options)) {
      records += m.records;
      warnings += m.warnings.length;
      keys += hunt !== null ? (m.value?.lines.length ?? 0) : (m.value ?? 0); // matches, or keys
    }
    await workers?.close();
  } else {
    for await (const r of parseEvtx(reader, { threads, source: file, format: work, onStats })) {
      if (r.ok) {
        records++;
        keys += work === 'json' ? Object.keys(r.record.data.Event).length : r.record.json.length; // touch the result
      } else warnings++;
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0); // all threads of the process
  const cpuSecs = (cu.user + cu.system) / 1e6;
  await fh.close();
  const rssMb = process.resourceUsage().maxRSS / 1024;
  return { work, threads, stats, sizeMb: size / 1048576, records, warnings, keys, secs, mbPerSec: size / 1048576 / secs, cpuSecs, mbPerCpuSec: size / 1048576 / cpuSecs, peakRssMb: rssMb };
}

/**
 * Control: how many cores the machine actually gives us right now. The same fixed busy loop in 1
 * and in 2 worker threads; 2 × t(1) / t(2) is ~2 on two free cores, ~1 when others hold a core.
 */
async function parallelCapacity() {
  const { Worker } = await import('node:worker_threads');
  const src = 'let x = 0; for (let i = 0; i < 3e8; i++) x = (x + i * 7) % 1000003; require("node:worker_threads").parentPort.postMessage(x);';
  const run = async (n) => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => new Promise((res) => {
      const w = new Worker(src, { eval: true });
      w.on('message', () => { void w.terminate(); res(); });
    })));
    return performance.now() - t0;
  };
  const t1 = await run(1);
  const t2 = await run(2);
  return (2 * t1) / t2;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** Whether `taskset` can pin a process to core 0 (checked once, in the parent only). */
let hasTaskset = false;

/** One run in its own process (so peak RSS does not mix); `pin`: on core 0 only, for the one-core figure. */
function child(file, threads, work, pin) {
  const args = [fileURLToPath(import.meta.url), '--run', file, String(threads), work];
  const [cmd, argv] = pin && hasTaskset ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${work} threads=${threads}: ${err}`))));
  });
}

if (process.argv[2] === '--build') {
  // Only build the synthetic file (for profiling by hand): node bench/evtx.bench.mjs --build FILE [MB]
  buildFile(process.argv[3], Number(process.argv[4] ?? 256));
} else if (process.argv[2] === '--run') {
  const load = (await import('node:os')).loadavg()[0].toFixed(2);
  const r = { ...(await measure(process.argv[3], Number(process.argv[4]), process.argv[5])), load };
  process.stdout.write(JSON.stringify(r) + '\n');
} else {
  const os = await import('node:os');
  hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const sizeMb = Number(process.env.EVTX_BENCH_MB ?? 256);
  const rounds = Number(process.env.EVTX_BENCH_ROUNDS ?? 3);
  const works = (process.env.EVTX_BENCH_WORKS ?? 'json-mapped,hunt-nohits,hunt,json,json-text').split(',');
  const dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-evtx-bench-'));
  const file = path.join(dir, 'big.evtx');
  const line = (s) => process.stdout.write(s + '\n');
  const fmtRun = (m) =>
    `${m.secs.toFixed(2)} s, ${m.mbPerSec.toFixed(1)} MB/s, ${m.cpuSecs.toFixed(2)} CPU-s, peak RSS ${m.peakRssMb.toFixed(0)} MB` +
    (m.stats.workers > 0 ? `, batches: this thread ${m.stats.callerBatches}/${m.stats.batches}, worker ${m.stats.workerBatches.join('+')}` : '');
  try {
    const distinct = buildFile(file, sizeMb);
    line(`synthetic file: ${(statSync(file).size / 1048576).toFixed(1)} MB, ${distinct} distinct dense chunks repeated; Node ${process.version}, ${os.availableParallelism()} cores; ${rounds} rounds; one core = ${hasTaskset ? 'taskset -c 0' : 'NOT PINNED (no taskset)'}`);
    const byWork = new Map(works.map((w) => [w, []]));
    const busy = [];
    for (let round = 1; round <= rounds; round++) {
      busy.push(await parallelCapacity());
      line(`round ${round}: busy-loop control ${busy.at(-1).toFixed(2)}x (2 threads vs 1), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
      for (const work of works) {
        // one core (pinned) / two threads / the ceiling: the same one-thread work in two processes at once
        const one = await child(file, 1, work, true);
        const oneThread = await child(file, 1, work, false);
        const two = await child(file, 2, work, false);
        const pair = await Promise.all([child(file, 1, work, false), child(file, 1, work, false)]);
        const ceiling = (2 * one.secs) / Math.max(...pair.map((m) => m.secs));
        const speedUp = one.secs / two.secs;
        byWork.get(work).push({ one, oneThread, two, ceiling, speedUp, overThread: oneThread.secs / two.secs });
        line(`  ${work}: ${one.records} records, ${one.warnings} warnings, ${one.keys} ${work.startsWith('hunt') ? 'matches' : 'keys'}`);
        line(`    one core:    ${fmtRun(one)}`);
        line(`    one thread (not pinned; V8's GC and compiler threads use the other core): ${fmtRun(oneThread)}`);
        line(`    two threads: ${fmtRun(two)}`);
        line(`    two processes at once (each one thread): ${pair.map((m) => `${m.secs.toFixed(2)} s`).join(', ')}: ceiling ${ceiling.toFixed(2)}x`);
        line(`    speed-up ${speedUp.toFixed(2)}x over one core = ${(speedUp / ceiling * 100).toFixed(0)}% of the ceiling; ${(oneThread.secs / two.secs).toFixed(2)}x over one thread`);
      }
    }
    line(`summary over ${rounds} rounds (busy-loop control median ${median(busy).toFixed(2)}x):`);
    for (const [work, rs] of byWork) {
      const one = Math.min(...rs.map((r) => r.one.secs));
      const two = Math.min(...rs.map((r) => r.two.secs));
      line(
        `  ${work}: one core best ${(sizeMb / one).toFixed(1)} MB/s, two threads best ${(sizeMb / two).toFixed(1)} MB/s; ` +
          `speed-up median ${median(rs.map((r) => r.speedUp)).toFixed(2)}x (best ${Math.max(...rs.map((r) => r.speedUp)).toFixed(2)}x), ` +
          `ceiling median ${median(rs.map((r) => r.ceiling)).toFixed(2)}x, speed-up / ceiling median ${(median(rs.map((r) => r.speedUp / r.ceiling)) * 100).toFixed(0)}%; ` +
          `over one unpinned thread median ${median(rs.map((r) => r.overThread)).toFixed(2)}x; ` +
          `peak RSS max ${Math.max(...rs.flatMap((r) => [r.one.peakRssMb, r.two.peakRssMb])).toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
