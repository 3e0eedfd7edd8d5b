// Fuzz worker: runs one input through one parser of the built package (dist/) and says whether it
// behaved. Run in a worker thread so that the driver (test/fuzz/fuzz.ts) can terminate a hang.
// "Behaved" means: returned, or threw one of the documented one-line errors (TtpgraphError from
// imports, SigmaBuildError from the condition parser); for imports, a refused input left the store
// exactly as it was (content hash before and after). Anything else is reported as a failure.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const dist = workerData.dist;
const sigma = await import(`${dist}/sigma/index.js`);
const huntLib = await import(`${dist}/hunt/index.js`);
const evtx = await import(`${dist}/evtx/index.js`);
const { openGraph } = await import(`${dist}/index.js`);
const { TtpgraphError } = await import(`${dist}/errors.js`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-fuzz-'));
const dbPath = path.join(dir, 'store.db');
const graph = openGraph({ path: dbPath });
for (const b of workerData.storeSeed.bundles) {
  const f = path.join(dir, 'seed-bundle.json');
  writeFileSync(f, b);
  await graph.importAttack(f);
}
const reader = new Database(dbPath, { readonly: true, fileMustExist: true });

/** The store's content: every row of every table, in rowid order, hashed. */
function storeHash() {
  const h = createHash('sha256');
  const tables = reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  for (const { name } of tables) {
    h.update(`\u0000${name}\u0000`);
    for (const row of reader.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw(true).iterate()) h.update(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? v.toString('base64') : v)));
  }
  return h.digest('hex');
}

// A few real rules compiled once, so that hostile events go through field lookups, wildcards,
// regexes, keywords and the witness prefilter.
const engineRules = sigma.mergeCollections(workerData.engineRules.map((r, i) => sigma.parseSigma(r, { file: `rule${i}.yml` })));
const { engine } = sigma.compileCollection(engineRules, { routing: false });

function matchEvents(events) {
  let n = 0;
  for (const ev of events) {
    const ctx = sigma.eventContext(ev);
    n += engine.matchContext(ctx).length;
    sigma.eventTimestamp(ctx);
    sigma.eventHost(ctx);
  }
  return n;
}

const text = (bytes) => Buffer.from(bytes).toString('utf8');

async function importRefusedLeavesStore(run) {
  const before = storeHash();
  try {
    await run();
    return 'imported';
  } catch (e) {
    if (!(e instanceof TtpgraphError)) throw e;
    if (String(e.message).includes('\n')) throw new Error(`error message is not one line: ${e.message}`);
    const after = storeHash();
    if (after !== before) throw new Error(`store changed by a refused input (${e.message})`);
    return 'refused';
  }
}

const TARGETS = {
  sigma: async (bytes, i) => {
    const col = sigma.parseSigma(text(bytes), { file: 'fuzz.yml' });
    const c = sigma.compileCollection(col, { routing: false });
    for (const ev of workerData.events) c.engine.matchContext(sigma.eventContext(ev));
    for (const issue of [...col.issues, ...c.issues]) sigma.formatIssue(issue);
    if (i % 4 === 0) {
      const f = path.join(dir, 'fuzz.yml');
      writeFileSync(f, bytes);
      return importRefusedLeavesStore(() => graph.importSigma([f]));
    }
    return `${col.rules.length} rule(s), ${col.issues.length} issue(s)`;
  },
  condition: async (bytes) => {
    try {
      sigma.parseCondition(text(bytes), ['selection', 'sel2', 'filter_main', 'filter_x', '_meta', 'keywords']);
      return 'parsed';
    } catch (e) {
      if (e?.name === 'SigmaBuildError') return 'refused';
      throw e;
    }
  },
  logs: async (bytes, i) => {
    const f = path.join(dir, ['fuzz.ndjson', 'fuzz.json', 'fuzz.jsonl'][i % 3]);
    writeFileSync(f, bytes);
    const file = huntLib.openLogFile(f, { maxRecordBytes: 1 << 20 });
    const r = huntLib.pickReader(file);
    if (r === undefined) return 'not a log';
    const events = [];
    let problems = 0;
    for await (const got of r.read(file)) for (const item of Array.isArray(got) ? got : [got]) {
      if (item.kind === 'event') events.push(item.event);
      else problems++;
    }
    return `${matchEvents(events)} match(es), ${events.length} event(s), ${problems} problem(s)`;
  },
  evtx: async (bytes, i) => {
    let records = 0;
    const events = [];
    for (const r of evtx.parseEvtxSync(new Uint8Array(bytes), { source: 'fuzz.evtx', format: i % 4 === 3 ? 'xml' : 'json' })) {
      if (!r.ok) {
        if (!r.warning.message.includes('fuzz.evtx')) throw new Error(`warning names no file: ${r.warning.message}`);
        continue;
      }
      records++;
      if (r.record.data !== undefined) {
        evtx.stringifyJson(r.record.data);
        if (events.length < 50) events.push(r.record.data);
      } else if (typeof r.record.xml !== 'string') throw new Error('record without data or xml');
    }
    return `${records} record(s), ${matchEvents(events)} match(es)`;
  },
  stix: async (bytes, i) => {
    const f = path.join(dir, 'fuzz-bundle.json');
    writeFileSync(f, bytes);
    if (i % 3 === 2) return importRefusedLeavesStore(() => graph.importStix(f));
    return importRefusedLeavesStore(() => graph.importAttack(f, i % 2 === 0 ? {} : { attackVersion: '18.1' }));
  },
  mappings: async (bytes) => {
    const f = path.join(dir, 'fuzz-mappings.json');
    writeFileSync(f, bytes);
    return importRefusedLeavesStore(() => graph.importMappings(f));
  },
};

parentPort.on('message', async (msg) => {
  if (msg.type === 'close') {
    reader.close();
    graph.close();
    rmSync(dir, { recursive: true, force: true });
    parentPort.postMessage({ type: 'closed' });
    return;
  }
  try {
    const outcome = await TARGETS[msg.target](msg.input, msg.index);
    parentPort.postMessage({ type: 'done', ok: true, outcome, rss: process.memoryUsage().rss });
  } catch (e) {
    parentPort.postMessage({ type: 'done', ok: false, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e), rss: process.memoryUsage().rss });
  }
});
parentPort.postMessage({ type: 'ready' });
