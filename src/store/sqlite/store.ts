/**
 * The SQLite store: opening (WAL, migrations), prepared-statement reuse, transactions.
 * One writer and many readers at a time is safe: WAL lets readers go on while an import writes,
 * and a busy timeout makes a second writer wait instead of failing at once.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TtpgraphError } from '../../errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.ts';

// A store on a read-only disk is opened through a URI filename ("file:...?immutable=1", see
// openReadOnly). better-sqlite3 enables URI filenames only through this variable, read once when
// its native module loads (on the first `new Database`). Paths given here are always absolute, so
// no plain path is ever taken for a URI.
process.env['SQLITE_USE_URI'] ??= '1';

export type SqlValue = string | number | bigint | null | Buffer;
export type Row = Record<string, unknown>;

export interface OpenStoreOptions {
  /** Open an existing store for reading only; fails when the file does not exist. */
  readonly readonly?: boolean;
  /** Fail instead of creating a new, empty store (queries on a store that was never filled). */
  readonly mustExist?: boolean;
  /** With `readonly`: a store of an older schema is first migrated, when it can be written. */
  readonly migrateOlder?: boolean;
}

export class Store {
  readonly path: string;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database, storePath: string) {
    this.db = db;
    this.path = storePath;
  }

  /** A prepared statement for this SQL text, prepared once per store. Values are always bound, never inlined. */
  statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  all<T = Row>(sql: string, ...params: SqlValue[]): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  get<T = Row>(sql: string, ...params: SqlValue[]): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  run(sql: string, ...params: SqlValue[]): Database.RunResult {
    return this.statement(sql).run(...params);
  }

  /**
   * Runs `work` in one IMMEDIATE transaction: all of it lands, or none of it. A full disk rolls it
   * back and gives the space of the write-ahead log back at once (issue 12, point 11): the log
   * holds the pages of the failed transaction until a checkpoint truncates it.
   */
  transaction<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (err) {
      throw storeWriteError(this, err);
    }
  }

  /** Copies the write-ahead log into the store and truncates it to zero bytes (best effort). */
  truncateWal(): void {
    if (this.db.readonly || this.path === ':memory:') return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Another connection is reading: the log is truncated by the next checkpoint instead.
    }
  }

  /** Closing the last connection also checkpoints the write-ahead log and deletes it (SQLite does). */
  close(): void {
    this.statements.clear();
    this.db.close();
  }
}

const DISK_FULL = new Set(['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_SHMSIZE', 'SQLITE_IOERR_FSYNC']);

/** A failed write as an error naming the store; a full disk also truncates the write-ahead log. */
function storeWriteError(store: Store, err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !DISK_FULL.has(code)) return err;
  store.truncateWal();
  return new TtpgraphError(
    'store-error',
    `cannot write the store: the disk is full (${code}); nothing of this import was stored, and the store is as it was. Free some space and try again`,
    { source: store.path },
    { cause: err },
  );
}

export function openStore(storePath: string, options: OpenStoreOptions = {}): Store {
  const isMemory = storePath === ':memory:';
  if ((options.readonly === true || options.mustExist === true) && !isMemory && !existsSync(storePath)) {
    throw new TtpgraphError(
      'store-error',
      `no ttpgraph store here: import data first (ttpgraph import attack FILE|URL, or ttpgraph sync)`,
      { source: storePath },
    );
  }
  if (options.readonly === true && !isMemory) return openReadOnly(storePath, options.migrateOlder === true);
  if (!isMemory) mkdirSync(path.dirname(storePath), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(storePath);
  } catch (err) {
    throw new TtpgraphError('store-error', `cannot open store: ${(err as Error).message}`, { source: storePath }, { cause: err });
  }
  const started = Date.now();
  for (;;) {
    try {
      db.pragma('busy_timeout = 10000');
      if (!isMemory) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, storePath);
      db.pragma('cache_size = -65536');
      return new Store(db, storePath);
    } catch (err) {
      // Every step is idempotent and the migration a transaction, so a busy store is tried again.
      if (!isBusy(err) || Date.now() - started > OPEN_BUSY_RETRY_MS) throw openFailed(db, err, storePath);
      sleepSync(5 + Math.random() * 45);
    }
  }
}

