import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTypesInFile, graphWith, storeFingerprint, type TempGraph } from '../helpers/attack-store.ts';
import { dataPath } from '../helpers/paths.ts';

const bundles = readdirSync(dataPath('attack')).filter((f) => /-attack-.*\.json$/.test(f));

describe('import attack: every bundle of ../shared/data/attack', () => {
  let t: TempGraph;
  beforeAll(async () => {
    t = await graphWith();
  });
  afterAll(() => t.dispose());

  it.each(bundles)('%s imports, and the store holds as many objects of each type as the file', async (file) => {
    const result = await t.graph.importAttack(dataPath('attack', file));
    expect(result.skipped).toEqual([]);
    const dataset = t.sql.get<{ id: number }>('SELECT id FROM dataset WHERE domain = ? AND version = ?', result.domain, result.version);
    expect(dataset).toBeDefined();
    const stored: Record<string, number> = {};
    for (const row of t.sql.all<{ stix_type: string; n: number }>(
      'SELECT stix_type, count(*) AS n FROM object WHERE dataset_id = ? GROUP BY stix_type',
      dataset!.id,
    )) {
      stored[row.stix_type] = row.n;
    }
    const rels = t.sql.get<{ n: number }>('SELECT count(*) AS n FROM relationship WHERE dataset_id = ?', dataset!.id)!.n;
    if (rels > 0) stored['relationship'] = rels;
    expect(stored).toEqual(countTypesInFile(file));
  });

  it('reads domain and version from each bundle', () => {
    const seen = t.graph.datasets().map((d) => `${d.domain} ${d.version} ${d.specVersion}`);
    // ics 18.1 arrives twice (STIX 2.0 and 2.1 editions): the later one replaces the earlier.
    expect(seen.sort()).toEqual(['enterprise 15.1 2.0', 'enterprise 18.1 2.0', 'ics 18.1 2.1', 'mobile 18.1 2.0']);
  });

  it('importing the same bundle twice is a no-op', async () => {
    const before = storeFingerprint(t.graph);
    const again = await t.graph.importAttack(dataPath('attack', 'mobile-attack-18.1.json'));
    expect(again.status).toBe('unchanged');
    expect(storeFingerprint(t.graph)).toBe(before);
  });

  it('keeps several versions of a domain side by side; the newest is the default', () => {
    expect(t.graph.technique('T1114').attackVersion).toBe('18.1');
    expect(t.graph.technique('T1114', { version: '15.1' }).attackVersion).toBe('15.1');
    expect(t.graph.technique('T0800').domain).toBe('ics');
    expect(t.graph.technique('T1404').domain).toBe('mobile');
  });
});
