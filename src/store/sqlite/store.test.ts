import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TtpgraphError } from '../../errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.ts';
import { openStore } from './store.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the SQLite store', () => {
  it('creates a new store at the latest schema, in WAL mode, with a view per ATT&CK object type', () => {
    const store = openStore(path.join(dir, 'new.db'));
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      const views = store.all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name").map((v) => v.name);
      expect(views).toEqual(
        ['analytic', 'asset', 'attack_group', 'campaign', 'data_component', 'data_source', 'detection_strategy', 'matrix', 'mitigation', 'software', 'tactic', 'technique'].sort(),
      );
    } finally {
      store.close();
    }
  });

  it('migrates a store made by an older ttpgraph, keeping its data', () => {
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!.sql);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO dataset (domain, version, version_key, spec_version, source, sha256, imported_at, object_count, relationship_count) VALUES ('ics', '17.0', 17000, '2.0', 'x', 'y', 'z', 0, 0)").run();
    old.close();
    const store = openStore(file);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(store.get<{ version: string }>('SELECT version FROM dataset')?.version).toBe('17.0');
      expect(store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule')?.n).toBe(0);
    } finally {
      store.close();
    }
  });

  it('refuses a store from a newer ttpgraph, and a missing store when it must exist', () => {
    const file = path.join(dir, 'future.db');
    const future = new Database(file);
    future.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    future.close();
    expect(() => openStore(file)).toThrow(/newer than this ttpgraph understands/);
    expect(() => openStore(path.join(dir, 'absent.db'), { mustExist: true })).toThrow(TtpgraphError);
  });

  it('a failed transaction leaves nothing behind', () => {
    const store = openStore(path.join(dir, 'tx.db'));
    try {
      expect(() =>
        store.transaction(() => {
          store.run("INSERT INTO stix_report (stix_id, name, source) VALUES ('report--1', 'r', 's')");
          throw new Error('half-way');
        }),
      ).toThrow('half-way');
      expect(store.get<{ n: number }>('SELECT count(*) AS n FROM stix_report')?.n).toBe(0);
    } finally {
      store.close();
    }
  });
});
