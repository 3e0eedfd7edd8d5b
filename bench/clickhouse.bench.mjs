// ClickHouse benchmark (issue 17). Run: npm run build && npm run bench clickhouse
// The realistic workload of issue 13 (bench/realistic-events.mjs: the regression events repeated
// with 95% of their values scrambled, seeded) as NDJSON, CLICKHOUSE_BENCH_EVENTS lines (default
// 1,000,000), then, in one run, side by side:
//  1. load: `clickhouse load`'s library call (loadLogs) into a fresh table of Debian's
//     clickhouse-server started here (plain process, temporary directory, loopback port), or of the
//     server in $TTPGRAPH_CLICKHOUSE_URL; events/s;
//  2. the in-process hunt (runHunt, default threads) of all of ../shared/data/sigma/rules/windows
//     over the NDJSON file; wall time;
//  3. the same rules hunted in ClickHouse (runClickhouseHunt); wall time, queries, server version;
//  4. the hits of both, per rule and event: equal or not (the differential on this workload).
// CLICKHOUSE_BENCH_CLUSTER=1: the server declares a cluster of two shards (two databases of this one
// server, as in test/clickhouse/semantics.test.ts) and the events are loaded and hunted through a
// Distributed table over them. CLICKHOUSE_BENCH_FILE=PATH: use (or write once) the NDJSON there.
// CLICKHOUSE_BENCH_ORDER=clickhouse-first: hunt in ClickHouse first. Load average before and after each figure. The temp directory is deleted afterwards.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRealisticNdjson } from './realistic-events.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = path.resolve(root, '..', 'shared', 'data');
const EVENTS = Number(process.env.CLICKHOUSE_BENCH_EVENTS ?? 1_000_000);
const { ClickhouseClient, parseClickhouseUrl } = await import(path.join(root, 'dist/clickhouse/client.js'));
const { loadLogs } = await import(path.join(root, 'dist/clickhouse/load.js'));
const { runClickhouseHunt } = await import(path.join(root, 'dist/clickhouse/hunt.js'));
const { schemaStatements } = await import(path.join(root, 'dist/sigma/backend/clickhouse/schema.js'));
const { tableName } = await import(path.join(root, 'dist/sigma/backend/clickhouse/sql.js'));
const { loadRuleFiles, runHunt } = await import(path.join(root, 'dist/hunt/index.js'));
const { defaultPipeline } = await import(path.join(root, 'dist/sigma/index.js'));

const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
const log = (s) => process.stdout.write(`${s}\n`);
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });

