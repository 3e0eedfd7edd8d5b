/**
 * What every command needs from the global options: the store, opened the right way.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { type Graph, openGraph } from '../graph.ts';
import { resolveStorePath } from '../store/location.ts';

export function storePathOption(command: Command): string | undefined {
  const opts = command.optsWithGlobals<{ db?: string }>();
  return opts.db;
}

/**
 * Opens the graph for a command. `read`: an existing store, read-only (a typo in --db does not
 * create an empty store, and a store on a read-only disk can be read); `read-or-create`: read-only
 * when the store exists, else a new empty one (serve without a token); `write`: for imports.
 */
export function graphFor(command: Command, mode: 'read' | 'read-or-create' | 'write'): Graph {
  const path = storePathOption(command);
  const at = path === undefined ? {} : { path };
  if (mode === 'read') return openGraph({ ...at, mustExist: true, readonly: true });
  if (mode === 'read-or-create' && existsSync(resolveStorePath(path))) return openGraph({ ...at, readonly: true });
  return openGraph(at);
}

/** Runs `work` with a graph and always closes it. */
export async function withGraph<T>(command: Command, mode: 'read' | 'read-or-create' | 'write', work: (graph: Graph) => T | Promise<T>): Promise<T> {
  const graph = graphFor(command, mode);
  try {
    return await work(graph);
  } finally {
    graph.close();
  }
}
