import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { cliEntry, dataPath, projectRoot } from '../helpers/paths.ts';

describe('ttpgraph import mappings / import stix / stats / control and report pages', () => {
  let dir: string;
  let db: string;
  const cli = (...args: string[]) => cliInProcess(['--db', db, ...args]);

  beforeAll(async () => {
    dir = tempDir();
    db = path.join(dir, 'graph.db');
    expect((await cli('import', 'attack', dataPath('attack', 'ics-attack-18.1.stix21.json'))).status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a mappings file and shows its controls on the technique page, grouped by framework', async () => {
    const r = await cli('import', 'mappings', dataPath('mappings', 'veris-1.4.0_attack-16.1-ics.json'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^imported veris 1\.4\.0 for ics ATT&CK 16\.1 from .*: 347 mappings \(138 non_mappable\)/m);
    const page = await cli('show', 'T0800');
    expect(page.stdout).toMatch(/Controls\n {2}veris 1\.4\.0 \(\d+; mapped for ATT&CK 16\.1\)/);
    const json = JSON.parse((await cli('show', 'T0800', '--json')).stdout);
    expect(json.controls.length).toBeGreaterThan(0);
    expect(json.controls[0]).toMatchObject({ framework: 'veris', frameworkVersion: '1.4.0', attackVersion: '16.1' });
  });

  it('shows a control page with --framework', async () => {
    const r = await cli('show', 'action.hacking.variety.Abuse of functionality', '--framework', 'veris');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('T0800 Activate Firmware Update Mode');
  });

  it('a mappings file that is not one is refused with its name, and changes nothing', async () => {
    const bad = path.join(dir, 'not-mappings.json');
    writeFileSync(bad, JSON.stringify({ mapping_objects: 'no' }));
    const r = await cli('import', 'mappings', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not-mappings\.json: not a Mappings Explorer file/);
  });

  it('imports STIX 2.1 reports', async () => {
    const r = await cli('import', 'stix', path.join(projectRoot, 'test', 'fixtures', 'advisory-report.stix21.json'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('imported 1 STIX report(s)');
    const report = await cli('show', 'report--5d0092c5-5f74-4ac3-8a5c-1f5a4f3c0004');
    expect(report.stdout).toContain('Advisory: mailbox theft through forwarding rules');
  });

  it('stats prints per-technique counts as a table, CSV and JSON', async () => {
    const csv = (await cli('stats', '--csv')).stdout.split('\n');
    expect(csv[0]).toBe('id,name,groups,software,campaigns,reports,detections,veris 1.4.0');
    expect(csv.some((l) => l.startsWith('T0800,Activate Firmware Update Mode,'))).toBe(true);
    const json = JSON.parse((await cli('stats', '--json')).stdout);
    expect(json.domain).toBe('ics');
    expect(json.techniques.find((t: { id: string }) => t.id === 'T0800').counts.detections).toBeGreaterThan(0);
  });

  it('a reader that closes the pipe early (`ttpgraph stats | head -1`) gets no EPIPE stack', async () => {
    const child = spawn(process.execPath, [cliEntry, '--db', db, 'stats', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Closing our end before the CLI writes makes its first write fail with EPIPE.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
