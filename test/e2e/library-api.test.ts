// Uses the package exactly as a consumer does: by its name, resolved through package.json "exports" to dist/.
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { openGraph, TtpgraphError } from 'ttpgraph';
import { tempDir } from '../helpers/attack-store.ts';
import { dataPath } from '../helpers/paths.ts';

describe("import { openGraph } from 'ttpgraph'", () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a bundle and answers page and search queries', async () => {
    const graph = openGraph({ path: path.join(dir, 'lib.db') });
    try {
      const result = await graph.importAttack(dataPath('attack', 'ics-attack-18.1.json'));
      expect(result).toMatchObject({ status: 'imported', domain: 'ics', version: '18.1' });
      const page = graph.technique('T0800');
      expect(page.name).toBe('Activate Firmware Update Mode');
      expect(page.tactics.map((t) => t.name)).toContain('Inhibit Response Function');
      expect(graph.search('firmware update mode')[0]?.id).toBe('T0800');
      expect(() => graph.technique('G0007')).toThrow(TtpgraphError);
    } finally {
      graph.close();
    }
  });
});
