import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { dataPath } from '../helpers/paths.ts';
import { type Fault, type MirrorServer, startMirrorServer } from './mirror-server.ts';
import { runCliAsync } from './run-cli.ts';
import { ruleId, sigmaFiles, sigmaState, writeSigmaArchive } from './sigma-zip.ts';

const ZIP = '/sigma/sigma_all_rules.zip';
const ZIP_URL = /http:\/\/127\.0\.0\.1:\d+\/sigma\/sigma_all_rules\.zip/;

/** A rule the Sigma engine rejects (its condition names a search that does not exist, line 9). */
const BROKEN = `title: Broken rule
id: 00000000-0000-4000-8000-000000000001
status: test
logsource:
  product: windows
detection:
  selection:
    Image|endswith: '\\evil.exe'
  condition: selection and not filter
level: high
`;

/** Every rule file of the six rule folders (not deprecated/, not unsupported/). */
const ALL_RULE_FOLDERS = ['rules', 'rules-threat-hunting', 'rules-emerging-threats', 'rules-compliance', 'rules-dfir', 'rules-placeholder'];

describe('ttpgraph sync of SigmaHQ rules from a release archive on an HTTP mirror (127.0.0.1)', () => {
  let server: MirrorServer;
  let dir: string;
  let db: string;
  // Release 1: PowerShell process-creation rules, the 2023 emerging threats, the compliance rules,
  // a few deprecated rules (never imported) and one broken rule.
  let v1Files: string[];
  let v2Files: string[];
  let v1: string;
  let v2: string;
  let removed: string[];
  let changed: string;
  let added: string;
  const sync = (...args: string[]) => runCliAsync(['--db', db, 'sync', '--base-url', server.url, ...args]);
  /** Rules in release 2: the kept ones, the changed one and the new one. */
  const v2Count = (): number => v2Files.length + 1;
  const synced = (): string[] => sigmaState(db).rules.filter((r) => r.split(' ')[1] === 'sigmahq');

  beforeAll(async () => {
    server = await startMirrorServer(dataPath());
    dir = tempDir('ttpgraph-sync-sigma-');
    db = path.join(dir, 'store', 'store.db');
    v1Files = [
      ...sigmaFiles('rules/windows/process_creation', (n) => n.includes('powershell')),
      ...sigmaFiles('rules-emerging-threats/2023'),
      ...sigmaFiles('rules-compliance'),
    ];
    const deprecated = sigmaFiles('deprecated/web');
    expect(v1Files.length).toBeGreaterThan(200);
    expect(deprecated.length).toBeGreaterThan(0);
    v1 = writeSigmaArchive(path.join(dir, 'v1.zip'), {
      files: [...v1Files, ...deprecated],
      extra: { 'rules/windows/broken/broken_rule.yml': BROKEN, 'rules/README.md': '# not a rule' },
      release: 'r2025-01-01',
    });
    // Release 2: five rules retired, one rule changed (v2Files leaves it out: it is an extra entry), one rule added (from rules/linux).
    removed = v1Files.slice(0, 5);
    changed = v1Files[10] ?? '';
    added = sigmaFiles('rules/linux/process_creation')[0] ?? '';
    v2Files = [...v1Files.slice(5).filter((f) => f !== changed), added];
    const changedText = readFileSync(dataPath('sigma', ...changed.split('/')), 'utf8').replace(/^level: \w+/m, 'level: critical');
    v2 = writeSigmaArchive(path.join(dir, 'v2.zip'), { files: v2Files, extra: { [changed]: changedText }, release: 'r2025-02-01' });
    server.overrides.set(ZIP, v1);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports the rule folders of the archive in memory, skipping (and naming) a broken rule and the deprecated ones', async () => {
    server.log.length = 0;
    const r = await sync('--only', 'sigma');
    expect(r.status, r.stderr).toBe(0);
    // --only sigma: nothing but the archive is asked for.
    expect(server.log.map((e) => `${e.path} ${e.status}`)).toEqual([`${ZIP} 200`]);
    const warnings = r.stderr.trim().split('\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^ttpgraph: warning: http:\/\/127\.0\.0\.1:\d+\/sigma\/sigma_all_rules\.zip: rules\/windows\/broken\/broken_rule\.yml:9:3: error\[undefined-identifier\] 00000000-0000-4000-8000-000000000001: .*'filter' \(skipped\)$/,
    );
    const n = v1Files.length;
    expect(r.stdout).toMatch(
      new RegExp(`^imported SigmaHQ rules from ${ZIP_URL.source}: ${n} rules from ${n + 1} files \\(release r2025-01-01\\): ${n} new or updated, 0 unchanged, 0 removed, \\d+ technique links written; 1 skipped for errors, [\\d.]+ (MB|bytes) downloaded, in [\\d.]+ s$`, 'm'),
    );
    expect(r.stdout).toMatch(/^sync: 1 imported, 0 replaced, 0 unchanged, 0 failed; /m);
    const state = sigmaState(db);
    expect(state.rules).toHaveLength(n);
    expect(synced()).toHaveLength(n);
    // Stored under the repository's paths; no deprecated rule, no broken one.
    expect(state.rules.every((x) => /^\S+ sigmahq (rules|rules-emerging-threats|rules-compliance)\//.test(x))).toBe(true);
    expect(state.rules.some((x) => x.startsWith('00000000-0000-4000-8000-000000000001'))).toBe(false);
    expect(state.sources).toHaveLength(1);
    expect(state.sources[0]).toMatch(new RegExp(`^sigmahq [0-9a-f]{64} r2025-01-01 ${n} `));
    expect(state.links).toBeGreaterThan(n / 2);
  });

  it('a second sync transfers no body (304) and changes nothing', async () => {
    const before = sigmaState(db);
    server.log.length = 0;
    const r = await sync('--only', 'sigma', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(server.log.map((e) => `${e.path} ${e.status} ${e.bodyBytes} ${e.conditional}`)).toEqual([`${ZIP} 304 0 true`]);
    const report = JSON.parse(r.stdout);
    expect(report.downloadedBytes).toBe(0);
    expect(report.results).toMatchObject([{ source: 'sigma', action: 'unchanged', transfer: 'not-modified' }]);
    expect(sigmaState(db)).toEqual(before);
  });

  it('the same archive under another ETag is downloaded but not imported again (same SHA-256)', async () => {
    const before = sigmaState(db);
    const copy = path.join(dir, 'v1-copy.zip');
    copyFileSync(v1, copy);
    server.overrides.set(ZIP, copy);
    server.log.length = 0;
    const r = await sync('--only', 'sigma');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(server.log.map((e) => `${e.path} ${e.status}`)).toEqual([`${ZIP} 200`]);
    expect(r.stdout).toMatch(/^unchanged SigmaHQ rules: already in the store \(http:\S+, [\d.]+ (MB|bytes) downloaded\)$/m);
    expect(sigmaState(db)).toEqual(before);
  });

  describe('release 2 upstream', () => {
    let before: ReturnType<typeof sigmaState>;
    const mine = `title: My own rule
id: 11111111-2222-4333-8444-555555555555
status: experimental
logsource:
  category: process_creation
  product: windows
detection:
  selection:
    Image|endswith: '\\mine.exe'
  condition: selection
tags:
  - attack.t1059.001
level: low
`;
    beforeAll(async () => {
      // A rule of the user's own, imported by hand: no sync may touch it.
      const own = path.join(dir, 'own', 'my_rule.yml');
      mkdirSync(path.dirname(own), { recursive: true });
      writeFileSync(own, mine);
      const r = await runCliAsync(['--db', db, 'import', 'sigma', own]);
      expect(r.status, r.stderr).toBe(0);
      server.overrides.set(ZIP, v2);
      before = sigmaState(db);
      expect(before.rules).toHaveLength(v1Files.length + 1);
    });

    type Case = [string, Fault, RegExp];
    const cases: Case[] = [
      ['404', 'not-found', /: HTTP 404 Not Found$/],
      ['500', 'server-error', /: HTTP 500 Internal Server Error$/],
      ['a timeout', 'hang', /: timed out after 1500 ms waiting for a response$/],
      ['a truncated body', 'truncate', /: truncated body: the connection closed after \d+ of \d+ bytes$/],
      ['a body that stops half-way', 'stall', /: timed out after 1500 ms without data \(got \d+ of \d+ bytes\)$/],
    ];
    it.each(cases)('the archive answering %s leaves the Sigma rules as they were and names the source', async (_label, fault, message) => {
      server.faults.set(ZIP, fault);
      try {
        const r = await sync('--only', 'sigma', '--timeout', '1500');
        expect(r.status).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^ttpgraph: error: SigmaHQ rules: ${ZIP_URL.source}`));
        expect(lines[0]).toMatch(message);
        expect(r.stdout).toMatch(/^sync: 0 imported, 0 replaced, 0 unchanged, 1 failed; /m);
        expect(sigmaState(db)).toEqual(before);
      } finally {
        server.faults.delete(ZIP);
      }
    });

    it.each([
      ['a zip cut short (served whole, so the length matches)', (f: string) => writeFileSync(f, readFileSync(v2).subarray(0, 40_000)), /: not a readable zip archive \(.*\); is the file truncated\?$/],
      ['a body that is not a zip', (f: string) => copyFileSync(dataPath('sigma', 'LICENSE'), f), /: not a readable zip archive \(.*\); is the file truncated\?$/],
      [
        'a zip with no rule folder',
        (f: string) => writeSigmaArchive(f, { files: sigmaFiles('deprecated/web'), release: 'r2025-02-02' }),
        /: the archive holds no Sigma rule file under rules\/, rules-threat-hunting\/, .*rules-placeholder\/$/,
      ],
      [
        'a zip whose every rule is broken',
        (f: string) => writeSigmaArchive(f, { files: [], extra: { 'rules/a.yml': BROKEN, 'rules/b.yml': 'title: [' } }),
        /: no Sigma rule to import: none of its 2 rule file\(s\) could be read \(2 error\(s\)\); the stored rules of sigmahq are kept$/,
      ],
    ])('%s fails alone and leaves the Sigma rules as they were', async (_label, make, message) => {
      const bad = path.join(dir, `bad-${Math.random().toString(16).slice(2)}.zip`);
      make(bad);
      server.overrides.set(ZIP, bad);
      try {
        const r = await sync('--only', 'sigma');
        expect(r.status).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^ttpgraph: error: SigmaHQ rules: ${ZIP_URL.source}`));
        expect(lines[0]).toMatch(message);
        expect(sigmaState(db)).toEqual(before);
      } finally {
        server.overrides.set(ZIP, v2);
      }
    });

    it('--dry-run says what the new release would add, update and remove, and writes nothing', async () => {
      const cacheDir = path.join(dir, 'store', 'sync-cache');
      const cacheState = (): string[] => readdirSync(cacheDir).sort().map((f) => `${f} ${statSync(path.join(cacheDir, f)).mtimeMs}`);
      const cacheBefore = cacheState();
      const r = await sync('--only', 'sigma', '--dry-run');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^updated SigmaHQ rules: would be replaced from ${ZIP_URL.source}, [\\d.]+ (MB|bytes) downloaded \\(1 rules to add, 1 to update, 5 to remove, ${v2Files.length - 1} unchanged \\(release r2025-02-01\\); 0 skipped for errors\\)$`, 'm'),
      );
      expect(r.stdout).toMatch(/^sync --dry-run: 0 new, 1 updated, 0 unchanged, 0 failed; .*nothing was written$/m);
      expect(sigmaState(db)).toEqual(before);
      expect(cacheState()).toEqual(cacheBefore);
    });

    it('the new release replaces the set: retired rules go, the changed one is updated, the new one lands, my own rule stays', async () => {
      const r = await sync('--only', 'sigma');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^replaced SigmaHQ rules from ${ZIP_URL.source}: ${v2Count()} rules from ${v2Count()} files \\(release r2025-02-01\\): 2 new or updated, ${v2Count() - 2} unchanged, 5 removed, `, 'm'),
      );
      const after = sigmaState(db);
      const keys = (s: ReturnType<typeof sigmaState>): Set<string> => new Set(s.rules.map((x) => x.split(' ')[0] ?? ''));
      for (const f of removed) expect(keys(after).has(ruleId(f)), f).toBe(false);
      expect(keys(after).has(ruleId(added))).toBe(true);
      expect(after.rules.find((x) => x.startsWith(`${ruleId(added)} sigmahq rules/linux/process_creation/`))).toBeDefined();
      expect(after.rules.find((x) => x.startsWith('11111111-2222-4333-8444-555555555555 - '))).toBeDefined();
      expect(after.rules).toHaveLength(v2Count() + 1);
      // Untouched rules keep their rows as they were (same import time).
      const untouched = before.rules.filter((x) => x.includes(' sigmahq ') && !removed.some((f) => x.includes(` ${f} `)) && !x.includes(` ${changed} `));
      for (const u of untouched) expect(after.rules).toContain(u);
      expect(after.sources[0]).toMatch(new RegExp(`^sigmahq [0-9a-f]{64} r2025-02-01 ${v2Count()} `));
      // The changed rule is stored with its new text.
      const { default: Database } = await import('better-sqlite3');
      const d = new Database(db, { readonly: true });
      try {
        expect(d.prepare('SELECT level FROM sigma_rule WHERE rule_key = ?').pluck().get(ruleId(changed))).toBe('critical');
        expect(d.prepare("SELECT count(*) FROM sigma_rule_technique t JOIN sigma_rule r ON r.pk = t.rule_pk WHERE r.rule_key = ?").pluck().get(ruleId(removed[0] ?? ''))).toBe(0);
      } finally {
        d.close();
      }
    });
  });

  it('every rule of the repository: an archive of all of ../shared/data/sigma under one top folder, as GitHub source archives are', async () => {
    const all = ALL_RULE_FOLDERS.flatMap((f) => sigmaFiles(f));
    const full = writeSigmaArchive(path.join(dir, 'full.zip'), { files: [...all, ...sigmaFiles('deprecated'), ...sigmaFiles('unsupported')], prefix: 'sigma-master' });
    server.overrides.set(ZIP, full);
    const fresh = path.join(dir, 'full', 'store.db');
    const r = await runCliAsync(['--db', fresh, 'sync', '--base-url', server.url, '--only', 'sigma']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(all.length).toBeGreaterThan(3000);
    expect(r.stdout).toMatch(new RegExp(`^imported SigmaHQ rules from \\S+: ${all.length} rules from ${all.length} files: ${all.length} new or updated, `, 'm'));
    const state = sigmaState(fresh);
    expect(state.rules).toHaveLength(all.length);
    const perFolder = new Map<string, number>();
    for (const x of state.rules) {
      const folder = (x.split(' ')[2] ?? '').split('/')[0] ?? '';
      perFolder.set(folder, (perFolder.get(folder) ?? 0) + 1);
    }
    for (const f of ALL_RULE_FOLDERS) expect(perFolder.get(f) ?? 0, f).toBe(sigmaFiles(f).length);
    expect([...perFolder.keys()].some((f) => f === 'deprecated' || f === 'unsupported')).toBe(false);
  });
});

