/**
 * The SQLite store: opening (WAL, migrations), prepared-statement reuse, transactions.
 * One writer and many readers at a time is safe: WAL lets readers go on while an import writes,
 * and a busy timeout makes a second writer wait instead of failing at once.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TtpgraphError } from '../../errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.ts';

export type SqlValue = string | number | bigint | null | Buffer;
export type Row = Record<string, unknown>;

export interface OpenStoreOptions {
  /** Open an existing store for reading only; fails when the file does not exist. */
  readonly readonly?: boolean;
  /** Fail instead of creating a new, empty store (queries on a store that was never filled). */
  readonly mustExist?: boolean;
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

  /** Runs `work` in one IMMEDIATE transaction: all of it lands, or none of it. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }
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
  if (!isMemory) mkdirSync(path.dirname(storePath), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(storePath, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
  } catch (err) {
    throw new TtpgraphError('store-error', `cannot open store: ${(err as Error).message}`, { source: storePath }, { cause: err });
  }
  try {
    db.pragma('busy_timeout = 10000');
    if (options.readonly !== true) {
      if (!isMemory) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, storePath);
    } else {
      checkSchema(db, storePath);
    }
    db.pragma('cache_size = -65536');
  } catch (err) {
    db.close();
    if (err instanceof TtpgraphError) throw err;
    throw new TtpgraphError('store-error', `cannot use store: ${(err as Error).message}`, { source: storePath }, { cause: err });
  }
  return new Store(db, storePath);
}

function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Database.Database, storePath: string): void {
  const current = schemaVersion(db);
  if (current > LATEST_SCHEMA_VERSION) {
    throw new TtpgraphError(
      'store-error',
      `store schema version ${current} is newer than this ttpgraph understands (${LATEST_SCHEMA_VERSION}); upgrade ttpgraph`,
      { source: storePath },
    );
  }
  const pending = MIGRATIONS.filter((m) => m.version > current);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const m of pending) {
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
