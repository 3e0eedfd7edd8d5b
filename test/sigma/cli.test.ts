/** `ttpgraph sigma check` and `ttpgraph hunt` as a user runs them (the built CLI; run `npm run build` first). */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { cliEntry, dataPath } from '../helpers/paths.ts';
import { writeFixture, type Fixture } from './fixtures.ts';

let dir: string;
let fx: Fixture;
beforeAll(() => {
  dir = tempDir('ttpgraph-cli-sigma-');
  fx = writeFixture(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ttpgraph sigma check', () => {
  it('valid rules: exit 0, no problems, a summary on stderr', async () => {
    const r = await cliInProcess(['sigma', 'check', fx.rulesDir]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('checked 2 file(s): 2 rule(s)');
    expect(r.status).toBe(0);
  });
  it('problems printed like a compiler, exit 1', async () => {
    const r = await cliInProcess(['sigma', 'check', fx.rulesDir, fx.badModifier, fx.badYaml]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain(`${fx.badModifier}:8:5: error[unknown-modifier] 33333333-3333-4333-8333-333333333333: unknown modifier 'contians'`);
    expect(lines.some((l) => l.startsWith(`${fx.badYaml}:8:3: error[yaml-syntax]`))).toBe(true);
    expect(r.stderr).toContain('2 error(s) in 2 file(s)');
    expect(r.status).toBe(1);
  });
  it('legacy aggregations in SigmaHQ unsupported/ are reported with their file', async () => {
    const file = dataPath('sigma', 'unsupported', 'cloud', 'aws_enum_listing.yml');
    const r = await cliInProcess(['sigma', 'check', file]);
    expect(r.stdout).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: error\\[unsupported-aggregation\\] e9c14b23-47e2-4a8b-8a63-d36618e33d70: `));
    expect(r.status).toBe(1);
  });
  it('an unreadable path: exit 2', async () => {
    const r = await cliInProcess(['sigma', 'check', `${dir}/nope`]);
    expect(r.stderr).toContain('nope');
    expect(r.status).toBe(2);
  });
});

describe('ttpgraph hunt', () => {
  it('--help documents the exit codes', async () => {
    const r = await cliInProcess(['hunt', '--help']);
    expect(r.stdout).toMatch(/0\s+at least one hit/);
    expect(r.stdout).toMatch(/1\s+no hits/);
    expect(r.stdout).toMatch(/2\s+error/);
  });
  it('jsonl: one hit per line, exit 0; bad rules and lines are skipped and counted', async () => {
    const r = await cliInProcess(['hunt', '--rules', fx.rulesDir, '--rules', fx.badModifier, '--format', 'jsonl', fx.ndjsonWithJunk]);
    const hits = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string; techniques: string[]; host: string; line: number });
    expect(hits.map((h) => [h.ruleId, h.line])).toEqual([
      ['11111111-1111-4111-8111-111111111111', 1],
      ['22222222-2222-4222-8222-222222222222', 3],
    ]);
    expect(hits[0]!.techniques).toEqual(['T1033']);
    expect(r.stderr).toContain(`skipped rule: ${fx.badModifier}:8:5: error[unknown-modifier]`);
    expect(r.stderr).toContain(`skipped record: ${fx.ndjsonWithJunk}:2: not JSON`);
    expect(r.stderr).toMatch(/2 hit\(s\) from 2 rule\(s\).*1 rule problem\(s\), 1 record\(s\) skipped/);
    expect(r.status).toBe(0);
  });
  it('no hits: exit 1; a missing log file: exit 2', async () => {
    expect((await cliInProcess(['hunt', '--rules', fx.rulesDir, fx.noHits])).status).toBe(1);
    const r = await cliInProcess(['hunt', '--rules', fx.rulesDir, `${dir}/missing.ndjson`]);
    expect(r.stderr).toContain('missing.ndjson');
    expect(r.status).toBe(2);
  });
  it('csv and sarif outputs, with filters', async () => {
    const csv = await cliInProcess(['hunt', '--rules', fx.rulesDir, '--format', 'csv', '--min-level', 'high', fx.ndjson]);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe('timestamp,level,rule_id,title,techniques,tactics,host,source,line,kind,event');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('high,11111111-1111-4111-8111-111111111111,Whoami Execution,T1033,discovery,WS1');
    const sarif = await cliInProcess(['hunt', '--rules', fx.rulesDir, '--format', 'sarif', '--tag', 'attack.execution', fx.ndjson]);
    const doc = JSON.parse(sarif.stdout) as { version: string; runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[]; tool: { driver: { rules: { id: string }[] } } }[] };
    expect(doc.version).toBe('2.1.0');
    expect(doc.runs[0]!.results.map((x) => [x.ruleId, x.level, x.locations[0]!.physicalLocation.region.startLine])).toEqual([['22222222-2222-4222-8222-222222222222', 'note', 2]]);
    expect(doc.runs[0]!.tool.driver.rules.map((x) => x.id)).toEqual(['22222222-2222-4222-8222-222222222222']);
  });
  it('table output over a SigmaHQ regression case (evtx crate JSON) with the real rules folder', async () => {
    const reg = dataPath('sigma-regression', 'rules-threat-hunting', 'windows', 'image_load', 'image_load_win_werfaultsecure_dbgcore_dbghelp_load');
    const r = await cliInProcess(['hunt', '--rules', dataPath('sigma', 'rules-threat-hunting'), `${reg}/8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.json`]);
    expect(r.stdout.split('\n')[0]).toMatch(/^TIME\s+LEVEL\s+ID\s+RULE\s+ATT&CK\s+HOST\s+EVENT/);
    expect(r.stdout).toContain('WerFaultSecure');
    expect(r.stdout).toContain('swachchhanda');
    expect(r.status).toBe(0);
  });
  it('a bad --format is an argument error (exit 2)', async () => {
    const r = await cliInProcess(['hunt', '--rules', fx.rulesDir, '--format', 'xml', fx.ndjson]);
    expect(r.stderr).toContain('--format');
    expect(r.status).toBe(2);
  });
});

describe('ttpgraph hunt: log sources', () => {
  const zeekRule = dataPath('sigma', 'rules', 'network', 'zeek', 'zeek_rdp_public_listener.yml');
  const lines = [
    { ts: 1705482764.1, uid: 'CHhAvVGS1DHFjwGM9', 'id.orig_h': '203.0.113.7', 'id.resp_h': '10.0.0.5', 'id.resp_p': 3389, result: 'Success' },
    { ts: 1705482765.2, uid: 'CHhAvVGS1DHFjwGN0', 'id.orig_h': '10.1.2.3', 'id.resp_h': '10.0.0.5', 'id.resp_p': 3389, result: 'Success' },
  ];
  let rdp: string;
  beforeAll(() => {
    rdp = `${dir}/rdp.ndjson`;
    writeFileSync(rdp, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  });

  it('events of unknown log source are reported with the way out, and reach no product rule', async () => {
    const r = await cliInProcess(['hunt', '--rules', zeekRule, '--format', 'jsonl', rdp]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`note: 2 event(s) of unknown log source in ${rdp}: use --logsource product=...,service=... or a pipeline`);
    expect(r.stderr).toContain(', 2 event(s) of unknown log source;');
    expect(r.status).toBe(1);
  });
  it('--logsource declares the source: the Zeek rule fires on the public client only', async () => {
    const r = await cliInProcess(['hunt', '--rules', zeekRule, '--format', 'jsonl', '--logsource', 'product=zeek,service=rdp', rdp]);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { line: number }).line)).toEqual([1]);
    expect(r.stderr).not.toContain('unknown log source');
    expect(r.status).toBe(0);
  });
  it('the CAPI2 sample (UserData in a nested BinXML value) gives its 3 private-key events to the capi2 rule', async () => {
    const rule = dataPath('sigma', 'rules', 'windows', 'builtin', 'capi2', 'win_capi2_acquire_certificate_private_key.yml');
    const r = await cliInProcess(['hunt', '--rules', rule, '--format', 'jsonl', dataPath('evtx-samples', 'capi2-event70-private-key-accessed.evtx')]);
    const hits = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { title: string; host: string; event: { Event: { UserData: { CryptAcquireCertificatePrivateKey: { EventAuxInfo: { '#attributes': { ProcessName: string } } } } } } });
    expect(hits.map((h) => [h.title, h.host, h.event.Event.UserData.CryptAcquireCertificatePrivateKey.EventAuxInfo['#attributes'].ProcessName])).toEqual(
      Array.from({ length: 3 }, () => ['Certificate Private Key Acquired', 'wec02', 'mimikatz.exe']),
    );
    expect(r.stderr).not.toContain('skipped record');
    expect(r.status).toBe(0);
  });
  it('in a terminal (progress bar on), a hunt over several files ends cleanly', () => {
    // `script` gives the CLI a pseudo-terminal; the bar used to get a negative repeat count after the last file.
    const cmd = [process.execPath, cliEntry, 'hunt', '--rules', zeekRule, '--logsource', 'product=zeek,service=rdp', rdp, rdp].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } });
    expect(r.stdout).not.toContain('error');
    expect(r.stdout).toContain('hunt: 4 event(s) in 2 file(s), 2 hit(s)');
    expect(r.status).toBe(0);
  });
  it('a malformed --logsource is an argument error (exit 2)', async () => {
    const r = await cliInProcess(['hunt', '--rules', zeekRule, '--logsource', 'zeek', rdp]);
    expect(r.stderr).toContain('--logsource "zeek": expected product=NAME[,service=NAME][,category=NAME]');
    expect(r.status).toBe(2);
  });
});