/**
 * How long an open retries a store that SQLite reports busy. The busy timeout covers ordinary
 * waits, but SQLite returns SQLITE_BUSY at once, without waiting, where waiting could deadlock: seen
 * when several processes create one new store at once (the switch to WAL, the first migration), at
 * most a few times in thousands of runs, and then only on a loaded machine.
 */
const OPEN_BUSY_RETRY_MS = 10_000;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Blocks this thread for `ms` (the open is synchronous, as better-sqlite3 is). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Errors of a read-only open that mean "this location cannot be written", not "this is no store". */
const READ_ONLY_PLACE = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_CANTINIT', 'SQLITE_READONLY_CANTLOCK', 'SQLITE_READONLY_RECOVERY']);

/**
 * Opens an existing store for reading only (SQLITE_OPEN_READONLY), for the commands that only
 * read. A store in WAL mode needs its shared-memory index (store.db-shm) even to be read; where
 * that file cannot be created (a read-only disk or folder, a store shipped on read-only media),
 * the store is opened as immutable (SQLite's `immutable=1`): no locks, no index, the file read as
 * it is, which is right because nobody can write it there either. With `migrateOlder`, a store whose
 * schema is older than this ttpgraph is migrated first when it can be written.
 */
function openReadOnly(storePath: string, migrateOlder: boolean): Store {
  const attempt = (name: string): Database.Database => {
    const db = new Database(name, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      schemaVersion(db); // the first read opens the WAL index: this is where a read-only place fails
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  };
  let db: Database.Database;
  try {
    try {
      db = attempt(storePath);
    } catch (err) {
      if (!READ_ONLY_PLACE.has(String((err as { code?: unknown }).code))) throw err;
      db = attempt(`${pathToFileURL(storePath).href}?immutable=1`);
    }
  } catch (err) {
    throw new TtpgraphError('store-error', `cannot open store: ${(err as Error).message}`, { source: storePath }, { cause: err });
  }
  try {
    if (migrateOlder && schemaVersion(db) < LATEST_SCHEMA_VERSION) {
      // An older store: migrate it if we may write it, then read it as usual.
      db.close();
      try {
        openStore(storePath).close();
      } catch {
        // Not writable: checkSchema below says what to do.
      }
      db = attempt(storePath);
    }
    checkSchema(db, storePath);
    db.pragma('cache_size = -65536');
  } catch (err) {
    throw openFailed(db, err, storePath);
  }
  return new Store(db, storePath);
}

/** An open that failed after the file was opened: close it, and say which store. */
function openFailed(db: Database.Database, err: unknown, storePath: string): TtpgraphError {
  db.close();
  if (err instanceof TtpgraphError) return err;
  return new TtpgraphError('store-error', `cannot use store: ${(err as Error).message}`, { source: storePath }, { cause: err });
}

function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to date. Several processes may open a new store at once (two imports
 * started together): the version is read again inside the IMMEDIATE transaction, which one
 * process at a time holds, so the second finds the first's schema and applies nothing twice.
 */
function migrate(db: Database.Database, storePath: string): void {
  const newer = (current: number): TtpgraphError =>
    new TtpgraphError('store-error', `store schema version ${current} is newer than this ttpgraph understands (${LATEST_SCHEMA_VERSION}); upgrade ttpgraph`, { source: storePath });
  const seen = schemaVersion(db);
  if (seen > LATEST_SCHEMA_VERSION) throw newer(seen);
  if (seen === LATEST_SCHEMA_VERSION) return;
  db.transaction(() => {
    const current = schemaVersion(db);
    if (current > LATEST_SCHEMA_VERSION) throw newer(current);
    for (const m of MIGRATIONS.filter((x) => x.version > current)) {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}

function checkSchema(db: Database.Database, storePath: string): void {
  const current = schemaVersion(db);
  if (current !== LATEST_SCHEMA_VERSION) {
    throw new TtpgraphError(
      'store-error',
      `store schema version ${current} differs from this ttpgraph's (${LATEST_SCHEMA_VERSION}); open it once for writing (any import) to migrate`,
      { source: storePath },
    );
  }
}
