/**
 * Pieces of issue 14 that need no store: "what changed" matching objects without an ATT&CK ID by
 * name, the word diff, YAML highlighting (escaped like every value), framework names and order.
 */
import { describe, expect, it } from 'vitest';
import { compareFrameworks, compareVersionsNewestFirst, frameworkLabel } from '../../src/core/frameworks.ts';
import { techniqueChanges } from '../../src/query/changes.ts';
import type { TechniquePage } from '../../src/query/technique-page.ts';
import { diffWords, renderWordDiff } from '../../src/render/html/word-diff.ts';
import { highlightYaml } from '../../src/render/html/yaml.ts';

function pageWith(version: string, components: { id: string; name: string }[]): TechniquePage {
  return {
    id: 'T1114',
    name: 'Email Collection',
    url: null,
    domain: 'enterprise',
    attackVersion: version,
    tactics: [],
    description: '',
    platforms: [],
    parent: null,
    subtechniques: [],
    mitigations: [],
    detection: { dataComponents: components.map((c) => ({ ...c, dataSource: null, description: '' })), strategies: [] },
    procedures: [],
    references: [],
    revokedBy: null,
    deprecated: false,
    reports: [],
    sigma: [],
    controls: [],
    counts: { groups: 0, software: 0, campaigns: 0, reports: 0, controls: {}, detections: 0, sigma: 0, hits: 0 },
  } as unknown as TechniquePage;
}

describe('what changed', () => {
  it('matches a data component known by STIX id in 15.1 to the same one with a DC ID in 18.1, by name', () => {
    const before = pageWith('15.1', [
      { id: 'x-mitre-data-component--9ce98c86-8d30-4043-ba54-0784d478d0b5', name: 'Logon Session Creation' },
      { id: 'x-mitre-data-component--235b7491-2d2b-4617-9a52-3c0783680f71', name: 'File Access' },
    ]);
    const after = pageWith('18.1', [
      { id: 'DC0067', name: 'Logon Session Creation' },
      { id: 'DC0099', name: 'Process Creation' },
    ]);
    const dc = techniqueChanges(before, after, '15.1', '18.1').sections.find((s) => s.section === 'dataComponents')!;
    expect(dc.added.map((x) => x.name)).toEqual(['Process Creation']);
    expect(dc.removed.map((x) => x.name)).toEqual(['File Access']);
  });

  it('two objects with ATT&CK IDs are different even when their names are equal', () => {
    const dc = techniqueChanges(pageWith('15.1', [{ id: 'DC0001', name: 'Same' }]), pageWith('18.1', [{ id: 'DC0002', name: 'Same' }]), '15.1', '18.1').sections.find(
      (s) => s.section === 'dataComponents',
    )!;
    expect(dc.added.map((x) => x.id)).toEqual(['DC0002']);
    expect(dc.removed.map((x) => x.id)).toEqual(['DC0001']);
  });
});

describe('the word diff', () => {
  it('keeps the words both texts share and marks the others', () => {
    expect(diffWords('Adversaries may collect email from servers.', 'Adversaries may target email on servers.')).toEqual([
      { op: 'same', text: 'Adversaries may ' },
      { op: 'del', text: 'collect ' },
      { op: 'ins', text: 'target ' },
      { op: 'same', text: 'email ' },
      { op: 'del', text: 'from ' },
      { op: 'ins', text: 'on ' },
      { op: 'same', text: 'servers.' },
    ]);
  });
  it('escapes what it shows', () => {
    expect(String(renderWordDiff('a <b>', 'a <i>'))).toBe('<p class="word-diff">a <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins></p>');
  });
});

describe('YAML highlighting', () => {
  it('marks keys, list dashes, strings and comments, and escapes every piece', () => {
    const out = String(highlightYaml("title: <script>x</script>\ndetection:\n    selection:\n        - 'a # not a comment' # a comment\n# whole line"));
    expect(out).toContain('<span class="k">title:</span> &lt;script&gt;x&lt;/script&gt;');
    expect(out).toContain('<span class="p">- </span><span class="s">&#39;a # not a comment&#39; </span><span class="c"># a comment</span>');
    expect(out).toContain('<span class="c"># whole line</span>');
    expect(out).not.toContain('<script>');
  });
});

describe('control frameworks', () => {
  it('have human names, NIST SP 800-53 first, newest version first', () => {
    expect(frameworkLabel('nist_800_53', 'rev5')).toBe('NIST SP 800-53 rev5');
    expect(frameworkLabel('m365', '07/18/2025')).toBe('Microsoft 365 (07/18/2025)');
    expect(['veris', 'csa_ccm', 'nist_800_53', 'aws'].sort(compareFrameworks)).toEqual(['nist_800_53', 'aws', 'csa_ccm', 'veris']);
    expect(['rev4', 'rev5'].sort(compareVersionsNewestFirst)).toEqual(['rev5', 'rev4']);
    expect(['12/11/2023', '07/18/2025'].sort(compareVersionsNewestFirst)).toEqual(['07/18/2025', '12/11/2023']);
  });
});
