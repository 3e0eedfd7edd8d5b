/**
 * Stores filled from the real ATT&CK bundles in ../shared/data: each test file gets its own copy of
 * a store the run's global setup built once (test/helpers/global-fixtures.ts).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Graph, openGraph } from '../../src/graph.ts';
import { openStore, type Store } from '../../src/store/sqlite/store.ts';
import { prebuiltStore } from './fixture-names.ts';
import { dataPath } from './paths.ts';

export interface TempGraph {
  readonly graph: Graph;
  readonly dir: string;
  readonly dbPath: string;
  /** A second, read-only connection to the store, for tests that check what was written (the graph keeps its store private). */
  readonly sql: Store;
  dispose(): void;
}

/** Runs `work` on a read-only connection to the store file at `dbPath`, and closes it. */
export function withStore<T>(dbPath: string, work: (store: Store) => T): T {
  const store = openStore(dbPath, { readonly: true });
  try {
    return work(store);
  } finally {
    store.close();
  }
}

export function tempDir(prefix = 'ttpgraph-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A store of its own in a temp dir, holding `bundles` (file names under ../shared/data/attack),
 * imported in that order. When the run's global setup prebuilt that store (test/README.md), it is
 * a copy of it; otherwise the bundles are imported here.
 */
export async function graphWith(...bundles: string[]): Promise<TempGraph> {
  return graphFrom(bundles.join('+'), async (graph) => {
    for (const b of bundles) await graph.importAttack(dataPath('attack', b));
  });
}

/** A store of its own: a copy of the prebuilt store `name`, or, without one, an empty store `fill`ed here. */
export async function graphFrom(name: string, fill: (graph: Graph) => Promise<void>): Promise<TempGraph> {
  const dir = tempDir();
  const dbPath = path.join(dir, 'store.db');
  const prebuilt = name === '' ? undefined : prebuiltStore(name);
  if (prebuilt !== undefined) copyFileSync(prebuilt, dbPath);
  const graph = openGraph({ path: dbPath });
  if (prebuilt === undefined) await fill(graph);
  let sql: Store | undefined;
  return {
    graph,
    dir,
    dbPath,
    get sql() {
      sql ??= openStore(dbPath, { readonly: true });
      return sql;
    },
    dispose() {
      sql?.close();
      graph.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Per STIX type, how many objects a bundle file holds (relationships included), counted independently of our parser. */
export function countTypesInFile(file: string): Record<string, number> {
  const bundle = JSON.parse(readFileSync(dataPath('attack', file), 'utf8')) as { objects: { type: string }[] };
  const counts: Record<string, number> = {};
  for (const o of bundle.objects) counts[o.type] = (counts[o.type] ?? 0) + 1;
  return counts;
}

/** Everything that identifies a store's content: row counts of every table and the datasets' hashes. */
export function storeFingerprint(graph: Graph): string {
  return withStore(graph.path, fingerprintOf);
}

function fingerprintOf(store: Store): string {
  const tables = store
    .all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'object_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .map((t) => t.name);
  const counts = tables.map((t) => `${t}=${store.get<{ n: number }>(`SELECT count(*) AS n FROM "${t}"`)?.n ?? -1}`);
  const hashes = store.all<{ sha256: string }>('SELECT sha256 FROM dataset ORDER BY id').map((d) => d.sha256);
  return [...counts, ...hashes].join(' ');
}
