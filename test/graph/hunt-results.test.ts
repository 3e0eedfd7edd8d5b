import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite/store.ts';
import { huntHitsByTechnique, huntRuns, techniqueHuntHits } from '../../src/query/hunts.ts';
import { HuntRecorder } from '../../src/ingest/hunt/record-hunt.ts';

describe('saving hunt results', () => {
  it('aggregates hits per technique and rule, and the newest run is the one that counts', () => {
    const store = openStore(':memory:');
    try {
      const first = new HuntRecorder();
      first.add({ ruleId: 'r1', title: 'Rule one', level: 'high', techniques: ['T1114.001'], timestamp: '2024-01-02T00:00:00Z', host: 'ws1' });
      first.save(store, { startedAt: '2024-01-03T00:00:00Z', logs: ['a.evtx'], rules: 2, files: 1, events: 10, hits: 1 });

      const second = new HuntRecorder();
      second.add({ ruleId: 'r1', title: 'Rule one', level: 'high', techniques: ['T1114.001', 'T1059.001'], timestamp: '2024-02-02T00:00:00Z', host: 'ws1' });
      second.add({ ruleId: 'r1', title: 'Rule one', level: 'high', techniques: ['T1114.001'], timestamp: '2024-02-01T00:00:00Z', host: 'ws2' });
      second.add({ ruleId: undefined, title: 'No id', level: undefined, techniques: ['t1114'], timestamp: undefined, host: undefined });
      const runId = second.save(store, { label: 'february', startedAt: '2024-02-03T00:00:00Z', logs: ['b.evtx'], rules: 2, files: 1, events: 20, hits: 3 });

      expect(huntRuns(store).map((r) => r.label)).toEqual(['february', null]);
      const byTechnique = huntHitsByTechnique(store);
      expect(byTechnique.get('T1114.001')).toBe(2);
      expect(byTechnique.get('T1114')).toBe(3); // its own hit plus the sub-technique's two
      expect(byTechnique.get('T1059')).toBe(1);
      const hits = techniqueHuntHits(store, 'T1114', runId);
      expect(hits.find((h) => h.ruleId === 'r1')).toMatchObject({ hits: 2, hosts: ['ws1', 'ws2'], firstSeen: '2024-02-01T00:00:00Z', lastSeen: '2024-02-02T00:00:00Z' });
      expect(hits.find((h) => h.ruleId === 'No id')?.hits).toBe(1);
      expect(techniqueHuntHits(store, 'T1114', runId - 1).map((h) => h.hits)).toEqual([1]);
    } finally {
      store.close();
    }
  });
});
