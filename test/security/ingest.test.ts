/**
 * Issue 12, points 5 and 12 (the import half): a bundle is validated at the boundary and cannot
 * silently empty a dataset; imports say what they stored, not what they were given. The real CLI
 * on hand-made files.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite/store.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { tinyBundle } from './fixtures.ts';

const uuid = (n: number): string => `11111111-2222-4333-8444-${String(n).padStart(12, '0')}`;

describe('validated imports', () => {
  const dir = tempDir();
  const db = path.join(dir, 'store.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown): string => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const techniques = (): string[] => {
    const store = openStore(db, { readonly: true });
    try {
      return store.all<{ attack_id: string; name: string }>("SELECT attack_id, name FROM object WHERE kind = 'technique' ORDER BY attack_id").map((r) => `${r.attack_id} ${r.name}`);
    } finally {
      store.close();
    }
  };

  it('refuses a bundle whose wrong-typed techniques would empty a dataset, says what was skipped, and --force overrides', async () => {
    const goodFile = write('enterprise-attack-18.1.json', tinyBundle({ techniques: 15 }));
    expect((await cliInProcess(['--db', db, 'import', 'attack', goodFile])).status).toBe(0);
    const before = techniques();
    expect(before).toHaveLength(15);

    const brokenFile = write('enterprise-attack-18.1-broken.json', tinyBundle({ techniques: 15, broken: true }));
    const refused = await cliInProcess(['--db', db, 'import', 'attack', brokenFile]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `ttpgraph: error: ${brokenFile}: refused: it would replace enterprise ATT&CK 18.1 (15 techniques) with 0 techniques (15 objects skipped, 15 of them techniques; first: "name" is not a string); nothing was changed (--force to replace it anyway)`,
    );
    expect(techniques()).toEqual(before);

    // A bundle with a few bad objects still lands, naming each one skipped.
    const partly = JSON.parse(tinyBundle({ techniques: 15 })) as { objects: Record<string, unknown>[] };
    const t = partly.objects.filter((o) => o['type'] === 'attack-pattern');
    t[0]!['kill_chain_phases'] = 'collection';
    t[1]!['external_references'] = [];
    t[2]!['x_mitre_platforms'] = 'Windows';
    t[3]!['description'] = 7;
    const partlyFile = write('enterprise-attack-18.1-partly.json', partly);
    const landed = await cliInProcess(['--db', db, 'import', 'attack', partlyFile]);
    expect(landed.status, landed.stderr).toBe(0);
    expect(landed.stdout).toMatch(/^replaced enterprise ATT&CK 18\.1/);
    expect(landed.stderr.trim().split('\n')).toEqual([
      `ttpgraph: warning: ${partlyFile}: object #3 attack-pattern--00000000-0000-4000-8000-000000000100 skipped: "kill_chain_phases" is not a list`,
      `ttpgraph: warning: ${partlyFile}: object #4 attack-pattern--00000000-0000-4000-8000-000000000101 skipped: a technique needs an ATT&CK ID (an external reference "mitre-attack" with an external_id)`,
      `ttpgraph: warning: ${partlyFile}: object #5 attack-pattern--00000000-0000-4000-8000-000000000102 skipped: "x_mitre_platforms" is not a list`,
      `ttpgraph: warning: ${partlyFile}: object #6 attack-pattern--00000000-0000-4000-8000-000000000103 skipped: "description" is not a string`,
    ]);
    expect(techniques()).toHaveLength(11);

    const forced = await cliInProcess(['--db', db, 'import', 'attack', '--force', brokenFile]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(techniques()).toEqual([]);
  });

  it('fails a mappings file none of whose rows is valid, storing nothing', async () => {
    const file = write('nist_800_53-rev5_attack-14.1-enterprise.json', {
      metadata: { mapping_framework: 'nist_800_53', mapping_framework_version: 'rev5', attack_version: '14.1', technology_domain: 'enterprise' },
      mapping_objects: [{ capability_id: 'AC-1' }, 'junk', { status: 'complete' }],
    });
    const r = await cliInProcess(['--db', db, 'import', 'mappings', file]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`ttpgraph: error: ${file}: none of its 3 mapping rows is valid (row #0: no "status"); nothing was stored`);
    const store = openStore(db, { readonly: true });
    expect(store.get<{ n: number }>('SELECT count(*) AS n FROM mapping_set')?.n).toBe(0);
    store.close();
  });

  it('counts a report listed twice once, and drops object_refs that are no STIX ids, saying how many', async () => {
    const report = (name: string, refs: unknown[]): Record<string, unknown> => ({ type: 'report', spec_version: '2.1', id: `report--${uuid(1)}`, name, published: '2024-01-01T00:00:00Z', object_refs: refs });
    const bogus = Array.from({ length: 200_000 }, (_, i) => `not-a-ref-${i}`);
    const file = write('advisory.json', {
      type: 'bundle',
      id: `bundle--${uuid(9)}`,
      objects: [report('First', [`attack-pattern--${uuid(2)}`]), report('Second', [`attack-pattern--${uuid(2)}`, `attack-pattern--${uuid(2)}`, ...bogus, 42])],
    });
    const r = await cliInProcess(['--db', db, 'import', 'stix', file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^imported 1 STIX report\(s\) from .*: 1 object_refs, 0 of them to ATT&CK objects/);
    expect(r.stderr.trim().split('\n')).toEqual([
      `ttpgraph: warning: ${file}: report report--${uuid(1)}: 200001 object_refs are not STIX identifiers (type--UUID) and were dropped`,
      `ttpgraph: warning: ${file}: report report--${uuid(1)} appears 2 times in the bundle; stored once (the last one)`,
    ]);
    const store = openStore(db, { readonly: true });
    expect(store.all('SELECT name FROM stix_report')).toEqual([{ name: 'Second' }]);
    expect(store.get<{ n: number }>('SELECT count(*) AS n FROM stix_report_ref')?.n).toBe(1);
    store.close();
  });
});
