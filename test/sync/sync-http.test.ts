import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGraph } from '../../src/graph.ts';
import { MAPPING_FILES, mappingFileName } from '../../src/sync/official.ts';
import { storeFingerprint, tempDir, withStore } from '../helpers/attack-store.ts';
import { dataPath } from '../helpers/paths.ts';
import { type Fault, type MirrorServer, startMirrorServer } from './mirror-server.ts';
import { runCliAsync } from './run-cli.ts';
import { sigmaFiles, writeSigmaArchive } from './sigma-zip.ts';

/** What a store holds, per source: ATT&CK datasets and mapping sets with their hashes and counts. */
function contents(db: string): { datasets: string[]; mappingSets: string[]; fingerprint: string } {
  const g = openGraph({ path: db, mustExist: true });
  try {
    return {
      datasets: withStore(db, (store) => store.all<{ d: string }>("SELECT domain || ' ' || version || ' ' || object_count || ' ' || sha256 AS d FROM dataset ORDER BY domain").map((r) => r.d)),
      mappingSets: withStore(db, (store) => store
        .all<{ m: string }>(
          `SELECT s.framework || ' ' || s.framework_version || ' ' || s.attack_version || ' ' || s.domain || ' ' || count(m.position) AS m
           FROM mapping_set s LEFT JOIN control_mapping m ON m.mapping_set_id = s.id GROUP BY s.id ORDER BY 1`,
        )
        .map((r) => r.m)),
      fingerprint: storeFingerprint(g),
    };
  } finally {
    g.close();
  }
}

function mappingObjects(file: string): number {
  return (JSON.parse(readFileSync(dataPath('mappings', file), 'utf8')) as { mapping_objects: unknown[] }).mapping_objects.length;
}

