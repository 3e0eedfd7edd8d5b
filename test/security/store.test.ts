/**
 * Issue 12, points 8, 9 and 11: the store under hostile conditions, with the real CLI in real
 * processes. A store on a read-only place can be read; several processes creating the same new
 * store at once all succeed; a full disk names the store and leaves no write-ahead log behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtpgraphError } from '../../src/errors.ts';
import { importAttackBundle } from '../../src/ingest/stix/import-attack.ts';
import { listDatasets } from '../../src/query/datasets.ts';
import { openStore } from '../../src/store/sqlite/store.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { type CliResult, runCli } from '../helpers/cli.ts';
import { cliEntry, projectRoot } from '../helpers/paths.ts';
import { tinyBundle } from './fixtures.ts';

const isRoot = process.getuid?.() === 0;
/** Root ignores file modes, so as root the CLI runs as "nobody", for whom the kernel enforces them. */
const NOBODY = 65534;

function runCliAs(args: readonly string[], asNobody: boolean): CliResult {
  const r = spawnSync(process.execPath, [cliEntry, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', COLUMNS: '100', HOME: '/tmp' },
    cwd: '/',
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runCliAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliEntry, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('a store on a read-only folder and file', () => {
  const dir = tempDir();
  const roDir = path.join(dir, 'ro');
  const db = path.join(roDir, 'store.db');

  beforeAll(() => {
    mkdirSync(roDir);
    const bundle = path.join(dir, 'enterprise-attack-18.1.json');
    writeFileSync(bundle, tinyBundle({ techniques: 4 }));
    const imported = runCli(['--db', db, 'import', 'attack', bundle]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(existsSync(`${db}-wal`)).toBe(false);
    // The folder cannot be written (no -shm or -wal can be created there), nor the file.
    chmodSync(db, 0o444);
    chmodSync(roDir, 0o555);
    chmodSync(dir, 0o755);
    // The check that makes this test mean something: whoever runs the CLI cannot write there.
    const probe = spawnSync('sh', ['-c', `touch ${JSON.stringify(path.join(roDir, 'probe'))}`], isRoot ? { uid: NOBODY, gid: NOBODY } : {});
    expect(probe.status, 'the folder must be read-only for the CLI user').not.toBe(0);
  });
  afterAll(() => {
    chmodSync(roDir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it('datasets, show, search and stats read it; an import names the store it cannot write', () => {
    const datasets = runCliAs(['--db', db, 'datasets'], isRoot);
    expect(datasets.stderr).toBe('');
    expect(datasets.status).toBe(0);
    expect(datasets.stdout).toContain('18.1');
    const show = runCliAs(['--db', db, 'show', 'T1002', '--json'], isRoot);
    expect(show.status, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).name).toBe('Technique 2');
    const search = runCliAs(['--db', db, 'search', 'Technique'], isRoot);
    expect(search.status, search.stderr).toBe(0);
    expect(search.stdout).toContain('T1003');
    expect(runCliAs(['--db', db, 'stats', '--json'], isRoot).status).toBe(0);
    // An import says why it cannot write, naming the store.
    const write = runCliAs(['--db', db, 'import', 'stix', path.join(projectRoot, 'test', 'fixtures', 'advisory-report.stix21.json')], isRoot);
    expect(write.status).toBe(1);
    expect(write.stderr).toContain(db);
    expect(existsSync(`${db}-shm`)).toBe(false);
  });

  it('serve without a token serves it', async () => {
    const child = spawn(process.execPath, [cliEntry, '--db', db, 'serve', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TTPGRAPH_TOKEN: '' },
      cwd: '/',
      ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += String(d);
        const m = /at (http:\/\/[^\s]+)/.exec(err);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    try {
      const res = await fetch(`${url}/api/v1/techniques/T1001`);
      expect(res.status).toBe(200);
      expect((await res.json()).name).toBe('Technique 1');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('several processes creating one new store at once', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('all succeed, round after round', async () => {
    const fixture = path.join(projectRoot, 'test', 'fixtures', 'advisory-report.stix21.json');
    for (let round = 0; round < 5; round++) {
      const db = path.join(dir, `race-${round}.db`);
      const results = await Promise.all([0, 1, 2, 3].map(() => runCliAsync(['--db', db, 'import', 'stix', fixture])));
      for (const r of results) {
        expect(r.stderr, `round ${round}`).toBe('');
        expect(r.status, `round ${round}`).toBe(0);
      }
      const store = openStore(db, { readonly: true });
      expect(store.get<{ v: number }>('SELECT count(*) AS v FROM stix_report')?.v).toBeGreaterThan(0);
      store.close();
    }
  });
});

describe('a full disk', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the store, keeps it as it was, and truncates the write-ahead log (SQLite max_page_count as the limit)', () => {
    const db = path.join(dir, 'full.db');
    const small = path.join(dir, 'enterprise-attack-18.1.json');
    writeFileSync(small, tinyBundle({ techniques: 3 }));
    const big = path.join(dir, 'enterprise-attack-17.1.json');
    writeFileSync(big, tinyBundle({ version: '17.1', techniques: 20_000 }));
    const store = openStore(db);
    try {
      importAttackBundle(store, readFileSync(small), small);
      const pages = store.db.pragma('page_count', { simple: true }) as number;
      // SQLite's own "database or disk is full" (SQLITE_FULL), as on a full disk, 200 pages on.
      store.db.pragma(`max_page_count = ${pages + 200}`);
      let error: unknown;
      try {
        importAttackBundle(store, readFileSync(big), big);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(TtpgraphError);
      expect((error as TtpgraphError).describe()).toMatch(new RegExp(`^${db}: cannot write the store: the disk is full \\(SQLITE_FULL\\); nothing of this import was stored`));
      expect(statSync(`${db}-wal`).size).toBe(0);
      expect(listDatasets(store).map((d) => d.version)).toEqual(['18.1']);
    } finally {
      store.close();
    }
  });

  it.runIf(isRoot)('on a real full file system (a 3 MB tmpfs), the CLI says so naming the store and leaves no log', () => {
    const mnt = path.join(dir, 'tmpfs');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);
    if (mounted.status !== 0) {
      // Without the right to mount (a container without CAP_SYS_ADMIN), the max_page_count test above stands in.
      expect(String(mounted.stderr)).toMatch(/permission|not permitted|denied|only root/i);
      return;
    }
    try {
      const db = path.join(mnt, 'store.db');
      const small = path.join(dir, 'enterprise-attack-18.1.json');
      const big = path.join(dir, 'enterprise-attack-16.1.json');
      writeFileSync(big, tinyBundle({ version: '16.1', techniques: 20_000 }));
      expect(runCli(['--db', db, 'import', 'attack', small]).status).toBe(0);
      const full = runCli(['--db', db, 'import', 'attack', big]);
      expect(full.status).toBe(1);
      expect(full.stderr).toMatch(new RegExp(`^ttpgraph: error: ${db}: cannot write the store: the disk is full \\(SQLITE_FULL\\)`));
      expect(existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0).toBe(0);
      const datasets = runCli(['--db', db, 'datasets', '--json']);
      expect(datasets.status, datasets.stderr).toBe(0);
      expect((JSON.parse(datasets.stdout) as { version: string }[]).map((d) => d.version)).toEqual(['18.1']);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
