import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';
import { dataPath, projectRoot } from '../helpers/paths.ts';

const mappingFiles = readdirSync(dataPath('mappings')).filter((f) => f.endsWith('.json') && !f.startsWith('mapex'));
const fixture = path.join(projectRoot, 'test', 'fixtures', 'advisory-report.stix21.json');

describe('control mappings, reports and counts', () => {
  let t: TempGraph;
  beforeAll(async () => {
    t = await graphWith('enterprise-attack-15.1.json', 'enterprise-attack-18.1.json');
  });
  afterAll(() => t.dispose());

  it.each(mappingFiles)('%s imports every mapping row, non_mappable ones flagged', async (file) => {
    const inFile = JSON.parse(readFileSync(dataPath('mappings', file), 'utf8')) as { mapping_objects: { status: string }[] };
    const result = await t.graph.importMappings(dataPath('mappings', file));
    expect(result.skipped).toEqual([]);
    const set = t.sql.get<{ id: number; mapping_count: number }>(
      'SELECT id, mapping_count FROM mapping_set WHERE framework = ? AND framework_version = ? AND attack_version = ? AND domain = ?',
      result.framework,
      result.frameworkVersion,
      result.attackVersion,
      result.domain,
    )!;
    const stored = t.sql.all<{ status: string; n: number }>('SELECT status, count(*) AS n FROM control_mapping WHERE mapping_set_id = ? GROUP BY status', set.id);
    const total = stored.reduce((a, r) => a + r.n, 0);
    expect(total).toBe(inFile.mapping_objects.length);
    expect(stored.find((r) => r.status === 'non_mappable')?.n ?? 0).toBe(inFile.mapping_objects.filter((m) => m.status === 'non_mappable').length);
  });

  it('re-importing a mappings file is a no-op', async () => {
    const again = await t.graph.importMappings(dataPath('mappings', 'nist_800_53-rev5_attack-14.1-enterprise.json'));
    expect(again.status).toBe('unchanged');
  });

  it('T1114 (v15.1) lists exactly the 14 SP 800-53 rev5 controls of the 14.1 mapping file, with names, made for 14.1', () => {
    const page = t.graph.technique('T1114', { version: '15.1' });
    const rev5 = page.controls.filter((c) => c.framework === 'nist_800_53' && c.frameworkVersion === 'rev5');
    expect(rev5.map((c) => c.id).sort()).toEqual(
      ['AC-16', 'AC-17', 'AC-19', 'AC-20', 'AC-03', 'AC-04', 'CM-02', 'CM-06', 'IA-02', 'IA-05', 'SC-07', 'SI-12', 'SI-04', 'SI-07'].sort(),
    );
    expect(rev5.find((c) => c.id === 'AC-16')?.name).toBe('Security and Privacy Attributes');
    expect(rev5.every((c) => c.attackVersion === '14.1' && c.mappingType === 'protects' && c.group !== null)).toBe(true);
    expect(page.counts.controls['nist_800_53 rev5']).toBe(14);
    expect(page.counts.controls['nist_800_53 rev4']).toBe(14);
  });

  it('the 18.1 page uses the newest mapping below it (rev5 for 16.1), saying which version it was made for', () => {
    const page = t.graph.technique('T1114', { version: '18.1' });
    const rev5 = page.controls.filter((c) => c.framework === 'nist_800_53' && c.frameworkVersion === 'rev5');
    expect(rev5.length).toBeGreaterThan(0);
    expect(new Set(rev5.map((c) => c.attackVersion))).toEqual(new Set(['16.1']));
  });

  it('search finds controls by ID and name, in every framework version', () => {
    const hits = t.graph.searchRulesAndControls('boundary protection', { type: 'control' });
    expect(hits.map((h) => `${h.id} ${h.detail}`)).toEqual(expect.arrayContaining(['SC-7 nist_800_53 rev4', 'SC-07 nist_800_53 rev5']));
  });

  it('a control page lists its techniques', () => {
    const page = t.graph.control('AC-16', { framework: 'nist_800_53', frameworkVersion: 'rev5' });
    expect(page.name).toBe('Security and Privacy Attributes');
    expect(page.group).toBe('Access Control');
    expect(page.techniques.map((x) => x.id)).toContain('T1114');
    expect(t.graph.control('ac-3', { framework: 'nist_800_53', frameworkVersion: 'rev5' }).id).toBe('AC-03');
    expect(t.graph.page('AC-16').kind).toBe('control');
  });

  it('T1114 (v18.1) lists the CISA Scattered Spider advisory via the group procedure, newest first', () => {
    const page = t.graph.technique('T1114', { version: '18.1' });
    const cisa = page.reports.find((r) => r.title === 'CISA Scattered Spider Advisory November 2023');
    expect(cisa).toMatchObject({ date: '2023-11-16', source: 'CISA.', url: 'https://www.cisa.gov/news-events/cybersecurity-advisories/aa23-320a' });
    expect(cisa?.via).toContain('procedure of group G1015 Scattered Spider');
    const dates = page.reports.map((r) => r.date).filter((d): d is string => d !== null);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(page.reports.find((r) => r.title === 'TrustedSec OOB Communications')?.via).toContain('cited by T1114');
    expect(page.counts.reports).toBe(page.reports.length);
  });

  it('a report page lists everything it supports', () => {
    const report = t.graph.report('cisa-scattered-spider-advisory-november-2023');
    expect(report.supports.find((s) => s.id === 'G1015')?.type).toBe('group');
    expect(report.supports.find((s) => s.id === 'T1114')?.via).toContain('procedure of G1015');
  });

  it('STIX 2.1 report objects link through object_refs', async () => {
    const result = await t.graph.importStix(fixture);
    expect(result).toMatchObject({ reports: 1, refs: 2, attackRefs: 2 });
    const page = t.graph.technique('T1114');
    const advisory = page.reports.find((r) => r.title === 'Advisory: mailbox theft through forwarding rules');
    expect(advisory).toMatchObject({ via: 'object_refs of a STIX report', date: '2024-01-11', source: 'Example CERT' });
    const group = t.graph.page('G0007');
    expect(group.kind === 'object' && group.page.reports.some((r) => r.id === 'report--5d0092c5-5f74-4ac3-8a5c-1f5a4f3c0004')).toBe(true);
    const reportPage = t.graph.report('report--5d0092c5-5f74-4ac3-8a5c-1f5a4f3c0004');
    expect(reportPage.supports.map((s) => s.id).sort()).toEqual(['G0007', 'T1114']);
  });

  it('stats gives the same counts as the page model', () => {
    const stats = t.graph.stats({ version: '18.1' });
    expect(stats.techniques.length).toBeGreaterThan(600);
    const row = stats.techniques.find((x) => x.id === 'T1114');
    expect(row?.counts).toEqual(t.graph.technique('T1114').counts);
    expect(row!.counts.groups).toBeGreaterThan(0);
    expect(row!.counts.detections).toBe(1 + t.graph.technique('T1114').detection.dataComponents.length);
  });
});