describe('ttpgraph sync --from DIR: SigmaHQ rules from a local mirror', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('ttpgraph-sync-sigma-from-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the rule folders of ../shared/data/sigma (every rule, deprecated/ and unsupported/ left out); a second run imports nothing', async () => {
    const db = path.join(dir, 'tree', 'store.db');
    const all = ALL_RULE_FOLDERS.flatMap((f) => sigmaFiles(f));
    const r = await runCliAsync(['--db', db, 'sync', '--from', dataPath(), '--only', 'sigma']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`imported SigmaHQ rules from ${dataPath('sigma')}: ${all.length} rules from ${all.length} files: `);
    expect(sigmaState(db).rules).toHaveLength(all.length);
    const before = sigmaState(db);
    const again = await runCliAsync(['--db', db, 'sync', '--from', dataPath(), '--only', 'sigma']);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^unchanged SigmaHQ rules: already in the store \(\S+\/sigma\)$/m);
    expect(sigmaState(db)).toEqual(before);
  });

  it('prefers DIR/sigma/sigma_all_rules.zip when the mirror has it', async () => {
    const mirror = path.join(dir, 'zip-mirror');
    mkdirSync(path.join(mirror, 'sigma'), { recursive: true });
    symlinkSync(dataPath('sigma', 'rules-compliance'), path.join(mirror, 'sigma', 'rules-compliance'));
    const files = sigmaFiles('rules-threat-hunting');
    writeSigmaArchive(path.join(mirror, 'sigma', 'sigma_all_rules.zip'), { files, release: 'r2025-03-03' });
    const db = path.join(dir, 'zip', 'store.db');
    const r = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--only', 'sigma']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`imported SigmaHQ rules from ${path.join(mirror, 'sigma', 'sigma_all_rules.zip')}: ${files.length} rules from ${files.length} files (release r2025-03-03)`);
    expect(sigmaState(db).rules.every((x) => x.split(' ')[2]?.startsWith('rules-threat-hunting/'))).toBe(true);
  });

  it('a mirror without Sigma rules is one error line naming the folder; the other sources still apply', async () => {
    const mirror = path.join(dir, 'empty-mirror');
    mkdirSync(path.join(mirror, 'sigma', 'deprecated'), { recursive: true });
    mkdirSync(path.join(mirror, 'mappings'), { recursive: true });
    symlinkSync(dataPath('mappings', 'veris-1.4.0_attack-16.1-ics.json'), path.join(mirror, 'mappings', 'veris-1.4.0_attack-16.1-ics.json'));
    const db = path.join(dir, 'empty', 'store.db');
    const r = await runCliAsync(['--db', db, 'sync', '--from', mirror, '--only', 'mappings,sigma']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `ttpgraph: error: SigmaHQ rules: ${path.join(mirror, 'sigma')}: no Sigma rules here: neither sigma_all_rules.zip nor rule files in rules/, rules-threat-hunting/, rules-emerging-threats/, rules-compliance/, rules-dfir/, rules-placeholder/\n`,
    );
    expect(r.stdout).toMatch(/^imported veris 1\.4\.0 mappings for ATT&CK 16\.1 ics /m);
    const noSigma = await runCliAsync(['--db', db, 'sync', '--from', path.join(dir, 'zip', 'nowhere'), '--only', 'sigma']);
    expect(noSigma.status).toBe(1);
    expect(noSigma.stderr).toMatch(/^ttpgraph: error: SigmaHQ detection rules .*: \S+\/nowhere\/sigma: cannot list: no such directory\n$/);
  });
});
