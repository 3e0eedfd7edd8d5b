/**
 * What narrows a ClickHouse hunt's scans without changing its hits (docs/formats/clickhouse.md,
 * "Hunting"): rules whose detection fixes the EventID or Channel read only the granules of those
 * sort key values, and keyword rules are prefiltered case-insensitively over the leaf columns in
 * PREWHERE. Each against the in-process engine on events where the field and the sort key column
 * could part (EventID as a number, a #text object, an array, in the event data, winlogbeat's
 * event_id; a pipeline that maps or aliases EventID), and on keyword events in other cases, in
 * arrays, in leaves no field holds, in XML event data with entities, next to quotes and backslashes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPipeline, parseSigma, type Pipeline, type SigmaCollection } from '../../src/sigma/index.ts';
import { runHunt } from '../../src/hunt/runner.ts';
import type { HuntHit } from '../../src/hunt/hit.ts';
import { ClickhouseClient, parseClickhouseUrl } from '../../src/clickhouse/client.ts';
import { loadLogs } from '../../src/clickhouse/load.ts';
import { runClickhouseHunt } from '../../src/clickhouse/hunt.ts';
import { COLUMNS } from '../../src/sigma/backend/clickhouse/schema.ts';
import { convertCollection, groupQuery, type RouteGroup } from '../../src/sigma/backend/clickhouse/convert.ts';
import { tableName } from '../../src/sigma/backend/clickhouse/sql.ts';
import { SKIP_REASON, startClickhouse, type TestServer } from './server.ts';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const time = (n: number) => ({ '#attributes': { SystemTime: `2026-03-01T00:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z` } });
const evtx = (channel: string, eid: unknown, data: Record<string, unknown>, n: number, extra: Record<string, unknown> = {}) => ({
  Event: { System: { EventID: eid, Channel: channel, Computer: 'HOST', EventRecordID: n, TimeCreated: time(n) }, EventData: data, ...extra },
});

/** Many ordinary Sysmon process creations: the granules a narrowed scan must skip. */
const FILLER = 3000;
const filler = Array.from({ length: FILLER }, (_x, i) => evtx(SYSMON, 1, { Image: `C:\\w\\p${i}.exe`, CommandLine: `p${i}.exe /q` }, 100 + i));

const EVENTS = [
  evtx(SYSMON, 16, { Configuration: 'a.xml' }, 1), // a number
  evtx(SYSMON, { '#text': '27', '#attributes': { Qualifiers: 0 } }, { TargetFilename: 'x.exe' }, 2), // #text
  { Channel: SYSMON, EventID: [28, 1], Computer: 'HOST', TimeCreated: '2026-03-01T00:00:03Z' }, // an array: event_id ''
  evtx(SYSMON, 1, { EventID: '29', Image: 'C:\\a.exe' }, 4), // the event data's EventID wins, in both
  { winlog: { channel: SYSMON, event_id: '16', computer_name: 'HOST', event_data: { Configuration: 'b.xml' } }, '@timestamp': '2026-03-01T00:00:05Z' },
  evtx(SYSMON, 1, { EventCode: 16, Image: 'C:\\b.exe' }, 6), // EventID 1 here, EventCode 16 (custom pipelines below)
  evtx('Security', 4624, { TargetUserName: 'bob' }, 7),
  { Channel: ['Security'], EventID: 4624, TimeCreated: '2026-03-01T00:00:08Z' }, // Channel as an array: channel ''
  // Keyword events.
  evtx(SYSMON, 1, { Image: 'C:\\m.exe', CommandLine: 'M.EXE "SEKURLSA::LogonPasswords" \\ \\\\ exit' }, 9), // other case, quotes, backslashes
  evtx(SYSMON, 11, { TargetFilename: 'C:\\x\\MIMILIB.DLL' }, 10), // a literal with a backslash
  evtx('Application', 1000, { Data: ['one', 'Privilege::Debug'] }, 11), // an array element
  evtx('Application', 1001, { Note: 'n' }, 12, { Other: { deep: 'run KERBEROS::PTT\nnow' } }), // a leaf no field holds, with a newline
  { Channel: 'Security', EventID: 4688, EventData: "<EventData><Data Name='CommandLine'>lsadump::sam &amp; more</Data><Data Name='Image'>&#x4D;imi.exe</Data></EventData>", TimeCreated: '2026-03-01T00:00:13Z' }, // XML with entities
  evtx('Application', 1002, { Msg: 'see GENTILKIWI.COM' }, 14),
  evtx('Application', 1003, { Msg: 'nothing to see' }, 15),
  // Defender names its event data with spaces: a Windows rule's FileName finds 'File Name' there only.
  evtx('Microsoft-Windows-Windows Defender/Operational', 1116, { 'File Name': 'C:\\t\\eicar.com' }, 16),
  evtx(SYSMON, 11, { TargetFilename: 'C:\\t\\eicar.txt' }, 17),
];

