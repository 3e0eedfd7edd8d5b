import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGraph } from '../../src/graph.ts';
import { storeFingerprint, tempDir } from '../helpers/attack-store.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { dataPath } from '../helpers/paths.ts';

describe('ttpgraph import / show / search / datasets, as a user runs them', () => {
  let dir: string;
  let db: string;
  const cli = (...args: string[]) => cliInProcess(['--db', db, ...args]);
  const fingerprint = (): string => {
    const g = openGraph({ path: db, mustExist: true });
    try {
      return storeFingerprint(g);
    } finally {
      g.close();
    }
  };

  beforeAll(async () => {
    dir = tempDir();
    db = path.join(dir, 'cli.db');
    const r = await cli('import', 'attack', dataPath('attack', 'enterprise-attack-15.1.json'), dataPath('attack', 'ics-attack-18.1.json'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^imported enterprise ATT&CK 15\.1 \(STIX 2\.0\) from .*enterprise-attack-15\.1\.json: 2082 objects, 17899 relationships/m);
    expect(r.stdout).toMatch(/^imported ics ATT&CK 18\.1/m);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('show prints the reference page sections in order, wrapped to the terminal', async () => {
    const r = await cli('show', 'T1114');
    expect(r.status).toBe(0);
    const out = r.stdout;
    const order = ['T1114: Email Collection', 'Tactics: Collection (TA0009)', 'Description', 'Mitigations', 'How to detect', 'Procedure examples', 'References'];
    let at = -1;
    for (const heading of order) {
      const next = out.indexOf(heading, at + 1);
      expect(next, heading).toBeGreaterThan(at);
      at = next;
    }
    expect(out).toContain('Logon Session Creation (Logon Session)');
    expect(out).toContain('https://attack.mitre.org/techniques/T1114');
    // Wrapped to COLUMNS=100; only a URL, which must stay whole to be clickable, may run past it.
    for (const line of out.split('\n')) if (line.length > 100) expect(line.trim(), line).toMatch(/^(\S+ )?https?:\/\/\S+$/);
  });

  it('show --json prints the page model', async () => {
    const r = await cli('show', 't1114', '--json');
    expect(r.status).toBe(0);
    const page = JSON.parse(r.stdout);
    expect(page.id).toBe('T1114');
    expect(page.attackVersion).toBe('15.1');
    expect(page.mitigations.map((m: { id: string }) => m.id).sort()).toEqual(['M1032', 'M1041', 'M1047']);
  });

  it('show follows a revoked ID to its replacement and says so', async () => {
    const r = await cli('show', 'T1066', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).id).toBe('T1027.005');
    expect(r.stderr).toContain('T1066');
    expect(r.stderr).toContain('revoked');
  });

  it('shows pages of other node types with relations both ways', async () => {
    const group = JSON.parse((await cli('show', 'G0059', '--json')).stdout);
    expect(group.type).toBe('group');
    expect(group.relations.find((s: { key: string }) => s.key === 'techniques').items.map((i: { id: string }) => i.id)).toContain('T1114');
    const mitigation = JSON.parse((await cli('show', 'M1047', '--json')).stdout);
    expect(mitigation.relations[0].items.map((i: { id: string }) => i.id)).toContain('T1114');
    const tactic = await cli('show', 'TA0009');
    expect(tactic.stdout).toContain('T1114 Email Collection');
    const ics = JSON.parse((await cli('show', 'T0800', '--json')).stdout);
    expect(ics.domain).toBe('ics');
  });

  it('search ranks the exact name first and filters by type', async () => {
    const hits = JSON.parse((await cli('search', 'email', 'collection', '--json')).stdout);
    expect(hits[0].id).toBe('T1114');
    const groups = JSON.parse((await cli('search', 'Charming', 'Kitten', '--type', 'group', '--json')).stdout);
    expect(groups.map((h: { id: string }) => h.id)).toContain('G0059');
    expect(groups.every((h: { type: string }) => h.type === 'group')).toBe(true);
  });

  it('datasets lists what the store holds', async () => {
    const r = await cli('datasets');
    expect(r.stdout).toMatch(/enterprise\s+15\.1/);
    expect(r.stdout).toMatch(/ics\s+18\.1/);
  });

  describe('bad input: one line naming the file or ID, non-zero exit, store as before', () => {
    const cases: [string, () => string, RegExp][] = [
      ['malformed JSON', () => write('malformed.json', '{"type": "bundle", "objects": [ {"type": "attack-pattern",, }]}'), /malformed\.json: not valid JSON/],
      [
        'a truncated bundle',
        () => write('ics-attack-18.1.json', readFileSync(dataPath('attack', 'ics-attack-18.1.stix21.json')).subarray(0, 150_000)),
        /ics-attack-18\.1\.json: not valid JSON .*truncated/,
      ],
      ['JSON that is not a STIX bundle', () => write('layer.json', JSON.stringify({ name: 'layer', techniques: [] })), /layer\.json: not a STIX bundle/],
      ['an unreadable path', () => path.join(dir, 'no-such-file.json'), /no-such-file\.json: no such file/],
    ];
    it.each(cases)('%s', async (_label, make, message) => {
      const before = fingerprint();
      const file = make();
      const r = await cli('import', 'attack', file);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(fingerprint()).toBe(before);
    });

    it('a bundle whose version cannot be told', async () => {
      const before = fingerprint();
      const r = await cli('import', 'attack', write('bundle.json', JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: [] })));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/bundle\.json: cannot tell the ATT&CK domain/);
      expect(fingerprint()).toBe(before);
    });

    it('an unknown ID', async () => {
      const r = await cli('show', 'T9999');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^ttpgraph: error: no object "T9999" in enterprise 15\.1, ics 18\.1; try: ttpgraph search "T9999"$/m);
      expect(r.stdout).toBe('');
    });

    it('an unknown version', async () => {
      const r = await cli('show', 'T1114', '--attack-version', '9.0');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('no ATT&CK 9.0 in the store; have: enterprise 15.1, ics 18.1');
    });

    it('a missing store is not created by a query', async () => {
      const r = await cliInProcess(['--db', path.join(dir, 'missing.db'), 'show', 'T1114']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('missing.db: no ttpgraph store here');
    });

    it('a bad object inside a good bundle is skipped and reported; the rest lands', async () => {
      const bundle = JSON.parse(readFileSync(dataPath('attack', 'ics-attack-18.1.stix21.json'), 'utf8')) as { objects: unknown[] };
      bundle.objects.splice(5, 0, { type: 'attack-pattern', name: 'no id' });
      const file = write('mobile-attack-17.0.json', JSON.stringify(bundle));
      const other = path.join(dir, 'other.db');
      const r = await cliInProcess(['--db', other, 'import', 'attack', file]);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/warning: .*mobile-attack-17\.0\.json: object #5 skipped: missing "type" or "id"/);
      expect(r.stdout).toContain('imported ics ATT&CK 18.1');
    });
  });

  function write(name: string, content: string | Buffer): string {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  }
});
