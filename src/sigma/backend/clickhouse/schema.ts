/**
 * The ClickHouse event table (docs/formats/clickhouse.md): one schema for Windows and other logs.
 * Sorted by (channel, event_id, time) and partitioned by month, so that a rule's route (a channel
 * and its event ids, compared on the lower-cased key columns) reads only the granules of that
 * channel and event id, and --since/--until only the months asked for. Types and functions are those
 * of ClickHouse 18.16 (Debian 12's package) and later.
 */
import { tableName } from './sql.ts';

export const DEFAULT_TABLE = 'ttpgraph_events';

export const COLUMNS = `(
  time DateTime,
  time_ms Int64,
  host String,
  channel String,
  event_id String,
  provider String,
  record_id UInt64,
  source String,
  line UInt64,
  fields Nested(name String, key String, value String, kind UInt8),
  multi Nested(name String, value String, kind UInt8),
  extra_leaves Array(String),
  raw String
)`;

export interface SchemaOptions {
  /** `table` or `db.table`. */
  readonly table?: string;
  /** A cluster name: also a local table per shard (`<table>_local`) and a Distributed table over them. */
  readonly cluster?: string;
}

/** The DDL statements, in order. Throws on a table or cluster name that is not a plain identifier. */
export function schemaStatements(o: SchemaOptions = {}): string[] {
  const name = o.table ?? DEFAULT_TABLE;
  const table = tableName(name);
  if (table === undefined) throw new Error(`table name "${name}": expected NAME or DATABASE.NAME (letters, digits, underscore)`);
  const mergeTree = `ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (channel, event_id, time)`;
  if (o.cluster === undefined) return [`CREATE TABLE IF NOT EXISTS ${table} ${COLUMNS} ${mergeTree}`];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.cluster)) throw new Error(`cluster name "${o.cluster}": expected letters, digits, underscore`);
  const parts = name.split('.');
  const local = `${name}_local`;
  const localTable = tableName(local) as string;
  const db = parts.length === 2 ? `'${parts[0] as string}'` : 'currentDatabase()';
  const localName = `'${(parts[parts.length - 1] as string)}_local'`;
  return [
    `CREATE TABLE IF NOT EXISTS ${localTable} ON CLUSTER ${o.cluster} ${COLUMNS} ${mergeTree}`,
    `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${o.cluster} ${COLUMNS} ENGINE = Distributed(${o.cluster}, ${db}, ${localName}, rand())`,
  ];
}
