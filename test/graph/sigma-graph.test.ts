import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { dataPath } from '../helpers/paths.ts';

describe('Sigma rules in the graph', () => {
  let t: TempGraph;
  beforeAll(async () => {
    t = await graphWith('enterprise-attack-18.1.json');
  });
  afterAll(() => t.dispose());

  it('imports every SigmaHQ rule of rules/ with its metadata and technique links', async () => {
    const result = await t.graph.importSigma([dataPath('sigma', 'rules')]);
    expect(result.issues).toEqual([]);
    expect(result.rules).toBeGreaterThan(3000);
    const stored = t.sql.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule')!.n;
    expect(stored).toBe(result.rules);
    const again = await t.graph.importSigma([dataPath('sigma', 'rules')]);
    expect(again).toMatchObject({ rules: 0, unchanged: result.rules });
  });

  it('T1114 lists its own rules, then its sub-techniques\' rules marked as such', () => {
    const page = t.graph.technique('T1114');
    const own = page.sigma.filter((r) => r.subtechnique === null);
    const fromSubs = page.sigma.filter((r) => r.subtechnique !== null);
    expect(own.map((r) => r.id)).toContain('25676e10-2121-446e-80a4-71ff8506af47'); // Exchange PowerShell Snap-Ins Usage
    expect(fromSubs.find((r) => r.id === '2837e152-93c8-43d2-85ba-c3cd3c2ae614')?.subtechnique).toBe('T1114.001');
    expect(page.sigma.indexOf(fromSubs[0]!)).toBeGreaterThan(page.sigma.indexOf(own[own.length - 1]!));
    const rule = page.sigma.find((r) => r.id === '25676e10-2121-446e-80a4-71ff8506af47')!;
    expect(rule).toMatchObject({ level: 'high', logsource: { product: 'windows', category: 'process_creation', service: null } });
    expect(rule.path).toMatch(/proc_creation_win_powershell_snapins_hafnium\.yml$/);
    expect(page.counts.sigma).toBe(page.sigma.length);
    // The sub-technique's own page has the rule as its own.
    expect(t.graph.technique('T1114.001').sigma.find((r) => r.id === '2837e152-93c8-43d2-85ba-c3cd3c2ae614')?.subtechnique).toBeNull();
  });

  it('search finds stored rules by title words', async () => {
    const hits = t.graph.searchRulesAndControls('snap-ins exchange', { type: 'sigma-rule' });
    expect(hits[0]).toMatchObject({ type: 'sigma-rule', id: '25676e10-2121-446e-80a4-71ff8506af47' });
    const cli = await cliInProcess(['--db', t.dbPath, 'search', 'mimikatz', 'execution', '--type', 'sigma-rule', '--json']);
    expect(JSON.parse(cli.stdout).map((h: { id: string }) => h.id)).toContain('a642964e-bead-4bed-8910-1bb4d63e3b4d');
  });

  it('sigma show prints the rule file, and a rule with errors is skipped and reported while the rest lands', async () => {
    const rules = path.join(t.dir, 'my-rules');
    mkdirSync(rules);
    writeFileSync(
      path.join(rules, 'good.yml'),
      'title: Local test rule\nid: 0f6a2d3c-1b4e-4c55-9a77-2b8d1e9f0a01\nstatus: test\nlevel: low\ntags:\n  - attack.t1114.002\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: \\\\outlook.exe\n  condition: sel\n',
    );
    writeFileSync(path.join(rules, 'bad.yml'), 'title: Broken\nlogsource:\n  product: windows\ndetection:\n  sel:\n    Image|nosuchmodifier: x\n  condition: sel\n');
    const imported = await cliInProcess(['--db', t.dbPath, 'import', 'sigma', rules]);
    expect(imported.status).toBe(1);
    expect(imported.stderr).toMatch(/bad\.yml:\d+:\d+: error\[unknown-modifier\]/);
    expect(imported.stdout).toContain('imported 1 Sigma rule(s) from 2 file(s) (0 unchanged, 1 skipped for errors)');
    const shown = await cliInProcess(['--db', t.dbPath, 'sigma', 'show', '0f6a2d3c-1b4e-4c55-9a77-2b8d1e9f0a01']);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('title: Local test rule');
    expect(shown.stdout).toContain('covers T1114.002');
    const missing = await cliInProcess(['--db', t.dbPath, 'sigma', 'show', 'nope']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no Sigma rule "nope"');
  });
});
