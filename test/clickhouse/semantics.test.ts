/**
 * Hand-made rules and events for every modifier and for the deliberate semantics of
 * docs/formats/sigma.md, run in a real ClickHouse server (Debian's clickhouse-server) and by the
 * in-process engine: same hits. Also: values with quotes, backslashes, `%`, `_` and SQL match
 * literally and run nothing; bad input (server down, wrong password, missing table, one rule the
 * server cannot run) gives one-line errors; a Distributed table over two shards gives the same hits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPipeline, parseSigma, type SigmaCollection } from '../../src/sigma/index.ts';
import { runHunt } from '../../src/hunt/runner.ts';
import type { HuntHit } from '../../src/hunt/hit.ts';
import { ClickhouseClient, ClickhouseError, parseClickhouseUrl } from '../../src/clickhouse/client.ts';
import { loadLogs } from '../../src/clickhouse/load.ts';
import { PASS_BATCH_RULES, runClickhouseHunt, startOrder, UNITS_IN_FLIGHT } from '../../src/clickhouse/hunt.ts';
import { COLUMNS, schemaStatements } from '../../src/sigma/backend/clickhouse/schema.ts';
import { Converter, convertCollection, correlationQuery, groupQuery, LEAVES, passQuery, rawQuery, routeGroup, sharesPass, ruleQuery, type ConvertedRule, type RouteGroup } from '../../src/sigma/backend/clickhouse/convert.ts';
import { NON_ASCII, PREFILTER_LITERALS } from '../../src/sigma/backend/clickhouse/prefilter.ts';
import { literal, tableName } from '../../src/sigma/backend/clickhouse/sql.ts';
import { eventRow, RowBinaryWriter, writeRowBinary } from '../../src/sigma/backend/clickhouse/row.ts';
import { SKIP_REASON, startClickhouse, type TestServer } from './server.ts';

const sysmon = (eid: number, data: Record<string, unknown>, rid: number, computer = 'HOST-A') => ({
  Event: {
    System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: eid, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: computer, EventRecordID: rid, TimeCreated: { '#attributes': { SystemTime: `2026-01-01T00:00:${String(rid).padStart(2, '0')}.000Z` } } },
    EventData: data,
  },
});
const channel = (ch: string, eid: number, data: Record<string, unknown>, rid: number) => ({
  Event: { System: { EventID: eid, Channel: ch, Computer: 'HOST-B', EventRecordID: rid, TimeCreated: { '#attributes': { SystemTime: `2026-01-01T00:01:${String(rid).padStart(2, '0')}.000Z` } } }, EventData: data },
});

const EVENTS = [
  sysmon(1, { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: "cmd /c echo 'x' \\ 100% a_b'; DROP TABLE ttpgraph_events; --", User: 'ÄRGER\\bob', OriginalFileName: 'Cmd.Exe' }, 1),
  sysmon(1, { Image: 'C:\\x\\y.exe', CommandLine: 'cmd –c whoami', ParentImage: 'C:\\Program Files\\p.exe', OriginalFileName: 'c:\\X\\Y.EXE' }, 2),
  channel('Security', 4688, { NewProcessName: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd.exe /c dir', SubjectUserName: 'alice' }, 3),
  sysmon(3, { Image: 'C:\\a.exe', DestinationIp: '10.1.2.3', DestinationPort: 445, SourceIp: 'fe80::1' }, 4),
  { tags: ['alpha', 'beta'], msg: 'hello WORLD', n: 42, nested: { a: { b: 'deep' } }, nul: null, at: '2026-02-03T04:05:06Z' },
  channel('Microsoft-Windows-Windows Defender/Operational', 1116, { 'Threat Name': 'Virus:DOS/EICAR_Test_File' }, 6),
  sysmon(1, { Image: 'C:\\z.exe', CommandLine: 'xa%by abc a_c', ParentImage: 'C:\\Windows\\explorer.exe' }, 7),
  sysmon(1, { Image: 'C:\\z.exe', CommandLine: 'aXb abc', ParentImage: 'C:\\Windows\\explorer.exe' }, 8),
  sysmon(1, { Image: 'C:\\w\\powershell.exe', CommandLine: `powershell -enc ${Buffer.from('xxIEX (New-Object Net.WebClient)', 'utf8').toString('base64')}` }, 9),
  sysmon(3, { Image: 'C:\\b.exe', DestinationIp: '192.168.1.1', DestinationPort: '80', SourceIp: '2001:db8::1' }, 10),
];

const rule = (id: string, logsource: string, detection: string, extra = ''): string =>
  `title: ${id}\nid: 00000000-0000-0000-0000-0000000000${id.slice(-2)}\n${extra}status: test\nlevel: high\nlogsource:\n${logsource}\ndetection:\n${detection}\n`;
const PC = '  product: windows\n  category: process_creation';
const NC = '  product: windows\n  category: network_connection';

const RULES = [
  rule('rule-01', PC, "  sel:\n    CommandLine|contains|all:\n      - \"'; DROP TABLE ttpgraph_events; --\"\n      - '100%'\n      - 'a_b'\n      - \"echo 'x' \\\\ \"\n  condition: sel"),
  rule('rule-02', PC, "  sel:\n    CommandLine|contains: 'a%b'\n  condition: sel"),
  rule('rule-03', PC, "  sel:\n    CommandLine|contains: ' a_c'\n  condition: sel"),
  rule('rule-04', PC, "  sel:\n    User|contains: 'ärger\\'\n  condition: sel"),
  rule('rule-05', PC, "  sel:\n    CommandLine|windash|contains: ' /c whoami'\n  condition: sel"),
  rule('rule-06', PC, "  sel:\n    CommandLine|re: '(?<w>who)ami$'\n  sel2:\n    CommandLine|re|i: 'POWERSHELL -ENC'\n  condition: sel or sel2"),
  rule('rule-07', NC, "  sel:\n    DestinationIp|cidr: 10.0.0.0/8\n  condition: sel"),
  rule('rule-08', NC, "  sel:\n    SourceIp|cidr: 'fe80::/10'\n  condition: sel"),
  rule('rule-09', NC, "  sel:\n    DestinationPort|gte: 445\n  condition: sel"),
  rule('rule-10', PC, "  sel:\n    ParentImage|exists: false\n  condition: sel"),
  rule('rule-11', PC, "  sel:\n    ParentImage: null\n  condition: sel"),
  rule('rule-12', PC, "  sel:\n    Image|endswith: '\\cmd.exe'\n  filter:\n    ParentImage|startswith: 'C:\\Program Files\\'\n  condition: sel and not filter"),
  rule('rule-13', PC, "  sel:\n    Image|fieldref: OriginalFileName\n  condition: sel"),
  rule('rule-14', PC, "  sel:\n    Image|endswith: '\\CMD.EXE'\n    User: alice\n  condition: sel"),
  rule('rule-15', '  category: test', "  keywords:\n    - 'deep'\n  condition: keywords"),
  rule('rule-16', '  category: test', "  sel:\n    tags: beta\n    nested.a.b: DEEP\n    nul: null\n  condition: sel"),
  rule('rule-17', '  product: windows\n  service: windefend', "  sel:\n    ThreatName|contains: 'eicar'\n  condition: sel"),
  rule('rule-18', PC, "  sel:\n    CommandLine|base64offset|contains: 'IEX (New-Object'\n  condition: sel"),
  rule('rule-19', '  category: test', "  sel:\n    at|hour: 4\n    n|lt: 43\n  condition: sel"),
  rule('rule-20', PC, "  sel:\n    CommandLine|cased|contains: 'WHOAMI'\n  sel2:\n    Image|contains:\n      - '\\y.'\n      - '\\z.'\n      - 'x\\*'\n      - 'power?hell'\n  condition: sel or sel2"),
  rule('rule-21', PC, "  sel:\n    CommandLine|contains|all:\n      - 'abc'\n      - 'x'\n  condition: sel"),
  rule('rule-22', '  category: test', "  keywords:\n    - 'ALPHA'\n  condition: keywords"),
];
// 80 process-creation rules with witnesses: with the 21 above, a route group large enough to run in two steps.
const MANY_RULES = Array.from({ length: 80 }, (_x, i) =>
  rule(`rule-x${String(i).padStart(2, '0')}`, PC, `  sel:\n    CommandLine|contains: '${i % 2 === 0 ? 'whoami' : `abc${i}`}'\n    Image|endswith: '.exe'\n  condition: sel`).replace(/^id: .*$/m, `id: 00000000-0000-0000-0000-0000000001${String(i).padStart(2, '0')}`),
).join('---\n');
const CORRELATION = `title: two process creations on one host
id: 00000000-0000-0000-0000-0000000000c1
status: test
level: high
correlation:
  type: event_count
  rules: [00000000-0000-0000-0000-000000000014, 00000000-0000-0000-0000-000000000012]
  group-by: [Computer]
  timespan: 1h
  condition: {gte: 2}
  generate: true
`;

type Key = string;
const keys = (hits: readonly HuntHit[]): Key[] => hits.map((h) => `${h.ruleId ?? h.title} ${path.basename(h.source)}:${h.line}${h.kind === 'correlation' ? ` ${JSON.stringify(h.event)}` : ''}`).sort();

if (SKIP_REASON !== undefined) console.warn(SKIP_REASON);

describe.skipIf(SKIP_REASON !== undefined)('ClickHouse hunts: semantics, escaping, errors, a two-shard cluster', () => {
  const password = "pw-'s3cret\\%";
  let server: TestServer;
  let client: ClickhouseClient;
  let dir: string;
  let logs: string[];
  let collection: SigmaCollection;
  let local: HuntHit[];
  const table = tableName('ttpgraph_events') as string;

  beforeAll(async () => {
    server = await startClickhouse({ password });
    const u = new URL(server.url);
    u.username = 'default';
    u.password = password;
    client = new ClickhouseClient(parseClickhouseUrl(u.toString()));
    dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-ch-sem-'));
    logs = [path.join(dir, 'events.ndjson')];
    writeFileSync(logs[0] as string, EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n');
    collection = parseSigma([...RULES, CORRELATION].join('---\n'), { file: 'rules.yml' });
    expect(collection.issues).toEqual([]);
    for (const s of schemaStatements()) await client.exec(s);
    await loadLogs(client, { table, logs });
    local = [];
    await runHunt({ collection, pipeline: defaultPipeline, logs, threads: 1, onHit: (h) => local.push(h) });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same hits as the in-process engine for every modifier and case', async () => {
    const remote: HuntHit[] = [];
    const problems: string[] = [];
    const s = await runClickhouseHunt({ client, table, collection, pipeline: defaultPipeline, onHit: (h) => remote.push(h), onProblem: (p) => problems.push(p.message) });
    expect(problems).toEqual([]);
    expect(s.serverVersion).toMatch(/^\d+\./);
    expect(keys(remote)).toEqual(keys(local));
    // The cases each rule was written for (the in-process engine is the reference, these keep it honest).
    const by = (id: string) => keys(local).filter((k) => k.startsWith(`00000000-0000-0000-0000-0000000000${id} `)).map((k) => k.split(' ')[1]);
    expect(by('01')).toEqual(['events.ndjson:1']);
    expect(by('02')).toEqual(['events.ndjson:7']);
    expect(by('03')).toEqual(['events.ndjson:7']);
    expect(by('04')).toEqual(['events.ndjson:1']);
    expect(by('05')).toEqual(['events.ndjson:2']);
    expect(by('06').sort()).toEqual(['events.ndjson:2', 'events.ndjson:9']);
    expect(by('07')).toEqual(['events.ndjson:4']);
    expect(by('08')).toEqual(['events.ndjson:4']);
    expect(by('09')).toEqual(['events.ndjson:4']);
    expect(by('12').sort()).toEqual(['events.ndjson:1', 'events.ndjson:3']);
    expect(by('13')).toEqual(['events.ndjson:2']);
    expect(by('14')).toEqual(['events.ndjson:3']);
    expect(by('15')).toEqual(['events.ndjson:5']);
    expect(by('16')).toEqual(['events.ndjson:5']);
    expect(by('17')).toEqual(['events.ndjson:6']);
    expect(by('18')).toEqual(['events.ndjson:9']);
    expect(by('19')).toEqual(['events.ndjson:5']);
    expect(keys(local).some((k) => k.startsWith('00000000-0000-0000-0000-0000000000c1'))).toBe(true);
  });

  it('the SQL `sigma convert` prints runs: each rule query returns its rule\'s events, the correlation its group', async () => {
    const conv = convertCollection(collection, defaultPipeline);
    for (const r of conv.rules) {
      const rows: unknown[] = [];
      await client.select(ruleQuery(conv.converter, r, { table }), (row) => rows.push(row));
      const want = local.filter((h) => h.kind === 'rule' && h.ruleId === r.rule.id).length;
      expect([r.rule.id, rows.length]).toEqual([r.rule.id, want]);
    }
    const byName = new Map<string, ConvertedRule>(conv.rules.map((r) => [r.rule.id as string, r]));
    const rows: Record<string, unknown>[] = [];
    await client.select(correlationQuery(collection.correlations[0]!, byName, conv.converter, { table }), (row) => rows.push(row));
    expect(rows.map((r) => [r['g0'], Number(r['aggregate'])])).toEqual([['HOST-B', 2]]);
    // The other kinds run too (their windows are tumbling, the in-process ones slide: not compared).
    for (const type of ['value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile']) {
      const text = CORRELATION.replace('event_count', type).replace('condition: {gte: 2}', type.startsWith('temporal') ? 'condition: {gte: 2}' : 'condition: {gte: 1, field: CommandLine}');
      const parsed = parseSigma(text, { file: 'c.yml' });
      expect([type, parsed.issues.map((i) => i.message)]).toEqual([type, []]);
      const c = parsed.correlations[0]!;
      await client.select(correlationQuery(c, byName, conv.converter, { table }), () => {});
    }
  });

  it('runs the route groups cheapest first, leaves out the routes with no event, and streams the same hits', async () => {
    // A rule of the System channel, which holds no event here: its group runs no query at all.
    const system = parseSigma(rule('rule-98', '  product: windows\n  service: system', "  sel:\n    Provider_Name: 'Service Control Manager'\n  condition: sel"), { file: 'system.yml' });
    const col: SigmaCollection = { ...collection, rules: [...collection.rules, ...system.rules] };
    const conv = convertCollection(col, defaultPipeline, { arrays: false });
    const scopeOf = (id: string) => conv.groups.find((g) => g.rules.some((r) => r.rule.id === id))!.scope;
    expect(scopeOf('00000000-0000-0000-0000-000000000098')).toBe("channel IN ('system')");
    // The sort key tests of a route, not its field tests: Defender's one event, then the network
    // connections (2), process creations (6), the rules of no channel (every event).
    const counts = new Map<string, number>();
    for (const id of ['17', '07', '01', '15']) counts.set(id, Number((await client.exec(`SELECT count() FROM ${table} WHERE ${scopeOf(`00000000-0000-0000-0000-0000000000${id}`)}`)).trim()));
    expect([...counts.values()]).toEqual([1, 2, 6, EVENTS.length]);
    const sql: string[] = [];
    // The first fetch of matched events is held back: the next group's query runs meanwhile, and
    // the held unit's hits still print first.
    let fetches = 0;
    let firstFetchDone = false;
    let queriedDuringFetch = false;
    // Group queries in flight at once: the units run on two lanes.
    let inFlight = 0;
    let mostInFlight = 0;
    const spied = Object.assign(Object.create(client) as ClickhouseClient, {
      select: async (q: string, onRow: (row: Record<string, unknown>) => void, signal?: AbortSignal, settings?: Record<string, string>) => {
        sql.push(q);
        if (q.startsWith('SELECT source, line, raw') && fetches++ === 0) {
          await new Promise((r) => setTimeout(r, 300));
          await client.select(q, onRow);
          firstFetchDone = true;
          return;
        }
        if (q.includes('AS matched') && fetches > 0 && !firstFetchDone) queriedDuringFetch = true;
        if (!q.includes('AS matched')) return client.select(q, onRow, signal, settings);
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          return await client.select(q, onRow, signal, settings);
        } finally {
          inFlight--;
        }
      },
    });
    const streamed: HuntHit[] = [];
    const sorted: HuntHit[] = [];
    let groups = 0;
    await runClickhouseHunt({ client: spied, table, collection: col, pipeline: defaultPipeline, order: 'stream', onHit: (h) => streamed.push(h), onProgress: (p) => (groups = p.groups) });
    await runClickhouseHunt({ client, table, collection: col, pipeline: defaultPipeline, onHit: (h) => sorted.push(h) });
    const near: HuntHit[] = [];
    await runHunt({ collection: col, pipeline: defaultPipeline, logs, threads: 1, onHit: (h) => near.push(h) });
    expect(keys(sorted)).toEqual(keys(near));
    expect(keys(streamed)).toEqual(keys(near));
    // --sorted (the default order) is the in-process hunt's, hit by hit.
    expect(sorted.map((h) => `${h.ruleId} ${h.line}`)).toEqual(near.map((h) => `${h.ruleId} ${h.line}`));
    // Progress counts units: every group but the System one, a route's groups over fields sharing one
    // unit (its pass) unless they have no witness and fix the sort key.
    const others = conv.groups.filter((g) => !g.rules.some((r) => r.rule.id === '00000000-0000-0000-0000-000000000098'));
    expect(others.length).toBe(conv.groups.length - 1);
    expect(groups).toBe(new Set(others.map((g) => (sharesPass(g) ? g.route : g))).size);
    expect(sql.some((q) => q.includes("channel IN ('system')"))).toBe(false);
    // Groups by the events of their scope: the Defender rule's hit comes first.
    const groupSql = sql.filter((q) => q.includes('AS matched'));
    // The heaviest unit starts first (startOrder), the cheapest beside it on the other lane: the
    // Defender rule's query is one of the first two, and its hit is printed first.
    expect(groupSql.slice(0, 2).some((q) => q.includes("'microsoft-windows-windows defender/operational'"))).toBe(true);
    expect(startOrder([4, 9, 1, 9])).toEqual([1, 0, 2, 3]);
    expect(startOrder([])).toEqual([]);
    expect(streamed[0]!.ruleId).toBe('00000000-0000-0000-0000-000000000017');
    expect(queriedDuringFetch).toBe(true);
    expect(mostInFlight).toBe(UNITS_IN_FLIGHT);
  });

  it('--since/--until: only the events of that time', async () => {
    const since = Date.parse('2026-01-01T00:00:05Z');
    const until = Date.parse('2026-01-01T00:01:05Z');
    const remote: HuntHit[] = [];
    await runClickhouseHunt({ client, table, collection, pipeline: defaultPipeline, sinceMs: since, untilMs: until, onHit: (h) => remote.push(h) });
    const inTime = (h: HuntHit) => h.timestamp !== undefined && Date.parse(h.timestamp) >= since && Date.parse(h.timestamp) < until;
    const want = keys(local.filter((h) => h.kind === 'rule' && inTime(h)));
    expect(want.length).toBeGreaterThan(3);
    expect(keys(remote.filter((h) => h.kind === 'rule'))).toEqual(want);
  });

  it('runs no SQL from rule values: the table is still there, whole', async () => {
    expect((await client.exec(`SELECT count() FROM ${table}`)).trim()).toBe(String(EVENTS.length));
    expect(literal("a'b\\c\n")).toBe("'a\\'b\\\\c\\n'");
  });

  it('says which server is down, in one line, without the password', async () => {
    const down = new ClickhouseClient(parseClickhouseUrl(`http://default:${encodeURIComponent(password)}@127.0.0.1:9/`));
    const err = await runClickhouseHunt({ client: down, table, collection, pipeline: defaultPipeline, onHit: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClickhouseError);
    expect((err as Error).message).toMatch(/^ClickHouse at http:\/\/127\.0\.0\.1:9\/ \(user default\): cannot connect/);
    expect((err as Error).message).not.toContain('s3cret');
    expect((err as Error).message).not.toContain('\n');
  });

  it('says the password is wrong without printing either password', async () => {
    const wrong = new ClickhouseClient(parseClickhouseUrl(`http://default:not-it-s3cret@${new URL(server.url).host}/`));
    const err = await runClickhouseHunt({ client: wrong, table, collection, pipeline: defaultPipeline, onHit: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClickhouseError);
    expect((err as Error).message).toMatch(/password|Authentication/i);
    expect((err as Error).message).not.toContain('s3cret');
    expect((err as Error).message).not.toContain('\n');
  });

  it('names a missing table', async () => {
    const err = await runClickhouseHunt({ client, table: tableName('no_such_table') as string, collection, pipeline: defaultPipeline, onHit: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClickhouseError);
    expect((err as Error).message).toMatch(/no_such_table/);
  });

  it('a rule the server cannot run is reported by name; the other rules still give their hits', async () => {
    // RE2 in ClickHouse 18.16 refuses this program as too large; the in-process RE2 (re2js) takes it.
    const bad = parseSigma(rule('rule-99', PC, "  sel:\n    CommandLine|re: '\\p{L}{1000}'\n  condition: sel"), { file: 'bad.yml' });
    const col: SigmaCollection = { ...collection, rules: [...collection.rules, ...bad.rules] };
    const remote: HuntHit[] = [];
    const problems: string[] = [];
    await runClickhouseHunt({ client, table, collection: col, pipeline: defaultPipeline, onHit: (h) => remote.push(h), onProblem: (p) => problems.push(p.message) });
    const version = (await client.exec('SELECT version()')).trim();
    if (Number(version.split('.')[0]) < 20) {
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^rule 00000000-0000-0000-0000-000000000099 \(bad\.yml\): ClickHouse at .*pattern too large/);
    }
    expect(keys(remote)).toEqual(keys(local));
  });

  it('a group with more witness literals than one alternation holds: several match() calls, same hits', async () => {
    // 300 literals that match nothing and one that does (event 2's 'cmd –c whoami'): the group's
    // prefilter is cut into alternations of at most PREFILTER_LITERALS (18.16's RE2 runs one of
    // hundreds of literals for minutes) and still lets that event through.
    const many = Array.from({ length: 300 }, (_x, i) => `      - 'nomatch${String(i).padStart(4, '0')}'`).join('\n');
    const big = parseSigma(rule('rule-97', PC, `  sel:\n    CommandLine|contains:\n${many}\n      - 'whoami'\n  condition: sel`), { file: 'big.yml' });
    const col: SigmaCollection = { ...collection, rules: [...collection.rules, ...big.rules] };
    const conv = convertCollection(col, defaultPipeline, { arrays: false });
    const group = conv.groups.find((g) => g.rules.some((r) => r.rule.id === '00000000-0000-0000-0000-000000000097'));
    const sql = groupQuery(conv.converter, group as RouteGroup, { table });
    const prefilter = sql.slice(sql.indexOf(' WHERE match('));
    // The 300 share the key 'nomatch0' (looked for as a plain substring first): nomatch0(?:000|001|...).
    const calls = [...prefilter.matchAll(/match\(lv_f\d+, '((?:[^'\\]|\\.)*)'\)/g)].map((m) => m[1] as string).filter((a) => a.startsWith('nomatch0(?:'));
    const perAlternation = calls.map((a) => a.split('|').length);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(perAlternation.reduce((x, y) => x + y, 0)).toBe(300);
    expect(Math.max(...perAlternation)).toBeLessThanOrEqual(PREFILTER_LITERALS);
    const remote: HuntHit[] = [];
    const near: HuntHit[] = [];
    const problems: string[] = [];
    await runClickhouseHunt({ client, table, collection: col, pipeline: defaultPipeline, onHit: (h) => remote.push(h), onProblem: (p) => problems.push(p.message) });
    await runHunt({ collection: col, pipeline: defaultPipeline, logs, threads: 1, onHit: (h) => near.push(h) });
    expect(problems).toEqual([]);
    expect(keys(near).filter((k) => k.startsWith('00000000-0000-0000-0000-000000000097 '))).toEqual(['00000000-0000-0000-0000-000000000097 events.ndjson:2']);
    expect(keys(remote)).toEqual(keys(near));
  });

  it('prefilters each witness literal on its own field, keyword rules on every leaf, and tests only the log sources a route needs', async () => {
    const extra = parseSigma(
      [
        rule('rule-95', '  product: windows\n  category: file_access', "  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel"),
        rule('rule-96', PC, "  sel:\n    CommandLine|contains: 'İnstall'\n  condition: sel"),
      ].join('---\n'),
      { file: 'extra.yml' },
    );
    const col: SigmaCollection = { ...collection, rules: [...collection.rules, ...extra.rules] };
    const conv = convertCollection(col, defaultPipeline);
    const byId = (id: string) => conv.rules.find((r) => r.rule.id === `00000000-0000-0000-0000-0000000000${id}`) as ConvertedRule;
    const slotOf = (field: string) => Number(conv.converter.slot(field, false).slice(1));
    const groupOf = (id: string) => conv.groups.find((g) => g.rules.includes(byId(id))) as RouteGroup;
    // rule-14 (Image ends with \CMD.EXE, User alice): its literal is looked for in Image's value only.
    expect(byId('14').witness).toEqual([{ text: '\\cmd.exe', slots: [slotOf('Image')], place: 'end' }]);
    const sql = groupQuery(conv.converter, groupOf('14'), { table });
    const tests = sql.slice(sql.lastIndexOf(') WHERE length(') + 8).split(' OR ');
    // The literals of rule-04 ('ärger\\': Ä has a case) and rule-96 (below) stand as the non-ASCII
    // test over User and CommandLine; the rest are alternations.
    const joined = (slot: number) => `concat(lv_f${slot}, '\\n', lje_f${slot})`;
    const nonAscii = [slotOf('User'), slotOf('CommandLine')].sort((a, b) => a - b).map((f) => `length(${joined(f)}) != lengthUTF8(${joined(f)})`);
    expect(tests.filter((t) => t.startsWith('length('))).toEqual(nonAscii);
    expect(byId('04').witness).toEqual([{ text: 'ärger\\', slots: [slotOf('User')], place: NON_ASCII }]);
    const alternations = tests.filter((t) => !t.startsWith('length('));
    expect(alternations.length).toBeGreaterThan(1);
    for (const a of alternations) expect(a).toMatch(/^match\(concat\(lv_f(\d+), '\\n', lje_f\1\), '/);
    expect(alternations.filter((a) => a.includes('cmd\\\\.exe')).every((a) => a.startsWith(`match(concat(lv_f${slotOf('Image')}, `))).toBe(true);
    // windash's dashes have no case: rule-05 has a prefilter ('–c whoami' is how event 2 passes it).
    expect(byId('05').witness?.some((w) => w.text.includes('–'))).toBe(true);
    // 'İnstall' lower-cases to 'i̇nstall' in JavaScript, not in ClickHouse: not looked for, but its
    // U+0307 stands as the non-ASCII test over CommandLine.
    expect(byId('96').witness).toEqual([{ text: 'i\u0307nstall', slots: [slotOf('CommandLine')], place: NON_ASCII }]);
    // Keyword rules: a prefilter over every leaf of the event, in a group of their own.
    expect(byId('22').witness).toEqual([{ text: 'alpha', slots: [LEAVES], place: 'any' }]);
    expect(byId('22').entries).toBe(true);
    const kw = groupQuery(conv.converter, groupOf('22'), { table });
    // (in PREWHERE, case-insensitively over the table's leaf columns: test/clickhouse/narrowing.test.ts)
    expect(kw).toContain("PREWHERE match(arrayStringConcat(fields.value, '\\n'), '(?i:alpha|deep)') OR match(arrayStringConcat(multi.value, '\\n'), '(?i:alpha|deep)') OR match(arrayStringConcat(extra_leaves, '\\n'), '(?i:alpha|deep)') WHERE ");
    expect(groupOf('22').rules.every((r) => r.entries)).toBe(true);
    // A Windows rule of no channel tests the sources up to Windows' own, not the cloud ones (their
    // conditions read many fields); a rule of no product may see any source's events: all of them.
    const fileAccess = groupQuery(conv.converter, groupOf('95'), { table });
    expect(fileAccess).toContain('src IN (');
    expect(fileAccess).not.toContain("'signinlogs'");
    expect(groupQuery(conv.converter, groupOf('15'), { table })).toContain("'signinlogs'");
    // The same hits as in-process (rule-95 through Security 4688's NewProcessName too, rule-22 in an array).
    const remote: HuntHit[] = [];
    const near: HuntHit[] = [];
    await runClickhouseHunt({ client, table, collection: col, pipeline: defaultPipeline, onHit: (h) => remote.push(h) });
    await runHunt({ collection: col, pipeline: defaultPipeline, logs, threads: 1, onHit: (h) => near.push(h) });
    expect(keys(near).filter((k) => /0{10}(22|95) /.test(k))).toEqual([
      '00000000-0000-0000-0000-000000000022 events.ndjson:5',
      '00000000-0000-0000-0000-000000000095 events.ndjson:1',
      '00000000-0000-0000-0000-000000000095 events.ndjson:3',
    ]);
    expect(keys(remote)).toEqual(keys(near));
    // Matched events are fetched with the scope and the lines in PREWHERE, the places per file.
    expect(rawQuery(table, [{ source: 'a.ndjson', line: 3 }, { source: 'b.ndjson', line: 1 }, { source: 'a.ndjson', line: 7 }], "channel IN ('security')")).toBe(
      `SELECT source, line, raw FROM ${table} PREWHERE (channel IN ('security')) AND line IN (1, 3, 7) WHERE (source = 'a.ndjson' AND line IN (3, 7)) OR (source = 'b.ndjson' AND line IN (1))`,
    );
  });

  it('runs a large group in two steps (prefiltered rows in a temporary table, rules in batches): same hits as one query and in-process', async () => {
    // 80 process-creation rules with witnesses beside the 21: a group of more than 2 x PASS_BATCH_RULES;
    // and one with no witness (a regex with no literal), which rides in the pass: its test in the
    // pass's scan, its batch over every row kept.
    const more = parseSigma(`${MANY_RULES}---\n${rule('rule-y1', PC, "  sel:\n    CommandLine|re: '^.+ .+$'\n  condition: sel").replace(/^id: .*$/m, 'id: 00000000-0000-0000-0000-0000000001y1')}`, { file: 'more.yml' });
    expect(more.issues).toEqual([]);
    const col: SigmaCollection = { ...collection, rules: [...collection.rules, ...more.rules] };
    const near: HuntHit[] = [];
    await runHunt({ collection: col, pipeline: defaultPipeline, logs, threads: 1, onHit: (h) => near.push(h) });
    const run = async (twoStep: boolean, maxRulesPerQuery?: number) => {
      const hits: HuntHit[] = [];
      const problems: string[] = [];
      const s = await runClickhouseHunt({ client, table, collection: col, pipeline: defaultPipeline, twoStep, ...(maxRulesPerQuery !== undefined ? { maxRulesPerQuery } : {}), onHit: (h) => hits.push(h), onProblem: (p) => problems.push(p.message) });
      expect(problems).toEqual([]);
      return { hits, queries: s.queries };
    };
    const two = await run(true);
    const one = await run(false);
    expect(keys(near).filter((k) => k.startsWith('00000000-0000-0000-0000-000000000100 '))).toEqual(['00000000-0000-0000-0000-000000000100 events.ndjson:2']);
    expect(keys(two.hits)).toEqual(keys(near));
    expect(keys(one.hits)).toEqual(keys(near));
    // The two-step run made the temporary table and its batches: more queries than one per group.
    expect(PASS_BATCH_RULES).toBeLessThan(40);
    expect(two.queries).toBeGreaterThan(one.queries + 2);
    // The route cut into groups of 40 (as 18.16's one-query way cuts it at 300): one shared pass,
    // its batches over all of them, the same hits.
    const cut = await run(true, 40);
    expect(keys(cut.hits)).toEqual(keys(near));
    // (Three passes would make 4 queries more; the groups of 40 may add one fetch of events.)
    expect(cut.queries).toBeLessThanOrEqual(two.queries + 1);
    expect(keys(near).filter((k) => k.startsWith('00000000-0000-0000-0000-0000000001y1 ')).length).toBeGreaterThan(0);
    // The pass's table holds only the value columns its rules or its prefilter read.
    const conv = convertCollection(col, defaultPipeline, { arrays: true });
    const big = conv.groups.reduce((a, b) => (b.rules.length > a.rules.length ? b : a));
    expect(big.rules.length).toBeGreaterThan(2 * PASS_BATCH_RULES);
    const loose = conv.groups.find((g) => g.rules.some((r) => r.rule.id === '00000000-0000-0000-0000-0000000001y1'))!;
    expect(loose.route).toBe(big.route);
    expect(loose.rules.every((r) => r.witness === undefined) && loose.keys === undefined).toBe(true);
    const joined = passQuery(conv.converter, routeGroup(big.route, [...big.rules, ...loose.rules]), { table });
    expect(joined).toContain(`OR (${loose.rules[0]!.condition})`);
    expect(joined).not.toContain('PREWHERE');
    const pass = passQuery(conv.converter, big, { table });
    const kept = [...pass.slice(0, pass.indexOf(' FROM (')).matchAll(/ AS (\w+)/g)].map((m) => m[1] as string);
    const readers = `${big.rules.map((r) => r.condition).join('\n')}\n${pass.slice(pass.lastIndexOf(') WHERE '))}`;
    const slots = [...new Set(big.rules.flatMap((r) => r.slots))].sort((a, b) => a - b);
    const every = Converter.slotValueColumns(slots, true).map((c) => c.slice(c.lastIndexOf(' AS ') + 4));
    expect(kept.length).toBeLessThan(every.length);
    expect(kept.every((c) => new RegExp(`\\b${c}\\b`).test(readers))).toBe(true);
    expect(every.filter((c) => !kept.includes(c)).every((c) => !new RegExp(`\\b${c}\\b`).test(readers))).toBe(true);
  });

  it('loads NDJSON on worker threads with the rows one thread writes (line numbers, problems, BOM, CRLF)', async () => {
    // The compiled loader (worker threads start from dist/, as for a user) with tiny ranges, against
    // this thread's loader: every column equal, problems in the same order with the same lines.
    const threaded = (await import(path.join(process.cwd(), 'dist/clickhouse/load.js'))) as { loadLogs: typeof loadLogs };
    const file = path.join(dir, 'ranges.ndjson');
    const lines = ['\uFEFF' + JSON.stringify(EVENTS[0])];
    for (let i = 0; i < 300; i++) lines.push(i % 97 === 5 ? '{not json' : i % 50 === 7 ? '' : JSON.stringify(EVENTS[i % EVENTS.length]) + (i % 3 === 0 ? '\r' : ''));
    writeFileSync(file, lines.join('\n'));
    const problems: Record<string, string[]> = { one: [], threads: [] };
    const content = async (t: string) => (await client.exec(`SELECT count(), sum(cityHash64(time, time_ms, host, channel, event_id, provider, record_id, source, line, fields.name, fields.key, fields.value, fields.kind, multi.name, multi.value, multi.kind, extra_leaves, raw)) FROM ${t}`)).trim();
    for (const [name, load, threads] of [['one', loadLogs, 0], ['threads', threaded.loadLogs, 2]] as const) {
      for (const s of schemaStatements({ table: `ranges_${name}` })) await client.exec(s);
      const r = await load(client, { table: `ranges_${name}`, logs: [file], threads, rangeBytes: 4096, onProblem: (p) => problems[name]!.push(p.message) });
      expect(r.events).toBe(291);
      expect(r.skippedRecords).toBe(4);
    }
    expect(problems['threads']).toEqual(problems['one']);
    expect(problems['one']![0]).toMatch(/ranges\.ndjson:7: not JSON/);
    expect(await content('ranges_threads')).toBe(await content('ranges_one'));
    expect(await content('ranges_one')).toMatch(/^291\t/);
  });

  it('loads the reference rows whatever the lines look like, from one or several inserts in flight', async () => {
    // Lines in JSON.stringify's form (their bytes become the raw column) and lines written otherwise
    // (spaces, a fraction, escapes JSON.stringify does not write, a repeated key, an index-like key,
    // non-ASCII): the table holds, column for column, the rows eventRow builds, on this thread and on
    // worker threads, with one insert in flight or three.
    const threaded = (await import(path.join(process.cwd(), 'dist/clickhouse/load.js'))) as { loadLogs: typeof loadLogs };
    const file = path.join(dir, 'forms.ndjson');
    const odd = ['{"a": 1, "b": [1.50, "x\\/y"]}', '{"n":1e3,"s":"\\u0041\\u00e9"}', '{"k":1,"k":2}', '{"b":1,"1":2}', '{"t":"Ärger 😀","v":-0}', '{"Event":{"System":{"Channel":"Security","EventID":4688},"EventData":{"CommandLine":"a\\tb"}}}'];
    const lines: string[] = [];
    for (let i = 0; i < 240; i++) lines.push(i % 31 === 3 ? '{bad' : i % 4 === 1 ? odd[(i >> 2) % odd.length]! : JSON.stringify(EVENTS[i % EVENTS.length]));
    writeFileSync(file, lines.join('\n') + '\n');
    const reference = new RowBinaryWriter();
    lines.forEach((l, i) => {
      if (l !== '{bad') writeRowBinary(eventRow(JSON.parse(l), file, i + 1), reference);
    });
    const content = async (t: string) => (await client.exec(`SELECT count(), sum(cityHash64(time, time_ms, host, channel, event_id, provider, record_id, source, line, fields.name, fields.key, fields.value, fields.kind, multi.name, multi.value, multi.kind, extra_leaves, raw)) FROM ${t}`)).trim();
    for (const s of schemaStatements({ table: 'forms_ref' })) await client.exec(s);
    await client.insertRowBinary('forms_ref', reference.take());
    const want = await content('forms_ref');
    expect(want).toMatch(/^232\t/);
    for (const [name, load, threads, streams] of [['one', loadLogs, 0, 1], ['three', loadLogs, 0, 3], ['threads', threaded.loadLogs, 2, 3]] as const) {
      const t = `forms_${name}`;
      for (const s of schemaStatements({ table: t })) await client.exec(s);
      // The client itself, counting the inserts it has in flight.
      let now = 0;
      let most = 0;
      const counting = Object.create(client) as ClickhouseClient;
      counting.insertRowBinary = async (table, rows) => {
        most = Math.max(most, ++now);
        try {
          await client.insertRowBinary(table, rows);
        } finally {
          now--;
        }
      };
      const problems: string[] = [];
      const r = await load(counting, { table: t, logs: [file], threads, streams, batchRows: 10, rangeBytes: 2048, onProblem: (p) => problems.push(p.message) });
      expect(r.events).toBe(232);
      expect(problems).toEqual([4, 35, 66, 97, 128, 159, 190, 221].map((n) => `${file}:${n}: not JSON: ${problems[0]!.split(': not JSON: ')[1]}`));
      expect(r.batches).toBeGreaterThan(10);
      expect(most, name).toBe(streams);
      expect(await content(t), name).toBe(want);
    }
  });

  it('tests each witness literal at its place (whole value, start, end) and keys shared literals: same hits as in-process', async () => {
    // A table without array values (as the realistic workload's): the places are used (with arrays,
    // every literal is looked for anywhere). Each event puts a literal where a wrong place would lose it.
    const pc = (rid: number, data: Record<string, string>) => sysmon(1, { Image: 'C:\\w\\n.exe', CommandLine: 'n', OriginalFileName: 'n.exe', ...data }, rid);
    const events = [
      pc(1, { Image: 'C:\\x\\evil.exe' }),
      pc(2, { Image: 'C:\\x\\evil.exe\\y.exe' }), // \evil.exe inside, not at the end
      pc(3, { Image: 'C:\\X\\EVIL.EXE' }),
      pc(4, { OriginalFileName: 'Evil.exe' }),
      pc(5, { OriginalFileName: 'notevil.exe' }), // ends with it, is not it
      pc(6, { CommandLine: 'evil --x' }),
      pc(7, { CommandLine: 'not evil --x' }),
      pc(8, { Image: 'C:\\x\\a.exe\\b' }), // matches `contains x\a.exe`; `endswith \a.exe` alone would lose it
      pc(9, { Image: 'C:\\x\\b.exe\\zz' }), // matches `*x\b.exe*` of an item whose witness keeps `\b.exe` of `*\b.exe`
      pc(10, { CommandLine: 'cmd –c whoami' }),
      pc(11, { CommandLine: 'cmd –c whoami now' }),
      pc(12, { CommandLine: 'run c:\\mimikatz.exefoo' }), // the literal glued to letters
      pc(13, { CommandLine: 'aa keyprefix17x bb' }),
      pc(14, { CommandLine: 'zz~tilde7q' }),
      pc(15, { CommandLine: 'say ÄRGER 😀x' }),
      pc(16, { CommandLine: 'say 😀x then' }),
    ];
    const file = path.join(dir, 'places.ndjson');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const st of schemaStatements({ table: 'places_events' })) await client.exec(st);
    await loadLogs(client, { table: 'places_events', logs: [file] });
    const keyed = Array.from({ length: 31 }, (_x, i) => `      - 'keyprefix${String(i).padStart(2, '0')}x'`).join('\n');
    const tilde = Array.from({ length: 21 }, (_x, i) => `      - '~tilde${i}q'`).join('\n');
    const rules = [
      rule('rule-p1', PC, "  sel:\n    Image|endswith: '\\evil.exe'\n  condition: sel"),
      rule('rule-p2', PC, "  sel:\n    OriginalFileName: 'Evil.exe'\n  condition: sel"),
      rule('rule-p3', PC, "  sel:\n    CommandLine|startswith: 'evil '\n  condition: sel"),
      rule('rule-p4', PC, "  sel:\n    Image|endswith: '\\a.exe'\n  sel2:\n    Image|contains: 'x\\a.exe'\n  condition: sel or sel2"),
      rule('rule-p5', PC, "  sel:\n    Image:\n      - '*\\b.exe'\n      - '*x\\b.exe*'\n  condition: sel"),
      rule('rule-p6', PC, "  sel:\n    CommandLine|windash|endswith: ' -c whoami'\n  condition: sel"),
      rule('rule-p7', PC, "  sel:\n    CommandLine|contains: '\\mimikatz.exe'\n  condition: sel"),
      rule('rule-p8', PC, `  sel:\n    CommandLine|contains:\n${keyed}\n${tilde}\n  condition: sel`),
      rule('rule-p9', PC, "  sel:\n    CommandLine|endswith: ' 😀X'\n  condition: sel"),
    ].map((r, i) => r.replace(/^id: .*$/m, `id: 00000000-0000-0000-0000-0000000002${String(i + 1).padStart(2, '0')}`));
    const col = parseSigma(rules.join('---\n'), { file: 'places.yml' });
    expect(col.issues).toEqual([]);
    const conv = convertCollection(col, defaultPipeline, { arrays: false });
    const byId = (n: number) => conv.rules.find((r) => r.rule.id === `00000000-0000-0000-0000-0000000002${String(n).padStart(2, '0')}`) as ConvertedRule;
    expect(byId(1).witness?.map((w) => w.place)).toEqual(['end']);
    expect(byId(2).witness?.map((w) => w.place)).toEqual(['whole']);
    expect(byId(3).witness?.map((w) => w.place)).toEqual(['start']);
    expect(byId(4).witness).toEqual([{ text: '\\a.exe', slots: byId(1).witness?.[0]?.slots, place: 'any' }]);
    expect(byId(5).witness?.map((w) => [w.text, w.place])).toEqual([['\\b.exe', 'any']]);
    expect(byId(9).witness?.map((w) => [w.text, w.place])).toEqual([[' 😀x', 'end']]);
    const sql = groupQuery(conv.converter, conv.groups.find((g) => g.rules.includes(byId(1))) as RouteGroup, { table: 'places_events' });
    expect(sql).toContain("\\\\\\\\evil\\\\.exe)$')");
    expect(sql).toContain(" = 'evil.exe'");
    expect(sql).toContain("'^(?:evil )')");
    expect(sql).toContain("'keyprefix(?:00x|01x|");
    expect(sql).toContain("'~(?:tilde0q|tilde10q|");
    // Field names are looked up as numbers (one hash lookup per entry), not searched as strings per name.
    expect(sql).toMatch(/arrayMap\(x -> transform\(x, \['Image', 'Application', 'Channel', [^\]]*'CommandLine'\], \[[\d, ]+\], 0\), fields\.name\) AS name_codes/);
    expect(sql).not.toContain('indexOf(fields.name');
    const remote: HuntHit[] = [];
    const near: HuntHit[] = [];
    const problems: string[] = [];
    await runClickhouseHunt({ client, table: tableName('places_events') as string, collection: col, pipeline: defaultPipeline, onHit: (h) => remote.push(h), onProblem: (p) => problems.push(p.message) });
    await runHunt({ collection: col, pipeline: defaultPipeline, logs: [file], threads: 1, onHit: (h) => near.push(h) });
    expect(problems).toEqual([]);
    const lines = (n: number) => keys(near).filter((k) => k.startsWith(`00000000-0000-0000-0000-0000000002${String(n).padStart(2, '0')} `)).map((k) => Number(k.split(':')[1]));
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(lines)).toEqual([[1, 3], [4], [6], [8], [9], [10], [12], [13, 14], [15]]);
    expect(keys(remote)).toEqual(keys(near));
  });

  it('hunts a Distributed table over two shards with the same hits as one node', async () => {
    for (const db of ['shard1', 'shard2']) {
      await client.exec(`CREATE DATABASE IF NOT EXISTS ${db}`);
      await client.exec(`CREATE TABLE IF NOT EXISTS ${db}.events_local ${COLUMNS} ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (channel, event_id, time)`);
    }
    // '' = each shard's default database (shard1, shard2: see server.ts).
    await client.exec(`CREATE TABLE IF NOT EXISTS dist_events ${COLUMNS} ENGINE = Distributed(ttpgraph_test, '', events_local, rand())`);
    const dist = tableName('dist_events') as string;
    const loaded = await loadLogs(client, { table: dist, logs, batchRows: 3 });
    expect(loaded.events).toBe(EVENTS.length);
    const perShard = await Promise.all(['shard1', 'shard2'].map(async (db) => Number((await client.exec(`SELECT count() FROM ${db}.events_local`)).trim())));
    expect(perShard[0]! + perShard[1]!).toBe(EVENTS.length);
    expect(perShard.every((n) => n > 0)).toBe(true);
    const remote: HuntHit[] = [];
    const problems: string[] = [];
    await runClickhouseHunt({ client, table: dist, collection, pipeline: defaultPipeline, onHit: (h) => remote.push(h), onProblem: (p) => problems.push(p.message) });
    expect(problems).toEqual([]);
    expect(keys(remote)).toEqual(keys(local));
    // A group large enough for two steps: its temporary table is filled from the Distributed table.
    const col: SigmaCollection = { ...collection, rules: [...collection.rules, ...parseSigma(MANY_RULES, { file: 'more.yml' }).rules] };
    const near: HuntHit[] = [];
    await runHunt({ collection: col, pipeline: defaultPipeline, logs, threads: 1, onHit: (h) => near.push(h) });
    const two: HuntHit[] = [];
    const literal = await runClickhouseHunt({ client, table: dist, collection: col, pipeline: defaultPipeline, onHit: (h) => two.push(h), onProblem: (p) => problems.push(p.message) });
    expect(problems).toEqual([]);
    expect(keys(two)).toEqual(keys(near));
    // The matched events' places sent as a temporary table (as a fetch of many places does), on one
    // node and through the Distributed table (whose shards get it with GLOBAL IN): the same hits
    // with the same events, and more queries (the table's creation and insert) than the places in
    // the query's text.
    const withEvents = (hits: readonly HuntHit[]) => hits.map((h) => `${h.ruleId} ${path.basename(h.source)}:${h.line} ${JSON.stringify(h.event)}`).sort();
    for (const t of [table, dist]) {
      const keyed: HuntHit[] = [];
      const s = await runClickhouseHunt({ client, table: t, collection: col, pipeline: defaultPipeline, keysTableFrom: 1, onHit: (h) => keyed.push(h), onProblem: (p) => problems.push(p.message) });
      expect(problems).toEqual([]);
      expect(withEvents(keyed)).toEqual(withEvents(two));
      expect(s.queries).toBeGreaterThan(literal.queries + 2);
    }
  });
});
