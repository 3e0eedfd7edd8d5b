/**
 * Coverage from evidence: visibility from analytics' log sources against an inventory you build,
 * declared coverage merged without lowering evidence, and malformed declarations as one line with
 * line and column.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';
import { windowsEntry, writeDataComponentBundle, writeLogonBundle } from './fixtures.ts';
import { parseDeclaration } from '../../src/query/coverage/declared.ts';
import { TtpgraphError } from '../../src/errors.ts';

let t: TempGraph;

beforeAll(async () => {
  t = await graphWith();
  await t.graph.importAttack(writeLogonBundle(t.dir), { attackVersion: '18.1' });
});
afterAll(() => t?.dispose());

const level = (id: string): string | undefined => t.graph.coverage(t.graph.dataset()).techniques.get(id)?.level;

describe('visibility from analytics', () => {
  it('is none without any inventory', () => {
    expect(level('T9901')).toBe('none');
    expect(t.graph.technique('T9901').coverage?.level).toBe('none');
  });

  it('a 4624-only analytic technique is none when the inventory lacks 4624', () => {
    t.graph.saveInventory({ logs: ['x'], files: 1, events: 9, entries: [windowsEntry('Security', 4625, 5), windowsEntry('Microsoft-Windows-Sysmon/Operational', 1, 4)] });
    expect(level('T9901')).toBe('none');
    const c = t.graph.technique('T9901').coverage!;
    expect(c.analytics[0]?.logSources[0]).toMatchObject({ name: 'WinEventLog:Security', present: false, missingEventIds: ['4624'] });
    expect(c.gaps.map((g) => g.what).join(' ')).toContain('WinEventLog:Security (Security event 4624)');
  });

  it('is visible when the newest inventory holds Security 4624', () => {
    t.graph.saveInventory({ logs: ['y'], files: 1, events: 3, entries: [windowsEntry('Security', 4624, 3)] });
    expect(level('T9901')).toBe('visible');
    const c = t.graph.technique('T9901').coverage!;
    expect(c.analytics[0]).toMatchObject({ id: 'AN9901', runnable: 'all' });
    expect(c.analytics[0]?.logSources[0]).toMatchObject({ present: true, declared: false, events: 3, presentEventIds: ['4624'] });
    expect(c.reasons.join(' ')).toContain('AN9901');
    // The technique without any detection stays none, whatever the logs.
    expect(level('T9902')).toBe('none');
  });
});

describe('visibility from data components (ATT&CK <= v17)', () => {
  it('a technique detected by Logon Session Creation is visible with Security 4624 and none without', async () => {
    await t.graph.importAttack(writeDataComponentBundle(t.dir), { attackVersion: '15.1' });
    const at15 = (): string | undefined => t.graph.technique('T9903', { version: '15.1' }).coverage?.level;
    t.graph.saveInventory({ logs: ['a'], files: 1, events: 1, entries: [windowsEntry('Security', 4625)] });
    expect(at15()).toBe('none');
    t.graph.saveInventory({ logs: ['b'], files: 1, events: 1, entries: [windowsEntry('Security', 4624)] });
    const c = t.graph.technique('T9903', { version: '15.1' }).coverage!;
    expect(c.level).toBe('visible');
    expect(c.analytics).toEqual([]);
    expect(c.dataComponents).toEqual([expect.objectContaining({ name: 'Logon Session Creation', present: true, declared: false })]);
    expect(t.graph.coverage(t.graph.dataset({ version: '15.1' })).techniques.get('T9903')?.level).toBe('visible');
  });
});

describe('declared coverage', () => {
  it('raises levels, is marked declared, and never lowers evidence', () => {
    const d = t.graph.declareCoverage([
      {
        source: 'mine.yml',
        text: ['techniques:', '  - id: T9902', '    level: detectable', '    note: EDR rule 17', '  - id: T9901', '    level: visible', '    note: already seen'].join('\n'),
      },
    ]);
    expect(d.techniques).toHaveLength(2);
    const cov = t.graph.coverage(t.graph.dataset());
    expect(cov.techniques.get('T9902')).toMatchObject({ level: 'detectable', declared: true, evidenceLevel: 'none' });
    expect(cov.techniques.get('T9902')?.reasons.join(' ')).toContain('EDR rule 17');
    // T9901 is visible from the logs; declaring "visible" keeps it so, and not as declared.
    expect(cov.techniques.get('T9901')).toMatchObject({ level: 'visible', declared: false, evidenceLevel: 'visible' });
  });

  it('declared log sources make analytics visible, marked declared', () => {
    t.graph.saveInventory({ logs: ['z'], files: 1, events: 1, entries: [windowsEntry('System', 7045)] });
    // A new declaration replaces the one before.
    t.graph.declareCoverage([{ source: 'empty.yml', text: 'techniques: []\n' }]);
    expect(level('T9901')).toBe('none');
    expect(level('T9902')).toBe('none');
    t.graph.declareCoverage([{ source: 'siem.yml', text: 'logSources:\n  - name: WinEventLog:Security\n    eventIds: [4624, 4625]\n' }]);
    const c = t.graph.technique('T9901').coverage!;
    expect(c.level).toBe('visible');
    expect(c.declared).toBe(true);
    expect(c.analytics[0]?.logSources[0]).toMatchObject({ present: true, declared: true });
  });

  it('a new declaration is read even when stored within the same millisecond as the one before', () => {
    t.graph.declareCoverage([{ source: 'empty.yml', text: 'techniques: []\n' }]);
    expect(level('T9901')).toBe('none');
    const first = t.sql.get<{ d: string }>('SELECT declared_at AS d FROM declared_coverage WHERE id = 1')!.d;
    t.graph.declareCoverage([{ source: 'siem.yml', text: 'logSources:\n  - name: WinEventLog:Security\n    eventIds: [4624, 4625]\n' }]);
    // As on a fast machine: the second declaration stamped with the first one's time.
    const db = new Database(t.dbPath);
    db.prepare('UPDATE declared_coverage SET declared_at = ? WHERE id = 1').run(first);
    db.close();
    expect(level('T9901')).toBe('visible');
  });

  it('a malformed file is one line naming file, line and column', () => {
    const bad = (text: string): string => {
      try {
        parseDeclaration(text, 'cov.yml');
      } catch (e) {
        expect(e).toBeInstanceOf(TtpgraphError);
        return (e as TtpgraphError).describe();
      }
      throw new Error('no error');
    };
    expect(bad('techniques:\n  - id: T1\n')).toBe('cov.yml:2:9: a technique needs an id like T1114 or T1114.003');
    expect(bad('techniques:\n  - id: T1059\n    level: great\n')).toBe('cov.yml:3:12: level must be visible, detectable or detected');
    expect(bad('logSources: [WinEventLog:Security\n')).toMatch(/^cov\.yml:\d+:\d+: not YAML: /);
    expect(bad('colour: red\n')).toBe('cov.yml:1:1: unknown key "colour": expected logSources, dataComponents, sigma, techniques, name, description');
    for (const m of [bad('techniques:\n  - id: T1\n'), bad('logSources: [WinEventLog:Security\n')]) expect(m).not.toContain('\n');
    // Nothing stored when the file is bad: the earlier declaration stays.
    let stored: unknown;
    try {
      t.graph.declareCoverage([{ source: 'bad.yml', text: 'sigma: [1]\n' }]);
    } catch (e) {
      stored = e;
    }
    expect((stored as TtpgraphError).describe()).toBe('bad.yml:1:9: a Sigma logsource is a map of product, category, service');
    expect(t.graph.technique('T9901').coverage?.level).toBe('visible');
  });

  it("reads DeTT&CT's data source and technique administration files", () => {
    const ds = parseDeclaration(
      [
        'version: 1.2',
        'file_type: data-source-administration',
        'name: example',
        'data_sources:',
        '  - data_source_name: Logon Session Creation',
        '    date_registered: 2019-03-01',
        '    date_connected: 2017-01-01',
        '    available_for_data_analytics: true',
        '  - data_source_name: Process Creation',
        '    date_connected:',
        '    available_for_data_analytics: false',
      ].join('\n'),
      'ds.yaml',
    );
    expect(ds.dataComponents).toEqual(['Logon Session Creation']);
    const tech = parseDeclaration(
      [
        'version: 1.2',
        'file_type: technique-administration',
        'name: example',
        'techniques:',
        '  - technique_id: T1055',
        '    technique_name: Process Injection',
        '    detection:',
        '      applicable_to: [all]',
        '      score_logbook:',
        '        - date: 2019-01-01',
        '          score: 0',
        '        - date: 2020-01-01',
        '          score: 3',
        '    visibility:',
        '      applicable_to: [all]',
        '      score_logbook:',
        '        - date: 2020-01-01',
        '          score: 2',
        '  - technique_id: T1003',
        '    detection:',
        '      score_logbook:',
        '        - date: 2020-01-01',
        '          score: -1',
        '    visibility:',
        '      score_logbook:',
        '        - date: 2020-01-01',
        '          score: 1',
      ].join('\n'),
      'tech.yaml',
    );
    expect(tech.techniques.map((x) => [x.id, x.level])).toEqual([
      ['T1055', 'detectable'],
      ['T1003', 'visible'],
    ]);
    // A DeTT&CT data source (a data component name) makes the analytics' log sources of that component present.
    t.graph.saveInventory({ logs: ['w'], files: 1, events: 1, entries: [windowsEntry('System', 7045)] });
    t.graph.declareCoverage([{ source: 'ds.yaml', text: 'file_type: data-source-administration\ndata_sources:\n  - data_source_name: Logon Session Creation\n    available_for_data_analytics: true\n' }]);
    expect(t.graph.technique('T9901').coverage).toMatchObject({ level: 'visible', declared: true });
  });
});

describe('gaps', () => {
  it('unknown targets are errors naming the ID', () => {
    expect(() => t.graph.gaps('group', 'G9999')).toThrow(/G9999/);
  });
});
