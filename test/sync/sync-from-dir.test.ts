import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGraph } from '../../src/graph.ts';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.ts';
import { storeFingerprint, tempDir, withStore } from '../helpers/attack-store.ts';
import { dataPath } from '../helpers/paths.ts';
import { runCliAsync } from './run-cli.ts';

describe('ttpgraph sync --from DIR (a local mirror for air-gapped sites)', () => {
  let dir: string;
  let mirror: string;
  let db: string;
  const fingerprint = (): string => {
    const g = openGraph({ path: db, mustExist: true });
    try {
      return storeFingerprint(g);
    } finally {
      g.close();
    }
  };
  const rows = (sql: string): string[] => {
    return withStore(db, (store) => store.all<{ v: string }>(sql).map((r) => r.v));
  };

  beforeAll(() => {
    dir = tempDir('ttpgraph-sync-from-');
    db = path.join(dir, 'store', 'store.db');
    // A mirror laid out like ../shared/data with a few of its files (linked, not copied); no mobile bundle.
    mirror = path.join(dir, 'mirror');
    const link = (folder: string, file: string): void => {
      mkdirSync(path.join(mirror, folder), { recursive: true });
      symlinkSync(dataPath(folder, file), path.join(mirror, folder, file));
    };
    link('attack', 'collection-index.json');
    link('sigma', 'rules-compliance');
    link('attack', 'ics-attack-18.1.json');
    for (const f of ['veris-1.4.0_attack-16.1-ics.json', 'kev-02.13.2025_attack-15.1-mobile.json', 'kev-07.28.2025_attack-16.1-enterprise.json', 'LICENSE.txt', 'mapex-unified-data-schema.json']) {
      link('mappings', f);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports what the mirror holds for the domains asked, and names the file it lacks', async () => {
    const r = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--domain', 'ics', '--domain', 'mobile']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`ttpgraph: error: mobile ATT&CK 18.1: ${path.join(mirror, 'attack', 'mobile-attack-18.1.json')}: no such file\n`);
    expect(r.stdout).toContain(`imported ics ATT&CK 18.1 from ${path.join(mirror, 'attack', 'ics-attack-18.1.json')}: STIX 2.0, 452 objects`);
    expect(r.stdout).toMatch(/^imported veris 1\.4\.0 mappings for ATT&CK 16\.1 ics from .*: 347 mappings \(138 non_mappable\)/m);
    expect(r.stdout).toMatch(/^imported kev 02\.13\.2025 mappings for ATT&CK 15\.1 mobile from .*: 8 mappings/m);
    expect(r.stdout).toMatch(/^imported SigmaHQ rules from \S+\/mirror\/sigma: 3 rules from 3 files: /m);
    expect(r.stdout).toMatch(/^sync: 4 imported, 0 replaced, 0 unchanged, 1 failed; 0 bytes downloaded/m);
    expect(rows("SELECT domain || ' ' || version AS v FROM dataset")).toEqual(['ics 18.1']);
    // The enterprise mapping file is outside --domain; LICENSE.txt and the schema are not mapping files.
    expect(rows("SELECT framework || ' ' || domain AS v FROM mapping_set ORDER BY 1")).toEqual(['kev mobile', 'veris ics']);
    // No network, so no HTTP cache.
    expect(existsSync(path.join(dir, 'store', 'sync-cache'))).toBe(false);
  });

  it('a second run finds everything in the store and imports nothing', async () => {
    const before = fingerprint();
    const r = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--domain', 'ics']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^unchanged ics ATT&CK 18\.1: already in the store/m);
    expect(r.stdout).toMatch(/^sync: 0 imported, 0 replaced, 3 unchanged, 0 failed/m);
    expect(fingerprint()).toBe(before);
  });

  it('--dry-run --from lists the changes and writes nothing', async () => {
    const before = fingerprint();
    const r = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--dry-run']);
    expect(r.stdout).toMatch(/^new kev 07\.28\.2025 mappings for ATT&CK 16\.1 enterprise: would be added from /m);
    expect(r.stdout).toMatch(/^unchanged ics ATT&CK 18\.1/m);
    // enterprise and mobile bundles are not in this mirror
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
    expect(r.status).toBe(1);
    expect(fingerprint()).toBe(before);
  });

  it('--dry-run on a store of an older schema reads a migrated snapshot and leaves the file as it was', async () => {
    const old = path.join(dir, 'old', 'store.db');
    mkdirSync(path.dirname(old), { recursive: true });
    const db1 = new Database(old);
    for (const m of MIGRATIONS.filter((x) => x.version === 1)) db1.exec(m.sql);
    db1.pragma('user_version = 1');
    db1.close();
    const hash = (): string => createHash('sha256').update(readFileSync(old)).digest('hex');
    const before = hash();
    const r = await runCliAsync(['--db', old, 'sync', '--from', mirror, '--domain', 'ics', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^new ics ATT&CK 18\.1: would be added from /m);
    expect(r.stdout).toMatch(/^new veris 1\.4\.0 mappings for ATT&CK 16\.1 ics: would be added from /m);
    expect(hash()).toBe(before);
    const after = new Database(old, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    after.close();
  });

  it('a truncated file in the mirror fails alone, named, before any import', async () => {
    const cut = path.join(dir, 'cut-mirror');
    mkdirSync(path.join(cut, 'attack'), { recursive: true });
    symlinkSync(dataPath('attack', 'collection-index.json'), path.join(cut, 'attack', 'collection-index.json'));
    symlinkSync(dataPath('attack', 'ics-attack-18.1.json'), path.join(cut, 'attack', 'ics-attack-18.1.json'));
    writeFileSync(path.join(cut, 'attack', 'mobile-attack-18.1.json'), readFileSync(dataPath('attack', 'mobile-attack-18.1.json')).subarray(0, 100_000));
    const before = fingerprint();
    const r = await runCliAsync(['--db', db, 'sync', '--from', cut, '--only', 'attack', '--domain', 'mobile,ics']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ttpgraph: error: mobile ATT&CK 18\.1: \S+mobile-attack-18\.1\.json: not valid JSON \(.*\); is the file truncated\?\n$/);
    expect(r.stdout).toMatch(/^unchanged ics ATT&CK 18\.1/m);
    expect(fingerprint()).toBe(before);
  });

  it('rejects bad arguments with one line', async () => {
    const both = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--base-url', 'http://127.0.0.1:1/']);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe('ttpgraph: error: --from and --base-url cannot be used together\n');
    const domain = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--domain', 'pre-attack']);
    expect(domain.status).toBe(2);
    expect(domain.stderr).toBe('ttpgraph: error: --domain "pre-attack" is not one of enterprise, mobile, ics\n');
    const only = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--only', 'snort']);
    expect(only.stderr).toBe('ttpgraph: error: --only snort: the sources are attack, mappings, sigma\n');
    const timeout = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--timeout', '1.5s']);
    expect(timeout.status).toBe(2);
    expect(timeout.stderr).toContain("option '--timeout <ms>' argument '1.5s' is invalid. not a whole number of milliseconds.");
    const badVersion = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--attack-version', 'latest']);
    expect(badVersion.stderr).toBe('ttpgraph: error: --attack-version "latest" is not a version like 18.1\n');
    const version = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--only', 'attack', '--domain', 'ics', '--attack-version', '99.1']);
    expect(version.status).toBe(1);
    expect(version.stderr).toMatch(/^ttpgraph: error: MITRE ATT&CK .*: the collection index has no ATT&CK 99\.1 for ics$/m);
  });
});
