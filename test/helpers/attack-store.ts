/** Stores filled from the real ATT&CK bundles in ../shared/data, built once per test file in a temp dir. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Graph, openGraph } from '../../src/graph.ts';
import { dataPath } from './paths.ts';

export interface TempGraph {
  readonly graph: Graph;
  readonly dir: string;
  readonly dbPath: string;
  dispose(): void;
}

export function tempDir(prefix = 'ttpgraph-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function graphWith(...bundles: string[]): Promise<TempGraph> {
  const dir = tempDir();
  const dbPath = path.join(dir, 'store.db');
  const graph = openGraph({ path: dbPath });
  for (const b of bundles) await graph.importAttack(dataPath('attack', b));
  return {
    graph,
    dir,
    dbPath,
    dispose() {
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
  const tables = graph.store
    .all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'object_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .map((t) => t.name);
  const counts = tables.map((t) => `${t}=${graph.store.get<{ n: number }>(`SELECT count(*) AS n FROM "${t}"`)?.n ?? -1}`);
  const hashes = graph.store.all<{ sha256: string }>('SELECT sha256 FROM dataset ORDER BY id').map((d) => d.sha256);
  return [...counts, ...hashes].join(' ');
}
