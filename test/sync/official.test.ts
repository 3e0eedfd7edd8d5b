import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCollectionIndex } from '../../src/sync/kinds/attack.ts';
import { MAPPING_FILES, mappingFileName, mappingFileUrl, parseMappingFileName } from '../../src/sync/official.ts';
import { dataPath } from '../helpers/paths.ts';

describe('official source locations', () => {
  it('builds Mappings Explorer URLs the way the repository lays its files out', () => {
    const nist = MAPPING_FILES.find((f) => mappingFileName(f) === 'nist_800_53-rev5_attack-16.1-enterprise.json');
    expect(nist).toBeDefined();
    expect(mappingFileUrl(nist!)).toBe(
      'https://raw.githubusercontent.com/center-for-threat-informed-defense/mappings-explorer/main/mappings/nist_800_53/attack-16.1/nist_800_53-rev5/enterprise/nist_800_53-rev5_attack-16.1-enterprise.json',
    );
  });

  it('lists exactly the mapping files of the reference mirror (../shared/data/mappings)', () => {
    const mirrored = readdirSync(dataPath('mappings')).filter((f) => f.includes('_attack-')).sort();
    expect(MAPPING_FILES.map(mappingFileName).sort()).toEqual(mirrored);
  });

  it('reads file names back, hyphenated frameworks included', () => {
    for (const f of MAPPING_FILES) expect(parseMappingFileName(mappingFileName(f))).toEqual(f);
    expect(parseMappingFileName('intel-vpro-08.20.2024_attack-15.1-enterprise.json')).toEqual({
      framework: 'intel-vpro',
      frameworkVersion: '08.20.2024',
      attackVersion: '15.1',
      domain: 'enterprise',
    });
    expect(parseMappingFileName('mapex-unified-data-schema.json')).toBeUndefined();
    expect(parseMappingFileName('aws-1_attack-16.1-pre.json')).toBeUndefined();
  });

  it('reads the ATT&CK collection index: every domain and release with its URL', () => {
    const releases = parseCollectionIndex(readFileSync(dataPath('attack', 'collection-index.json')), 'index.json');
    expect(new Set(releases.map((r) => r.domain))).toEqual(new Set(['enterprise', 'mobile', 'ics']));
    expect(releases).toContainEqual({
      domain: 'enterprise',
      version: '15.1',
      url: 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack-15.1.json',
    });
    expect(() => parseCollectionIndex(Buffer.from('{"objects": []}'), 'x.json')).toThrow(/not an ATT&CK collection index/);
    expect(() => parseCollectionIndex(Buffer.from('{"collections": ['), 'x.json')).toThrow(/not valid JSON/);
  });
});
