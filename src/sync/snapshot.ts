/**
 * A throwaway copy of a store for `sync --dry-run`, so that a dry run never writes the real one,
 * not even to migrate it: SQLite's online backup gives a consistent snapshot while another process
 * writes, and the copy (in a temp directory) is migrated to this version's schema and deleted after.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TtpgraphError } from '../errors.ts';
import { openStore, type Store } from '../store/sqlite/store.ts';

export interface StoreSnapshot {
  readonly store: Store;
  dispose(): void;
}

export async function openStoreSnapshot(storePath: string): Promise<StoreSnapshot> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-dry-run-'));
  const copy = path.join(dir, 'snapshot.db');
  try {
    let source: Database.Database;
    try {
      source = new Database(storePath, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new TtpgraphError('store-error', `cannot open store: ${(err as Error).message}`, { source: storePath }, { cause: err });
    }
    try {
      await source.backup(copy);
    } finally {
      source.close();
    }
    const store = openStore(copy);
    return {
      store,
      dispose() {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
