/**
 * The typed library API: one object over a store, with the same queries the CLI and the web app
 * use. `openGraph()` opens (or creates) the store at the usual place.
 *
 *   const graph = openGraph({ path: 'ttpgraph.db' });
 *   await graph.importAttack('enterprise-attack-18.1.json');
 *   const page = graph.technique('T1114');
 *   graph.close();
 */
import { readSource } from './sources/read-source.ts';
import { type ImportAttackOptions, type ImportAttackResult, importAttackBundle } from './ingest/stix/import-attack.ts';
import { type Dataset, type DatasetScope, listDatasets } from './query/datasets.ts';
import { type LookupOptions, resolveObject } from './query/lookup.ts';
import { type ObjectPage, objectPage } from './query/object-page.ts';
import { type SearchHit, type SearchOptions, search } from './query/search.ts';
import { type TechniquePage, techniquePage } from './query/technique-page.ts';
import { TtpgraphError } from './errors.ts';
import { resolveStorePath } from './store/location.ts';
import { openStore, type Store } from './store/sqlite/store.ts';
import type { NodeRef } from './query/lookup.ts';

export interface OpenGraphOptions {
  /** Store file; default `$TTPGRAPH_DB`, else the per-user data directory. ':memory:' for a throwaway store. */
  readonly path?: string;
  /** Fail when the store does not exist yet instead of creating it (for read-only uses). */
  readonly mustExist?: boolean;
}

export type PageResult =
  | { readonly kind: 'technique'; readonly page: TechniquePage; readonly formerly: NodeRef | null }
  | { readonly kind: 'object'; readonly page: ObjectPage; readonly formerly: NodeRef | null };

export interface Graph {
  readonly path: string;
  readonly store: Store;
  datasets(): Dataset[];
  /** The page of any node by ATT&CK ID, STIX id or exact name. */
  page(id: string, scope?: DatasetScope & LookupOptions): PageResult;
  /** A technique's page model; throws when the ID is not a technique. */
  technique(id: string, scope?: DatasetScope & LookupOptions): TechniquePage;
  search(text: string, options?: SearchOptions): SearchHit[];
  importAttack(fileOrUrl: string, options?: ImportAttackOptions): Promise<ImportAttackResult>;
  close(): void;
}

export function openGraph(options: OpenGraphOptions = {}): Graph {
  const path = options.path === ':memory:' ? ':memory:' : resolveStorePath(options.path);
  const store = openStore(path, { mustExist: options.mustExist === true });
  const page = (id: string, scope: DatasetScope & LookupOptions = {}): PageResult => {
    const { object, dataset, formerly } = resolveObject(store, id, scope, scope);
    if (object.kind === 'technique') return { kind: 'technique', page: techniquePage(store, object, dataset), formerly };
    return { kind: 'object', page: objectPage(store, object, dataset), formerly };
  };
  return {
    path,
    store,
    datasets: () => listDatasets(store),
    page,
    technique: (id, scope = {}) => {
      const result = page(id, { ...scope, kind: 'technique' });
      if (result.kind !== 'technique') throw new TtpgraphError('unknown-id', `${id} is not a technique`, { id });
      return result.page;
    },
    search: (text, searchOptions) => search(store, text, searchOptions),
    importAttack: async (fileOrUrl, importOptions) => {
      const { name, bytes } = await readSource(fileOrUrl);
      return importAttackBundle(store, bytes, name, importOptions);
    },
    close: () => store.close(),
  };
}
