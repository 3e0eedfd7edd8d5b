import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Domain } from '../../src/core/attack.ts';
import { attackSource } from '../../src/sync/kinds/attack.ts';
import type { ListContext } from '../../src/sync/types.ts';
import { dataPath } from '../helpers/paths.ts';

/** A listing context over the real collection index of ../shared/data. */
function context(domains: Domain[], attackVersion?: string): { ctx: ListContext; warnings: string[] } {
  const warnings: string[] = [];
  const ctx: ListContext = {
    options: { domains, attackVersion },
    fetch: (location) => {
      expect(location.mirrorPath).toBe('attack/collection-index.json');
      return Promise.resolve(readFileSync(dataPath('attack', 'collection-index.json')));
    },
    listMirrorFolder: () => Promise.resolve(undefined),
    readMirrorTree: () => Promise.resolve(undefined),
    warn: (m) => warnings.push(m),
  };
  return { ctx, warnings };
}

describe('ATT&CK source: which bundles of the collection index to sync', () => {
  it('by default, the newest release of every domain', async () => {
    const { ctx, warnings } = context([]);
    const items = await attackSource.list(ctx);
    expect(items.map((i) => i.label)).toEqual(['enterprise ATT&CK 18.1', 'mobile ATT&CK 18.1', 'ics ATT&CK 18.1']);
    expect(items.map((i) => i.location.mirrorPath)).toEqual(['attack/enterprise-attack-18.1.json', 'attack/mobile-attack-18.1.json', 'attack/ics-attack-18.1.json']);
    expect(items[0]?.location.url).toBe('https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack-18.1.json');
    expect(warnings).toEqual([]);
  });

  it('--attack-version and --domain pick releases', async () => {
    const items = await attackSource.list(context(['enterprise'], 'v15.1').ctx);
    expect(items.map((i) => i.label)).toEqual(['enterprise ATT&CK 15.1']);
  });

  it('a release some domains lack: skipped with a warning, unless the domain was asked for', async () => {
    const { ctx, warnings } = context([], '7.2');
    expect((await attackSource.list(ctx)).map((i) => i.label)).toEqual(['enterprise ATT&CK 7.2', 'mobile ATT&CK 7.2']);
    expect(warnings).toEqual(['the collection index has no ATT&CK 7.2 for ics; skipped']);
    await expect(attackSource.list(context(['ics'], '7.2').ctx)).rejects.toThrow('the collection index has no ATT&CK 7.2 for ics');
    await expect(attackSource.list(context([], '99.0').ctx)).rejects.toThrow('no ATT&CK 99.0 for enterprise, mobile, ics');
    await expect(attackSource.list(context([], 'latest').ctx)).rejects.toThrow('--attack-version "latest" is not a version like 18.1');
  });
});
