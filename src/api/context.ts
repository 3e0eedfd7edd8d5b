/**
 * What every route reads through: the graph plus caches of what is immutable for a store state
 * (datasets, per-dataset stats). `generation()` changes whenever another connection wrote to the
 * store (SQLite's `PRAGMA data_version`), or when this process wrote to it (`invalidate()`: SQLite
 * does not count a connection's own writes), and every cache is dropped then.
 */
import type { Graph } from '../graph.ts';
import type { Dataset } from '../query/datasets.ts';
import type { TechniqueStats } from '../query/stats.ts';
import type { Scope } from './http.ts';

export interface AppContext {
  readonly graph: Graph;
  /** A number that changes whenever the store's content may have changed. */
  generation(): number;
  datasets(): readonly Dataset[];
  /** The one dataset a scope means (newest enterprise by default). */
  dataset(scope: Scope): Dataset;
  stats(dataset: Dataset): TechniqueStats;
  /** Computes a dataset's stats into the cache a few techniques per step (see techniqueStatsInSteps). */
  warmStats(dataset: Dataset): Generator<undefined, void>;
  /** Marks the store as changed by this process (an import or sync through the web app). */
  invalidate(): void;
}

export function createContext(graph: Graph): AppContext {
  let generation = 0;
  let seenDataVersion = -1;
  let datasets: readonly Dataset[] | null = null;
  const stats = new Map<number, TechniqueStats>();
  const drop = (): void => {
    generation++;
    datasets = null;
    stats.clear();
  };
  const check = (): number => {
    const now = graph.generation();
    if (now !== seenDataVersion) {
      seenDataVersion = now;
      drop();
    }
    return generation;
  };
  return {
    graph,
    generation: check,
    datasets() {
      check();
      datasets ??= graph.datasets();
      return datasets;
    },
    dataset(scope) {
      check();
      return graph.dataset(scope);
    },
    stats(dataset) {
      check();
      let s = stats.get(dataset.id);
      if (s === undefined) {
        s = graph.stats({ domain: dataset.domain, version: dataset.version });
        stats.set(dataset.id, s);
      }
      return s;
    },
    *warmStats(dataset) {
      const started = check();
      if (stats.has(dataset.id)) return;
      const computed: TechniqueStats = yield* graph.statsInSteps(dataset);
      // Kept only if the store did not change while it was being computed.
      if (check() === started) stats.set(dataset.id, computed);
    },
    invalidate: drop,
  };
}
