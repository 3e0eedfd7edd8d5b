import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';

describe('the T1114 page model', () => {
  let t: TempGraph;
  beforeAll(async () => {
    t = await graphWith('enterprise-attack-15.1.json', 'enterprise-attack-18.1.json');
  });
  afterAll(() => t.dispose());

  it('has exactly the keys of the page model (issue 2 keys plus reports, sigma, controls, counts, coverage)', () => {
    const page = t.graph.technique('T1114');
    expect(Object.keys(page).sort()).toEqual(
      [
        'id', 'name', 'url', 'domain', 'attackVersion', 'tactics', 'description', 'platforms', 'parent', 'subtechniques',
        'mitigations', 'detection', 'procedures', 'references', 'revokedBy', 'deprecated', 'reports', 'sigma', 'controls', 'counts', 'coverage',
      ].sort(),
    );
    expect(Object.keys(page.detection).sort()).toEqual(['dataComponents', 'strategies']);
  });

  it('v15.1: Email Collection, Collection, 3 sub-techniques, the reference page mitigations and data components', () => {
    const page = t.graph.technique('T1114', { version: '15.1' });
    expect(page.name).toBe('Email Collection');
    expect(page.url).toBe('https://attack.mitre.org/techniques/T1114');
    expect(page.tactics).toEqual([{ id: 'TA0009', name: 'Collection' }]);
    expect(page.subtechniques.map((s) => s.id)).toEqual(['T1114.001', 'T1114.002', 'T1114.003']);
    expect(page.parent).toBeNull();
    expect(new Set(page.mitigations.map((m) => m.name))).toEqual(new Set(['Audit', 'Multi-factor Authentication', 'Encrypt Sensitive Information']));
    expect(page.mitigations).toHaveLength(3);
    expect(new Set(page.detection.dataComponents.map((d) => d.name))).toEqual(
      new Set(['Logon Session Creation', 'File Access', 'Command Execution', 'Network Connection Creation', 'Application Log Content']),
    );
    expect(page.detection.dataComponents).toHaveLength(5);
    expect(page.detection.dataComponents.find((d) => d.name === 'Logon Session Creation')?.dataSource).toBe('Logon Session');
    expect(page.detection.strategies).toEqual([]);
    const audit = page.mitigations.find((m) => m.name === 'Audit')!;
    expect(audit.id).toBe('M1047');
    expect(audit.usage).toContain('Get-InboxRule');
  });

  it('v18.1: four mitigations; DET0476 with its 4 analytics, their log sources and data components', () => {
    const page = t.graph.technique('T1114', { version: '18.1' });
    expect(new Set(page.mitigations.map((m) => m.name))).toEqual(
      new Set(['Audit', 'Encrypt Sensitive Information', 'Multi-factor Authentication', 'Out-of-Band Communications Channel']),
    );
    expect(page.mitigations).toHaveLength(4);
    const det = page.detection.strategies.find((s) => s.id === 'DET0476');
    expect(det?.name).toBe('Email Collection via Local Email Access and Auto-Forwarding Behavior');
    expect(det?.analytics).toHaveLength(4);
    for (const a of det!.analytics) {
      expect(a.id).toMatch(/^AN\d{4}$/);
      expect(a.logSources.length).toBeGreaterThan(0);
      for (const ls of a.logSources) expect(ls.dataComponent?.id).toMatch(/^DC\d{4}$/);
    }
    const named = new Set(det!.analytics.flatMap((a) => a.logSources.map((ls) => ls.dataComponent!.id)));
    const listed = new Set(page.detection.dataComponents.map((d) => d.id));
    for (const id of named) expect(listed.has(id)).toBe(true);
    expect(page.detection.strategies).toHaveLength(1);
    expect(listed.size).toBe(named.size);
  });

  it('numbers citations in reading order and lists each once', () => {
    const page = t.graph.technique('T1114', { version: '18.1' });
    expect(page.description).not.toContain('(Citation:');
    expect(page.description).toContain('[1][2]');
    expect(page.references[0]?.name).toBe('TrustedSec OOB Communications');
    expect(page.references[1]?.name).toBe('CISA AA20-352A 2021');
    const names = page.references.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    const cited = [page.description, ...page.procedures.map((p) => p.description), ...page.mitigations.map((m) => m.usage)].join(' ');
    const highest = Math.max(...[...cited.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
    expect(highest).toBeLessThanOrEqual(page.references.length);
  });

  it('lists procedures from groups, software and campaigns with their descriptions', () => {
    const page = t.graph.technique('T1114', { version: '18.1' });
    const spider = page.procedures.find((p) => p.name === 'Scattered Spider');
    expect(spider?.type).toBe('group');
    expect(page.procedures.every((p) => ['group', 'software', 'campaign'].includes(p.type))).toBe(true);
  });

  it('a sub-technique names its parent', () => {
    const page = t.graph.technique('T1114.003');
    expect(page.parent).toEqual({ id: 'T1114', name: 'Email Collection' });
    expect(page.subtechniques).toEqual([]);
  });

  it('a revoked ID resolves to its replacement, and says which it was', () => {
    const revoked = t.sql.get<{ attack_id: string }>(
      `SELECT o.attack_id FROM object o JOIN dataset d ON d.id = o.dataset_id
       WHERE d.version = '15.1' AND o.kind = 'technique' AND o.revoked = 1 AND o.attack_id = 'T1066'`,
    );
    expect(revoked?.attack_id).toBe('T1066');
    const result = t.graph.page('T1066', { version: '15.1' });
    expect(result.formerly?.id).toBe('T1066');
    expect(result.page.id).toBe('T1027.005');
    const itself = t.graph.technique('T1066', { version: '15.1', noFollow: true });
    expect(itself.revokedBy?.id).toBe('T1027.005');
  });

  it('ics 18.1 in STIX 2.0 and STIX 2.1 gives the same pages', async () => {
    const a = await graphWith('ics-attack-18.1.json');
    const b = await graphWith('ics-attack-18.1.stix21.json');
    try {
      const ids = a.sql.all<{ id: string }>("SELECT DISTINCT attack_id AS id FROM object WHERE attack_id IS NOT NULL AND kind NOT IN ('matrix') ORDER BY 1");
      expect(ids.length).toBeGreaterThan(300);
      for (const { id } of ids) expect(b.graph.page(id, { noFollow: true }).page, id).toEqual(a.graph.page(id, { noFollow: true }).page);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
