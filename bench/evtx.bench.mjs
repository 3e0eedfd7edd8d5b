// EVTX → JSON objects throughput and peak memory, on the built dist/.
//
// Builds a large synthetic EVTX file in a temp dir (dense chunks made from the sigma-regression
// chunks that hold several records, repeated behind a valid file header; see denseChunk()),
// then, each run in its own Node process so peak RSS does not mix: parses it with 1 thread (the
// calling thread alone) and with 2 (the calling thread and one worker), counting records, and says
// how the chunks were shared. The control (a fixed busy loop in 1 and in 2 threads) runs before and
// after, with the load average: on a shared machine it says how many cores there were to use.
// Run: `npm run build && npm run bench evtx`; EVTX_BENCH_MB=1024 for a 1 GB file;
// EVTX_BENCH_THREADS=1,2,4 for other thread counts.
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';

const root = fileURLToPath(new URL('../', import.meta.url));
const { parseEvtx, mapEvtx, fileHandleReader } = await import(path.join(root, 'dist/evtx/index.js'));
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

async function measure(file, threads, format) {
  const fh = await open(file, 'r');
  const size = statSync(file).size;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let records = 0;
  let warnings = 0;
  let keys = 0;
  let stats = null;
  if (format === 'json-mapped') {
    for await (const m of mapEvtx(await fileHandleReader(fh), { threads, source: file, format: 'json', mapper: touchMapper, onStats: (s) => (stats = s) })) {
      records += m.records;
      warnings += m.warnings.length;
      keys += m.value ?? 0;
    }
  } else {
    for await (const r of parseEvtx(await fileHandleReader(fh), { threads, source: file, format, onStats: (s) => (stats = s) })) {
      if (r.ok) {
        records++;
        keys += format === 'json' ? Object.keys(r.record.data.Event).length : r.record.json.length; // touch the result
      } else warnings++;
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0); // all threads of the process
  const cpuSecs = (cu.user + cu.system) / 1e6;
  await fh.close();
  const rssMb = process.resourceUsage().maxRSS / 1024;
  return { format, threads, stats, sizeMb: size / 1048576, records, warnings, keys, secs, mbPerSec: size / 1048576 / secs, cpuSecs, mbPerCpuSec: size / 1048576 / cpuSecs, peakRssMb: rssMb };
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

/**
 * Workload control: the ceiling for 2 threads on this machine right now, for this very work. The
 * first 32 MB of the file parsed to JSON objects by 1 worker alone, then by 2 workers at once (each
 * its own copy, no hand-over at all): 2 × t(1) / t(2). The busy loop above needs no memory; parsing
 * does, and two threads can slow each other down (caches, memory bandwidth, a host's siblings).
 */
async function parseCapacity(file) {
  const { Worker } = await import('node:worker_threads');
  const lib = pathToFileURL(path.join(root, 'dist/evtx/index.js')).href;
  const src = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { openSync, readSync, closeSync } = require('node:fs');
    import(workerData.lib).then(({ parseChunk }) => {
      const buf = new Uint8Array(32 * 1048576);
      const fd = openSync(workerData.file, 'r');
      readSync(fd, buf, 0, buf.length, 4096);
      closeSync(fd);
      const t = performance.now();
      for (let k = 0; k < 32 * 16; k++) parseChunk(buf.subarray(k * 65536, (k + 1) * 65536), { chunkIndex: k, fileOffset: 0, format: 'json' });
      parentPort.postMessage(performance.now() - t);
    });`;
  const run = (n) => Promise.all(Array.from({ length: n }, () => new Promise((res, rej) => {
    const w = new Worker(src, { eval: true, workerData: { lib, file } });
    w.on('message', (ms) => { void w.terminate(); res(ms); });
    w.on('error', rej);
  })));
  const [t1] = await run(1);
  const t2 = Math.max(...(await run(2)));
  return (2 * t1) / t2;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
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
  const sizeMb = Number(process.env.EVTX_BENCH_MB ?? 256);
  const rounds = Number(process.env.EVTX_BENCH_ROUNDS ?? 3);
  const threadCounts = (process.env.EVTX_BENCH_THREADS ?? '1,2').split(',').map(Number);
  const dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-evtx-bench-'));
  const file = path.join(dir, 'big.evtx');
  const line = (s) => process.stdout.write(s + '\n');
  try {
    const distinct = buildFile(file, sizeMb);
    line(`synthetic file: ${(statSync(file).size / 1048576).toFixed(1)} MB, ${distinct} distinct dense chunks repeated; Node ${process.version}, ${os.availableParallelism()} cores; ${rounds} rounds`);
    const controls = [];
    const runs = new Map();
    for (let round = 1; round <= rounds; round++) {
      const busy = await parallelCapacity();
      const parse = await parseCapacity(file);
      controls.push({ busy, parse });
      line(`round ${round} control: busy loop ${busy.toFixed(2)}x, parsing ${parse.toFixed(2)}x (2 threads vs 1; 2.00 = two free cores), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
      // json: JSON objects in the caller's thread (parseEvtx's default);
      // json-mapped: JSON objects taken in the thread that parsed them (mapEvtx; what hunt does);
      // json-text: the same as JSON text per record (what `evtx dump` prints).
      for (const [format, threads] of (process.env.EVTX_BENCH_FORMATS ?? 'json,json-mapped,json-text').split(',').flatMap((f) => threadCounts.map((t) => [f, t]))) {
        const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--run', file, String(threads), format], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(r.stderr);
        const m = JSON.parse(r.stdout);
        const key = `${format} threads=${threads}`;
        runs.set(key, [...(runs.get(key) ?? []), m]);
        line(
          `  ${key}: ${m.records} records, ${m.warnings} warnings, ${m.secs.toFixed(2)} s, ${m.mbPerSec.toFixed(1)} MB/s wall, ` +
            `${m.cpuSecs.toFixed(2)} CPU-s (${m.mbPerCpuSec.toFixed(1)} MB per CPU-second), peak RSS ${m.peakRssMb.toFixed(0)} MB, load ${m.load}; ` +
            `batches of ${m.stats.batchChunks} chunks: calling thread ${m.stats.callerBatches}/${m.stats.batches}, workers ${JSON.stringify(m.stats.workerBatches)}`,
        );
      }
    }
    line(`controls: busy loop median ${median(controls.map((c) => c.busy)).toFixed(2)}x, parsing median ${median(controls.map((c) => c.parse)).toFixed(2)}x`);
    line('summary (best and median wall time over the rounds; speed-up = 1-thread best / this best):');
    for (const [key, ms] of runs) {
      const best = Math.min(...ms.map((m) => m.secs));
      const one = Math.min(...runs.get(key.replace(/threads=\d+/, 'threads=1')).map((m) => m.secs));
      line(
        `  ${key}: best ${best.toFixed(2)} s (${(sizeMb / best).toFixed(1)} MB/s), median ${median(ms.map((m) => m.secs)).toFixed(2)} s, ` +
          `speed-up ${(one / best).toFixed(2)}x, CPU-s median ${median(ms.map((m) => m.cpuSecs)).toFixed(2)} (${(median(ms.map((m) => m.cpuSecs)) / sizeMb * 1000).toFixed(1)} CPU-ms per MB), ` +
          `peak RSS max ${Math.max(...ms.map((m) => m.peakRssMb)).toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
