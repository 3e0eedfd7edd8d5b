/**
 * The arbiter: every SigmaHQ rule (all loadable folders) over every developer regression case
 * (../shared/data/sigma-regression, the .evtx files and the same events as JSON), run in a real
 * ClickHouse server (Debian's clickhouse-server, the SQL of sigma/backend/clickhouse) and by the
 * in-process engine: the hits per rule, by log file and record, must be equal.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPipeline, mergeCollections, type SigmaCollection } from '../../src/sigma/index.ts';
import { loadRuleFiles } from '../../src/hunt/rules.ts';
import { runHunt } from '../../src/hunt/runner.ts';
import { ClickhouseClient, parseClickhouseUrl } from '../../src/clickhouse/client.ts';
import { loadLogs } from '../../src/clickhouse/load.ts';
import { runClickhouseHunt } from '../../src/clickhouse/hunt.ts';
import { schemaStatements } from '../../src/sigma/backend/clickhouse/schema.ts';
import { tableName } from '../../src/sigma/backend/clickhouse/sql.ts';
import { dataPath, filesUnder } from '../helpers/paths.ts';
import { SKIP_REASON, startClickhouse, type TestServer } from './server.ts';

const RULE_DIRS = ['rules', 'rules-threat-hunting', 'rules-emerging-threats'];

/** The rule files the regression cases are written for (each case's info.yml names its rule id). */
function caseRuleFiles(): string[] {
  const ids = new Set(filesUnder(dataPath('sigma-regression'), (f) => f === 'info.yml').map((f) => /rule_metadata:\s*\n\s*-\s*id:\s*([0-9a-f-]{36})/.exec(readFileSync(f, 'utf8'))?.[1]).filter((x): x is string => x !== undefined));
  const files = RULE_DIRS.flatMap((d) => filesUnder(dataPath('sigma', d), (f) => f.endsWith('.yml'))).filter((f) => {
    const m = /^id:\s*([0-9a-f-]{36})/m.exec(readFileSync(f, 'utf8'));
    return m !== null && ids.has(m[1] as string);
  });
  return files;
}

/** rule id -> sorted "file:line" of its hits. */
type HitMap = Map<string, string[]>;
function byRule(hits: { ruleId: string | undefined; title: string; source: string; line: number }[]): HitMap {
  const m: HitMap = new Map();
  for (const h of hits) {
    const k = h.ruleId ?? h.title;
    const list = m.get(k) ?? [];
    list.push(`${h.source}:${h.line}`);
    m.set(k, list);
  }
  for (const l of m.values()) l.sort();
  return new Map([...m].sort(([a], [b]) => a.localeCompare(b)));
}

if (SKIP_REASON !== undefined) console.warn(SKIP_REASON);

describe.skipIf(SKIP_REASON !== undefined)('ClickHouse against the in-process engine, regression cases', () => {
  let server: TestServer;
  let collection: SigmaCollection;
  let logs: string[];
  let client: ClickhouseClient;
  const table = tableName('ttpgraph_events') as string;

  beforeAll(async () => {
    server = await startClickhouse();
    client = new ClickhouseClient(parseClickhouseUrl(server.url));
    for (const s of schemaStatements()) await client.exec(s);
    // TTPGRAPH_CLICKHOUSE_ALL_RULES=1: every rule of the folders, not only the cases' own (slow on
    // Debian's ClickHouse 18.16: ~130 queries; run by hand and by the benchmark).
    const files = process.env['TTPGRAPH_CLICKHOUSE_ALL_RULES'] === '1' ? RULE_DIRS.flatMap((d) => filesUnder(dataPath('sigma', d), (f) => f.endsWith('.yml'))) : caseRuleFiles();
    expect(files.length).toBeGreaterThan(95);
    collection = mergeCollections([loadRuleFiles(files).collection]);
    const reg = dataPath('sigma-regression');
    logs = [...filesUnder(reg, (f) => f.endsWith('.evtx')), ...filesUnder(reg, (f) => f.endsWith('.json'))];
    const summary = await loadLogs(client, { table, logs });
    expect(summary.filesFailed).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('gives every rule the same hits, file by file and record by record', async () => {
    const local: Parameters<typeof byRule>[0] = [];
    const inProcess = await runHunt({ collection, pipeline: defaultPipeline, logs, threads: 1, onHit: (h) => local.push(h) });
    const remote: Parameters<typeof byRule>[0] = [];
    const problems: string[] = [];
    const ch = await runClickhouseHunt({
      ...(process.env['TTPGRAPH_CLICKHOUSE_ALL_RULES'] === '1' ? {} : {}), client, table, collection, pipeline: defaultPipeline, onHit: (h) => remote.push(h), onProblem: (p) => problems.push(p.message) });
    expect(problems).toEqual([]);
    expect(ch.events).toBe(inProcess.events);
    const a = byRule(local);
    const b = byRule(remote);
    // Every regression case is a true positive: plenty of rules fire.
    expect(a.size).toBeGreaterThan(90);
    expect(Object.fromEntries(b)).toEqual(Object.fromEntries(a));
    expect(remote.length).toBe(local.length);
  }, 1_200_000);
});
