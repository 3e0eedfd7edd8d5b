/**
 * What every command needs from the global options: the store, opened the right way.
 */
import type { Command } from 'commander';
import { type Graph, openGraph } from '../graph.ts';

export function storePathOption(command: Command): string | undefined {
  const opts = command.optsWithGlobals<{ db?: string }>();
  return opts.db;
}

/** Opens the graph for a command; queries use mustExist so that a typo in --db does not create an empty store. */
export function graphFor(command: Command, mode: 'read' | 'write'): Graph {
  const path = storePathOption(command);
  return openGraph({ ...(path === undefined ? {} : { path }), mustExist: mode === 'read' });
}

/** Runs `work` with a graph and always closes it. */
export async function withGraph<T>(command: Command, mode: 'read' | 'write', work: (graph: Graph) => T | Promise<T>): Promise<T> {
  const graph = graphFor(command, mode);
  try {
    return await work(graph);
  } finally {
    graph.close();
  }
}