const rule = (n: number, logsource: string, detection: string): string =>
  `title: r${n}\nid: 00000000-0000-0000-0000-0000000007${String(n).padStart(2, '0')}\nstatus: test\nlevel: high\nlogsource:\n${logsource}\ndetection:\n${detection}\n`;
const SYSMON_SERVICE = '  product: windows\n  service: sysmon';
const WINDOWS = '  product: windows';
const RULES = [
  rule(1, SYSMON_SERVICE, '  sel:\n    EventID: 16\n  condition: sel'),
  rule(2, SYSMON_SERVICE, '  sel:\n    EventID: 27\n  condition: sel'),
  rule(3, SYSMON_SERVICE, '  sel:\n    EventID:\n      - 28\n      - 29\n  condition: sel'),
  rule(4, WINDOWS, "  sel:\n    Channel: Security\n    EventID: 4624\n  condition: sel"),
  // No sort key narrowing: a wildcard, a negation.
  rule(5, SYSMON_SERVICE, "  sel:\n    EventID|startswith: '2'\n  condition: sel"),
  rule(6, SYSMON_SERVICE, '  sel:\n    EventID: 1\n  condition: not sel'),
  // Keywords: one literal alone in its group (a route of its own), then several.
  rule(7, '  product: windows\n  service: application', "  keywords:\n    - 'gentilkiwi.com'\n  condition: keywords"),
  rule(8, WINDOWS, "  keywords:\n    - 'sekurlsa::'\n    - '\\mimilib.dll'\n    - 'privilege::debug'\n    - 'kerberos::ptt'\n    - 'lsadump::'\n    - '&amp;'\n  filter:\n    EventID: 15\n  condition: keywords and not filter"),
  // A Windows rule of no channel with a witness: presence of its fields in PREWHERE.
  rule(9, '  product: windows\n  category: file_access', "  sel:\n    FileName|contains: 'eicar'\n  condition: sel"),
];

type Key = string;
const keys = (hits: readonly HuntHit[]): Key[] => hits.map((h) => `${h.ruleId?.slice(-2)} ${path.basename(h.source)}:${h.line}`).sort();

if (SKIP_REASON !== undefined) console.warn(SKIP_REASON);