async function startServer(dir) {
  const bin = ['/usr/bin/clickhouse', '/usr/sbin/clickhouse-server'].find((p) => existsSync(p));
  if (bin === undefined) throw new Error('clickhouse-server is not installed (apt-get install clickhouse-server)');
  const [http, tcp, inter] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(path.join(dir, 'config.xml'), `<?xml version="1.0"?><yandex><logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog></logger>
<http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><interserver_http_port>${inter}</interserver_http_port><listen_host>127.0.0.1</listen_host>
<remote_servers><bench><shard><replica><host>127.0.0.1</host><port>${tcp}</port><default_database>shard1</default_database></replica></shard><shard><replica><host>127.0.0.1</host><port>${tcp}</port><default_database>shard2</default_database></replica></shard></bench></remote_servers>
<path>${dir}/data/</path><tmp_path>${dir}/tmp/</tmp_path><user_files_path>${dir}/uf/</user_files_path><format_schema_path>${dir}/fs/</format_schema_path>
<mark_cache_size>536870912</mark_cache_size><users_config>${dir}/users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database><timezone>UTC</timezone></yandex>`);
  writeFileSync(path.join(dir, 'users.xml'), `<?xml version="1.0"?><yandex><profiles><default><max_memory_usage>6000000000</max_memory_usage></default></profiles>
<users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users><quotas><default></default></quotas></yandex>`);
  const child = spawn(bin, bin.endsWith('/clickhouse') ? ['server', `--config-file=${dir}/config.xml`] : [`--config-file=${dir}/config.xml`], { cwd: dir, stdio: 'ignore' });
  const url = `http://127.0.0.1:${http}/`;
  for (let i = 0; i < 600; i++) {
    try { if ((await fetch(url, { method: 'POST', body: 'SELECT 1' })).ok) return { url, child }; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('clickhouse-server did not start');
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-ch-bench-'));
let server;
try {
  const file = process.env.CLICKHOUSE_BENCH_FILE ?? path.join(dir, 'realistic.ndjson');
  if (!existsSync(file)) await writeRealisticNdjson(path.join(shared, 'sigma-regression'), file, EVENTS);
  log(`workload: ${EVENTS.toLocaleString('en-US')} realistic events, ${(statSync(file).size / 1e6).toFixed(0)} MB NDJSON; ${os.cpus().length} cores`);
  let url = process.env.TTPGRAPH_CLICKHOUSE_URL;
  if (url === undefined) {
    server = await startServer(dir);
    url = server.url;
  }
  const client = new ClickhouseClient(parseClickhouseUrl(url));
  const cluster = process.env.CLICKHOUSE_BENCH_CLUSTER === '1';
  const tableText = `bench_events_${Date.now()}`;
  const table = tableName(tableText);
  if (cluster) {
    const { COLUMNS } = await import(path.join(root, 'dist/sigma/backend/clickhouse/schema.js'));
    for (const db of ['shard1', 'shard2']) {
      await client.exec(`CREATE DATABASE IF NOT EXISTS ${db}`);
      await client.exec(`CREATE TABLE ${db}.${tableText}_local ${COLUMNS} ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (channel, event_id, time)`);
    }
    await client.exec(`CREATE TABLE ${table} ${COLUMNS} ENGINE = Distributed(bench, '', ${tableText}_local, rand())`);
  } else for (const s of schemaStatements({ table: tableText })) await client.exec(s);
  const version = (await client.exec('SELECT version()')).trim();
  log(`table: ${cluster ? 'Distributed over two shards (one server)' : 'MergeTree (one node)'}`);

  let before = load();
  let t = performance.now();
  const loaded = await loadLogs(client, { table, logs: [file] });
  let ms = performance.now() - t;
  log(`load: ${loaded.events.toLocaleString('en-US')} events in ${(ms / 1000).toFixed(1)} s = ${Math.round(loaded.events / (ms / 1000)).toLocaleString('en-US')} events/s into ClickHouse ${version} (load avg before ${before}, after ${load()})`);
  const bytes = (await client.exec(`SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND table IN ('${tableText}', '${tableText}_local')`)).trim();
  log(`table on disk: ${(Number(bytes) / 1e6).toFixed(0)} MB`);

  const rules = loadRuleFiles([path.join(shared, 'sigma', 'rules', 'windows')]).collection;
  log(`rules: ${rules.rules.length} (sigma/rules/windows)`);
  const key = (h) => `${h.ruleId ?? h.title}\u0000${h.line}`;

  const local = [];
  const inProcess = async () => {
    before = load();
    t = performance.now();
    const a = await runHunt({ collection: rules, pipeline: defaultPipeline, logs: [file], onHit: (h) => local.push(key(h)) });
    ms = performance.now() - t;
    log(`in-process hunt: ${(ms / 1000).toFixed(1)} s, ${a.hits} hits from ${a.rulesHit} rules over ${a.events.toLocaleString('en-US')} events (load avg before ${before}, after ${load()})`);
  };
  const remote = [];
  const inClickhouse = async () => {
    before = load();
    t = performance.now();
    let firstAnswer;
    let firstHit;
    const b = await runClickhouseHunt({
      client, table, collection: rules, pipeline: defaultPipeline, order: 'stream',
      onHit: (h) => { firstHit ??= performance.now() - t; remote.push(key(h)); },
      onProblem: (p) => log(`  problem: ${p.message}`),
      onProgress: () => { firstAnswer ??= performance.now() - t; },
    });
    ms = performance.now() - t;
    log(`ClickHouse hunt: ${(ms / 1000).toFixed(1)} s (first route group answered after ${((firstAnswer ?? ms) / 1000).toFixed(1)} s, first hit after ${((firstHit ?? ms) / 1000).toFixed(1)} s, hits streamed per group), ${b.hits} hits from ${b.rulesHit} rules, ${b.queries} queries, ${b.rulesFailed} rule(s) failed, server ${b.serverVersion} (load avg before ${before}, after ${load()})`);
  };
  // CLICKHOUSE_BENCH_ORDER=clickhouse-first: the ClickHouse hunt before the in-process one (a long
  // run that cannot finish still gives the ClickHouse figures).
  if (process.env.CLICKHOUSE_BENCH_ORDER === 'clickhouse-first') {
    await inClickhouse();
    await inProcess();
  } else {
    await inProcess();
    await inClickhouse();
  }

  local.sort();
  remote.sort();
  const A = new Set(local);
  const B = new Set(remote);
  const onlyLocal = local.filter((k) => !B.has(k));
  const onlyRemote = remote.filter((k) => !A.has(k));
  log(`differential: ${local.length} in-process hits, ${remote.length} ClickHouse hits; only in-process ${onlyLocal.length}, only ClickHouse ${onlyRemote.length}`);
  for (const k of [...onlyLocal.slice(0, 5), ...onlyRemote.slice(0, 5)]) log(`  differs: ${k.replace('\u0000', ' line ')}`);
  if (onlyLocal.length + onlyRemote.length > 0) process.exitCode = 1;
} finally {
  if (server !== undefined) {
    const done = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await done;
  }
  rmSync(dir, { recursive: true, force: true });
}
