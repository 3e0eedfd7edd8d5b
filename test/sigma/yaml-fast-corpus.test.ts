/**
 * The YAML fast path (src/sigma/parse/yaml-fast.ts) over every file of ../shared/data/sigma: each
 * file it reads gives the same documents (the same JS values), the same document positions and the
 * same key and item positions as the `yaml` package; the few it hands over are counted. Handmade
 * and mutated texts are in src/sigma/parse/yaml-fast.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fastYamlPlain } from '../../src/sigma/parse/yaml-fast.ts';
import { parseYamlFull } from '../../src/sigma/parse/yaml.ts';
import { dataPath, filesUnder } from '../helpers/paths.ts';
import { positionsOf } from '../helpers/yaml-positions.ts';

describe('YAML fast path on SigmaHQ', () => {
  it('reads every file as the yaml package does, or hands it over', () => {
    const files = filesUnder(dataPath('sigma'), (f) => f.endsWith('.yml') || f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(4000);
    const handedOver: string[] = [];
    const differ: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const fast = fastYamlPlain(text);
      if (fast === undefined) {
        handedOver.push(file);
        continue;
      }
      const full = parseYamlFull(text, file);
      const same = full.issues.length === 0 && JSON.stringify(fast.documents) === JSON.stringify(full.documents) && JSON.stringify(positionsOf(fast)) === JSON.stringify(positionsOf(full));
      // toStrictEqual on the values too: JSON does not tell NaN from null or -0 from 0.
      if (!same) differ.push(file);
      else expect(fast.documents, file).toStrictEqual(full.documents);
    }
    expect(differ).toEqual([]);
    // In 2026-12: none of 4,039.
    expect(handedOver.length, handedOver.join('\n')).toBeLessThan(files.length / 100);
  });
});