describe.skipIf(SKIP_REASON !== undefined)('ClickHouse hunts: scans narrowed by the sort key, keyword prefilters over the leaves', () => {
  let server: TestServer;
  let client: ClickhouseClient;
  let dir: string;
  let logs: string[];
  let collection: SigmaCollection;
  // Small granules: a scan narrowed to a few event ids reads a few of them, a whole channel all.
  const table = tableName('narrow_events') as string;

  beforeAll(async () => {
    server = await startClickhouse();
    client = new ClickhouseClient(parseClickhouseUrl(server.url));
    dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-ch-narrow-'));
    logs = [path.join(dir, 'events.ndjson')];
    writeFileSync(logs[0] as string, [...EVENTS, ...filler].map((e) => JSON.stringify(e)).join('\n') + '\n');
    collection = parseSigma(RULES.join('---\n'), { file: 'rules.yml' });
    expect(collection.issues).toEqual([]);
    await client.exec(`CREATE TABLE ${table} ${COLUMNS} ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (channel, event_id, time) SETTINGS index_granularity = 256`);
    await loadLogs(client, { table, logs });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const both = async (col: SigmaCollection, pipeline: Pipeline) => {
    const near: HuntHit[] = [];
    const remote: HuntHit[] = [];
    const problems: string[] = [];
    await runHunt({ collection: col, pipeline, logs, threads: 1, onHit: (h) => near.push(h) });
    await runClickhouseHunt({ client, table, collection: col, pipeline, onHit: (h) => remote.push(h), onProblem: (p) => problems.push(p.message) });
    expect(problems).toEqual([]);
    return { near: keys(near), remote: keys(remote) };
  };

  it('gives the in-process hits where EventID and Channel are numbers, #text objects, arrays, event data, winlogbeat names', async () => {
    const { near, remote } = await both(collection, defaultPipeline);
    expect(remote).toEqual(near);
    const of = (n: string) => near.filter((k) => k.startsWith(`${n} `)).map((k) => Number(k.split(':')[1])).sort((a, b) => a - b);
    expect(of('01')).toEqual([1, 5]);
    expect(of('02')).toEqual([2]);
    expect(of('03')).toEqual([3, 4]); // the array [28, 1], the event data's 29
    expect(of('04')).toEqual([7, 8]); // Channel as an array too
    expect(of('07')).toEqual([14]);
    expect(of('08')).toEqual([9, 10, 11, 12, 13]);
    expect(of('09')).toEqual([16]);
  });

  it('tests the presence of loose names by the channel of the loose-named source the route admits (Defender), not fields.key', () => {
    const conv = convertCollection(collection, defaultPipeline, { arrays: true });
    const group = conv.groups.find((g) => g.rules.some((r) => r.rule.id?.endsWith('0709'))) as RouteGroup;
    const sql = groupQuery(conv.converter, group, { table });
    expect(sql).toContain("PREWHERE (hasAny(fields.name, ['Channel', 'FileName'])) OR (channel IN ('microsoft-windows-windows defender/operational')) WHERE ");
    expect(sql).not.toContain('hasAny(fields.key');
  });

  it('narrows the groups of rules that fix EventID or Channel to those sort key values, and no others', () => {
    // (Without rule 9, which shares rule 4's route and fixes nothing: their group is not narrowed.)
    const conv = convertCollection({ ...collection, rules: collection.rules.filter((r) => !r.id?.endsWith('0709')) }, defaultPipeline, { arrays: true });
    const groupOf = (n: number) => conv.groups.find((g) => g.rules.some((r) => r.rule.id?.endsWith(`07${String(n).padStart(2, '0')}`))) as RouteGroup;
    // '' besides the values: an EventID that is an array (or absent) leaves the column empty.
    expect(groupOf(1).scope).toBe("(channel IN ('microsoft-windows-sysmon/operational')) AND (event_id IN ('', '16', '27', '28', '29'))");
    expect(groupOf(4).scope).toBe("(channel IN ('', 'security')) AND (event_id IN ('', '4624'))");
    expect(groupOf(5).scope).toBe("channel IN ('microsoft-windows-sysmon/operational')");
    expect(groupOf(6)).toBe(groupOf(5));
    expect(groupOf(1)).not.toBe(groupOf(5));
    // The keyword rules' filter (not EventID 15) fixes nothing.
    expect(groupOf(8).scope).toBe('1');
  });

  it('reads only the granules of those values (max_rows_to_read), and runs no query for values no event has', async () => {
    const conv = convertCollection(collection, defaultPipeline, { arrays: true });
    const group = conv.groups.find((g) => g.rules.some((r) => r.rule.id?.endsWith('0701'))) as RouteGroup;
    const run = async (sql: string) => {
      const res = await fetch(`${server.url}?max_rows_to_read=1500`, { method: 'POST', body: sql });
      return { ok: res.ok, text: await res.text() };
    };
    const narrowed = await run(groupQuery(conv.converter, group, { table }));
    expect(narrowed.text).not.toMatch(/Exception/);
    expect(narrowed.ok).toBe(true);
    // The same rules over the route's whole scope read every Sysmon event (3,000 filler ones).
    const whole = await run(groupQuery(conv.converter, { route: group.route, scope: group.rules[0]!.scope, rules: group.rules }, { table }));
    expect(whole.text).toMatch(/Limit for rows .*to read exceeded|TOO_MANY_ROWS|code: 158/i);
    // Rules of event ids the table does not hold: planned away, no group query at all.
    // (Security: no event there has an empty event_id, which the narrowed scope also admits.)
    const SECURITY = '  product: windows\n  service: security';
    const none = parseSigma([rule(31, SECURITY, '  sel:\n    EventID: 9999\n  condition: sel'), rule(32, SECURITY, '  sel:\n    EventID:\n      - 4\n      - 5\n  condition: sel')].join('---\n'), { file: 'none.yml' });
    const sql: string[] = [];
    const spied = Object.assign(Object.create(client) as ClickhouseClient, {
      select: (q: string, onRow: (row: Record<string, unknown>) => void) => {
        sql.push(q);
        return client.select(q, onRow);
      },
    });
    const hits: HuntHit[] = [];
    await runClickhouseHunt({ client: spied, table, collection: none, pipeline: defaultPipeline, onHit: (h) => hits.push(h) });
    expect(hits).toEqual([]);
    expect(sql.filter((q) => q.includes('AS matched'))).toEqual([]);
  });

  it('does not narrow when the pipeline maps EventID to another name or aliases it: the rule reads that name', async () => {
    const mapped: Pipeline = { ...defaultPipeline, fieldMappings: { ...defaultPipeline.fieldMappings, EventID: ['EventCode', 'EventID'] } };
    const aliased: Pipeline = { ...defaultPipeline, eventAliases: [...defaultPipeline.eventAliases, { when: { Channel: SYSMON }, fields: { EventID: 'EventCode' } }] };
    for (const pipeline of [mapped, aliased]) {
      const conv = convertCollection(collection, pipeline, { arrays: true });
      expect(conv.rules.find((r) => r.rule.id?.endsWith('0701'))?.keys).toBeUndefined();
      const { near, remote } = await both(collection, pipeline);
      expect(remote).toEqual(near);
      // Event 6 (EventID 1, EventCode 16) is rule 1's through EventCode: the column says 1.
      expect(near).toContain('01 events.ndjson:6');
    }
  });

  it('prefilters keyword rules in PREWHERE, case-insensitively over fields.value, multi.value and extra_leaves', () => {
    const conv = convertCollection(collection, defaultPipeline, { arrays: true });
    const group = conv.groups.find((g) => g.rules.some((r) => r.rule.id?.endsWith('0708'))) as RouteGroup;
    const sql = groupQuery(conv.converter, group, { table });
    const alternation = "'(?i:\\\\&amp\\\\;|\\\\\\\\mimilib\\\\.dll|kerberos\\\\:\\\\:ptt|lsadump\\\\:\\\\:|privilege\\\\:\\\\:debug|sekurlsa\\\\:\\\\:)'";
    expect(sql).toContain(`PREWHERE match(arrayStringConcat(fields.value, '\\n'), ${alternation}) OR match(arrayStringConcat(multi.value, '\\n'), ${alternation}) OR match(arrayStringConcat(extra_leaves, '\\n'), ${alternation}) WHERE `);
    // No lower-cased copy of the leaves in the middle query.
    expect(sql).not.toContain('lowerUTF8(concat(');
    // A lone literal: in a group, not after a leading (?i) (which 18.16 misreads).
    const lone = conv.groups.find((g) => g.rules.some((r) => r.rule.id?.endsWith('0707'))) as RouteGroup;
    expect(groupQuery(conv.converter, lone, { table })).toContain("PREWHERE match(arrayStringConcat(fields.value, '\\n'), '(?i:gentilkiwi\\\\.com)')");
  });
});