describe('ttpgraph sync from an HTTP mirror on 127.0.0.1', () => {
  let server: MirrorServer;
  let dir: string;
  beforeAll(async () => {
    server = await startMirrorServer(dataPath());
    dir = tempDir('ttpgraph-sync-');
    // ../shared/data keeps SigmaHQ's rule tree, not its release archive: serve a small one built from it.
    server.overrides.set('/sigma/sigma_all_rules.zip', writeSigmaArchive(path.join(dir, 'sigma_all_rules.zip'), { files: sigmaFiles('rules-compliance'), release: 'r2025-01-01' }));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sync = (db: string, ...args: string[]) => runCliAsync(['--db', db, 'sync', '--base-url', server.url, ...args]);

  describe('an empty store, every domain and every mapping file', () => {
    let db: string;
    beforeAll(() => {
      db = path.join(dir, 'full', 'store.db');
    });

    it('fills the store with enterprise, mobile and ics, the Mappings Explorer files and the SigmaHQ rules', async () => {
      server.log.length = 0;
      const r = await sync(db);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const { datasets, mappingSets } = contents(db);
      expect(datasets.map((d) => d.split(' ').slice(0, 2).join(' '))).toEqual(['enterprise 18.1', 'ics 18.1', 'mobile 18.1']);
      expect(mappingSets).toHaveLength(MAPPING_FILES.length);
      // Every mapping row of every file is stored.
      const stored = mappingSets.reduce((n, s) => n + Number(s.split(' ').at(-1)), 0);
      expect(stored).toBe(MAPPING_FILES.reduce((n, f) => n + mappingObjects(mappingFileName(f)), 0));
      expect(r.stdout).toMatch(/^imported enterprise ATT&CK 18\.1 from http:\/\/127\.0\.0\.1:\d+\/attack\/enterprise-attack-18\.1\.json: STIX 2\.0, 4723 objects/m);
      expect(r.stdout).toMatch(/^imported SigmaHQ rules from http:\/\/127\.0\.0\.1:\d+\/sigma\/sigma_all_rules\.zip: 3 rules from 3 files \(release r2025-01-01\)/m);
      expect(r.stdout).toMatch(/^sync: 21 imported, 0 replaced, 0 unchanged, 0 failed; 53\.\d MB downloaded/m);
      // The index, three bundles, every mapping file and the Sigma archive, each fetched once with a whole body.
      expect(server.log).toHaveLength(1 + 3 + MAPPING_FILES.length + 1);
      expect(server.log.every((e) => e.status === 200 && !e.conditional)).toBe(true);
      expect(server.log.map((e) => e.path)).toContain('/attack/collection-index.json');
      expect(existsSync(path.join(dir, 'full', 'sync-cache'))).toBe(true);
    });

    it('a second run transfers no file body: every request is conditional and answered 304', async () => {
      const before = contents(db).fingerprint;
      server.log.length = 0;
      const r = await sync(db, '--json');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(server.log).toHaveLength(1 + 3 + MAPPING_FILES.length + 1);
      for (const e of server.log) {
        expect(e.conditional, e.path).toBe(true);
        expect(e.status, e.path).toBe(304);
        expect(e.bodyBytes, e.path).toBe(0);
      }
      const report = JSON.parse(r.stdout);
      expect(report.downloadedBytes).toBe(0);
      expect(report.failed).toBe(0);
      expect(report.results.every((x: { action: string; transfer: string }) => x.action === 'unchanged' && x.transfer === 'not-modified')).toBe(true);
      expect(contents(db).fingerprint).toBe(before);
    });
  });

  describe('a source that cannot be had leaves the store as it was for that source; the others still apply', () => {
    let db: string;
    let before: ReturnType<typeof contents>;
    const ics = '/attack/ics-attack-18.1.json';
    const icsSet = '/mappings/veris-1.4.0_attack-16.1-ics.json';

    beforeAll(async () => {
      db = path.join(dir, 'faults', 'store.db');
      const r = await sync(db, '--domain', 'ics,mobile');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // Upstream publishes a new edition of the ICS bundle (the STIX 2.1 one, other bytes, other ETag).
      server.overrides.set(ics, dataPath('attack', 'ics-attack-18.1.stix21.json'));
      before = contents(db);
      expect(before.datasets.map((d) => d.split(' ').slice(0, 2).join(' '))).toEqual(['ics 18.1', 'mobile 18.1']);
      expect(before.mappingSets).toHaveLength(4);
    });
    afterAll(() => {
      server.faults.clear();
      server.overrides.clear();
    });

    type Case = [string, string, Fault, RegExp];
    const failSync = async (where: string, fault: Case[2], message: RegExp): Promise<void> => {
      const expected = contents(db);
      server.faults.set(where, fault);
      try {
        const r = await sync(db, '--domain', 'ics,mobile', '--timeout', '2000');
        expect(r.status, r.stderr).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines, r.stdout).toHaveLength(1);
        expect(lines[0]).toMatch(message);
        // The others are still checked (and would be applied): mobile and the other mapping files.
        if (where !== '/attack/collection-index.json') expect(r.stdout).toMatch(/^unchanged mobile ATT&CK 18\.1/m);
        expect(r.stdout).toMatch(/^unchanged kev 07\.28\.2025 mappings for ATT&CK 16\.1 mobile/m);
        expect(r.stdout).toMatch(/, 1 failed;/);
        expect(contents(db)).toEqual(expected);
      } finally {
        server.faults.delete(where);
      }
    };

    // The ICS bundle has changed upstream; each way of failing to get it keeps the old one.
    const icsCases: Case[] = [
      ['404', ics, 'not-found', /^ttpgraph: error: ics ATT&CK 18\.1: http:\/\/127\.0\.0\.1:\d+\/attack\/ics-attack-18\.1\.json: HTTP 404 Not Found$/],
      ['500', ics, 'server-error', /^ttpgraph: error: ics ATT&CK 18\.1: http:\/\/127\.0\.0\.1:\d+\/attack\/ics-attack-18\.1\.json: HTTP 500 Internal Server Error$/],
      ['a timeout', ics, 'hang', /^ttpgraph: error: ics ATT&CK 18\.1: http:\/\/127\.0\.0\.1:\d+\/attack\/ics-attack-18\.1\.json: timed out after 2000 ms waiting for a response$/],
      [
        'a truncated body',
        ics,
        'truncate',
        /^ttpgraph: error: ics ATT&CK 18\.1: http:\/\/127\.0\.0\.1:\d+\/attack\/ics-attack-18\.1\.json: truncated body: the connection closed after \d+ of 3491940 bytes$/,
      ],
      [
        'a body that stops half-way',
        ics,
        'stall',
        /^ttpgraph: error: ics ATT&CK 18\.1: http:\/\/127\.0\.0\.1:\d+\/attack\/ics-attack-18\.1\.json: timed out after 2000 ms without data \(got \d+ of 3491940 bytes\)$/,
      ],
    ];
    it.each(icsCases)('the changed ICS bundle answering %s', async (_label, where, fault, message) => {
      await failSync(where, fault, message);
      expect(contents(db)).toEqual(before);
    });

    it.each([
      ['a body that is not JSON', dataPath('attack', 'LICENSE.txt'), /ics-attack-18\.1\.json: not valid JSON \(.*\); is the file truncated\?$/],
      ['JSON that is not a STIX bundle', dataPath('mappings', 'mapex-unified-data-schema.json'), /ics-attack-18\.1\.json: not a STIX bundle/],
    ])('the changed ICS bundle being %s', async (_label, file, message) => {
      server.overrides.set(ics, file);
      try {
        const r = await sync(db, '--domain', 'ics,mobile');
        expect(r.status).toBe(1);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^ttpgraph: error: ics ATT&CK 18\.1: http:\/\/127\.0\.0\.1:\d+\//);
        expect(r.stderr.trim()).toMatch(message);
        expect(contents(db)).toEqual(before);
      } finally {
        server.overrides.set(ics, dataPath('attack', 'ics-attack-18.1.stix21.json'));
      }
    });

    it('--dry-run lists what would change and writes neither the store nor the cache', async () => {
      const cacheDir = path.join(dir, 'faults', 'sync-cache');
      const cacheState = (): string[] => readdirSync(cacheDir).sort().map((f) => `${f} ${statSync(path.join(cacheDir, f)).mtimeMs}`);
      const cacheBefore = cacheState();
      const r = await sync(db, '--domain', 'ics,mobile', '--dry-run');
      expect(r.stderr, r.stdout).toBe('');
      expect(r.status, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/^updated ics ATT&CK 18\.1: would be replaced from http:\S+\/attack\/ics-attack-18\.1\.json, 3\.5 MB downloaded$/m);
      expect(r.stdout).toMatch(/^unchanged mobile ATT&CK 18\.1: already in the store/m);
      expect(r.stdout).toMatch(/^unchanged SigmaHQ rules: already in the store/m);
      expect(r.stdout).toMatch(/^sync --dry-run: 0 new, 1 updated, 6 unchanged, 0 failed; .*nothing was written$/m);
      expect(contents(db)).toEqual(before);
      expect(cacheState()).toEqual(cacheBefore);
    });

    it('--dry-run on a store that does not exist says everything is new and creates nothing ($TTPGRAPH_SYNC_BASE_URL as the mirror)', async () => {
      const fresh = path.join(dir, 'dry', 'store.db');
      const r = await runCliAsync(['--db', fresh, 'sync', '--domain', 'ics', '--dry-run'], { TTPGRAPH_SYNC_BASE_URL: server.url });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^new ics ATT&CK 18\.1: would be added from /m);
      expect(r.stdout).toMatch(/^new veris 1\.4\.0 mappings for ATT&CK 16\.1 ics: would be added from /m);
      expect(r.stdout).toMatch(/^new SigmaHQ rules: would be added from \S+, \d+ bytes downloaded \(3 rules to add, 0 to update, 0 to remove, 0 unchanged \(release r2025-01-01\); 0 skipped for errors\)$/m);
      expect(r.stdout).toMatch(/sync --dry-run: 3 new, 0 updated, 0 unchanged, 0 failed/);
      expect(existsSync(path.dirname(fresh))).toBe(false);
    });

    it('once the source answers again, the update lands (nothing broken was cached)', async () => {
      server.log.length = 0;
      const r = await sync(db, '--domain', 'ics,mobile');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^replaced ics ATT&CK 18\.1 from \S+: STIX 2\.1, /m);
      const after = contents(db);
      expect(after.datasets.find((d) => d.startsWith('mobile'))).toBe(before.datasets.find((d) => d.startsWith('mobile')));
      expect(after.datasets.find((d) => d.startsWith('ics'))).not.toBe(before.datasets.find((d) => d.startsWith('ics')));
      expect(after.mappingSets).toEqual(before.mappingSets);
      // Only the changed file had a body.
      expect(server.log.filter((e) => e.status === 200).map((e) => e.path)).toEqual([ics]);
    });

    it('a damaged cache entry is a miss: the file is fetched whole again, not trusted', async () => {
      const cacheDir = path.join(dir, 'faults', 'sync-cache');
      const bodies = readdirSync(cacheDir).filter((f) => f.endsWith('.body'));
      const mobileBody = bodies.find((f) => statSync(path.join(cacheDir, f)).size === statSync(dataPath('attack', 'mobile-attack-18.1.json')).size);
      expect(mobileBody).toBeDefined();
      writeFileSync(path.join(cacheDir, mobileBody!), '{"truncated": ');
      server.log.length = 0;
      const r = await sync(db, '--domain', 'ics,mobile');
      expect(r.stderr, r.stdout).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^unchanged mobile ATT&CK 18\.1: already in the store \(\S+, 3\.1 MB downloaded\)$/m);
      const mobile = server.log.find((e) => e.path === '/attack/mobile-attack-18.1.json');
      expect(mobile).toMatchObject({ conditional: false, status: 200 });
      expect(server.log.filter((e) => e.path !== '/attack/mobile-attack-18.1.json').every((e) => e.status === 304)).toBe(true);
    });

    const otherCases: Case[] = [
      ['a mapping file answering 500', icsSet, 'server-error', /^ttpgraph: error: veris 1\.4\.0 mappings for ATT&CK 16\.1 ics: http:\/\/\S+\/mappings\/veris-1\.4\.0_attack-16\.1-ics\.json: HTTP 500 Internal Server Error$/],
      [
        'the collection index answering 404',
        '/attack/collection-index.json',
        'not-found',
        /^ttpgraph: error: MITRE ATT&CK bundles .*: http:\/\/\S+\/attack\/collection-index\.json: HTTP 404 Not Found$/,
      ],
    ];
    it.each(otherCases)('%s', async (_label, where, fault, message) => failSync(where, fault, message));
  });

  it('a server that sends only Last-Modified gets If-Modified-Since and answers 304', async () => {
    const db = path.join(dir, 'last-modified', 'store.db');
    server.etags = false;
    try {
      expect((await sync(db, '--domain', 'ics', '--only', 'attack')).status).toBe(0);
      server.log.length = 0;
      const r = await sync(db, '--domain', 'ics', '--only', 'attack');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^unchanged ics ATT&CK 18\.1: already in the store \(\S+, not modified\)$/m);
      expect(server.log.map((e) => `${e.path} ${e.status} ${e.bodyBytes}`)).toEqual(['/attack/collection-index.json 304 0', '/attack/ics-attack-18.1.json 304 0']);
    } finally {
      server.etags = true;
    }
  });

  it('a cache that cannot be written is a warning, not a failure', async () => {
    const base = path.join(dir, 'no-cache');
    mkdirSync(base, { recursive: true });
    writeFileSync(path.join(base, 'sync-cache'), 'a file where the cache folder would go');
    const r = await sync(path.join(base, 'store.db'), '--domain', 'ics', '--only', 'attack');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^ttpgraph: warning: cannot write the sync cache in .*sync-cache: /);
    expect(r.stdout).toMatch(/^imported ics ATT&CK 18\.1 /m);
  });

  it('a mirror that refuses connections: one line per source naming the URL, non-zero exit, store untouched', async () => {
    const closed = await startMirrorServer(dataPath());
    const url = closed.url;
    await closed.close();
    const db = path.join(dir, 'refused', 'store.db');
    const r = await runCliAsync(['--db', db, 'sync', '--base-url', url, '--domain', 'ics']);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^ttpgraph: error: MITRE ATT&CK .*: http:\/\/127\.0\.0\.1:\d+\/attack\/collection-index\.json: connection refused$/);
    expect(lines[1]).toMatch(/^ttpgraph: error: veris 1\.4\.0 mappings for ATT&CK 16\.1 ics: http:\/\/127\.0\.0\.1:\d+\/mappings\/veris-1\.4\.0_attack-16\.1-ics\.json: connection refused$/);
    expect(lines[2]).toMatch(/^ttpgraph: error: SigmaHQ rules: http:\/\/127\.0\.0\.1:\d+\/sigma\/sigma_all_rules\.zip: connection refused$/);
    // Then what to do about it, and the exit code.
    expect(lines[3]).toMatch(/^ttpgraph: sync: could not reach 127\.0\.0\.1:\d+: offline or behind a firewall\? .* --from DIR, or .* --base-url URL .*; exit code 1$/);
    const { datasets, mappingSets } = contents(db);
    expect(datasets).toEqual([]);
    expect(mappingSets).toEqual([]);
  });
});
