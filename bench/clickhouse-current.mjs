// The ClickHouse differential on a current engine (issue 17): chdb (npm, embeds ClickHouse 26.x)
// runs the SQL `hunt --clickhouse` generates, in this process, and the hits must equal the
// in-process engine's, per rule, file and record. Not a devDependency (chdb is ~540 MB installed):
// install it anywhere and point CHDB_PATH at it:
//   CHDB_DIR=$(mktemp -d) && (cd "$CHDB_DIR" && npm init -y && npm install chdb@3.4.0)
//   npm run build && CHDB_PATH="$CHDB_DIR/node_modules/chdb" node bench/clickhouse-current.mjs
// Events: the developer regression cases (.evtx and .json, as test/clickhouse/differential.test.ts)
// plus CLICKHOUSE_CURRENT_EVENTS realistic events (default 20,000; 0 for none).
// Rules: the cases' own rules, or RULES=DIR (e.g. ../shared/data/sigma/rules/windows).
// MAX_RULES: rules per query (default: the hunt's choice for the version, 2,000 on 20.x and later).
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { walk, writeRealisticNdjson } from './realistic-events.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = path.resolve(root, '..', 'shared', 'data');
const { Session } = createRequire(import.meta.url)(process.env.CHDB_PATH ?? 'chdb');
const { runClickhouseHunt } = await import(path.join(root, 'dist/clickhouse/hunt.js'));
const { ClickhouseError } = await import(path.join(root, 'dist/clickhouse/client.js'));
const { schemaStatements } = await import(path.join(root, 'dist/sigma/backend/clickhouse/schema.js'));
const { eventRow, RowBinaryWriter, writeRowBinary } = await import(path.join(root, 'dist/sigma/backend/clickhouse/row.js'));
const { openLogFile } = await import(path.join(root, 'dist/hunt/inputs/open.js'));
const { pickReader, READERS } = await import(path.join(root, 'dist/hunt/inputs/index.js'));
const { loadRuleFiles, runHunt } = await import(path.join(root, 'dist/hunt/index.js'));
const { defaultPipeline } = await import(path.join(root, 'dist/sigma/index.js'));

const log = (s) => process.stdout.write(`${s}\n`);
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-chdb-'));
const session = new Session(path.join(dir, 'db'));
try {
  const reg = path.join(shared, 'sigma-regression');
  const logs = [...walk(reg, (f) => f.endsWith('.evtx')), ...walk(reg, (f) => f.endsWith('.json'))];
  const extra = Number(process.env.CLICKHOUSE_CURRENT_EVENTS ?? 20_000);
  if (extra > 0) {
    logs.push(path.join(dir, 'realistic.ndjson'));
    await writeRealisticNdjson(reg, logs[logs.length - 1], extra);
  }
  let files;
  if (process.env.RULES !== undefined) files = [path.resolve(process.env.RULES)];
  else {
    const ids = new Set(walk(reg, (f) => f === 'info.yml').map((f) => /rule_metadata:\s*\n\s*-\s*id:\s*([0-9a-f-]{36})/.exec(readFileSync(f, 'utf8'))?.[1]).filter(Boolean));
    files = ['rules', 'rules-threat-hunting', 'rules-emerging-threats'].flatMap((d) => walk(path.join(shared, 'sigma', d), (f) => f.endsWith('.yml'))).filter((f) => ids.has(/^id:\s*([0-9a-f-]{36})/m.exec(readFileSync(f, 'utf8'))?.[1]));
  }
  const collection = loadRuleFiles(files).collection;

  // The rows, as `clickhouse load` writes them (RowBinary), into a file the engine reads.
  const w = new RowBinaryWriter();
  let events = 0;
  for (const l of logs) {
    const file = openLogFile(l);
    for await (const got of pickReader(file, READERS).read(file)) for (const item of Array.isArray(got) ? got : [got]) if (item.kind === 'event') { writeRowBinary(eventRow(item.event, item.source, item.line), w); events++; }
  }
  const rowsFile = path.join(dir, 'rows.bin');
  writeFileSync(rowsFile, w.take());
  for (const s of schemaStatements()) session.query(s);
  session.query(`INSERT INTO ttpgraph_events FROM INFILE '${rowsFile}' FORMAT RowBinary`);
  const version = session.query('SELECT version()', 'TabSeparated').trim();
  log(`chdb: ClickHouse ${version}; ${events.toLocaleString('en-US')} events (${logs.length} files), ${collection.rules.length} rules`);

  // The hunt's client, over chdb: the same statements and the settings the HTTP client sends
  // (client.ts QUERY_SETTINGS: big queries), answered in this process; errors as the client's.
  session.query('SET max_query_size = 268435456, max_ast_elements = 50000000, max_expanded_ast_elements = 50000000, max_ast_depth = 100000');
  const display = `chdb (ClickHouse ${version})`;
  const run = (sql, format) => {
    try {
      return session.query(sql, format);
    } catch (e) {
      throw new ClickhouseError(`ClickHouse at ${display}: ${String(e.message).split('\n')[0].slice(0, 500)}`);
    }
  };
  // One chdb session: the hunt's own session (temporary tables of its two-step groups) is this one.
  const client = {
    target: { display },
    withSession: () => client,
    exec: async (sql) => run(sql, 'TabSeparated'),
    select: async (sql, onRow) => {
      for (const line of run(sql, 'JSONEachRow').split('\n')) if (line !== '') onRow(JSON.parse(line));
    },
  };
  const key = (h) => `${h.ruleId ?? h.title}\u0000${h.source}\u0000${h.line}`;
  let before = load();
  let t = performance.now();
  const local = [];
  await runHunt({ collection, pipeline: defaultPipeline, logs, threads: 1, onHit: (h) => local.push(key(h)) });
  log(`in-process hunt: ${((performance.now() - t) / 1000).toFixed(1)} s, ${local.length} hits (load ${before} -> ${load()})`);
  before = load();
  t = performance.now();
  const remote = [];
  const problems = [];
  const r = await runClickhouseHunt({
    client, table: 'ttpgraph_events', collection, pipeline: defaultPipeline,
    ...(process.env.MAX_RULES !== undefined ? { maxRulesPerQuery: Number(process.env.MAX_RULES) } : {}),
    onHit: (h) => remote.push(key(h)), onProblem: (p) => problems.push(p.message),
  });
  log(`chdb hunt: ${((performance.now() - t) / 1000).toFixed(1)} s, ${remote.length} hits, ${r.queries} queries, ${r.rulesFailed} rule(s) failed (load ${before} -> ${load()})`);
  for (const p of problems.slice(0, 10)) log(`  problem: ${p.slice(0, 300)}`);
  const A = new Set(local);
  const B = new Set(remote);
  const onlyLocal = local.filter((k) => !B.has(k));
  const onlyRemote = remote.filter((k) => !A.has(k));
  log(`differential: only in-process ${onlyLocal.length}, only chdb ${onlyRemote.length}${onlyLocal.length + onlyRemote.length + problems.length === 0 ? ': equal' : ''}`);
  for (const k of [...onlyLocal.slice(0, 5), ...onlyRemote.slice(0, 5)]) log(`  differs: ${k.replaceAll('\u0000', ' ')}`);
  if (onlyLocal.length + onlyRemote.length + problems.length > 0) process.exitCode = 1;
} finally {
  session.cleanup?.();
  rmSync(dir, { recursive: true, force: true });
}
