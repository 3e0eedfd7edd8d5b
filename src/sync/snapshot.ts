/**
 * The store as `sync --dry-run` sees it, without ever writing it, not even to migrate it: an
 * existing store is opened read-only; one whose schema is older than this version's is read from a
 * throwaway copy (SQLite's online backup gives a consistent snapshot while another process writes;
 * the copy, in a temp directory, is migrated and deleted after); a missing one is an empty
 * in-memory store, so that nothing is created.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TtpgraphError } from '../errors.ts';
import { openStore, type Store } from '../store/sqlite/store.ts';

export interface StoreSnapshot {
  readonly store: Store;
  dispose(): void;
}

export async function openStoreForDryRun(storePath: string): Promise<StoreSnapshot> {
  if (!existsSync(storePath)) {
    const empty = openStore(':memory:');
    return { store: empty, dispose: () => empty.close() };
  }
  let store: Store;
  try {
    store = openStore(storePath, { readonly: true });
  } catch (err) {
    if (!(err instanceof TtpgraphError) || err.code !== 'store-error') throw err;
    return openStoreSnapshot(storePath);
  }
  return { store, dispose: () => store.close() };
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
