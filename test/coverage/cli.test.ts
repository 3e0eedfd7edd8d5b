/**
 * The coverage commands as a person runs them (the built CLI, a real store file): `logs inventory
 * --save`, `inventory`, `hunt --save` keeping its inventory, `coverage` in every format with the
 * `--fail-under` gate, `--declare` with a malformed file, and `show --json`'s `coverage`. Output and
 * exit codes are checked, so the commands run in this process (cliInProcess, test/helpers/cli.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { writeLogonBundle } from './fixtures.ts';
import { rmSync } from 'node:fs';

let dir = '';
let db = '';
const cli = (...args: string[]) => cliInProcess(['--db', db, ...args]);

/** Flat NXLog-style Windows events, one per line. */
function writeLogs(name: string, events: readonly { Channel: string; EventID: number; Hostname: string }[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, events.map((e) => JSON.stringify({ ...e, EventTime: '2026-03-01 10:00:00', TargetUserName: 'alice' })).join('\n') + '\n');
  return p;
}

beforeAll(async () => {
  dir = tempDir();
  db = path.join(dir, 'store.db');
  const imported = await cli('import', 'attack', writeLogonBundle(dir), '--attack-version', '18.1');
  expect(imported.status, imported.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ttpgraph logs inventory / inventory', () => {
  it('counts without rules, and stores it with --save', async () => {
    const logs = writeLogs('security.ndjson', [
      { Channel: 'Security', EventID: 4624, Hostname: 'dc1' },
      { Channel: 'Security', EventID: 4624, Hostname: 'dc2' },
      { Channel: 'Security', EventID: 4625, Hostname: 'dc1' },
    ]);
    const r = await cli('logs', 'inventory', '--save=week-1', logs);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^3 event\(s\) in 1 file\(s\), 2 kind\(s\) of event/);
    expect(r.stdout).toMatch(/windows\s+Security\s+4624\s+2\s+2026-03-01 10:00:00\s+2026-03-01 10:00:00\s+2/);
    expect(r.stderr).toMatch(/inventory: saved as 1 "week-1"/);
    const shown = await cli('inventory', '--json');
    const inv = JSON.parse(shown.stdout) as { label: string; runId: number | null; entries: { eventId: string; count: number; hosts: string[] }[] };
    expect(inv).toMatchObject({ label: 'week-1', runId: null });
    expect(inv.entries.map((e) => [e.eventId, e.count, e.hosts])).toEqual([
      ['4624', 2, ['dc1', 'dc2']],
      ['4625', 1, ['dc1']],
    ]);
  });

  it('hunt --save keeps the inventory of the logs it read', async () => {
    const rules = path.join(dir, 'rules');
    mkdirSync(rules, { recursive: true });
    writeFileSync(
      path.join(rules, 'logon.yml'),
      ['title: Logon by alice', 'id: 0e7f9b7c-1a52-4c55-9a3c-1f4bde1f9901', 'status: test', 'tags: [attack.t9901]', 'logsource: {product: windows, service: security}', 'detection:', '  sel: {EventID: 4624, TargetUserName: alice}', '  condition: sel', 'level: low', ''].join('\n'),
    );
    const logs = writeLogs('more.ndjson', [{ Channel: 'Security', EventID: 4624, Hostname: 'ws9' }]);
    const r = await cli('hunt', '--rules', rules, '--save=run-1', '--quiet', logs);
    expect(r.status, r.stderr).toBe(0);
    const inv = JSON.parse((await cli('inventory', '--json')).stdout) as { label: string; runId: number | null; events: number };
    expect(inv).toMatchObject({ label: 'run-1', runId: 1, events: 1 });
  });
});

describe('ttpgraph coverage', () => {
  it('prints levels worst first, as table, JSON, CSV and a Navigator layer', async () => {
    const table = await cli('coverage');
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/ATT&CK enterprise 18\.1: 2 technique\(s\): 1 none, 0 visible, 0 detectable, 1 detected/);
    expect(table.stdout.indexOf('T9902')).toBeLessThan(table.stdout.indexOf('T9901'));
    const json = JSON.parse((await cli('coverage', '--format', 'json')).stdout) as { techniques: { id: string; level: string }[] };
    expect(json.techniques.map((t) => [t.id, t.level])).toEqual([
      ['T9902', 'none'],
      ['T9901', 'detected'],
    ]);
    const csv = (await cli('coverage', '--format', 'csv')).stdout.trim().split('\n');
    expect(csv[0]).toBe('id,name,level,declared,hits,reasons,close_with');
    expect(csv[2]).toMatch(/^T9901,Logon Only Technique,detected,false,1,/);
    const layer = JSON.parse((await cli('coverage', '--format', 'navigator')).stdout) as { techniques: { techniqueID: string; score: number }[]; versions: { layer: string } };
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.techniques.map((t) => [t.techniqueID, t.score])).toEqual([
      ['T9902', 0],
      ['T9901', 3],
    ]);
    const show = JSON.parse((await cli('show', 'T9901', '--json')).stdout) as { coverage: { level: string; hits: number; analytics: { id: string; runnable: string }[] } };
    expect(show.coverage).toMatchObject({ level: 'detected', hits: 1, analytics: [{ id: 'AN9901', runnable: 'all' }] });
  });

  it('--fail-under LEVEL:PERCENT exits 1 under the share, 0 at or above it', async () => {
    const under = await cli('coverage', '--fail-under', 'visible:60', '--format', 'csv');
    expect(under.status).toBe(1);
    expect(under.stderr).toContain('50.0% of 2 technique(s) at visible or better, under 60%');
    expect((await cli('coverage', '--fail-under', 'visible:50', '--format', 'csv')).status).toBe(0);
    const bad = await cli('coverage', '--fail-under', 'sometimes:50');
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toContain("argument 'sometimes:50' is invalid");
  });

  it('--declare: a malformed file is one line with line and column and changes nothing; a good one raises levels', async () => {
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, 'techniques:\n  - id: T9902\n    level: perhaps\n');
    const r = await cli('coverage', '--declare', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ttpgraph: error: ${bad}:3:12: level must be visible, detectable or detected\n`);
    expect((await cli('coverage', '--fail-under', 'detectable:100', '--format', 'csv')).status).toBe(1);
    const good = path.join(dir, 'edr.yml');
    writeFileSync(good, 'techniques:\n  - id: T9902\n    level: detectable\n    note: EDR behaviour rule\n');
    const ok = await cli('coverage', '--declare', good, '--format', 'json');
    expect(ok.status, ok.stderr).toBe(0);
    const rows = (JSON.parse(ok.stdout) as { techniques: { id: string; level: string; declared: boolean }[] }).techniques;
    expect(rows).toEqual([expect.objectContaining({ id: 'T9902', level: 'detectable', declared: true }), expect.objectContaining({ id: 'T9901', level: 'detected', declared: false })]);
  });

  it('a group the store does not have is one error line', async () => {
    const r = await cli('coverage', '--group', 'G0059');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('G0059');
  });
});
